"""Response headers that every page gets, and a log filter that keeps secrets out of logs."""

from __future__ import annotations

import logging
import re

from flask import current_app

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


def apply_headers(response) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Flask-WTF's strict referrer check over HTTPS needs the Referer on our own requests.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("HSTS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if response.mimetype == "text/html" and "Cache-Control" not in headers:
        # Pages hold personal data: never keep them in shared caches.
        headers["Cache-Control"] = "no-store"


# A mainland mobile, alone or in E.164 (+86 / %2B86 in a query string).
_PHONE = re.compile(r"(?<!\d)((?:(?:\+|%2B)86)?1[3-9]\d)\d{4}(\d{4})(?!\d)", re.IGNORECASE)
_SECRET_PARAMS = re.compile(
    r"((?:password|csrf_token|token|code|key|sign)=)[^&\s\"]+", re.IGNORECASE
)
# Links that are keys in their path: a department's work-order link, an invite.
_SECRET_PATHS = re.compile(r"(/(?:d|invite)/)[^/\s?\"]+")


def redact(text: str) -> str:
    """Mask phone numbers and secret query parameters in a log line."""
    text = _SECRET_PARAMS.sub(r"\1***", text)
    text = _SECRET_PATHS.sub(r"\1***", text)
    return _PHONE.sub(r"\1****\2", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True

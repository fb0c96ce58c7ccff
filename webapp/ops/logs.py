"""Logs and the request id: every request has one (taken from a well-formed X-Request-ID or made
here), it is returned in X-Request-ID, stamped on every log line and every audit event, and logs
are plain text or one JSON object per line (LOG_FORMAT=json) for a collector."""

from __future__ import annotations

import logging
import re
import secrets

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

from webapp import audit

REQUEST_ID = "X-Request-ID"
# A proxy's or load balancer's id is kept when it is plain and short (it goes into the audit
# trail and the logs); anything else is replaced with our own.
WELL_FORMED = re.compile(r"^[A-Za-z0-9._:-]{8,32}$")
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"


def request_id_from(incoming: str | None) -> str:
    if incoming and WELL_FORMED.match(incoming):
        return incoming
    return secrets.token_hex(8)


def current_request_id() -> str:
    return g.get("request_id", "-") if has_request_context() else "-"


class RequestIdFilter(logging.Filter):
    """Stamps the request id on each record (a dash outside a request: the sweep, start-up)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


def _formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level", "asctime": "time"})
    return logging.Formatter(TEXT_FORMAT)


def configure(app: Flask) -> None:
    """One handler on the root logger (so Flask's, werkzeug's and ours all share it)."""
    kind = app.config["LOG_FORMAT"]
    if kind not in ("text", "json"):
        raise RuntimeError(f"LOG_FORMAT must be text or json, not {kind!r}")
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "propdesk", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.propdesk = True  # type: ignore[attr-defined]
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    handler.setFormatter(_formatter(kind))
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    app.logger.handlers.clear()  # Flask's default handler would print every line twice
    app.logger.propagate = True


def _start() -> None:
    g.request_id = request_id_from(request.headers.get(REQUEST_ID))
    g._audit_token = audit.current_request_id.set(g.request_id)


def _answer(response):
    response.headers[REQUEST_ID] = current_request_id()
    return response


def _end(_exc) -> None:
    token = g.pop("_audit_token", None)
    if token is not None:
        audit.current_request_id.reset(token)


def init_app(app: Flask) -> None:
    configure(app)
    app.before_request(_start)
    app.after_request(_answer)
    app.teardown_request(_end)

"""Links that leave the app (invites, tracking links, checkpoint QR codes, messages): one builder.

They are built from the configured PUBLIC_URL, so that they read https://propdesk.example.cn/...
whatever Host header the request came with; without one, from the request's own host (which behind
a reverse proxy is only right when TRUSTED_PROXIES says how many proxies to believe).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import segno
from flask import current_app, has_request_context, request, url_for


def normalise_public_url(value: str | None) -> str | None:
    """`https://host[:port][/prefix]` without a trailing slash, or None; refuses anything else."""
    if value is None or not str(value).strip():
        return None
    url = str(value).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuntimeError(f"PUBLIC_URL must look like https://propdesk.example.cn, not {value!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise RuntimeError("PUBLIC_URL must not carry a query, a fragment or credentials")
    return url


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of `endpoint` as people outside reach it."""
    base = current_app.config.get("PUBLIC_URL")
    if not base:
        return url_for(endpoint, _external=True, **values)
    if endpoint.startswith(".") and has_request_context():
        endpoint = f"{request.blueprint}{endpoint}"
    current_app.inject_url_defaults(endpoint, values)
    # The path alone, without the script root of this request: PUBLIC_URL carries any prefix.
    path = current_app.url_map.bind("localhost", script_name="/").build(endpoint, values)
    return base + path


def external_url_if_known(endpoint: str, **values: Any) -> str | None:
    """The absolute URL, or None where none can be built (a sweep run from cron without
    PUBLIC_URL has no host to build it from)."""
    try:
        return external_url(endpoint, **values)
    except RuntimeError:
        return None


def qr_data_uri(url: str, scale: int = 5) -> str:
    """A QR code of `url` as an inline SVG data URI (printed, or scanned off a screen)."""
    return segno.make(url, error="m").svg_data_uri(scale=scale, border=2)

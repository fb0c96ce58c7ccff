"""Running behind a reverse proxy: believe X-Forwarded-* from a configured number of proxies.

TRUSTED_PROXIES = 0 (the default): the app faces the clients itself, and the headers are ignored,
since anyone can send them. TRUSTED_PROXIES = n: the last n values of X-Forwarded-For, -Proto,
-Host and -Port were set by our own proxies (nginx must overwrite -Host and -Port, and append to
-For), so request.remote_addr is the client's address: the login throttle keys on it.
"""

from __future__ import annotations

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp.links import normalise_public_url

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    hops = app.config.get("TRUSTED_PROXIES") or 0
    if not isinstance(hops, int) or isinstance(hops, bool) or hops < 0:
        raise RuntimeError(f"TRUSTED_PROXIES must be a whole number >= 0, not {hops!r}")
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    app.config["PUBLIC_URL"] = normalise_public_url(app.config.get("PUBLIC_URL"))
    if not app.config["PUBLIC_URL"] and not (app.config.get("TESTING") or app.config.get("DEMO")):
        log.warning(
            "PUBLIC_URL is not set: invite links, tracking links and QR codes will use the "
            "Host header of each request; set PUBLIC_URL=https://your.host in production"
        )

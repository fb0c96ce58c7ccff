"""The installable app: manifest, service worker, offline page, icons."""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache

from flask import (
    Blueprint,
    current_app,
    jsonify,
    make_response,
    render_template,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from webapp.access import AUTHENTICATED, PUBLIC, allow
from webapp.assets import asset_url, file_version, vendor_files, vendor_url

bp = Blueprint("pwa", __name__)

THEME_COLOR = "#0f6b5c"
BACKGROUND_COLOR = "#f5f7f6"

# What the service worker keeps for offline use (the app shell).
SHELL_ASSETS = (
    "css/app.css",
    "js/app.js",
    "js/queue.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/icon.svg",
)


@bp.get("/manifest.webmanifest")
@allow(PUBLIC)
def manifest():
    """The web app manifest: name, icons, colours, standalone display."""
    data = {
        "name": _("物业客服 PropDesk"),
        "short_name": _("物业客服"),
        "description": _("物业客服部的巡查、装修、投诉与值班工作台。"),
        "id": "/",
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "lang": "zh-CN",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {"src": asset_url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": asset_url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": asset_url("icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": asset_url("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = make_response(json.dumps(data, ensure_ascii=False))
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Cookie")
    return response


def shell_urls() -> list[str]:
    return [
        url_for("pwa.offline"),
        *(asset_url(a) for a in SHELL_ASSETS),
        *(vendor_url(name) for name in vendor_files()),
    ]


@cache
def _shell_version(key: tuple) -> str:
    return hashlib.sha256(repr(key).encode()).hexdigest()[:12]


def cache_version() -> str:
    """Changes whenever a shell file or the service worker itself changes: a new deployment."""
    templates = os.path.join(current_app.root_path, current_app.template_folder)
    sw_template = os.path.join(templates, "pwa", "sw.js")
    offline_template = os.path.join(templates, "pwa", "offline.html")
    parts = [file_version(os.path.join(current_app.static_folder, a)) for a in SHELL_ASSETS]
    parts += [file_version(p) for p in (sw_template, offline_template, *vendor_files().values())]
    return _shell_version(tuple(parts))


@bp.get("/sw.js")
@allow(PUBLIC)
def service_worker():
    """The service worker, served from the root so that it controls every page."""
    body = render_template(
        "pwa/sw.js", version=cache_version(), shell=shell_urls(), offline_url=url_for("pwa.offline")
    )
    response = make_response(body)
    response.mimetype = "text/javascript"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
@allow(PUBLIC)
def offline():
    """Shown by the service worker when there is no network (in both languages)."""
    response = make_response(render_template("pwa/offline.html"))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/favicon.ico")
@allow(PUBLIC)
def favicon():
    """Browsers ask for this by name."""
    response = send_from_directory(os.path.join(current_app.static_folder, "icons"), "favicon.ico")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/session/csrf")
@allow(AUTHENTICATED)
def csrf_token():
    """A fresh CSRF token for the offline queue, whose page may be hours old."""
    response = jsonify(token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response

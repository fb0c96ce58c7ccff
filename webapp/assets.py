"""Our static files and the front-end libraries installed from packages, served from our origin.

URLs carry a content hash (`?v=`), so browsers may keep the files for a year.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from importlib.resources import files

from flask import Blueprint, abort, current_app, request, send_from_directory, url_for

from webapp.access import PUBLIC, allow

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

LONG_CACHE = "public, max-age=31536000, immutable"


def vendor_files() -> dict[str, str]:
    """Front-end libraries by public name -> file on disk (from installed packages)."""
    htmx_dir = files("js_lib_htmx") / "static" / "htmx"
    return {"htmx.min.js": str(htmx_dir / "htmx.min.js")}


@cache
def _digest(path: str, mtime: float) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()[:12]


def file_version(path: str) -> str:
    return _digest(path, os.path.getmtime(path))


def asset_url(filename: str) -> str:
    """URL of a file under static/, with a content hash for cache busting."""
    return _versioned("static", filename=filename)


def vendor_url(name: str) -> str:
    return _versioned("vendor.file", name=name)


# Every page names the same few files: their URLs are built once per process and mount point.
# With templates reloading (development), each call looks at the file again.
_urls: dict[tuple, str] = {}


def _versioned(endpoint: str, **values: str) -> str:
    key = (request.script_root, endpoint, *values.values())
    if key in _urls and not current_app.jinja_env.auto_reload:
        return _urls[key]
    if endpoint == "static":
        path = os.path.join(current_app.static_folder, values["filename"])
    else:
        path = vendor_files()[values["name"]]
    _urls[key] = url = url_for(endpoint, v=file_version(path), **values)
    return url


@bp.get("/<name>")
@allow(PUBLIC)
def file(name: str):
    """A front-end library from its installed package."""
    path = vendor_files().get(name)
    if path is None:
        abort(404)
    response = send_from_directory(os.path.dirname(path), os.path.basename(path))
    response.headers["Cache-Control"] = LONG_CACHE
    return response


def apply_cache_headers(response) -> None:
    if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
        response.headers["Cache-Control"] = LONG_CACHE


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(asset_url=asset_url, vendor_url=vendor_url)

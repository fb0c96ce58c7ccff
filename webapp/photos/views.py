"""Photos are served only here, only to those who may see a record the photo belongs to."""

from __future__ import annotations

import io

from flask import Blueprint, abort, send_file
from flask_login import current_user

from webapp.access import AUTHENTICATED, allow
from webapp.photos import services
from webapp.photos.storage import storage

bp = Blueprint("photos", __name__, url_prefix="/photos")


def _serve(photo_id: int, key_of):
    photo = services.visible_photo(current_user, photo_id)
    if photo is None:
        abort(404)
    data = storage().get(key_of(photo.sha256))
    if data is None:
        abort(404)
    response = send_file(
        io.BytesIO(data),
        mimetype="image/jpeg",
        max_age=0,
        conditional=True,
        etag=photo.sha256,
        last_modified=photo.created_at,
    )
    # Personal data: the browser may keep it, shared caches may not.
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.get("/<int:photo_id>")
@allow(AUTHENTICATED)
def show(photo_id: int):
    """The photo (longest side ≤ 2048 px)."""
    return _serve(photo_id, services.original_key)


@bp.get("/<int:photo_id>/thumb")
@allow(AUTHENTICATED)
def thumb(photo_id: int):
    """A small copy for lists."""
    return _serve(photo_id, services.thumb_key)

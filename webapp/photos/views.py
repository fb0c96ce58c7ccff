"""Photos are served only here, only to those who may see a record the photo belongs to."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from webapp.access import AUTHENTICATED, allow
from webapp.photos import services

bp = Blueprint("photos", __name__, url_prefix="/photos")


def _serve(photo_id: int, key_of):
    photo = services.visible_photo(current_user, photo_id)
    if photo is None:
        abort(404)
    return services.send_photo(photo, key_of)


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

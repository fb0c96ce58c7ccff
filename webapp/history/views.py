"""A record's history, from the audit trail."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from webapp import audit
from webapp.access import STAFF, allow
from webapp.web import render

bp = Blueprint("history", __name__, url_prefix="/history")


@bp.get("/<target_type>/<int:target_id>")
@allow(STAFF)
def show(target_type: str, target_id: int):
    """Who changed what, when: the record's audit timeline (only for records the viewer may see)."""
    loader = audit.target_loader(target_type)
    if loader is None:
        abort(404)
    record = loader(current_user, target_id)  # 404s when the viewer may not see it
    return render(
        "history/show.html",
        "history/_timeline.html",
        record=record,
        target_type=target_type,
        events=audit.history(target_type, target_id),
    )

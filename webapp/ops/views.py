"""The health endpoint for load balancers: the database and the photo storage answer (and the job
queue, once there is one). No data, no login, no session, cheap enough to ask every few seconds."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from webapp.access import PUBLIC, allow
from webapp.extensions import db, limiter
from webapp.photos.storage import storage

bp = Blueprint("ops", __name__)


def _database() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        current_app.logger.exception("health check: the database does not answer")
        db.session.rollback()
        return False


def _storage() -> bool:
    try:
        return storage().healthy()
    except Exception:  # noqa: BLE001
        current_app.logger.exception("health check: the photo storage does not answer")
        return False


@bp.get("/healthz")
@allow(PUBLIC)
@limiter.exempt
def healthz():
    """200 when every part answers, 503 (and which part failed) when one does not."""
    checks = {"database": _database(), "storage": _storage()}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "failing"}
    body.update({name: "ok" if ok else "failing" for name, ok in checks.items()})
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response

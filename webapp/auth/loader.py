"""Flask-Login's user loader: the cookie holds a session token, checked against the database."""

from __future__ import annotations

from flask import current_app, g, session

from webapp import clock
from webapp.auth import services


def load_user(token: str):
    seen = session.get("seen")
    idle = current_app.config["SESSION_IDLE_TIMEOUT"]
    if seen is not None and clock.now().timestamp() - seen > idle.total_seconds():
        session.clear()
        return None
    loaded = services.load_session(
        token, absolute_timeout=current_app.config["SESSION_ABSOLUTE_TIMEOUT"]
    )
    if loaded is None:
        session.clear()
        return None
    g.auth_session = loaded.session
    return loaded.user

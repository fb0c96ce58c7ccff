"""Error pages: generic, translated, with an error id that is also in the log, and the optional
error-tracking hook (Sentry's SDK when SENTRY_DSN is set: the error id goes with the event)."""

from __future__ import annotations

import secrets

import sentry_sdk
from flask import g, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from webapp import replay
from webapp.extensions import db


class Conflict(Exception):
    """A stale edit: someone saved the record after this form was loaded."""

    def __init__(self, record=None, message: str | None = None):
        super().__init__(message or "conflict")
        self.record = record
        self.message = message


class IllegalTransition(Conflict):
    """A workflow step that the record's current state does not allow (answered with 409)."""

    def __init__(self, record, message: str):
        super().__init__(record, message)


class Invalid(ValueError):
    """A rule of the domain refused the input; `field` names the form field to show it beside
    (a name or several: every rule of an inspection that lacks its answer)."""

    def __init__(self, field: str | list[str] | tuple[str, ...], message: str):
        super().__init__(message)
        self.fields = [field] if isinstance(field, str) else list(field)
        self.field = self.fields[0] if self.fields else ""
        self.message = message


def _page(code: int, **extra):
    html = render_template("errors/error.html", code=code, **extra)
    response = (html, code)
    return response


def _page_above(app, path: str) -> str | None:
    """The nearest address above `path` that answers GET (/tickets/7/act -> /tickets/7); never
    the home page (/logout is an action of its own, not a part of a page)."""
    adapter = app.url_map.bind("")
    parts = path.rstrip("/").split("/")
    while len(parts) > 2:
        parts.pop()
        candidate = "/".join(parts) or "/"
        try:
            adapter.match(candidate, method="GET")
        except HTTPException:
            continue
        return candidate
    return None


def init_tracking(app) -> None:
    """Send unexpected errors to an error tracker when SENTRY_DSN is set: no personal data
    (no cookies, form values or user details), no performance tracing."""
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return
    sentry_sdk.init(
        dsn=dsn,
        # Frames' local variables would carry requests, forms and sessions: not sent.
        include_local_variables=False,
        traces_sample_rate=0.0,
        max_request_body_size="never",
        environment=app.config.get("SENTRY_ENVIRONMENT") or "production",
        default_integrations=False,
        # Not Sentry's Huey integration either: it adds a `sentry_headers` argument to every job
        # enqueued here, which a consumer without Sentry would pass on to the job.
        auto_enabling_integrations=False,
    )


def init_app(app) -> None:
    init_tracking(app)

    @app.errorhandler(CSRFError)
    def _csrf(err):
        html, code = _page(400, reason="csrf")
        # The offline queue refreshes its token and sends again instead of dropping the item.
        return html, code, {"X-CSRF-Failed": "1"}

    @app.errorhandler(IntegrityError)
    def _integrity(err):
        answer = replay.duplicate(err)
        return answer if answer is not None else _unexpected(err)

    @app.errorhandler(Conflict)
    def _conflict(err):
        db.session.rollback()
        return _page(409, message=err.message)

    @app.errorhandler(StaleDataError)
    def _stale(err):
        db.session.rollback()
        return _page(409)

    @app.errorhandler(HTTPException)
    def _http(err):
        if err.code is None or err.code < 400:
            return err
        if err.response is not None:  # answered by the route itself (a limit's own page)
            return err.response
        if err.code == 405 and request.method in ("GET", "HEAD"):
            # A refused form's answer stays at the address it was posted to; reloading it (or
            # opening it from the history) goes back to the record the form belongs to.
            back = _page_above(app, request.path)
            if back is not None:
                return redirect(back, 303)
        return _page(err.code)

    @app.errorhandler(Exception)
    def _unexpected(err):
        db.session.rollback()
        error_id = getattr(g, "request_id", None) or secrets.token_hex(8)
        app.logger.exception("error %s on %s %s", error_id, request.method, request.path)
        if app.config.get("SENTRY_DSN"):
            with sentry_sdk.new_scope() as scope:
                scope.set_tag("error_id", error_id)
                sentry_sdk.capture_exception(err)
        return _page(500, error_id=error_id)

"""The application factory: configuration, extensions, request hooks and every blueprint."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, g, request, session
from flask_login import current_user

from webapp import (
    access,
    assets,
    cli,
    clock,
    errors,
    escalation,
    i18n,
    inputs,
    jobs,
    labels,
    models,  # noqa: F401  (register every table)
    proxy,
    registry,
    replay,
    requestcache,
    security,
    web,
    workflow,
)
from webapp import config as config_module
from webapp import db as db_module
from webapp.admin.views import bp as admin_bp
from webapp.announcements.views import bp as announcements_bp
from webapp.auth import throttle
from webapp.auth.loader import load_user
from webapp.auth.views import bp as auth_bp
from webapp.dashboard.views import bp as dashboard_bp
from webapp.decoration.views import bp as decoration_bp
from webapp.duty.views import bp as duty_bp
from webapp.extensions import (
    babel,
    compress,
    csrf,
    db,
    htmx,
    limiter,
    login_manager,
    migrate,
)
from webapp.history.views import bp as history_bp
from webapp.home.views import bp as home_bp
from webapp.i18n import select_locale, select_timezone
from webapp.keys.views import bp as keys_bp
from webapp.movein.views import bp as movein_bp
from webapp.ops import logs
from webapp.ops.views import bp as ops_bp
from webapp.owners.views import bp as owners_bp
from webapp.patrols.views import bp as patrols_bp
from webapp.photos import storage as photo_storage
from webapp.photos.views import bp as photos_bp
from webapp.pwa.views import bp as pwa_bp
from webapp.surveys.views import bp as surveys_bp
from webapp.tickets.views import bp as tickets_bp
from webapp.tickets.views import scan_bp
from webapp.units.views import bp as units_bp
from webapp.visits.views import bp as visits_bp
from webapp.web import unauthorized_response
from webapp.workorders.views import bp as workorders_bp
from webapp.workorders.views import link_bp as deptlink_bp

# How often a request moves the session's "last seen" time on (seconds): far below the idle
# timeout, so that timing out comes at most this much early.
SEEN_RESOLUTION = 60


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then the environment, then `config` (tests pass one)."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or None,
        template_folder="../templates",
        static_folder="../static",
    )
    explicit = {**config_module.from_environment(), **(config or {})}
    app.config.update(config_module.defaults(app.instance_path))
    app.config.update(explicit)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and (
        "SQLALCHEMY_ENGINE_OPTIONS" not in explicit
    ):
        # A file does not drop connections: no ping before each request's first statement.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": False}
    if "SESSION_COOKIE_SECURE" not in explicit:
        # Flask's own default is False; ours is Secure except in tests and the local demo.
        app.config["SESSION_COOKIE_SECURE"] = not (app.config["TESTING"] or app.config["DEMO"])
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    config_module.ensure_secret_key(app.config, app.instance_path)
    os.makedirs(app.instance_path, exist_ok=True)

    _init_extensions(app)

    inputs.init_app(app)  # before any route: the cleaning request class and bounded converters
    _init_requests(app)
    _register_blueprints(app)

    jobs.init_app(app)
    escalation.init_app(app)
    i18n.init_app(app)
    labels.init_app(app)
    web.init_app(app)
    workflow.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    proxy.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    # First, so that its after-request hook runs last, on the finished answer.
    compress.init_app(app)
    db.init_app(app)
    with app.app_context():
        db_module.configure_engine(db.engine)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    throttle.init_app(app)  # the login throttle; before the limiter, which shares its options
    limiter.init_app(app)

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)

    login_manager.init_app(app)
    # "strong" would log out staff whose IP changes between Wi-Fi and 4G on patrol.
    login_manager.session_protection = "basic"
    login_manager.login_view = "auth.login"

    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized_response)


def _init_requests(app: Flask) -> None:

    # The request id first: every later hook and log line carries it.
    logs.init_app(app)
    requestcache.init_app(app)  # then the request's store, ahead of every other hook

    @app.before_request
    def _start_request():
        g._write_token = db_module.write_intent.set(
            request.method not in ("GET", "HEAD", "OPTIONS")
        )

    # Deny by default, then CSRF: registered after the request set-up above.
    access.init_app(app)

    replay.init_app(app)

    @app.after_request
    def _finish(response):
        security.apply_headers(response)
        assets.apply_cache_headers(response)
        if current_user and current_user.is_authenticated:
            # Idle timeout: the signed cookie remembers the last request, to the minute. Writing
            # it on every request re-signed and re-sent the cookie with every answer.
            now = int(clock.now().timestamp())
            if now - session.get("seen", 0) >= SEEN_RESOLUTION:
                session["seen"] = now
            if not session.permanent:
                session.permanent = True
        return response

    @app.teardown_request
    def _end_request(_exc):
        token = g.pop("_write_token", None)
        if token is not None:
            db_module.write_intent.reset(token)

    assets.init_app(app)
    photo_storage.init_app(app)
    logging.getLogger("werkzeug").addFilter(security.RedactingFilter())


def _register_blueprints(app: Flask) -> None:

    for bp in (
        auth_bp,
        home_bp,
        dashboard_bp,
        admin_bp,
        owners_bp,
        units_bp,
        movein_bp,
        history_bp,
        pwa_bp,
        patrols_bp,
        workorders_bp,
        deptlink_bp,
        photos_bp,
        decoration_bp,
        duty_bp,
        keys_bp,
        tickets_bp,
        scan_bp,
        surveys_bp,
        announcements_bp,
        visits_bp,
        ops_bp,
    ):
        app.register_blueprint(bp)

    registry.register()

"""Logging in and out, one-time set-password links, language, the user's own account."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, make_response, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from webapp.access import AUTHENTICATED, PUBLIC, allow
from webapp.auth import services, throttle
from webapp.auth.forms import ChangePasswordForm, LocaleForm, LoginForm, SetPasswordForm
from webapp.extensions import db
from webapp.i18n import LOCALE_COOKIE
from webapp.web import is_safe_next, render, render_form, see_other

bp = Blueprint("auth", __name__)


def _sign_in(user) -> None:
    """Start a fresh session for `user` (a new cookie: no session fixation)."""
    session.clear()
    services.start_session(user, request.headers.get("User-Agent", ""))
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login():
    """Log in with username and password (throttled: webapp.auth.throttle)."""
    if current_user.is_authenticated and request.method == "GET":
        return see_other(url_for("home.index"))
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        # The hit is taken before the password is checked: parallel attempts cannot overrun it.
        attempt = throttle.reserve(form.username.data)
        if not attempt.allowed:
            abort(429)
        user = services.authenticate(form.username.data, form.password.data)
        if user is not None:
            attempt.give_back()
            _sign_in(user)
            db.session.commit()
            target = form.next.data if is_safe_next(form.next.data) else url_for("home.index")
            return see_other(target)
        db.session.rollback()
        # One message for an unknown user, a wrong password and a disabled account.
        form.form_errors.append(_("用户名或密码不正确。"))
    return render_form("auth/login.html", None, form)


@bp.post("/logout")
@allow(AUTHENTICATED)
def logout():
    """End this session on the server, so a copy of the old cookie is refused too."""
    services.end_session(current_user.auth_token)
    db.session.commit()
    logout_user()
    session.clear()
    return see_other(url_for("auth.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
def invite(token: str):
    """Set one's own password through a one-time link (new account or reset)."""
    row = services.find_setup_token(token)
    if row is None:
        return render("auth/invite_invalid.html", status=404)
    user = row.user
    form = SetPasswordForm(username=user.username, phone=user.phone)
    if form.validate_on_submit():
        services.use_setup_token(row, form.password.data)
        db.session.flush()
        _sign_in(user)
        db.session.commit()
        return see_other(url_for("home.index"))
    return render_form("auth/invite.html", None, form, person=user, purpose=row.purpose)


@bp.post("/locale")
@allow(PUBLIC)
def set_locale():
    """Switch the interface language; remembered for the user (and in a cookie)."""
    form = LocaleForm()
    supported = current_app.config["LANGUAGES"]
    if not form.validate_on_submit() or form.locale.data not in supported:
        abort(400)
    if current_user.is_authenticated:
        current_user.locale = form.locale.data
        db.session.commit()
    target = form.next.data if is_safe_next(form.next.data) else url_for("home.index")
    response = make_response("", 303)
    response.headers["Location"] = target
    response.set_cookie(
        LOCALE_COOKIE,
        form.locale.data,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
    )
    return response


@bp.route("/account", methods=["GET", "POST"])
@allow(AUTHENTICATED)
def account():
    """My account: language, password, log out."""
    form = ChangePasswordForm(username=current_user.username, phone=current_user.phone)
    if form.validate_on_submit():
        if not services.confirm_password(g.auth_session, current_user, form.current.data):
            form.current.errors.append(_("当前密码不正确。"))
        else:
            services.set_password(current_user, form.password.data, actor=current_user)
            db.session.flush()
            _sign_in(current_user._get_current_object())
            db.session.commit()
            flash(_("密码已修改。其他设备上的登录已退出。"), "success")
            return see_other(url_for("auth.account"))
    return render_form("account/index.html", None, form)

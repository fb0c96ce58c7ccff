"""Accounts: logging in and out, server-side sessions, one-time set-password links.

No `request` here: the views pass in what they read from it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, g
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload

from webapp import audit, clock, phones
from webapp.extensions import db
from webapp.models import AuthSession, EstateMembership, SetupToken, User
from webapp.passwords import hash_password, needs_rehash, policy_problem, verify_password


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(username: str, password: str) -> User | None:
    """The user these credentials belong to, or None; the same work is done either way."""
    forms = phones.login_forms(username)
    found = db.session.scalars(select(User).where(User.username.in_(forms))).all()
    # As typed first; a phone typed however the owner likes finds the account by its E.164 form.
    user = next((u for u in found if u.username == forms[0]), found[0] if found else None)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def start_session(user: User, user_agent: str = "") -> str:
    """Open a login session and return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    db.session.add(
        AuthSession(
            token_hash=_digest(token),
            user_id=user.id,
            session_version=user.session_version,
            created_at=now,
            authenticated_at=now,
            user_agent=user_agent[:200],
        )
    )
    user.auth_token = token
    return token


# Every request runs this statement: built once, with the token's digest as its parameter. The
# person's estates come in the same statement: every staff page asks for them (what they may
# see, their time zone), and lazily they cost two statements more.
_SESSION_OF_TOKEN = (
    select(AuthSession, User)
    .join(User, User.id == AuthSession.user_id)
    .where(AuthSession.token_hash == bindparam("digest"))
    .options(joinedload(User.memberships).joinedload(EstateMembership.estate))
)


@dataclass
class Loaded:
    user: User
    session: AuthSession


def load_session(token: str, *, absolute_timeout: timedelta) -> Loaded | None:
    """The live session behind a cookie token, or None when it was revoked, outdated or expired."""
    row = db.session.execute(_SESSION_OF_TOKEN, {"digest": _digest(token)}).unique().first()
    if row is None:
        return None
    auth, user = row
    if (
        auth.revoked_at is not None
        or not user.active
        or auth.session_version != user.session_version
        or clock.now() - auth.created_at > absolute_timeout
    ):
        return None
    user.auth_token = token
    return Loaded(user, auth)


def end_session(token: str) -> None:
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == _digest(token), AuthSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


def is_fresh(auth: AuthSession, window: timedelta) -> bool:
    return clock.now() - auth.authenticated_at <= window


def fresh_now() -> bool:
    """This request's session logged in (or confirmed the password) recently enough to sign."""
    return is_fresh(g.auth_session, current_app.config["FRESH_LOGIN_WINDOW"])


def confirmed(form) -> bool:
    """Before a signature: a recent login, or the password typed again now in the form's
    `password` field (refused beside it when wrong)."""
    fresh = fresh_now()
    if not fresh and form.password.data:
        fresh = confirm_password(g.auth_session, current_user, form.password.data)
        if not fresh:
            form.password.errors = [_("密码不正确。")]
    return fresh


def confirm_password(auth: AuthSession, user: User, password: str) -> bool:
    """Re-enter the password before a sensitive action (sign-off): refreshes the session."""
    if not verify_password(user.password_hash, password):
        return False
    auth.authenticated_at = clock.now()
    return True


def end_all_sessions(user: User) -> None:
    """Every session of this user dies, on every device (password/role change, disabling)."""
    user.session_version = (user.session_version or 1) + 1


# --- one-time links -------------------------------------------------------------------------


def issue_setup_link(
    user: User, *, purpose: str, issued_by: User | None, valid_for: timedelta
) -> str:
    """A fresh one-time token for `user`; earlier unused ones stop working."""
    now = clock.now()
    db.session.execute(
        update(SetupToken)
        .where(SetupToken.user_id == user.id, SetupToken.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(24)
    db.session.add(
        SetupToken(
            token_hash=_digest(token),
            user_id=user.id,
            purpose=purpose,
            created_by_id=issued_by.id if issued_by else None,
            created_at=now,
            expires_at=now + valid_for,
        )
    )
    audit.record(
        issued_by, f"user.{purpose}_link", "user", user.id, after={"expires": str(now + valid_for)}
    )
    return token


def find_setup_token(token: str) -> SetupToken | None:
    """The usable token behind a link: unused, unexpired, for an active account."""
    row = db.session.scalar(select(SetupToken).where(SetupToken.token_hash == _digest(token)))
    if (
        row is None
        or row.used_at is not None
        or row.expires_at < clock.now()
        or not row.user.active
    ):
        return None
    return row


def find_setup_tokens(tokens: list[str], *options) -> dict[str, SetupToken]:
    """The usable tokens among these (as find_setup_token), read in one statement."""
    by_digest = {_digest(t): t for t in tokens}
    now = clock.now()
    rows = db.session.scalars(
        select(SetupToken)
        .join(User, User.id == SetupToken.user_id)
        .where(
            SetupToken.token_hash.in_(list(by_digest)),
            SetupToken.used_at.is_(None),
            SetupToken.expires_at >= now,
            User.active.is_(True),
        )
        .options(*options)
    )
    return {by_digest[row.token_hash]: row for row in rows}


class PasswordRejected(ValueError):
    pass


def set_password(user: User, password: str, *, actor: User | None) -> None:
    """Set a new password; every existing session of the user ends."""
    problem = policy_problem(password, username=user.username, phone=user.phone)
    if problem:
        raise PasswordRejected(problem)
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    audit.record(actor, "user.password_set", "user", user.id)


def use_setup_token(row: SetupToken, password: str) -> User:
    set_password(row.user, password, actor=row.user)
    row.used_at = clock.now()
    return row.user


def username_taken(username: str, *, except_id: int | None = None) -> bool:
    query = select(func.count(User.id)).where(User.username.in_(phones.login_forms(username)))
    if except_id is not None:
        query = query.where(User.id != except_id)
    return bool(db.session.scalar(query))

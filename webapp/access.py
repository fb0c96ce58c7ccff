"""Authorization, in one place. Every view declares who may call it; anything undeclared is refused.

Route level: `@allow(...)` on each view, enforced by `enforce()` before every request (after which
CSRF is checked). Object level: the scoping helpers in `webapp.scoping`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import abort, current_app, request
from flask_login import current_user

from webapp.extensions import csrf, login_manager
from webapp.models import STAFF_ROLES, Role

PUBLIC = "public"  # anyone, logged in or not
AUTHENTICATED = "authenticated"  # any logged-in user
STAFF = tuple(STAFF_ROLES)
MANAGER = (Role.MANAGER,)
SUPERVISOR_UP = (Role.SUPERVISOR, Role.MANAGER)
OWNER = (Role.OWNER,)

# Endpoints that belong to Flask itself, not to a view of ours.
_BUILTIN_PUBLIC = {"static"}


def allow(*who: str | Iterable[str]) -> Callable:
    """Declare who may call this view: PUBLIC, AUTHENTICATED, or role names (tuples flattened)."""
    principals: set[str] = set()
    for item in who:
        if isinstance(item, str):
            principals.add(str(item))
        else:
            principals.update(str(r) for r in item)
    if not principals:
        raise ValueError("allow() needs at least one principal")

    def decorator(view: Callable) -> Callable:
        view.access = frozenset(principals)  # type: ignore[attr-defined]
        return view

    return decorator


def rule_for(endpoint: str | None) -> frozenset[str] | None:
    if endpoint is None:
        return None
    if endpoint in _BUILTIN_PUBLIC:
        return frozenset({PUBLIC})
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access", None)


def may_visit(user, endpoint: str | None) -> bool:
    """May this person open this endpoint? The same answer enforce() gives (pages ask it before
    they show a link)."""
    rule = rule_for(endpoint)
    if rule is None:
        return False
    if PUBLIC in rule:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return AUTHENTICATED in rule or user.role in rule


def init_app(app) -> None:
    """Deny by default before every request, and `may_visit("endpoint")` for templates."""
    app.before_request(enforce)
    app.jinja_env.globals["may_visit"] = lambda endpoint: may_visit(current_user, endpoint)


def enforce() -> Any:
    """before_request: deny by default, then check CSRF for everything that may change state."""
    if request.endpoint is None:
        return None  # 404/405 follow from routing
    rule = rule_for(request.endpoint)
    if rule is None:
        current_app.logger.error("route %s has no access rule: refused", request.endpoint)
        abort(403)
    if PUBLIC not in rule:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if AUTHENTICATED not in rule and current_user.role not in rule:
            abort(403)
    if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
        csrf.protect()
    return None

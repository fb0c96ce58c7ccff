"""The one place that knows about htmx: page or fragment, redirects, flashes, form status.

Views call these helpers and never read HX-* headers themselves.
"""

from __future__ import annotations

from flask import Response, get_flashed_messages, make_response, render_template, request, url_for


def wants_fragment() -> bool:
    """A targeted htmx request: not boosted navigation and not a history restore."""
    hx = request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render(page: str, fragment: str | None = None, *, status: int = 200, **context) -> Response:
    """Render the full page, or only `fragment` when htmx asked for a part of the page.

    The page template includes the fragment, so the two never drift apart.
    """
    if fragment is not None and wants_fragment():
        body = render_template(fragment, **context) + _flash_oob()
    else:
        body = render_template(page, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def render_form(page: str, fragment: str | None, form, **context) -> Response:
    """Like render(), answering 422 when the form has errors (htmx is set to swap 422)."""
    status = 422 if form.errors else 200
    return render(page, fragment, status=status, form=form, **context)


def see_other(location: str) -> Response:
    """After a successful POST: 303 for browsers and boosted forms, HX-Location for htmx."""
    if wants_fragment():
        response = make_response("", 204)
        response.headers["HX-Location"] = location
    else:
        response = make_response("", 303)
        response.headers["Location"] = location
    response.vary.add("HX-Request")
    return response


def fragment_or_redirect(fragment: str, location: str, **context) -> Response:
    """After a successful edit: the updated fragment for htmx, Post/Redirect/Get otherwise."""
    if wants_fragment():
        return render(fragment, fragment, **context)
    return see_other(location)


def unauthorized_response() -> Response:
    """Not logged in (or the session expired): the login page, or 401 + HX-Redirect for htmx."""
    login = url_for("auth.login", next=_safe_next_target())
    if request.htmx:
        response = make_response("", 401)
        response.headers["HX-Redirect"] = login
    elif request.method in ("GET", "HEAD"):
        response = make_response("", 302)
        response.headers["Location"] = login
    else:
        # A plain form posted after the session died: say so rather than lose it silently.
        response = make_response(render_template("errors/error.html", code=401, error_id=None), 401)
    response.vary.add("HX-Request")
    return response


def _safe_next_target() -> str | None:
    if request.method != "GET":
        return None
    path = request.full_path if request.query_string else request.path
    return path if is_safe_next(path) else None


def is_safe_next(target: str | None) -> bool:
    """Only same-site paths: no scheme, no host, no protocol-relative //evil."""
    return bool(target) and target.startswith("/") and not target.startswith(("//", "/\\"))


def _flash_oob() -> str:
    messages = get_flashed_messages(with_categories=True)
    if not messages:
        return ""
    return render_template("_flash.html", messages=messages, oob=True)

"""The one place that knows about htmx: page or fragment, redirects, flashes, form status.

Views call these helpers and never read HX-* headers themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, urlencode

from flask import (
    Flask,
    Response,
    g,
    get_flashed_messages,
    has_request_context,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user

# The page's shell (who it was drawn for, in which language), sent back by app.js on every
# htmx request. htmx swaps only the body's content, so a boosted login would keep the
# signed-out <head>, scripts and body class: when the shell changes, the page is loaded whole.
SHELL_HEADER = "X-PropDesk-Shell"
# Why a request was refused, for scripts (the offline queue) that do not read the page.
REASON_HEADER = "X-PropDesk-Reason"


_MARKER = 7_300_000_000_000_000_001  # an id no table reaches, to find where ids go in a URL


def url_pattern(endpoint: str, param: str, **values) -> Callable[[int], str]:
    """`url_for(endpoint, param=id, **values)` for many ids, built once: a list of 50 cards
    would otherwise walk the URL map 50 times. Only for integer ids."""
    head, _, tail = url_for(endpoint, **{param: _MARKER}, **values).partition(str(_MARKER))
    return lambda record_id: f"{head}{int(record_id)}{tail}"


# The "more" link that ends a paged list (the more() macro in templates/_macros/ui.html) stands
# in an element with this id; its htmx request asks for the next rows alone, drawn in its place.
MORE_ID = "more"


def wants_fragment() -> bool:
    """A targeted htmx request: not boosted navigation and not a history restore."""
    hx = request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def wants_rows() -> bool:
    """htmx asks for a paged list's next rows (the "more" link scrolled into view)."""
    return wants_fragment() and request.htmx.target == MORE_ID


def page_url(after: str | None) -> str:
    """This list's address at the page token `after` (None: its start), the filters kept."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k not in ("after", "page")]
    if after:
        pairs.append(("after", after))
    path = request.script_root + request.path
    return f"{path}?{urlencode(pairs)}" if pairs else path


def render(
    page: str,
    fragment: str | None = None,
    *,
    status: int = 200,
    page_context: Callable[[], dict] | None = None,
    rows_fragment: str | None = None,
    **context,
) -> Response:
    """Render the full page, or only `fragment` when htmx asked for a part of the page, or
    only `rows_fragment` when it asked for a paged list's next rows.

    The page template includes the fragment, and the fragment the rows, so they never drift
    apart. `page_context` is what only the whole page shows (tab counts, filter choices):
    computed for the page, never for a fragment.
    """
    if not isinstance(status, int):  # a page's own "status" passed by mistake
        raise TypeError(f"render(status=...) is the HTTP status, not {status!r}")
    if rows_fragment is not None and wants_rows():
        body = render_template(rows_fragment, **context)
    elif fragment is not None and wants_fragment():
        body = render_template(fragment, **context) + _flash_oob()
    else:
        body = render_template(page, **context, **(page_context() if page_context else {}))
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


def no_store(response: Response) -> Response:
    """A page reached through a secret link (a code, a token in the URL): kept in no cache and
    not named to the next site in a Referer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
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


def shell_id() -> str:
    """Who the page is drawn for and in which language (base.html puts it on <body>)."""
    user = current_user
    who = str(user.id) if user and user.is_authenticated else "-"
    return f"{who}.{get_locale()}"


def _whole_document(response: Response) -> Response:
    """after_request: answers that htmx must not swap into the current page become a full load.

    - the shell changed (login, logout, language, another account in another tab): the page
      reached is loaded whole, with its own scripts, body class and navigation;
    - a boosted link reached a download (a workbook, a photo): the browser fetches it itself
      instead of pouring its bytes into the page. (A form that posts for a download cannot be
      fetched again that way: it carries hx-boost="false".)
    """
    if not request.htmx or "HX-Redirect" in response.headers or response.status_code >= 500:
        return response
    response.vary.add(SHELL_HEADER)
    sent = request.headers.get(SHELL_HEADER)
    stale_shell = sent is not None and sent != shell_id()
    download = request.htmx.boosted and (
        response.mimetype != "text/html"
        or response.headers.get("Content-Disposition", "").startswith("attachment")
    )
    if not (stale_shell or download) or 300 <= response.status_code < 400:
        return response  # a redirect is followed by the browser: its target answers
    replacement = make_response("", 204)
    if request.method == "GET" and not wants_fragment() and response.status_code < 400:
        target = request.full_path if request.query_string else request.path
        replacement.headers["HX-Redirect"] = target  # the page reached, loaded whole
    else:
        replacement.headers["HX-Refresh"] = "true"  # a part of a page drawn for another shell
    replacement.vary.update(response.vary)
    for name, value in response.headers.items():
        if name.lower() == "set-cookie":
            replacement.headers.add(name, value)
    return replacement


def said(message):
    """A refusal shown on the page (the errors macros call this): kept for the reason header."""
    if has_request_context():
        g.setdefault("refusals", []).append(str(message))
    return message


def _reason(response: Response) -> Response:
    """after_request: a refused request says why in REASON_HEADER (percent-encoded UTF-8), so
    the offline queue can tell the person without reading the page's HTML."""
    told = g.get("refusals")
    if response.status_code >= 400 and told:
        text = " ".join(dict.fromkeys(t.strip() for t in told if t.strip()))[:600]
        response.headers[REASON_HEADER] = quote(text, safe="")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_whole_document)
    app.after_request(_reason)
    app.jinja_env.globals.update(
        fragment_request=wants_fragment,
        shell_id=shell_id,
        said=said,
        url_pattern=url_pattern,
        page_url=page_url,
        MORE_ID=MORE_ID,
    )

"""Answers kept for the length of one request: what a page asks for many times (its language,
time zone and catalogue for every text and time it shows, the estates its person may see).

The store lives in a context variable set when a request begins and dropped when it ends, not in
the request's environ (reaching it went through Flask's context proxies on every call) nor on
`g` (which outlives a request wherever an app context was pushed before it: tests, the CLI).
Outside a request nothing is kept: every call answers afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

_store: ContextVar[dict | None] = ContextVar("propdesk_request_cache", default=None)
_RESET = "propdesk.reset"


def once(name: str, find: Callable[[], Any]) -> Any:
    """What `find()` answers, found once per request."""
    store = _store.get()
    if store is None:
        return find()
    if name not in store:
        store[name] = find()
    return store[name]


def per_request(name: str) -> dict:
    """A dict that lives as long as the current request (empty and unshared outside one)."""
    store = _store.get()
    if store is None:
        return {}
    return store.setdefault(name, {})


def _begin() -> None:
    store: dict = {}
    store[_RESET] = _store.set(store)


def _end(_exc) -> None:
    store = _store.get()
    if store is not None and _RESET in store:
        _store.reset(store[_RESET])


def init_app(app) -> None:
    # First of the before-request hooks, so that every later one finds the store.
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.teardown_request(_end)

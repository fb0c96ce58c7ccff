"""Login throttling that holds under parallel requests and several workers.

Each login attempt first *reserves* one hit on three counters with an atomic increment-and-test
(INCRBY in Redis; a lock in memory), and only then is the password checked. So N+k
parallel attempts get at most N password checks, whatever the timing. A right password gives its
hits back: the counters count failed checks only. The counters (fixed one-minute windows):

- per account *and* client address (5/minute): the attacker's own budget for one account;
- per account from all clients together (30/minute): a ceiling, high enough that one attacker's
  failures do not lock the owner out of their own phone;
- per client address (60/minute): looser, so that one office NAT never locks out all the staff.

A refused attempt counts only against the counter that refused it (the others are given back), so
an attacker who is already throttled does not eat into the account's ceiling.

The store is RATELIMIT_STORAGE_URI (Redis in production, shared by the workers). When it cannot be
reached, the counting goes on in this process's memory (logged), and the store is tried again every
RETRY_AFTER seconds: logins keep working. memory:// with several workers would let each worker
count on its own: refused at start-up when WEB_CONCURRENCY > 1, and at the first login when the WSGI
server says it runs several processes (wsgi.multiprocess), except in tests and the demo.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache

from flask import Flask, abort, current_app, request
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string

from webapp import phones

log = logging.getLogger(__name__)

EXTENSION = "propdesk.login_throttle"
RETRY_AFTER = 30.0  # seconds between attempts to reach a store that was down
# Redis on loopback answers in well under a millisecond: a second means it is gone.
REDIS_TIMEOUTS = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}


# --- the store, with its fallback ------------------------------------------------------------


@dataclass
class Store:
    """The configured store, and this process's memory while that store is unreachable."""

    primary: Storage
    shared: bool
    prefix: str
    fallback: MemoryStorage = field(default_factory=MemoryStorage)
    down_since: float | None = None
    retry_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    warned_unshared: bool = False

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        if self.down_since is None or time.monotonic() >= self.retry_at:
            try:
                value = self.primary.incr(key, expiry, amount=amount)
            except (StorageError, *_exceptions(self.primary)) as exc:
                self._went_down(exc)
            else:
                if self.down_since is not None:
                    self._came_back()
                return value
        return self.fallback.incr(key, expiry, amount=amount)

    def _went_down(self, exc: Exception) -> None:
        with self.lock:
            first = self.down_since is None
            if first:
                self.down_since = time.monotonic()
            self.retry_at = time.monotonic() + RETRY_AFTER
        log.warning(
            "login throttle store %s: %s: %s; counting in this process's memory, "
            "trying again in %.0f s",
            "unreachable" if first else "still unreachable",
            type(exc).__name__,
            exc,
            RETRY_AFTER,
        )

    def _came_back(self) -> None:
        with self.lock:
            since, self.down_since = self.down_since, None
        if since is not None:
            log.warning(
                "login throttle store reachable again after %.0f s", time.monotonic() - since
            )


def _exceptions(storage: Storage) -> tuple[type[Exception], ...]:
    base = storage.base_exceptions
    return base if isinstance(base, tuple) else (base,)


def _production(app: Flask) -> bool:
    return not (app.config.get("TESTING") or app.config.get("DEMO"))


def init_app(app: Flask) -> None:
    """Open the store named by RATELIMIT_STORAGE_URI and check it suits the deployment.

    Called before flask-limiter's init_app, which then shares the Redis options."""
    uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    options = dict(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {})
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        options = {**REDIS_TIMEOUTS, **options}
        # flask-limiter's own limits (the tracking link) use the same short timeouts, so that
        # an unreachable Redis means its in-memory fallback, not a hung request.
        app.config["RATELIMIT_STORAGE_OPTIONS"] = options
    primary = storage_from_string(uri, **options)
    shared = not isinstance(primary, MemoryStorage)
    if not shared and _production(app):
        workers = os.environ.get("WEB_CONCURRENCY", "1").strip()
        if workers.isdigit() and int(workers) > 1:
            raise RuntimeError(
                f"RATELIMIT_STORAGE_URI is memory:// but WEB_CONCURRENCY={workers}: every worker "
                "would count login failures on its own. Set RATELIMIT_STORAGE_URI=redis://..."
            )
        log.error(
            "RATELIMIT_STORAGE_URI is memory://: login throttling is per process. That holds "
            "only with ONE worker; production must use RATELIMIT_STORAGE_URI=redis://..."
        )
    prefix = app.config.get("RATELIMIT_KEY_PREFIX") or "propdesk"
    app.extensions[EXTENSION] = Store(primary=primary, shared=shared, prefix=prefix)


def _store() -> Store:
    return current_app.extensions[EXTENSION]


def _refuse_unshared_store_with_workers(store: Store) -> None:
    """Several worker processes each counting in their own memory: the throttle would not hold."""
    if store.shared or not request.environ.get("wsgi.multiprocess"):
        return
    if not store.warned_unshared:
        store.warned_unshared = True
        log.critical(
            "login throttling with memory:// under a server with several worker processes: "
            "each would count on its own. Set RATELIMIT_STORAGE_URI=redis://..."
        )
    if _production(current_app):
        abort(503)


# --- attempts ----------------------------------------------------------------------------------


@dataclass
class Attempt:
    """One login attempt's reserved hits; `allowed` is False when a limit refused it."""

    allowed: bool
    held: list[tuple[str, int]] = field(default_factory=list)

    def give_back(self) -> None:
        """The password was right: these hits were not failures."""
        store = _store()
        for key, expiry in self.held:
            if store.incr(key, expiry, -1) < 0:
                # The window ended between the hit and now: do not start the next one below zero.
                store.incr(key, expiry, 1)
        self.held = []


@lru_cache(maxsize=32)
def _limit(spec: str) -> RateLimitItem:
    return parse(spec)


def account_id(username: str) -> str:
    """A keyed hash of the normalised username: the store never holds phone numbers."""
    # A phone counts as one account however it is typed (139…, +86 139…, 0086…).
    name = phones.login_forms(username[:64])[-1].encode()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"login-account:" + name, hashlib.sha256).hexdigest()[:32]


def client_id(address: str | None) -> str:
    """The client's address; for IPv6 its /64, which one subscriber usually holds whole."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def mask_account(username: str) -> str:
    """For the log: 139****0001 for a phone number, else the first two characters."""
    name = username.strip().lower()[:64]
    if phones.normalise_or_none(name):
        return phones.mask(name)
    return (name[:2] + "***") if len(name) > 2 else "***"


def reserve(username: str) -> Attempt:
    """Take one hit from each limit before the password is checked; refuse when one is used up."""
    store = _store()
    _refuse_unshared_store_with_workers(store)
    config = current_app.config
    account = account_id(username)
    client = client_id(request.remote_addr)
    counters = (
        ("account+client", config["LOGIN_LIMIT_PER_ACCOUNT_AND_CLIENT"], ("ac", account, client)),
        ("account", config["LOGIN_LIMIT_PER_ACCOUNT"], ("a", account)),
        ("client", config["LOGIN_LIMIT_PER_IP"], ("c", client)),
    )
    attempt = Attempt(allowed=True)
    for name, spec, identifiers in counters:
        item = _limit(spec)
        key = item.key_for(store.prefix, "login", *identifiers)
        count = store.incr(key, item.get_expiry(), 1)
        if count <= item.amount:
            attempt.held.append((key, item.get_expiry()))
            continue
        attempt.give_back()
        if count == item.amount + 1:  # once per window and key, not for every refused attempt
            log.warning(
                "login throttled: %s limit %s reached for account %s (#%s) from %s",
                name,
                spec,
                mask_account(username),
                account[:8],
                client,
            )
        return Attempt(allowed=False)
    return attempt

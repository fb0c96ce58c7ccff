"""Login throttling under real parallel requests, several workers and a store outage
(RELIABILITY.md: throttles are atomic, shared between workers, do not lock the owner out,
and degrade to a local fallback, never to 500).

These tests serve the app over real sockets (werkzeug's threaded server, gunicorn with four
workers) and count against a real Redis at REDIS_URL (127.0.0.1:6379 here and in CI), each test
under its own key prefix.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.fixtures.app import TEST_CONFIG
from tests.live import Browser, gunicorn, serve

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
PARALLEL = 20
THROTTLE_LOG = "webapp.auth.throttle"


# --- an app with its own settings, served over a socket --------------------------------------


@pytest.fixture
def overrides() -> dict:
    """Settings for this test's app; tests parametrize it."""
    return {}


@pytest.fixture
def app_config(overrides) -> dict:
    """conftest's app, with `overrides` and a key prefix of its own in the store."""
    return {"RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}", **overrides}


def parallel_failures(browser: Browser, username: str, n: int = PARALLEL) -> Counter:
    """`n` wrong passwords for one account at once, from one client; the answers' statuses."""
    browser.get("/login")
    barrier = threading.Barrier(n)

    def attempt(i: int) -> int:
        barrier.wait(10)
        status, _, _ = browser.post("/login", {"username": username, "password": f"wrong-{i}-x"})
        return status

    with ThreadPoolExecutor(n) as pool:
        return Counter(pool.map(attempt, range(n)))


def throttle_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == THROTTLE_LOG]


# --- atomic under parallel requests ------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"RATELIMIT_STORAGE_URI": REDIS_URL, "TRUSTED_PROXIES": 1},
        {"RATELIMIT_STORAGE_URI": "memory://", "TRUSTED_PROXIES": 1},
    ],
    ids=["redis", "memory"],
)
def test_parallel_failures_get_five_checks_and_the_owner_still_gets_in(app, world, caplog):
    caplog.set_level(logging.INFO, logger=THROTTLE_LOG)
    owner = world.owner_a.username  # a phone number
    with serve(app) as base:
        attacker = Browser(base)
        codes = parallel_failures(attacker, owner)
        # Each 422 is one password check; the rest were refused before any check.
        assert codes == Counter({422: 5, 429: PARALLEL - 5}), codes
        # Even the right password waits now, from the attacker's client.
        assert attacker.login(owner) == 429
        # The owner, on their own phone (another address, given by a trusted proxy), gets in.
        phone = Browser(base, headers={"X-Forwarded-For": "203.0.113.7"})
        assert phone.login(owner) == 303
        assert phone.get("/")[0] == 200
    warnings = throttle_warnings(caplog)
    assert len(warnings) == 1, warnings  # once when the limit trips, not for every refusal
    assert "account+client" in warnings[0] and "139 **** 0001" in warnings[0]
    assert owner not in " ".join(warnings) and "wrong-" not in caplog.text


@pytest.mark.parametrize(
    "overrides", [{"RATELIMIT_STORAGE_URI": REDIS_URL, "TRUSTED_PROXIES": 1}], ids=["redis"]
)
def test_an_attacker_who_is_refused_does_not_use_up_the_accounts_ceiling(app, world, caplog):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "8/minute"
    with serve(app) as base:
        first = Browser(base, headers={"X-Forwarded-For": "198.51.100.1"})
        assert parallel_failures(first, "manager") == Counter({422: 5, 429: PARALLEL - 5})
        # A second address gets the 3 checks left under the ceiling (8), not 0: the 15 refused
        # attempts above did not count.
        second = Browser(base, headers={"X-Forwarded-For": "198.51.100.2"})
        assert parallel_failures(second, "manager", 10) == Counter({422: 3, 429: 7})
        # The ceiling holds for every client now; other accounts are untouched.
        third = Browser(base, headers={"X-Forwarded-For": "198.51.100.3"})
        assert third.login("manager") == 429
        assert third.login("supervisor") == 303
    assert any("account limit 8/minute" in w for w in throttle_warnings(caplog))


def test_one_address_has_a_looser_limit_over_all_accounts(app, world, new_client):
    app.config["LOGIN_LIMIT_PER_IP"] = "7/minute"
    office = new_client()
    office.refresh_csrf()
    names = [f"nobody-{i}" for i in range(7)]
    codes = [
        office.post("/login", data={"username": n, "password": "wrong-password-1"}).status_code
        for n in names
    ]
    assert codes == [422] * 7
    assert (
        office.post("/login", data={"username": "x-8", "password": "wrong-pw-22"}).status_code
        == 429
    )
    # Another address is unaffected.
    other = new_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    assert other.login(world.supervisor).status_code == 303


def test_successes_are_given_back(app, world, new_client):
    c = new_client()
    c.refresh_csrf()
    for _ in range(4):
        assert (
            c.post("/login", data={"username": "assistant", "password": "nope-nope-1"}).status_code
            == 422
        )
    # Ten good logins in between do not use up the fifth failure.
    for _ in range(10):
        assert new_client().login(world.assistant).status_code == 303
    assert (
        c.post("/login", data={"username": "assistant", "password": "nope-nope-1"}).status_code
        == 422
    )
    assert (
        c.post("/login", data={"username": "assistant", "password": "nope-nope-1"}).status_code
        == 429
    )


# --- several workers ---------------------------------------------------------------------------


def _gunicorn_config(app, **extra) -> dict:
    return {
        "SECRET_KEY": TEST_CONFIG["SECRET_KEY"],
        "PASSWORD_HASH_PROFILE": "fast",
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_DIR": app.config["UPLOAD_DIR"],
        "RATELIMIT_KEY_PREFIX": app.config["RATELIMIT_KEY_PREFIX"],
        **extra,
    }


def test_four_gunicorn_workers_share_one_count_in_redis(app, world, tmp_path):
    config = _gunicorn_config(app, TESTING=True, RATELIMIT_STORAGE_URI=REDIS_URL)
    with gunicorn(config, tmp_path, workers=4) as (base, _log):
        codes = parallel_failures(Browser(base), world.owner_a.username)
        assert codes == Counter({422: 5, 429: PARALLEL - 5}), codes
        assert Browser(base).login(world.owner_a.username) == 429
        assert Browser(base).login("manager") == 303


def test_memory_store_with_several_workers_refuses_logins(app, world, tmp_path):
    # Production settings (no TESTING): each worker would count on its own.
    config = _gunicorn_config(app, RATELIMIT_STORAGE_URI="memory://", SESSION_COOKIE_SECURE=False)
    with gunicorn(config, tmp_path, workers=2) as (base, log_path):
        assert Browser(base).login("manager") == 503
    log_text = log_path.read_text()
    assert "several worker processes" in log_text
    assert "login throttling is per process" in log_text  # said at start-up as well


def test_memory_store_refused_at_start_when_several_workers_are_announced(
    monkeypatch, tmp_path, caplog
):
    from webapp import create_app

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("PROPDESK_DEMO", raising=False)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    config = {"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    with pytest.raises(RuntimeError, match="WEB_CONCURRENCY"):
        create_app(config)
    # Redis is fine with several workers; memory:// with one worker is said loudly.
    create_app({**config, "RATELIMIT_STORAGE_URI": REDIS_URL})
    monkeypatch.delenv("WEB_CONCURRENCY")
    caplog.set_level(logging.ERROR, logger=THROTTLE_LOG)
    create_app(config)
    assert any(r.levelno == logging.ERROR and "redis://" in r.getMessage() for r in caplog.records)


# --- the store is down -------------------------------------------------------------------------


@pytest.mark.parametrize("overrides", [{"RATELIMIT_STORAGE_URI": DEAD_REDIS}], ids=["dead"])
def test_with_redis_down_logins_work_are_still_throttled_and_it_is_logged(
    app, world, new_client, caplog
):
    caplog.set_level(logging.INFO, logger=THROTTLE_LOG)
    assert new_client().login(world.manager).status_code == 303
    c = new_client()
    c.refresh_csrf()
    codes = [
        c.post("/login", data={"username": "assistant", "password": f"wrong-{i}-xx"}).status_code
        for i in range(6)
    ]
    assert codes == [422] * 5 + [429]  # counted in this process's memory meanwhile
    assert new_client().login(world.supervisor).status_code == 303
    outage = [w for w in throttle_warnings(caplog) if "unreachable" in w]
    assert len(outage) == 1, outage  # said once, tried again later (not on every login)
    assert "ConnectionError" in outage[0]
    # The tracking link's own limit (flask-limiter, same store) falls back too: no 500.
    assert new_client().get("/t/NO-SUCH?code=x").status_code == 404

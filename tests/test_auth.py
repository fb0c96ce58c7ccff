"""Accounts and sessions (RELIABILITY.md: accounts and sessions)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.fixtures.app import PASSWORD, reload
from webapp import clock
from webapp.extensions import db
from webapp.models import AuthSession

HOME_SECTIONS = {
    "assistant": {
        "duty-patrols",
        "duty-reinspect",
        "duty-decoration",
        "duty-tickets",
        "duty-shift",
        "duty-visits",
        "my-estates",
    },
    "supervisor": {
        "duty-patrols",
        "duty-signoff",
        "duty-decoration",
        "duty-overdue",
        "duty-reinspect",
        "duty-held",
        "duty-assign",
        "duty-shift",
        "duty-visits",
        "my-estates",
    },
    "manager": {
        "duty-opinions",
        "duty-major",
        "duty-shift",
        "duty-overdue",
        "duty-compliance",
        "duty-patrols",
        "my-estates",
    },
    "owner_a": {
        "my-units",
        "duty-tickets",
        "duty-notices",
        "duty-movein",
        "duty-surveys",
        "duty-announcements",
    },
}


@pytest.mark.parametrize("role", sorted(HOME_SECTIONS))
def test_each_role_lands_on_its_own_home(login_as, world, role):
    import re

    c = login_as(role)
    html = c.get("/").get_data(as_text=True)
    assert world.principal(role).display_name in html
    sections = set(re.findall(r'<section class="card[^"]*" id="([^"]+)"', html))
    assert sections == HOME_SECTIONS[role]


def test_owner_home_lists_only_their_units(login_as, world):
    html = login_as("owner_a").get("/").get_data(as_text=True)
    assert world.unit_a.label in html
    assert world.unit_b.label not in html


def test_login_redirects_to_a_safe_next_only(client, world):
    client.refresh_csrf()
    r = client.post("/login", data={"username": "manager", "password": PASSWORD, "next": "/owners"})
    assert r.headers["Location"] == "/owners"
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        c2 = client.application.test_client()
        c2.refresh_csrf()
        r = c2.post("/login", data={"username": "manager", "password": PASSWORD, "next": evil})
        assert r.status_code == 303 and r.headers["Location"] == "/", evil


def test_failures_look_the_same_for_unknown_user_and_wrong_password(client, world):
    client.refresh_csrf()
    unknown = client.post("/login", data={"username": "nobody", "password": "whatever-123"})
    wrong = client.post("/login", data={"username": "manager", "password": "whatever-123"})
    assert unknown.status_code == wrong.status_code == 422
    strip = lambda r: r.get_data(as_text=True).replace("nobody", "X").replace("manager", "X")  # noqa: E731
    import re

    no_token = lambda s: re.sub(r'value="[^"]*"|content="[^"]*"', "", s)  # noqa: E731
    assert no_token(strip(unknown)) == no_token(strip(wrong))
    assert "用户名或密码不正确" in wrong.get_data(as_text=True)


def test_disabled_account_cannot_log_in(client, world):
    world.manager.active = False
    db.session.commit()
    client.refresh_csrf()
    r = client.post("/login", data={"username": "manager", "password": PASSWORD})
    assert r.status_code == 422


def test_sixth_failure_is_throttled_and_other_accounts_are_not(client, new_client, world):
    client.refresh_csrf()
    codes = [
        client.post(
            "/login", data={"username": "assistant", "password": f"wrong-{i}-pass"}
        ).status_code
        for i in range(6)
    ]
    assert codes == [422] * 5 + [429]
    # Even the right password waits now: the attacker cannot learn it by trying.
    assert (
        client.post("/login", data={"username": "assistant", "password": PASSWORD}).status_code
        == 429
    )
    # A colleague behind the same office NAT is unaffected.
    other = new_client()
    assert other.login(world.supervisor).status_code == 303


def test_successful_logins_are_not_throttled(new_client, world):
    for _ in range(8):
        assert new_client().login(world.assistant).status_code == 303


def test_logout_kills_the_session_even_for_a_replayed_cookie(client, world):
    client.login(world.manager)
    cookie = client.get_cookie("propdesk_session").value
    assert client.post("/logout").status_code == 303
    thief = client.application.test_client()
    thief.set_cookie("propdesk_session", cookie)
    r = thief.get("/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")


def test_logout_only_ends_this_device(new_client, world):
    phone, desk = new_client(), new_client()
    phone.login(world.assistant)
    desk.login(world.assistant)
    phone.post("/logout")
    assert desk.get("/").status_code == 200


def test_logout_is_post_only(client, world):
    client.login(world.manager)
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("change", ["password", "role", "disable"])
def test_sessions_die_when_the_account_changes(new_client, world, change):
    from webapp.admin import services as admin
    from webapp.auth import services as auth

    victim = new_client()
    victim.login(world.assistant)
    assert victim.get("/").status_code == 200
    person = reload(world.assistant)
    manager = db.session.get(type(person), world.manager.id)
    if change == "password":
        auth.set_password(person, "a brand new passphrase", actor=person)
    elif change == "role":
        admin.update_staff(
            manager,
            person,
            version=person.version,
            display_name=person.display_name,
            phone=person.phone,
            role="supervisor",
            estate_ids=[world.estate.id],
        )
    else:
        admin.set_active(manager, person, active=False, version=person.version)
    db.session.commit()
    assert victim.get("/").status_code == 302


def test_idle_timeout(client, app, world):
    client.login(world.owner_a)
    clock.travel(app.config["SESSION_IDLE_TIMEOUT"] - timedelta(minutes=5))
    assert client.get("/").status_code == 200  # activity renews the idle timer
    clock.travel(app.config["SESSION_IDLE_TIMEOUT"] - timedelta(minutes=5))
    assert client.get("/").status_code == 200
    clock.travel(app.config["SESSION_IDLE_TIMEOUT"] + timedelta(minutes=1))
    assert client.get("/").status_code == 302


def test_absolute_timeout(client, app, world):
    client.login(world.owner_a)
    step = app.config["SESSION_IDLE_TIMEOUT"] - timedelta(hours=1)
    elapsed = timedelta(0)
    while elapsed + step < app.config["SESSION_ABSOLUTE_TIMEOUT"]:
        clock.travel(step)
        elapsed += step
        assert client.get("/").status_code == 200
    clock.travel(step)
    assert client.get("/").status_code == 302


def test_session_cookie_holds_a_token_whose_hash_only_the_server_keeps(client, app, world):
    import hashlib

    client.login(world.manager)
    cookie = client.get_cookie("propdesk_session").value
    data = app.session_interface.get_signing_serializer(app).loads(cookie)
    token = data["_user_id"]
    assert token != str(world.manager.id) and len(token) >= 40
    db.session.rollback()
    rows = db.session.scalars(
        select(AuthSession).where(AuthSession.user_id == world.manager.id)
    ).all()
    assert [r.token_hash for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]


def test_login_post_without_csrf_token_is_refused(client, world):
    r = client.post("/login", data={"username": "manager", "password": PASSWORD}, csrf=False)
    assert r.status_code == 400


def test_state_change_without_csrf_token_is_refused(client, world):
    client.login(world.manager)
    r = client.post("/logout", csrf=False)
    assert r.status_code == 400
    assert client.get("/").status_code == 200  # still logged in


def test_htmx_request_with_expired_session_gets_401_and_hx_redirect(client, world):
    r = client.htmx("get", "/owners?q=x", target="owner-results")
    assert r.status_code == 401
    assert r.headers["HX-Redirect"].startswith("/login")
    assert "HX-Request" in r.headers.get("Vary", "")


def test_plain_post_after_session_expired_says_so(client, world):
    client.refresh_csrf()
    r = client.post("/owners/new", data={"display_name": "x"})
    assert r.status_code == 401
    assert "登录已过期" in r.get_data(as_text=True)


def test_cookie_flags(client, world):
    r = client.get("/login")
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_change_password_needs_the_current_one_and_ends_other_sessions(new_client, world):
    phone, desk = new_client(), new_client()
    phone.login(world.supervisor)
    desk.login(world.supervisor)
    r = phone.post(
        "/account",
        data={
            "current": "wrong",
            "password": "new long passphrase",
            "confirm": "new long passphrase",
        },
    )
    assert r.status_code == 422
    r = phone.post(
        "/account",
        data={
            "current": PASSWORD,
            "password": "new long passphrase",
            "confirm": "new long passphrase",
        },
    )
    assert r.status_code == 303
    assert phone.get("/").status_code == 200  # this device carries on
    assert desk.get("/").status_code == 302  # the other is logged out
    assert new_client().login(world.supervisor, "new long passphrase").status_code == 303


def test_password_policy_refuses_short_and_common_passwords(client, world):
    client.login(world.supervisor)
    for bad in ("short", "12345678", "password1", "supervisor", "aaaaaaaaaa"):
        r = client.post("/account", data={"current": PASSWORD, "password": bad, "confirm": bad})
        assert r.status_code == 422, bad
    long_ok = "我家门口有两棵树，一棵是枣树" * 4
    r = client.post("/account", data={"current": PASSWORD, "password": long_ok, "confirm": long_ok})
    assert r.status_code == 303


def test_passwords_are_hashed_with_argon2id(world):
    assert world.manager.password_hash.startswith("$argon2id$")


def test_production_hashing_profile_is_the_strong_default(app, tmp_path):
    from webapp.config import defaults

    assert defaults(str(tmp_path))["PASSWORD_HASH_PROFILE"] == "strong"
    from webapp.passwords import _hasher

    strong = _hasher("strong")
    assert strong.memory_cost >= 65536 and strong.time_cost >= 3

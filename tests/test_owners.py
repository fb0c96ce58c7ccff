"""Owners: registered by staff for a unit, invited by a one-time link, found by search."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.fixtures.app import reload
from webapp import clock
from webapp.extensions import db
from webapp.models import AuditEvent, User


def _register(c, world, **overrides):
    data = {
        "display_name": "刘芳",
        "phone": "138 0013 8000",
        "building": world.unit_a.building_id,
        "number": world.unit_a.number,
        "relation": "owner",
        **overrides,
    }
    return c.post("/owners/new", data=data)


def _link_from(response) -> str:
    match = re.search(r"(http://[^/]+)?(/invite/[A-Za-z0-9_\-]+)", response.get_data(as_text=True))
    assert match, "no invite link on the page"
    return match.group(2)


def test_assistant_registers_an_owner_who_sets_their_own_password(login_as, new_client, world):
    c = login_as("assistant")
    r = _register(c, world)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "data:image/svg+xml" in html  # QR code of the link, drawn by the server
    owner = db.session.scalar(select(User).where(User.phone == "+8613800138000"))
    assert owner.role == "owner" and owner.password_hash is None  # no default password
    assert [o.unit_id for o in owner.ownerships] == [world.unit_a.id]

    link = _link_from(r)
    phone = new_client()
    page = phone.get(link)
    assert page.status_code == 200 and "138 0013 8000" in page.get_data(as_text=True)
    phone.csrf_token = re.search(
        r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True)
    ).group(1)
    r = phone.post(link, data={"password": "my home is 3-1201", "confirm": "my home is 3-1201"})
    assert r.status_code == 303
    home = phone.get("/").get_data(as_text=True)
    assert "刘芳" in home and world.unit_a.label in home

    # The link works once only.
    assert new_client().get(link).status_code == 404
    # And the owner can log in with phone number and password from now on.
    assert new_client().login(reload(owner), "my home is 3-1201").status_code == 303


def test_invite_link_expires(login_as, new_client, world, app):
    r = _register(login_as("assistant"), world)
    link = _link_from(r)
    clock.travel(app.config["INVITE_VALID_FOR"] + timedelta(minutes=1))
    assert new_client().get(link).status_code == 404


def test_a_new_link_replaces_the_old_one(login_as, new_client, world):
    c = login_as("supervisor")
    first = _link_from(_register(c, world))
    owner = db.session.scalar(select(User).where(User.phone == "+8613800138000"))
    second = _link_from(c.post(f"/owners/{owner.id}/invite"))
    assert new_client().get(first).status_code == 404
    assert new_client().get(second).status_code == 200


def test_invite_refuses_weak_and_mismatched_passwords(login_as, new_client, world):
    link = _link_from(_register(login_as("assistant"), world))
    phone = new_client()
    page = phone.get(link).get_data(as_text=True)
    phone.csrf_token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    for pw, confirm in (
        ("123456", "123456"),
        ("13800138000", "13800138000"),
        ("long enough pass", "long enough pasS"),
        ("woaini1314", "woaini1314"),
    ):
        r = phone.post(link, data={"password": pw, "confirm": confirm})
        assert r.status_code == 422, pw
    assert phone.get(link).status_code == 200  # still usable after refusals


def test_register_owner_validation(login_as, world):
    c = login_as("assistant")
    cases = [
        ({"phone": "12345"}, "phone"),
        ({"number": "9999"}, "number"),
        ({"display_name": ""}, "display_name"),
        ({"building": world.other_unit.building_id}, "building"),  # another estate's building
    ]
    for overrides, field in cases:
        r = _register(c, world, **overrides)
        assert r.status_code in (404, 422), overrides
        if r.status_code == 422:
            assert f'id="{field}-errors"' in r.get_data(as_text=True), overrides
    assert db.session.scalar(select(User).where(User.phone == "+8613800138000")) is None


def test_same_phone_cannot_be_registered_twice(login_as, world):
    c = login_as("assistant")
    assert _register(c, world).status_code == 200
    r = _register(c, world, number=world.unit_b.number)
    assert r.status_code == 422 and "已登记" in r.get_data(as_text=True)


def test_owner_gets_a_second_unit_and_loses_it_again(login_as, world):
    c = login_as("supervisor")
    owner = world.owner_a
    r = c.post(
        f"/owners/{owner.id}/units",
        data={
            "building": world.unit_b.building_id,
            "number": world.unit_b.number,
            "relation": "tenant",
        },
    )
    assert r.status_code == 303
    assert sorted(o.unit_id for o in reload(owner).ownerships) == sorted(
        [world.unit_a.id, world.unit_b.id]
    )
    r = c.post(f"/owners/{owner.id}/units/{world.unit_b.id}/remove")
    assert r.status_code == 303
    assert [o.unit_id for o in reload(owner).ownerships] == [world.unit_a.id]
    # The last unit cannot be removed.
    c.post(f"/owners/{owner.id}/units/{world.unit_a.id}/remove")
    assert [o.unit_id for o in reload(owner).ownerships] == [world.unit_a.id]
    actions = db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.target_id == owner.id, AuditEvent.target_type == "user"
        )
    ).all()
    assert actions == ["owner.link_unit", "owner.unlink_unit"]


def test_search_by_name_phone_and_unit(login_as, world, make):
    owner_c = make.owner(world.unit_b, display_name="赵大海", phone="13712345678")
    c = login_as("assistant")

    def found(q):
        html = c.get("/owners", query_string={"q": q}).get_data(as_text=True)
        return {o.id for o in (world.owner_a, world.owner_b, owner_c) if f'/owners/{o.id}"' in html}

    assert found("赵大海") == {owner_c.id}
    assert found("13712345678") == {owner_c.id}
    assert found(world.unit_b.label) == {world.owner_b.id, owner_c.id}
    assert found("") == {world.owner_a.id, world.owner_b.id, owner_c.id}
    assert found("没有这个人") == set()
    assert found("%") == set() and found("_") == set()  # characters, not wildcards


def test_search_as_htmx_returns_only_the_results_fragment(login_as, world):
    c = login_as("assistant")
    r = c.htmx("get", "/owners?q=1栋", target="owner-results")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and html.lstrip().startswith('<div id="owner-results"')
    assert "<html" not in html
    assert "HX-Request" in r.headers["Vary"]


def test_staff_of_another_estate_do_not_see_these_owners(login_as, world):
    c = login_as("assistant_other")
    html = c.get("/owners").get_data(as_text=True)
    assert world.owner_a.display_name not in html
    assert (
        c.get("/owners", query_string={"q": world.owner_a.phone})
        .get_data(as_text=True)
        .count("/owners/")
        == 1
    )  # only the "register" link


def test_phone_numbers_are_masked_in_lists(login_as, world):
    html = login_as("assistant").get("/owners").get_data(as_text=True)
    assert "139 **** 0001" in html and "13900000001" not in html


def test_edit_owner_with_a_stale_version_is_a_conflict(login_as, world):
    a, b = login_as("assistant"), login_as("supervisor")
    owner = world.owner_a
    version = owner.version
    r1 = a.post(
        f"/owners/{owner.id}",
        data={"display_name": "新名字", "phone": owner.phone, "version": version},
    )
    assert r1.status_code == 303
    r2 = b.post(
        f"/owners/{owner.id}",
        data={"display_name": "另一个名字", "phone": owner.phone, "version": version},
    )
    assert r2.status_code == 409
    html = r2.get_data(as_text=True)
    assert "新名字" in html and "刚被其他人修改过" in html
    assert reload(owner).display_name == "新名字"


def test_a_new_phone_does_not_rename_the_login_until_asked(login_as, new_client, world):
    owner = world.owner_a
    assistant = login_as("assistant")
    r = assistant.post(
        f"/owners/{owner.id}",
        data={"display_name": owner.display_name, "phone": "13700000009", "version": owner.version},
    )
    assert r.status_code == 303
    owner = reload(owner)
    assert owner.phone == "+8613700000009" and owner.username == "+8613900000001"
    # The owner still logs in as before.
    assert new_client().login(owner).status_code == 303
    page = assistant.get(f"/owners/{owner.id}").get_data(as_text=True)
    assert 'id="login-differs"' in page and "登录名改为新手机号" not in page  # not theirs to do
    assert assistant.post(f"/owners/{owner.id}/login").status_code == 403

    supervisor = login_as("supervisor")
    page = supervisor.get(f"/owners/{owner.id}").get_data(as_text=True)
    assert "登录名改为新手机号" in page
    r = supervisor.post(f"/owners/{owner.id}/login", data={"version": owner.version})
    assert r.status_code == 303
    assert reload(owner).username == "+8613700000009"
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "owner.login_change")
    ).one()
    assert event.actor_id == world.supervisor.id
    again = supervisor.post(f"/owners/{owner.id}/login", data={"version": reload(owner).version})
    assert again.status_code == 409


def test_only_supervisors_and_managers_reset_an_owners_password(login_as, world):
    owner = world.owner_a  # has set a password
    assistant = login_as("assistant")
    page = assistant.get(f"/owners/{owner.id}").get_data(as_text=True)
    assert "生成重设密码链接" not in page
    refused = assistant.post(f"/owners/{owner.id}/invite")
    assert refused.status_code == 409 and "客服主任或经理" in refused.get_data(as_text=True)
    assert login_as("supervisor").post(f"/owners/{owner.id}/invite").status_code == 200
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_id == owner.id)
    ).all()
    assert actions.count("user.reset_link") == 1

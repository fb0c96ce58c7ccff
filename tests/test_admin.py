"""The manager's administration of staff accounts and places, with the audit trail."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.fixtures.app import reload
from webapp.extensions import db
from webapp.models import AuditEvent, Building, Estate, PublicArea, Unit, User


def _staff_form(world, **overrides):
    return {
        "username": "zhou.min",
        "display_name": "周敏",
        "phone": "13622223333",
        "role": "assistant",
        "estates": [world.estate.id],
        **overrides,
    }


def test_manager_creates_a_staff_account_with_a_one_time_link(login_as, new_client, world):
    c = login_as("manager")
    r = c.post("/admin/users/new", data=_staff_form(world))
    assert r.status_code == 200
    link = re.search(r"/invite/[A-Za-z0-9_\-]+", r.get_data(as_text=True)).group(0)
    user = db.session.scalar(select(User).where(User.username == "zhou.min"))
    assert user.password_hash is None and user.role == "assistant"
    assert [e.id for e in user.estates] == [world.estate.id]
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "user.create", AuditEvent.target_id == user.id
        )
    )
    assert event.actor_id == world.manager.id and event.after["role"] == "assistant"
    assert new_client().get(link).status_code == 200


def test_staff_form_validation(login_as, world):
    c = login_as("manager")
    for overrides, field in [
        ({"username": "有中文"}, "username"),
        ({"username": "manager"}, "username"),  # taken
        ({"role": "owner"}, "role"),  # staff roles only
        ({"estates": [world.other_estate.id]}, "estates"),  # not the manager's estate
        ({"estates": []}, "estates"),
        ({"phone": "call me"}, "phone"),
    ]:
        r = c.post("/admin/users/new", data=_staff_form(world, **overrides))
        assert r.status_code == 422, overrides
        assert f'id="{field}-errors"' in r.get_data(as_text=True), overrides
    assert (
        db.session.scalar(select(func.count()).select_from(User).where(User.username == "zhou.min"))
        == 0
    )


def test_inline_edit_with_htmx(login_as, world):
    c = login_as("manager")
    target = world.assistant
    form = c.htmx("get", f"/admin/users/{target.id}", target=f"user-{target.id}")
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and "<html" not in html and "hx-post=" in html
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)

    r = c.htmx(
        "post",
        f"/admin/users/{target.id}",
        target=f"user-{target.id}",
        data={
            "display_name": "王小丽（组长）",
            "phone": "13611110001",
            "role": "supervisor",
            "estates": [world.estate.id],
            "version": version,
        },
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert html.lstrip().startswith(f'<article class="card row-card" id="user-{target.id}"')
    assert "王小丽（组长）" in html and "客服主任" in html
    assert 'hx-swap-oob="true"' in html  # the flash message rides along out of band
    assert "HX-Request" in r.headers["Vary"]
    assert reload(target).role == "supervisor"

    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.update")).one()
    assert (
        event.before == {"display_name": target.display_name, "role": "assistant"}
        or event.before["role"] == "assistant"
    )
    assert event.after["role"] == "supervisor"


def test_inline_edit_invalid_answers_422_with_the_form(login_as, world):
    c = login_as("manager")
    target = world.assistant
    r = c.htmx(
        "post",
        f"/admin/users/{target.id}",
        target=f"user-{target.id}",
        data={
            "display_name": "",
            "role": "assistant",
            "estates": [world.estate.id],
            "version": target.version,
        },
    )
    assert r.status_code == 422
    assert 'id="display_name-errors"' in r.get_data(as_text=True)


def test_edit_without_javascript_redirects(login_as, world):
    c = login_as("manager")
    target = world.assistant
    r = c.post(
        f"/admin/users/{target.id}",
        data={
            "display_name": "王小丽",
            "phone": "",
            "role": "assistant",
            "estates": [world.estate.id],
            "version": target.version,
        },
    )
    assert r.status_code == 303 and r.headers["Location"] == "/admin/users"


def test_two_managers_editing_the_same_account(login_as, world, make):
    second = make.staff("manager", [world.estate], username="manager2")
    a = login_as("manager")
    b = a.application.test_client()
    b.login(second)
    target = world.assistant
    v = target.version
    data = {
        "display_name": "A 改的",
        "role": "assistant",
        "estates": [world.estate.id],
        "version": v,
    }
    assert a.post(f"/admin/users/{target.id}", data=data).status_code == 303
    r = b.post(f"/admin/users/{target.id}", data={**data, "display_name": "B 改的"})
    assert r.status_code == 409
    assert "A 改的" in r.get_data(as_text=True)  # the current state is shown
    assert reload(target).display_name == "A 改的"


def test_manager_keeps_estates_they_do_not_manage(login_as, world, make):
    """A colleague also on another estate keeps it when this manager edits them."""
    both = make.staff("assistant", [world.estate, world.other_estate], username="both")
    c = login_as("manager")
    r = c.post(
        f"/admin/users/{both.id}",
        data={
            "display_name": "两边跑",
            "role": "assistant",
            "estates": [world.estate.id],
            "version": both.version,
        },
    )
    assert r.status_code == 303
    assert sorted(e.id for e in reload(both).estates) == sorted(
        [world.estate.id, world.other_estate.id]
    )


def test_disable_and_enable(login_as, new_client, world):
    c = login_as("manager")
    target = world.assistant
    r = c.post(f"/admin/users/{target.id}/active", data={"active": "0", "version": target.version})
    assert r.status_code == 303
    assert reload(target).active is False
    assert new_client().login(target).status_code == 422
    r = c.post(
        f"/admin/users/{target.id}/active", data={"active": "1", "version": reload(target).version}
    )
    assert reload(target).active is True
    # A manager cannot lock themselves out.
    me = world.manager
    c.post(f"/admin/users/{me.id}/active", data={"active": "0", "version": me.version})
    assert reload(me).active is True


def test_reset_link_for_staff(login_as, new_client, world):
    c = login_as("manager")
    r = c.post(f"/admin/users/{world.assistant.id}/reset")
    link = re.search(r"/invite/[A-Za-z0-9_\-]+", r.get_data(as_text=True)).group(0)
    page = new_client().get(link).get_data(as_text=True)
    assert "重设密码" in page


def test_estate_building_units_and_areas(login_as, world):
    c = login_as("manager")
    r = c.post(
        "/admin/estates",
        data={
            "name": "江景苑",
            "code": "jj",
            "address": "江边路 2 号",
            "timezone": "Asia/Shanghai",
        },
    )
    assert r.status_code == 303
    estate = db.session.scalar(select(Estate).where(Estate.name == "江景苑"))
    assert estate.code == "JJ"
    assert estate.id in {e.id for e in reload(world.manager).estates}  # the creator works there

    r = c.post(
        f"/admin/estates/{estate.id}/buildings", data={"name": "10栋", "floors": 3, "per_floor": 2}
    )
    assert r.status_code == 303
    c.post(f"/admin/estates/{estate.id}/buildings", data={"name": "2栋"})
    buildings = db.session.scalars(
        select(Building).where(Building.estate_id == estate.id).order_by(Building.sort_key)
    ).all()
    assert [b.name for b in buildings] == ["2栋", "10栋"]  # natural order
    ten = buildings[1]
    assert [u.number for u in ten.units] == ["101", "102", "201", "202", "301", "302"]

    r = c.post(f"/admin/buildings/{ten.id}/units", data={"numbers": "401, 402 1001"})
    assert r.status_code == 303
    assert [u.number for u in reload(ten).units][-3:] == ["401", "402", "1001"]
    r = c.post(f"/admin/buildings/{ten.id}/units", data={"numbers": "101 501"})
    assert r.status_code == 422 and "101" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).where(Unit.building_id == ten.id)) == 9

    r = c.post(f"/admin/estates/{estate.id}/buildings", data={"name": "10栋"})
    assert r.status_code == 422
    r = c.post(f"/admin/estates/{estate.id}/buildings", data={"name": "3栋", "floors": 3})
    assert r.status_code == 422  # floors without units per floor

    r = c.post(f"/admin/estates/{estate.id}/areas", data={"name": "地下停车场", "kind": "parking"})
    assert r.status_code == 303
    area = db.session.scalar(select(PublicArea).where(PublicArea.estate_id == estate.id))
    r = c.htmx(
        "post",
        f"/admin/areas/{area.id}",
        target=f"area-{area.id}",
        data={"name": "地下车库", "kind": "parking", "version": area.version},
    )
    assert r.status_code == 200 and "地下车库" in r.get_data(as_text=True)
    assert reload(area).name == "地下车库" and reload(area).active is False  # unchecked box

    history = c.get(f"/history/estate/{estate.id}").get_data(as_text=True)
    assert "创建项目" in history


def test_estate_rejects_bad_timezone_and_duplicate_code(login_as, world):
    c = login_as("manager")
    r = c.post("/admin/estates", data={"name": "X", "code": "XX", "timezone": "Mars/Olympus"})
    assert r.status_code == 422 and 'id="timezone-errors"' in r.get_data(as_text=True)
    r = c.post("/admin/estates", data={"name": "X", "code": "CH", "timezone": "Asia/Shanghai"})
    assert r.status_code == 422 and 'id="code-errors"' in r.get_data(as_text=True)


def test_history_page_shows_who_changed_what(login_as, world):
    c = login_as("manager")
    target = world.assistant
    c.post(
        f"/admin/users/{target.id}",
        data={
            "display_name": "改名了",
            "role": "assistant",
            "estates": [world.estate.id],
            "version": target.version,
        },
    )
    html = c.get(f"/history/user/{target.id}").get_data(as_text=True)
    assert "修改账号" in html and "改名了" in html and world.manager.display_name in html


def test_audit_trail_is_append_only(app, world):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from webapp import audit

    audit.record(world.manager, "user.update", "user", world.assistant.id, after={"x": 1})
    db.session.commit()
    for statement in ("UPDATE audit_event SET action = 'forged'", "DELETE FROM audit_event"):
        try:
            db.session.execute(text(statement))
            db.session.commit()
            raise AssertionError(f"{statement} was allowed")
        except DBAPIError as err:
            db.session.rollback()
            assert "append-only" in str(err)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 1

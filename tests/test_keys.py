"""The key register through HTTP: keys added by a supervisor, lent with who, why and until when,
returned to the desk, refused when the rules say no, and flagged when overdue or out overnight."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from tests.fixtures.app import reload
from webapp import clock
from webapp.extensions import db
from webapp.keys import services as key_register
from webapp.models import AuditEvent, Key, KeyLoan, Notification

ZONE = ZoneInfo("Asia/Shanghai")


def _local(delta: timedelta) -> str:
    return (clock.now() + delta).astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def _lend(c, key_id, **overrides):
    data = {
        "borrower_kind": "contractor",
        "borrower_name": "张师傅",
        "borrower_phone": "13700003333",
        "purpose": "看房",
        "due": _local(timedelta(hours=2)),
        **overrides,
    }
    return c.post(f"/keys/{key_id}/lend", data=data)


def test_a_supervisor_registers_keys(login_as, world):
    s = login_as("supervisor")
    data = {
        "estate": world.estate.id,
        "label": "3栋-1201 空置房",
        "kind": "vacant_unit",
        "building": world.unit_b.building_id,
        "unit": world.unit_b.number,
    }
    assert s.post("/keys/new", data=data).status_code == 303
    key = db.session.scalars(select(Key)).one()
    assert key.unit_id == world.unit_b.id and key.kind == "vacant_unit"
    assert s.post("/keys/new", data=data).status_code == 422  # the same name twice
    assert s.post("/keys/new", data={**data, "label": "x", "unit": "9999"}).status_code == 422
    assert login_as("assistant").post("/keys/new", data=data).status_code == 403
    page = login_as("assistant").get("/keys").get_data(as_text=True)
    assert "3栋-1201 空置房" in page and "在库" in page and 'id="add-key"' not in page


def test_lending_and_returning_a_key(login_as, world, duty):
    c = login_as("assistant")
    key = duty.key_in
    assert _lend(c, key.id, borrower_phone="").status_code == 422  # a contractor leaves a phone
    assert _lend(c, key.id, due=_local(timedelta(hours=-1))).status_code == 422
    assert _lend(c, key.id, due=_local(timedelta(days=40))).status_code == 422
    assert _lend(c, key.id, borrower_kind="staff", borrower_phone="").status_code == 303
    assert _lend(c, key.id).status_code == 409  # already out
    loan = db.session.scalars(
        select(KeyLoan).where(KeyLoan.key_id == key.id, KeyLoan.returned_at.is_(None))
    ).one()
    assert loan.lent_by_id == world.assistant.id and loan.responsible_id == world.assistant.id
    register = c.get("/keys").get_data(as_text=True)
    assert "1栋样板间" in register and "张师傅" in register
    url = f"/keys/loans/{loan.id}/return"
    r = login_as("supervisor").post(url, data={"note": "完好", "version": loan.version})
    assert r.status_code == 303
    loan = reload(loan)
    assert loan.returned_at is not None and loan.returned_to_id == world.supervisor.id
    assert c.post(url, data={"version": loan.version}).status_code == 409
    page = c.get(f"/keys/{key.id}").get_data(as_text=True)
    assert "在库" in page and "张师傅" in page and "完好" in page  # the history keeps it
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_type == "key")
    ).all()
    assert actions.count("key.lend") == 2 and "key.return" in actions
    assert login_as("assistant_other").get(f"/keys/{key.id}").status_code == 404


def test_a_key_out_late_or_overnight_is_flagged_and_escalated(login_as, world, duty, app):
    c = login_as("assistant")
    loan = duty.loan
    assert "已逾期" not in c.get("/keys").get_data(as_text=True)
    # Past its due time: overdue on the register, the supervisor's home, a notification.
    clock.travel(timedelta(hours=4))
    c = login_as("assistant")
    assert "已逾期" in c.get("/keys").get_data(as_text=True)
    runner = app.test_cli_runner()
    assert "escalated 1" in runner.invoke(args=["sweep"]).output
    assert "escalated 0" in runner.invoke(args=["sweep"]).output
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.target_type == "key_loan")
    ).all()
    assert set(told) == {world.assistant.id, world.supervisor.id}
    assert "3栋水泵房" in login_as("supervisor").get("/").get_data(as_text=True)
    assert c.get(f"/keys/loans/{loan.id}").headers["Location"].endswith(f"/keys/{loan.key_id}")
    # Overnight: after the midnight that followed its lending, in the estate's zone.
    lent = reload(loan).lent_at.astimezone(ZONE)
    midnight = datetime(lent.year, lent.month, lent.day, tzinfo=ZONE) + timedelta(days=1)
    assert not key_register.overnight(reload(loan), midnight - timedelta(minutes=1))
    assert key_register.overnight(reload(loan), midnight)
    clock.travel(midnight - clock.now() + timedelta(minutes=5))
    assert "过夜未还" in login_as("assistant").get("/keys").get_data(as_text=True)


def test_the_register_does_not_grow_with_keys(login_as, world, duty, count_queries, make):
    c = login_as("assistant")
    c.get("/keys")
    with count_queries() as small:
        assert c.get("/keys").status_code == 200
    for i in range(60):
        key = key_register.add_key(
            world.supervisor, world.estate, label=f"备用钥匙{i}", kind="other"
        )
        if i % 2:
            key_register.lend(
                world.assistant,
                key,
                borrower_kind="staff",
                borrower_name=f"员工{i}",
                borrower_phone="",
                purpose="巡查",
                due_at=clock.now() + timedelta(hours=1),
            )
    db.session.commit()
    with count_queries() as large:
        assert c.get("/keys").status_code == 200
    assert large.count == small.count, "\n".join(large.statements)
    assert db.session.scalar(select(func.count(KeyLoan.id))) == 31

"""Shift handover through HTTP: refused while a major event is open, prepared with what is still
open, signed by both sides with a fresh password, refused by the next person with a reason, and
on acceptance every listed item moves to the incoming person, in its history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.fixtures.app import PASSWORD, reload
from tests.fixtures.tickets import take_ticket
from webapp import clock
from webapp.duty import services as duty_log
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    Duty,
    Handover,
    Notification,
    Signature,
)
from webapp.workorders import services as workorders


@pytest.fixture
def shift(world, duty, make):
    """The assistant's shift with open work: the fixture's unresolved event, a ticket they took,
    a work order they found, a key out; and the colleague who takes over."""
    ticket, _code = take_ticket(world)
    order = workorders.dispatch(
        world.assistant,
        estate=world.estate,
        department="engineering",
        location="3栋",
        description="楼道灯不亮",
        due_at=clock.now() + timedelta(hours=8),
        origin_type="duty_event",
        origin_id=duty.event.id,
    )
    db.session.commit()
    colleague = make.staff("assistant", [world.estate], username="night-shift")
    return duty, ticket, order, colleague


def _resolve_major(c, duty):
    major = reload(duty.major)
    r = c.post(
        f"/duty/events/{major.id}/resolve",
        data={"handling": "维保已放人，电梯停用待修", "version": major.version},
    )
    assert r.status_code == 303


def _prepare(c, duty, **extra):
    data = {"instructions": "明早 8 点前通知业主停水", "in_person": ["keys", "radio"], **extra}
    return c.post(f"/duty/{duty.duty.id}/handover", data=data)


def test_a_major_event_blocks_the_handover(login_as, shift):
    duty, *_rest = shift
    c = login_as("assistant")
    page = c.get(f"/duty/{duty.duty.id}/handover").get_data(as_text=True)
    assert "本班还有未处理完的重大事件" in page and "签字交班" not in page
    assert "本班还有未处理完的重大事件" in c.get("/duty").get_data(as_text=True)
    assert _prepare(c, duty).status_code == 409
    assert db.session.scalar(select(Handover.id).where(Handover.duty_id == duty.duty.id)) is None
    _resolve_major(c, duty)
    assert _prepare(c, duty).status_code == 303


def test_prepare_sign_and_take_over(login_as, new_client, world, shift):
    duty, ticket, order, colleague = shift
    c = login_as("assistant")
    _resolve_major(c, duty)
    # An old login is not enough to sign: the password, typed again, is.
    clock.travel(timedelta(minutes=20))
    c = login_as("assistant")
    clock.travel(timedelta(minutes=20))
    assert _prepare(c, duty).status_code == 422
    assert _prepare(c, duty, password="not-the-password").status_code == 422
    assert _prepare(c, duty, password=PASSWORD).status_code == 303
    handover = db.session.scalars(select(Handover).where(Handover.duty_id == duty.duty.id)).one()
    listed = {(i["type"], i["id"]) for i in handover.open_items}
    assert ("duty_event", duty.event.id) in listed  # unresolved
    assert ("duty_event", duty.major.id) not in listed  # resolved before the handover
    assert ("ticket", ticket.id) in listed and ("work_order", order.id) in listed
    assert ("key_loan", duty.loan.id) in listed
    assert handover.in_person == ["keys", "radio"]
    assert _prepare(c, duty, password=PASSWORD).status_code == 409  # waiting
    # The outgoing person cannot take over their own shift.
    url = f"/duty/handovers/{handover.id}"
    assert c.post(f"{url}/accept", data={"version": handover.version}).status_code == 409
    # The supervisor sees who has handed over and waits.
    assert "已签字交班，等待接班" in login_as("supervisor").get("/").get_data(as_text=True)

    # The next person, under their own login (fresh: they just logged in).
    n = new_client()
    assert n.login(colleague).status_code == 303
    assert "待接班" in n.get("/").get_data(as_text=True)
    page = n.get(url).get_data(as_text=True)
    assert "明早 8 点前通知业主停水" in page and "3栋水泵房" in page and "确认接班" in page
    assert n.post(f"{url}/accept", data={"version": handover.version}).status_code == 303
    handover = reload(handover)
    assert handover.status == "accepted" and handover.to_user_id == colleague.id
    kinds = db.session.scalars(
        select(Signature.kind).where(
            Signature.target_type == "handover", Signature.target_id == handover.id
        )
    ).all()
    assert sorted(kinds) == ["handover_in", "handover_out"]
    outgoing = reload(duty.duty)
    assert outgoing.status == "closed" and outgoing.ended_at is not None
    incoming = db.session.scalars(select(Duty).where(Duty.user_id == colleague.id)).one()
    assert incoming.status == "open"
    # Ownership moved, in each item's history.
    assert reload(duty.event).responsible_id == colleague.id
    assert reload(ticket).assignee_id == colleague.id and reload(ticket).status == "assigned"
    assert reload(order).reported_by_id == colleague.id
    assert reload(duty.loan).responsible_id == colleague.id
    moved = set(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("%.handover"))
        ).all()
    )
    assert moved == {"duty.handover", "ticket.handover", "workorder.handover", "key.handover"}
    history = n.get(f"/history/ticket/{ticket.id}").get_data(as_text=True)
    assert "交接班移交" in history
    # The incoming person sees the carried-over event on their duty and may resolve it.
    assert "接班遗留事项" in n.get("/duty").get_data(as_text=True)
    event = reload(duty.event)
    r = n.post(
        f"/duty/events/{event.id}/resolve",
        data={"handling": "已拖干", "version": event.version},
    )
    assert r.status_code == 303
    # Locked: nothing more happens to it; the outgoing log takes no more lines.
    assert n.post(f"{url}/accept", data={"version": handover.version}).status_code == 409
    assert (
        n.post(f"{url}/refuse", data={"reason": "x", "version": handover.version}).status_code
        == 409
    )
    assert c.post(f"/duty/{duty.duty.id}/events", data={"description": "x"}).status_code == 409


def test_the_next_person_refuses_and_the_shift_goes_on(login_as, new_client, world, shift):
    duty, _ticket, _order, colleague = shift
    c = login_as("assistant")
    _resolve_major(c, duty)
    assert _prepare(c, duty).status_code == 303  # just logged in: fresh
    handover = db.session.scalars(select(Handover).where(Handover.duty_id == duty.duty.id)).one()
    n = new_client()
    n.login(colleague)
    url = f"/duty/handovers/{handover.id}/refuse"
    assert n.post(url, data={"reason": "", "version": handover.version}).status_code == 422
    r = n.post(url, data={"reason": "对讲机少一台", "version": handover.version})
    assert r.status_code == 303
    assert reload(handover).status == "refused"
    assert reload(duty.duty).status == "open"  # still on duty
    told = set(
        db.session.scalars(
            select(Notification.user_id).where(Notification.kind == "handover_refused")
        )
    )
    assert told == {world.assistant.id, world.supervisor.id}
    history = login_as("supervisor").get("/duty/history").get_data(as_text=True)
    assert "拒绝接班" in history
    # Prepared again, taken over late: the history says so.
    assert _prepare(c, duty).status_code == 303
    again = db.session.scalars(
        select(Handover).where(Handover.duty_id == duty.duty.id, Handover.status == "prepared")
    ).one()
    clock.travel(timedelta(minutes=45))
    n = new_client()
    n.login(colleague)
    accept = f"/duty/handovers/{again.id}/accept"
    assert n.post(accept, data={"version": again.version}).status_code == 303
    assert "接班延迟" in login_as("supervisor").get("/duty/history").get_data(as_text=True)


def test_the_handover_pages_do_not_grow(login_as, world, shift, count_queries):
    duty, *_rest = shift
    c = login_as("assistant")
    _resolve_major(c, duty)
    url = f"/duty/{duty.duty.id}/handover"
    c.get(url)
    with count_queries() as small:
        assert c.get(url).status_code == 200
    for i in range(120):
        duty_log.record_event(
            world.assistant,
            reload(duty.duty),
            kind="event",
            happened_at=None,
            description=f"事 {i}",
        )
    db.session.commit()
    with count_queries() as large:
        assert c.get(url).status_code == 200
    assert large.count == small.count, "\n".join(large.statements)


def test_what_opens_after_signing_goes_over_too(login_as, new_client, world, shift):
    duty, _ticket, _order, colleague = shift
    c = login_as("assistant")
    _resolve_major(c, duty)
    assert _prepare(c, duty).status_code == 303
    handover = db.session.scalars(select(Handover).where(Handover.duty_id == duty.duty.id)).one()
    # While it waits, the outgoing person takes one more ticket.
    late, _code = take_ticket(world, description="交班后又接到的报修")
    db.session.commit()
    n = new_client()
    n.login(colleague)
    page = n.get(f"/duty/handovers/{handover.id}").get_data(as_text=True)
    assert "签字后新增的事项" in page and "交班后又接到的报修" in page
    assert (
        n.post(
            f"/duty/handovers/{handover.id}/accept", data={"version": handover.version}
        ).status_code
        == 303
    )
    assert reload(late).assignee_id == colleague.id
    timeline = n.get(f"/tickets/{late.id}").get_data(as_text=True)
    assert f"交接班：转由 {colleague.display_name} 跟进" in timeline

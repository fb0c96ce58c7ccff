"""The duty log through HTTP: going on duty, events with places and photos, a major event told
to the manager at once with its report due by the next day, calls and visits turned into
tickets, events sent to a department, the shift's checks, refusals and replays."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.fixtures.app import reload
from tests.fixtures.photos import jpeg_bytes
from webapp import clock
from webapp.duty import services as duty_log
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    Duty,
    DutyCheck,
    DutyEvent,
    Notification,
    PhotoLink,
    Ticket,
    TicketLink,
    WorkOrder,
)


def _start(c, world, shift="night"):
    return c.post("/duty/start", data={"estate": world.estate.id, "shift": shift})


def _my_duty(world) -> Duty:
    return db.session.scalars(
        select(Duty).where(Duty.user_id == world.assistant.id, Duty.status == "open")
    ).one()


def test_an_assistant_goes_on_duty_and_logs_an_event(login_as, world):
    c = login_as("assistant")
    page = c.get("/duty").get_data(as_text=True)
    assert "开始值班" in page and 'id="start-duty"' in page
    assert _start(c, world).status_code == 303
    assert _start(c, world).status_code == 303  # a second start finds the open duty
    duty = _my_duty(world)
    assert duty.shift == "night" and duty.estate_id == world.estate.id
    r = c.post(
        f"/duty/{duty.id}/events",
        data={
            "description": "3栋 1201 门口有烟味",
            "building": world.unit_b.building_id,
            "unit": world.unit_b.number,
            "handling": "已敲门确认，业主在做饭",
            "resolved": "y",
            "photos": (io.BytesIO(jpeg_bytes(color=(90, 10, 10))), "smoke.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 303 and r.headers["Location"].endswith("/duty")
    event = db.session.scalars(select(DutyEvent)).one()
    assert event.unit_id == world.unit_b.id and event.resolved_at is not None
    assert not event.major and event.report_due_at is None
    links = db.session.scalars(select(PhotoLink).where(PhotoLink.owner_type == "duty_event"))
    assert len(links.all()) == 1
    page = c.get("/duty").get_data(as_text=True)
    assert "3栋 1201 门口有烟味" in page and world.unit_b.label in page
    assert "值班记录表" in page  # the page prints as the department's form
    home = c.get("/").get_data(as_text=True)
    assert "值班中" in home and "写值班记录" in home
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_type.in_(["duty", "duty_event"]))
    ).all()
    assert set(actions) == {"duty.start", "duty.event", "photo.attach"}


def test_a_major_event_tells_the_manager_and_owes_a_report_by_the_next_day(login_as, world, app):
    c = login_as("assistant")
    _start(c, world)
    duty = _my_duty(world)
    r = c.post(
        f"/duty/{duty.id}/events",
        data={"description": "3栋电梯困人两名，已通知维保", "major": "y"},
    )
    assert r.status_code == 303
    event = db.session.scalars(select(DutyEvent)).one()
    # Due at the end of the next day, in the estate's zone.
    local = event.happened_at.astimezone(ZoneInfo("Asia/Shanghai"))
    due = event.report_due_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert due.date() == local.date() + timedelta(days=1) and (due.hour, due.minute) == (23, 59)
    told = db.session.scalars(select(Notification).where(Notification.kind == "major_event"))
    assert [n.user_id for n in told] == [world.manager.id]
    # At once: on the manager's notifications and home, and the writer's home.
    m = login_as("manager")
    assert "值班重大事件" in m.get("/notifications").get_data(as_text=True)
    # Opening it leads to the event and counts as read; nobody else can open it.
    note = db.session.scalars(select(Notification).where(Notification.kind == "major_event")).one()
    assert login_as("supervisor").get(f"/notifications/{note.id}").status_code == 404
    r = m.get(f"/notifications/{note.id}")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/duty/events/{event.id}")
    assert reload(note).read_at is not None
    assert "电梯困人" in m.get("/").get_data(as_text=True)
    assert "重大事件报告" in c.get("/").get_data(as_text=True)
    # Overdue: the sweep tells the writer and the supervisors, a day later the manager again.
    clock.travel(event.report_due_at - clock.now() + timedelta(hours=1))
    runner = app.test_cli_runner()
    assert "escalated 1" in runner.invoke(args=["sweep"]).output
    assert "escalated 0" in runner.invoke(args=["sweep"]).output
    overdue = db.session.scalars(
        select(Notification.user_id).where(
            Notification.target_type == "duty_event", Notification.kind == "overdue"
        )
    ).all()
    assert set(overdue) == {world.assistant.id, world.supervisor.id}
    assert "电梯困人" in login_as("supervisor").get("/").get_data(as_text=True)
    clock.travel(timedelta(days=1))
    assert "escalated 1" in runner.invoke(args=["sweep"]).output
    # The report: too short is refused; then written, it stops the clock and tells the manager.
    version = reload(event).version
    url = f"/duty/events/{event.id}/report"
    c = login_as("assistant")  # days later: a new session
    assert c.post(url, data={"report": "已处理", "version": version}).status_code == 422
    r = c.post(
        url,
        data={
            "report": "20:10 3栋2号梯困人两名，20:25 维保到场放人，无人受伤；建议更换门机板。",
            "version": version,
        },
    )
    assert r.status_code == 303
    event = reload(event)
    assert event.report_written_at is not None and not event.report_pending
    assert (
        c.post(url, data={"report": "再交一次报告内容", "version": event.version}).status_code
        == 409
    )
    assert "电梯困人" not in login_as("supervisor").get("/").get_data(as_text=True)


def test_a_call_becomes_a_ticket_with_the_caller_filled_in(login_as, world):
    c = login_as("assistant")
    _start(c, world)
    duty = _my_duty(world)
    r = c.post(
        f"/duty/{duty.id}/calls",
        data={
            "call-kind": "call",
            "call-contact_name": "李女士",
            "call-contact_phone": "13912345678",
            "call-building": world.unit_a.building_id,
            "call-unit": world.unit_a.number,
            "call-description": "楼上每晚十一点后有噪音",
            "call-handling": "已记录，转投诉",
            "call-outcome": "passed_on",
        },
    )
    assert r.status_code == 303
    call = db.session.scalars(select(DutyEvent)).one()
    assert call.kind == "call" and call.outcome == "passed_on" and call.resolved_at is not None
    assert "李女士" in c.get("/duty").get_data(as_text=True)
    form = c.get(f"/tickets/new?from=duty_event:{call.id}").get_data(as_text=True)
    assert 'value="李女士"' in form and 'value="13912345678"' in form
    channel = re.search(r'<select[^>]*name="channel".*?</select>', form, re.S).group(0)
    assert '<option selected value="phone">' in channel, channel
    r = c.post(
        "/tickets/new",
        data={
            "origin": f"duty_event:{call.id}",
            "kind": "complaint",
            "channel": "phone",
            "category": "noise",
            "severity": "normal",
            "building": world.unit_a.building_id,
            "number": world.unit_a.number,
            "reporter_name": "李女士",
            "reporter_phone": "13912345678",
            "description": "楼上每晚十一点后有噪音",
        },
    )
    assert r.status_code == 200  # the page with the tracking code
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.unit_id == world.unit_a.id and ticket.reporter_name == "李女士"
    link = db.session.scalars(select(TicketLink)).one()
    assert (link.target_type, link.target_id) == ("duty_event", call.id)
    assert ticket.number in c.get(f"/duty/events/{call.id}").get_data(as_text=True)
    assert "值班记录" in c.get(f"/tickets/{ticket.id}").get_data(as_text=True)


def test_an_event_goes_to_a_department_with_its_photos(login_as, world, duty):
    c = login_as("assistant")
    event = duty.event
    page = c.get(f"/duty/events/{event.id}").get_data(as_text=True)
    assert "派工单给部门" in page
    due = (clock.now() + timedelta(hours=8)).astimezone(ZoneInfo("Asia/Shanghai"))
    r = c.post(
        f"/duty/events/{event.id}/dispatch",
        data={"department": "cleaning", "due": due.strftime("%Y-%m-%dT%H:%M")},
    )
    assert r.status_code == 303
    order = db.session.scalars(select(WorkOrder)).one()
    assert (order.origin_type, order.origin_id) == ("duty_event", event.id)
    assert order.department == "cleaning" and "1栋" in order.location
    before = db.session.scalars(
        select(PhotoLink).where(PhotoLink.owner_type == "work_order", PhotoLink.purpose == "before")
    ).all()
    assert len(before) == 1
    assert order.number in c.get(f"/duty/events/{event.id}").get_data(as_text=True)
    past = (clock.now() - timedelta(hours=1)).astimezone(ZoneInfo("Asia/Shanghai"))
    r = c.post(
        f"/duty/events/{event.id}/dispatch",
        data={"department": "cleaning", "due": past.strftime("%Y-%m-%dT%H:%M")},
    )
    assert r.status_code == 422
    # A call is not sent to a department.
    assert (
        c.post(
            f"/duty/events/{duty.call.id}/dispatch",
            data={"department": "cleaning", "due": due.strftime("%Y-%m-%dT%H:%M")},
        ).status_code
        == 409
    )


def test_an_unresolved_event_is_resolved_in_writing(login_as, world, duty):
    c = login_as("assistant")
    event = reload(duty.event)
    assert event.resolved_at is None
    url = f"/duty/events/{event.id}/resolve"
    assert c.post(url, data={"handling": "", "version": event.version}).status_code == 422
    r = c.post(url, data={"handling": "保洁已拖干，放置防滑牌", "version": event.version})
    assert r.status_code == 303
    assert reload(event).resolved_at is not None
    r = c.post(url, data={"handling": "再来一次", "version": reload(event).version})
    assert r.status_code == 409  # already resolved
    # The stale form of a second phone: a conflict, not an overwrite.
    other = login_as("supervisor")
    assert other.post(url, data={"handling": "x", "version": event.version}).status_code == 409


def test_the_shift_checks_are_ticked_once(login_as, world, duty):
    c = login_as("assistant")
    url = f"/duty/{duty.duty.id}/checks/lights_on"
    assert c.post(url).status_code == 303
    assert c.post(url).status_code == 303
    assert db.session.scalar(select(func.count(DutyCheck.id))) == 1
    assert c.post(f"/duty/{duty.duty.id}/checks/not-a-check").status_code == 404
    page = c.get("/duty").get_data(as_text=True)
    assert "✓ 景观灯、效果照明按时开启" in page


def test_what_the_log_refuses(login_as, new_client, world, duty, make):
    url = f"/duty/{duty.duty.id}/events"
    c = login_as("assistant")
    future = (clock.now() + timedelta(hours=2)).astimezone(ZoneInfo("Asia/Shanghai"))
    cases = [
        {"description": "   "},
        {"description": "x", "happened_at": future.strftime("%Y-%m-%dT%H:%M")},
        {"description": "x", "unit": "1201"},  # a unit without its building
        {"description": "x", "building": world.other_unit.building_id},  # another estate's
        {"description": "x", "building": world.unit_a.building_id, "unit": "9999"},
        {"description": "x", "building": "99999999999999999999"},
    ]
    for data in cases:
        assert c.post(url, data=data).status_code == 422, data
    # Another assistant of the estate does not write in my log; the other estate sees nothing.
    colleague = make.staff("assistant", [world.estate], username="colleague")
    other = new_client()
    assert other.login(colleague).status_code == 303
    assert other.post(url, data={"description": "代记"}).status_code == 409
    assert login_as("assistant_other").get(f"/duty/{duty.duty.id}").status_code == 404
    assert login_as("owner_a").get("/duty").status_code == 403
    # A supervisor may add to it.
    assert login_as("supervisor").post(url, data={"description": "主任补记"}).status_code == 303
    # A closed duty takes no more lines.
    closed = reload(duty.duty)
    closed.status = "closed"
    closed.ended_at = clock.now()
    db.session.commit()
    assert c.post(url, data={"description": "交班后"}).status_code == 409


def test_an_event_sent_twice_by_the_offline_queue_is_written_once(login_as, world, duty):
    c = login_as("assistant")
    headers = {"Idempotency-Key": "duty-event-000001", "HX-Request": "true"}
    data = {
        "description": "会所门口路灯不亮",
        "photos": (io.BytesIO(jpeg_bytes(color=(5, 5, 5))), "lamp.jpg"),
    }
    before = db.session.scalar(select(func.count(DutyEvent.id)))
    for _ in range(2):
        r = c.post(
            f"/duty/{duty.duty.id}/events",
            data={**data, "photos": (io.BytesIO(jpeg_bytes(color=(5, 5, 5))), "lamp.jpg")},
            headers=headers,
            content_type="multipart/form-data",
        )
        assert r.status_code in (204, 303)
    assert db.session.scalar(select(func.count(DutyEvent.id))) == before + 1


def test_history_lists_duties_with_their_counts(login_as, world, duty):
    page = login_as("supervisor").get("/duty/history").get_data(as_text=True)
    assert world.assistant.display_name in page and "重大 1" in page and "3 条记录" in page
    assert "值班中" in page
    home = login_as("supervisor").get("/").get_data(as_text=True)
    assert world.assistant.display_name in home and "值班记录" in home


@pytest.mark.parametrize("url", ["/duty", "/duty/{duty}", "/duty/history", "/"])
def test_duty_pages_do_not_grow_with_the_log(login_as, world, duty, count_queries, url):
    url = url.format(duty=duty.duty.id)
    c = login_as("assistant")
    c.get(url)
    with count_queries() as small:
        assert c.get(url).status_code == 200
    start = clock.now() - timedelta(hours=6)
    db.session.add_all(
        DutyEvent(
            duty_id=duty.duty.id,
            estate_id=world.estate.id,
            kind="event" if i % 3 else "call",
            happened_at=start + timedelta(seconds=20 * i),
            description=f"第 {i} 条",
            unit_id=world.unit_a.id if i % 2 else None,
            area_id=None,
            major=i % 250 == 0,
            report_due_at=datetime(2030, 1, 1, tzinfo=UTC) if i % 250 == 0 else None,
            created_by_id=world.assistant.id,
            created_at=start,
        )
        for i in range(1000)
    )
    db.session.commit()
    with count_queries() as large:
        assert c.get(url).status_code == 200
    assert large.count == small.count, "\n".join(large.statements)


def test_reports_due_lists_only_what_is_owed(world, duty):
    assert [e.id for e in duty_log.reports_due(world.assistant)] == [duty.major.id]
    assert [e.id for e in duty_log.reports_due(world.manager, mine=False)] == [duty.major.id]
    assert duty_log.reports_due(world.assistant_other, mine=False) == []
    assert duty_log.reports_due(world.owner_a) == []


def test_the_duty_log_and_the_key_register_export_to_excel(login_as, world, duty):
    from openpyxl import load_workbook  # noqa: PLC0415 - only this test reads workbooks

    c = login_as("assistant")
    duty_log.record_event(
        world.assistant,
        reload(duty.duty),
        kind="event",
        happened_at=None,
        description='=HYPERLINK("http://example.invalid")',
    )
    db.session.commit()
    month = clock.now().astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    r = c.get(f"/duty/history.xlsx?month={month}")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(r.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "值班人", "班次", "类型") and sheet.freeze_panes == "A2"
    lines = {row[7]: row for row in rows[1:]}
    assert set(lines) >= {"1栋大堂地面有积水", "3栋电梯困人，已通知维保", "询问停水时间"}
    assert isinstance(lines["询问停水时间"][0], datetime) and lines["询问停水时间"][5] == "王先生"
    assert lines["3栋电梯困人，已通知维保"][10] == "是"
    typed = sheet.cell(row=len(rows), column=8)
    assert typed.data_type == "s" and typed.value.startswith("=")  # text, never a formula
    earlier = c.get("/duty/history.xlsx?month=2001-01")
    assert len(list(load_workbook(io.BytesIO(earlier.data)).active.iter_rows())) == 1
    assert c.get("/duty/history.xlsx?month=not-a-month").status_code == 200
    # The key register: every loan, or only those out.
    r = c.get("/keys/loans.xlsx?out=1")
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
    assert [row[:3] for row in rows[1:]] == [("3栋水泵房", "设备房", "李师傅")]
    assert login_as("assistant_other").get("/keys/loans.xlsx").status_code == 200
    other = load_workbook(io.BytesIO(login_as("assistant_other").get("/keys/loans.xlsx").data))
    assert len(list(other.active.iter_rows())) == 1  # the other estate sees none of ours


def test_a_work_order_links_back_to_its_duty_event(login_as, world, duty):
    c = login_as("assistant")
    order = duty_log.dispatch(
        world.assistant,
        reload(duty.event),
        department="cleaning",
        due_at=clock.now() + timedelta(hours=4),
    )
    db.session.commit()
    page = c.get(f"/workorders/{order.id}").get_data(as_text=True)
    assert f'href="/duty/events/{duty.event.id}"' in page and "值班记录" in page

"""The ticket desk around the lifecycle: escalation and notifications (the cron sweep), the
homes of supervisors and managers, conflicts on the ticket page, tickets from patrol and
decoration findings, the monthly summary (hand-counted) and the inbox at 10,000 tickets."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, insert, select

from tests.fixtures.tickets import take_ticket
from webapp import clock
from webapp.extensions import db
from webapp.models import AuditEvent, Notification, Photo, Ticket, TicketEntry, TicketLink
from webapp.photos import services as photos
from webapp.tickets import inbox, lifecycle
from webapp.tickets import summary as monthly


def _take(world, actor=None, **overrides):
    ticket, _code = take_ticket(world, actor, **overrides)
    db.session.commit()
    return ticket


def _notified(user) -> list[tuple[str, int]]:
    return [
        tuple(row)
        for row in db.session.execute(
            select(Notification.kind, Notification.target_id)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    ]


def _sweep(app) -> str:
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    return result.output


# --- escalation and notifications ----


def test_the_sweep_escalates_an_overdue_ticket_once_per_level(app, world):
    ticket = _take(world)
    assert "escalated 0" in _sweep(app)
    clock.travel(timedelta(hours=25))
    assert "escalated 1" in _sweep(app)
    assert "escalated 0" in _sweep(app)  # cron overlap: nobody is told twice
    assert _notified(world.assistant) == [("overdue", ticket.id)]  # the taker still owns it
    assert _notified(world.supervisor) == [("overdue", ticket.id)]
    assert _notified(world.manager) == []
    clock.travel(timedelta(hours=24))
    assert "escalated 1" in _sweep(app)
    assert _notified(world.manager) == [("escalated", ticket.id)]
    assert _notified(world.assistant_other) == []  # another estate hears nothing
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_type == "ticket")
    ).all()
    assert actions.count("ticket.escalate") == 2


def test_a_follow_up_starts_a_new_deadline_and_a_new_escalation(app, world):
    ticket = _take(world)
    clock.travel(timedelta(hours=25))
    _sweep(app)
    lifecycle.add_entry(ticket, world.assistant, "reply", "已联系施工方")
    db.session.commit()
    assert ticket.escalation_level == 0 and not lifecycle.follow_up_overdue(ticket, clock.now())
    clock.travel(timedelta(hours=25))
    assert "escalated 1" in _sweep(app)
    assert [k for k, _ in _notified(world.supervisor)] == ["overdue", "overdue"]


def test_a_major_complaint_reaches_the_manager_at_once_and_again_when_not_investigated(app, world):
    ticket = _take(world, severity="major", category="attitude", description="保安态度恶劣")
    assert _notified(world.manager) == [("major", ticket.id)]
    lifecycle.add_entry(ticket, world.assistant, "reply", "已记录，经理将调查")  # followed up
    db.session.commit()
    clock.travel(timedelta(hours=47))
    lifecycle.add_entry(ticket, world.assistant, "note", "仍在跟进")
    db.session.commit()
    _sweep(app)
    assert [k for k, _ in _notified(world.manager)] == ["major"]
    clock.travel(timedelta(hours=2))  # 49 h, followed up 2 h ago, but no investigation
    _sweep(app)
    _sweep(app)
    assert [k for k, _ in _notified(world.manager)] == ["major", "investigation"]


def test_notifications_page_lists_and_marks_read(app, login_as, world):
    ticket = _take(world)
    clock.travel(timedelta(hours=25))
    _sweep(app)
    c = login_as("supervisor")
    home = c.get("/").get_data(as_text=True)
    assert 'id="unread"' in home
    html = c.get("/notifications").get_data(as_text=True)
    assert ticket.number in html
    # Each one leads to its record through the notification (which opening marks read).
    first = re.search(r'href="(/notifications/\d+)"', html).group(1)
    assert c.get(first).headers["Location"].endswith(f"/tickets/{ticket.id}")
    assert c.post("/notifications/read").status_code == 303
    assert 'id="unread"' not in c.get("/").get_data(as_text=True)
    assert (
        db.session.scalar(
            select(func.count(Notification.id))
            .where(Notification.read_at.is_(None))
            .where(Notification.user_id == world.supervisor.id)
        )
        == 0
    )


def test_work_orders_and_notices_notify_through_the_same_sweep(app, world, patrol, decoration):
    clock.travel(timedelta(days=30))
    _sweep(app)
    kinds = {(n.target_type, n.kind) for n in db.session.scalars(select(Notification))}
    assert ("work_order", "escalated") in kinds
    assert ("rectification_notice", "escalated") in kinds


# --- homes ----


def test_homes_list_tickets_to_assign_overdue_and_major(login_as, world):
    normal = _take(world, description="电梯异响")
    major = _take(world, severity="major", category="attitude", description="保安态度恶劣")
    supervisor = login_as("supervisor").get("/").get_data(as_text=True)
    assign = supervisor[supervisor.index('id="duty-assign"') :]
    assert normal.number in assign[: assign.index("</section>")]
    manager = login_as("manager").get("/").get_data(as_text=True)
    section = manager[manager.index('id="duty-major"') :]
    section = section[: section.index("</section>")]
    assert major.number in section and normal.number not in section
    assert "overdue" not in section
    clock.travel(timedelta(hours=49))
    manager = login_as("manager").get("/").get_data(as_text=True)
    section = manager[manager.index('id="duty-major"') :]
    section = section[: section.index("</section>")]
    assert "entry overdue" in section  # red: 48 h without an investigation note
    overdue = manager[manager.index('id="duty-overdue"') :]
    assert major.number in overdue[: overdue.index("</section>")]
    supervisor = login_as("supervisor").get("/").get_data(as_text=True)
    overdue = supervisor[supervisor.index('id="duty-overdue"') :]
    assert normal.number in overdue[: overdue.index("</section>")]
    mine = login_as("assistant").get("/").get_data(as_text=True)
    mine = mine[mine.index('id="duty-tickets"') :]
    assert normal.number in mine[: mine.index("</section>")]


def test_home_queries_do_not_grow_with_tickets(login_as, world, count_queries):
    for i in range(2):
        _take(world, description=f"问题 {i}", severity="major")
    clock.travel(timedelta(hours=50))
    c = login_as("manager")
    c.get("/")
    with count_queries() as small:
        c.get("/")
    for i in range(15):
        _take(world, description=f"更多 {i}", severity="major" if i % 2 else "normal")
    clock.travel(timedelta(hours=50))
    c = login_as("manager")
    c.get("/")
    with count_queries() as large:
        assert c.get("/").status_code == 200
    assert large.count == small.count, "\n".join(large.statements)


# --- two people, one ticket ----


def test_the_second_editor_gets_a_conflict_with_the_current_state(login_as, world):
    ticket = _take(world)
    first, second = login_as("supervisor"), login_as("manager")
    page = second.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    stale = ticket.version
    assert f'name="version" type="hidden" value="{stale}"' in page or f'value="{stale}"' in page
    r = first.post(
        f"/tickets/{ticket.id}/act",
        data={"action": "assign", "version": stale, "assignee": world.assistant.id},
    )
    assert r.status_code == 303
    r = second.post(
        f"/tickets/{ticket.id}/act",
        data={"action": "resolve", "version": stale, "reply": "我来回复：已处理完毕"},
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert "刚被其他人修改过" in html
    assert "已派单" in html and world.assistant.display_name in html  # what it is now
    assert "我来回复：已处理完毕" in html  # what they typed is kept to send again
    assert f'selected value="{world.assistant.id}"' in html  # the assignee as stored now
    db.session.refresh(ticket)
    assert ticket.status == "assigned" and ticket.resolved_at is None  # no silent overwrite
    fresh = f'value="{ticket.version}"'
    assert fresh in html  # the form now carries the current version: sending again works
    r = second.post(
        f"/tickets/{ticket.id}/act",
        data={"action": "resolve", "version": ticket.version, "reply": "我来回复：已处理完毕"},
    )
    assert r.status_code == 303


# --- findings ----


def test_a_patrol_finding_becomes_a_ticket_with_its_photos(login_as, world, patrol):
    photo = db.session.get(Photo, patrol.photo)
    photos.attach(photo, "work_order", patrol.order.id, "before", world.assistant)
    db.session.commit()
    c = login_as("assistant")
    order_page = c.get(f"/workorders/{patrol.order.id}").get_data(as_text=True)
    assert f"from=work_order:{patrol.order.id}" in order_page.replace("%3A", ":")
    form = c.get(f"/tickets/new?from=work_order:{patrol.order.id}").get_data(as_text=True)
    assert patrol.order.number in form and 'selected value="patrol"' in form
    r = c.post(
        "/tickets/new",
        data={
            "origin": f"work_order:{patrol.order.id}",
            "kind": "repair",
            "channel": "patrol",
            "category": "engineering",
            "severity": "normal",
            "reporter_name": "巡查员",
            "description": patrol.order.description,
        },
    )
    assert r.status_code == 200, r.get_data(as_text=True)[:2000]
    ticket = db.session.scalar(select(Ticket).order_by(Ticket.id.desc()))
    assert ticket.channel == "patrol"
    link = db.session.scalar(select(TicketLink).where(TicketLink.ticket_id == ticket.id))
    assert (link.target_type, link.target_id) == ("work_order", patrol.order.id)
    first = db.session.scalar(select(TicketEntry).where(TicketEntry.ticket_id == ticket.id))
    evidence = photos.photos_for("ticket_entry", [first.id])[first.id]
    assert [p.photo_id for p in evidence] == [patrol.photo]
    assert ticket.number in c.get(f"/workorders/{patrol.order.id}").get_data(as_text=True)
    assert patrol.order.number in c.get(f"/tickets/{ticket.id}").get_data(as_text=True)


def test_a_decoration_notice_links_to_an_existing_ticket_by_number(login_as, world, decoration):
    ticket = _take(world, category="decoration", description="邻居反映装修噪音")
    c = login_as("assistant")
    origin = f"rectification_notice:{decoration.notice.id}"
    r = c.post("/tickets/link", data={"origin": origin, "number": "TS-CH-19990101-0001"})
    assert r.status_code == 303
    assert "找不到这个工单号" in c.get(r.headers["Location"]).get_data(as_text=True)
    r = c.post("/tickets/link", data={"origin": origin, "number": ticket.number.lower()})
    assert r.status_code == 303
    assert db.session.scalar(select(func.count(TicketLink.id))) == 1
    c.post("/tickets/link", data={"origin": origin, "number": ticket.number})  # again: no double
    assert db.session.scalar(select(func.count(TicketLink.id))) == 1
    notice_page = c.get(f"/decoration/notices/{decoration.notice.id}").get_data(as_text=True)
    assert ticket.number in notice_page
    owner_page = login_as("owner_a").get(f"/decoration/notices/{decoration.notice.id}")
    assert ticket.number not in owner_page.get_data(as_text=True)  # staff-only card
    other = login_as("assistant_other")
    assert (
        other.post("/tickets/link", data={"origin": origin, "number": ticket.number}).status_code
        == 404
    )


# --- the monthly summary ----


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=ZoneInfo("Asia/Shanghai"))


def _travel_to(moment: datetime) -> None:
    clock.travel(moment - clock.now())


def _build_october(world):
    """Six October tickets with known histories (hand count in the test below)."""
    made = {}
    # 1: complaint/noise, answered in 2 h, resolved at 10 h, rated satisfied -> closed
    _travel_to(_at(3, 9))
    t = made[1] = _take(world, description="一")
    clock.travel(timedelta(hours=2))
    lifecycle.add_entry(t, world.assistant, "reply", "已联系")
    clock.travel(timedelta(hours=8))
    lifecycle.transition(t, "resolve", world.assistant, version=t.version, reply="已处理")
    lifecycle.transition(t, "visit", world.assistant, version=t.version, rating="satisfied")
    # 2: repair/engineering, answered after 30 h (late), resolved at 40 h, unsatisfied, reopened,
    #    resolved again at 60 h, rated basic -> closed
    _travel_to(_at(5, 8))
    t = made[2] = _take(world, kind="repair", category="engineering", description="二")
    clock.travel(timedelta(hours=30))
    lifecycle.transition(t, "start", world.assistant, version=t.version)
    clock.travel(timedelta(hours=10))
    lifecycle.transition(t, "resolve", world.assistant, version=t.version, reply="已修")
    lifecycle.transition(t, "visit", world.assistant, version=t.version, rating="unsatisfied")
    clock.travel(timedelta(hours=20))
    lifecycle.transition(t, "resolve", world.assistant, version=t.version, reply="已返修")
    lifecycle.transition(t, "visit", world.assistant, version=t.version, rating="basic")
    # 3: major complaint/attitude, answered in 1 h, investigated at 50 h (late), resolved at 60 h,
    #    not yet visited
    _travel_to(_at(10, 12))
    t = made[3] = _take(world, severity="major", category="attitude", description="三")
    clock.travel(timedelta(hours=1))
    lifecycle.add_entry(t, world.assistant, "reply", "经理将调查")
    clock.travel(timedelta(hours=49))
    lifecycle.add_entry(t, world.manager, "investigation", "已调查")
    clock.travel(timedelta(hours=10))
    lifecycle.transition(t, "resolve", world.manager, version=t.version, reply="已处理并道歉")
    # 4: inquiry/fees, answered in 4 h, still in progress
    _travel_to(_at(20, 10))
    t = made[4] = _take(world, kind="inquiry", category="fees", description="四")
    clock.travel(timedelta(hours=4))
    lifecycle.transition(t, "start", world.assistant, version=t.version)
    # 5: suggestion/landscaping, never answered (late by now)
    _travel_to(_at(31, 23))  # 23:00 on the 31st in Shanghai: still October
    made[5] = _take(world, kind="suggestion", category="landscaping", description="五")
    # not counted: November (00:30 on 1 Nov in Shanghai is still 31 Oct in UTC)
    _travel_to(datetime(2026, 11, 1, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai")))
    _take(world, description="十一月")
    # not counted: the other estate
    _take(
        world,
        actor=world.assistant_other,
        estate=world.other_estate,
        unit=None,
        description="别的项目",
    )
    db.session.commit()
    _travel_to(datetime(2026, 11, 5, 12, tzinfo=ZoneInfo("Asia/Shanghai")))
    return made


def test_the_monthly_summary_matches_a_hand_count(world):
    _build_october(world)
    s = monthly.monthly(world.estate, date(2026, 10, 1))
    assert s.received == 5
    assert s.by_kind == {"complaint": 2, "repair": 1, "inquiry": 1, "suggestion": 1}
    assert s.grid["noise"]["complaint"] == 1 and s.grid["attitude"]["complaint"] == 1
    assert s.grid["engineering"]["repair"] == 1 and s.grid["fees"]["inquiry"] == 1
    assert s.grid["landscaping"]["suggestion"] == 1
    assert sum(sum(row.values()) for row in s.grid.values()) == 5
    assert s.major == 1
    assert s.handled == 3  # 1 and 2 closed, 3 resolved
    assert s.overdue == 3  # 2 (30 h), 3 (investigated at 50 h), 5 (never answered)
    # first responses: 2, 30, 1, 4 h -> median 3.0 ; resolutions: 10, 60, 60 h -> median 60.0
    assert s.first_response_hours == 3.0
    assert s.resolution_hours == 60.0
    assert s.resolved_once == 3 and s.visited == 2
    assert s.ratings == {"satisfied": 1, "basic": 1, "unsatisfied": 1}
    assert round(s.handling_rate, 4) == 0.6
    assert round(s.return_visit_rate, 4) == round(2 / 3, 4)
    assert round(s.satisfaction_rate, 4) == round(2 / 3, 4)
    assert round(s.on_time_rate, 4) == 0.4
    # Effective complaints: the two complaints (1 and 3) over the estate's 30 households.
    assert s.complaints == 2 and s.households == 3 * 2 + 12 * 2
    assert round(s.effective_complaint_rate, 4) == round(2 / 30, 4)
    missed = {r.key for r in s.rates() if r.missed}
    assert "effective_complaints" in missed and "satisfaction" in missed
    # Per person: the assistant took all five and answers for them (none was assigned).
    [person] = s.people
    assert person.name == world.assistant.display_name
    assert (person.received, person.handled, person.overdue) == (5, 3, 3)
    assert (person.answers, person.satisfied) == (3, 2)


def test_lateness_is_counted_to_the_second_at_24_and_48_hours(world):
    """The database subtracts the datetimes: exactly 24 h (48 h for a major complaint's
    investigation) is on time, one second more is late, as the ticket page says."""
    start = _at(3, 9)
    cases = [  # (severity, hours to first response, hours to investigation)
        ("normal", timedelta(hours=24), None),
        ("normal", timedelta(hours=24, seconds=1), None),
        ("major", timedelta(hours=1), timedelta(hours=48)),
        ("major", timedelta(hours=1), timedelta(hours=48, seconds=1)),
    ]
    for severity, first, investigated in cases:
        t = _take(world, severity=severity, description=str(first))
        # Set to the microsecond: the test clock moves on while the test runs.
        t.created_at = start
        t.first_response_at = start + first
        t.investigated_at = investigated and start + investigated
    db.session.commit()
    _travel_to(_at(6, 9))
    s = monthly.monthly(world.estate, date(2026, 10, 1))
    assert s.received == 4 and s.overdue == 2
    assert s.first_response_hours == 12.5  # 1, 1, 24 and 24 h + 1 s
    [person] = s.people
    assert person.overdue == 2


def test_summary_page_print_and_excel_show_the_same_figures(login_as, world):
    _build_october(world)
    c = login_as("manager")
    html = c.get(f"/tickets/summary?estate={world.estate.id}&month=2026-10").get_data(as_text=True)
    assert 'id="total-received">5<' in html
    assert 'data-figure="overdue">3<' in html
    assert 'data-rate="satisfaction">66.7%<' in html
    assert 'class="below-target"' in html
    assert 'data-rate="effective_complaints">6.7%<' in html
    assert world.assistant.display_name in html.split('id="summary-people"', 1)[1]
    r = c.get(f"/tickets/summary.xlsx?estate={world.estate.id}&month=2026-10")
    assert r.status_code == 200
    assert r.headers["Content-Disposition"].endswith('complaints-CH-2026-10.xlsx"')
    sheet = load_workbook(io.BytesIO(r.data)).active
    cells = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert cells["合计"][:5] == (2, 1, 1, 1, 5)
    assert cells["逾期"][0] == 3
    assert cells["满意率"][:2] == (pytest.approx(2 / 3), 0.9)
    assert cells["回访率"][0] == pytest.approx(2 / 3)
    assert cells["有效投诉率"][:2] == (pytest.approx(2 / 30), 0.01)
    assert cells["经办人"][:2] == ("受理数", "已处理")
    assert cells[world.assistant.display_name][:4] == (5, 3, 3, 3)
    rates = {row[0].value: row[1] for row in sheet.iter_rows() if row[0].value == "满意率"}
    assert rates["满意率"].number_format == "0.0%"
    # a malformed month falls back to this month instead of failing
    assert c.get("/tickets/summary?month=2026-13").status_code == 200
    english = login_as("manager")
    english.post("/locale", data={"locale": "en"})
    r = english.get(f"/tickets/summary.xlsx?estate={world.estate.id}&month=2026-10")
    sheet = load_workbook(io.BytesIO(r.data)).active
    assert "Satisfaction rate" in {row[0] for row in sheet.iter_rows(values_only=True)}


# --- the inbox at 10,000 tickets ----


def test_inbox_runs_the_same_queries_at_ten_thousand_tickets(login_as, world, count_queries):
    for i in range(3):
        _take(world, description=f"问题 {i}")
    clock.travel(timedelta(hours=25))  # so that every tab shows rows, as it will at 10,000
    c = login_as("supervisor")
    paths = ["/tickets", "/tickets?tab=overdue", "/tickets?tab=all&q=问题", "/tickets?mine=1", "/"]
    small = {}
    for path in paths:
        c.get(path)
        with count_queries() as counter:
            c.get(path)
        small[path] = counter.count
    now = clock.now()
    rows = [
        dict(
            number=f"TS-CH-BULK-{i:05d}",
            estate_id=world.estate.id,
            unit_id=world.unit_a.id,
            reporter_name=f"业主{i}",
            reporter_phone="",
            kind=("complaint", "repair", "inquiry", "suggestion")[i % 4],
            channel="phone",
            category="noise",
            severity="major" if i % 50 == 0 else "normal",
            description=f"批量 {i}",
            status=("received", "assigned", "in_progress", "resolved", "closed")[i % 5],
            taker_id=world.assistant.id,
            assignee_id=world.assistant.id if i % 3 else None,
            next_follow_up_at=now - timedelta(hours=i % 72),
            investigation_due_at=now - timedelta(hours=1) if i % 50 == 0 else None,
            created_at=now - timedelta(minutes=i),
            closed_at=now if i % 5 == 4 else None,
            reopen_count=0,
            escalation_level=0,
            version=1,
        )
        for i in range(10_000)
    ]
    db.session.execute(insert(Ticket), rows)
    db.session.commit()
    assert db.session.scalar(select(func.count(Ticket.id))) == 10_003
    for path in paths:
        with count_queries() as counter:
            r = c.get(path)
            assert r.status_code == 200
        assert counter.count == small[path], (path, "\n".join(counter.statements))
    html = c.get("/tickets?tab=all").get_data(as_text=True)
    assert html.count('class="card row-card') == inbox.PAGE  # one page, not ten thousand
    # Thousands are late: the badge counts to what it shows, and says so.
    assert '<span class="badge badge-danger">99+</span>' in html
    # Older tickets are reached by keyset paging (the next page starts after the last card),
    # with the filters kept, and a fragment skips the page-only parts (tab counts, filters).
    after = re.search(r'href="/tickets\?tab=all&amp;after=([^"]+)" rel="next"', html)
    assert after, "no link to the next page"
    second = c.get(f"/tickets?tab=all&after={after.group(1)}").get_data(as_text=True)
    first_numbers = set(re.findall(r'<span class="mono">([^<]+)</span>', html))
    second_numbers = set(re.findall(r'<span class="mono">([^<]+)</span>', second))
    assert len(second_numbers) == inbox.PAGE and not first_numbers & second_numbers
    assert 'rel="first"' in second
    with count_queries() as page_queries:
        c.get("/tickets?tab=open")
    with count_queries() as fragment_queries:
        c.htmx("get", "/tickets?tab=open", target="ticket-list")
    assert fragment_queries.count < page_queries.count

"""The dashboard: every figure equals a hand count of the generated records, and the count of
the list it links to (followed page by page, as a person scrolling it would)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from tests.fixtures.decoration import make_permit
from tests.fixtures.patrols import make_template
from tests.fixtures.tickets import take_ticket
from webapp import clock, search
from webapp.decoration import services as deco
from webapp.duty import handover as handovers
from webapp.duty import services as duty_log
from webapp.extensions import db
from webapp.models import ItemResult, PatrolRound, Ticket, Unit, WorkOrder
from webapp.patrols import rounds as patrols
from webapp.tickets import lifecycle
from webapp.tickets.inbox import SEARCHED
from webapp.workorders import services as workorders

ZONE = ZoneInfo("Asia/Shanghai")
# A Thursday: this week runs from Monday the 12th, this month from the 1st.
NOW = datetime(2026, 10, 15, 10, 0, tzinfo=ZONE)


def _at(moment: datetime) -> None:
    clock.reset()
    clock.travel(moment - clock.now())


def _day(moment: datetime) -> date:
    return moment.astimezone(ZONE).date()


@dataclass
class Made:
    tickets: list
    orders: list


def _ticket(world, when, **fields):
    _at(when)
    ticket, _code = take_ticket(world, **fields)
    db.session.commit()
    return ticket


@pytest.fixture
def generated(world, make) -> Made:
    """Tickets over seven weeks in both estates, a unit reported again and again, a major
    complaint nobody investigated, work orders of several ages, a supervisor's and an
    assistant's rounds with the same item found 异常 three times."""
    tickets = []
    at = lambda d, h=9: datetime(2026, 10, d, h, 0, tzinfo=ZONE)  # noqa: E731
    tickets.append(_ticket(world, at(15, 8), description="今天的噪音投诉"))
    tickets.append(
        _ticket(world, at(13, 11), kind="repair", category="engineering", description="水管")
    )
    resolved = _ticket(world, at(2), category="attitude", description="态度差")
    lifecycle.transition(
        resolved, "resolve", world.assistant, version=resolved.version, reply="已道歉"
    )
    lifecycle.transition(
        resolved, "visit", world.assistant, version=resolved.version, rating="satisfied"
    )
    db.session.commit()
    tickets.append(resolved)
    tickets.append(_ticket(world, datetime(2026, 9, 28, 9, tzinfo=ZONE), description="上月"))
    tickets.append(_ticket(world, at(13, 8), severity="major", description="重大：漏水淹车库"))
    tickets.append(
        _ticket(world, at(14), estate=world.other_estate, unit=world.other_unit, description="别处")
    )
    for d in (10, 12, 14):  # one unit, three times in a week
        tickets.append(
            _ticket(
                world,
                at(d, 20),
                unit=world.unit_b,
                kind="repair",
                category="engineering",
                description=f"卫生间漏水 {d}",
            )
        )
    # A scanned "report" of unit B that was an advert, marked invalid: in no figure or list
    # behind one (unit B stays at three), though the inbox still finds it.
    junk = _ticket(world, at(15, 7), unit=world.unit_b, channel="scan", description="广告")
    lifecycle.transition(junk, "spam", world.assistant, version=junk.version, reply="广告")
    db.session.commit()
    # Patrols: the supervisor must patrol twice a day, the assistant once.
    template = make_template(world.estate)
    make_template(world.estate, name="主任巡查", role="supervisor", times=2)
    lighting = template.checkpoints[0].items[1]
    for d in (13, 14, 15):
        _at(at(d, 7))
        patrol_round = patrols.start_round(world.assistant, template)
        patrols.record(
            world.assistant,
            patrol_round,
            lighting.id,
            outcome="issue",
            note=f"吊灯不亮 {d}",
            department="engineering",
        )
        patrols.finish(world.assistant, patrol_round, unchecked_confirmed=True)
        db.session.commit()
    _at(at(14, 16))
    supervisor_round = patrols.start_round(world.supervisor, template)
    patrols.finish(world.supervisor, supervisor_round, unchecked_confirmed=True)
    db.session.commit()
    # Work orders sent on several days; one already closed.
    for when, department in (
        (at(15, 9), "cleaning"),
        (at(13), "engineering"),
        (at(5), "engineering"),
        (at(6), "landscaping"),
    ):
        _at(when)
        workorders.dispatch(
            world.assistant,
            estate=world.estate,
            department=department,
            location="2栋",
            description="待修",
            due_at=when + timedelta(days=1),
            origin_type="patrol_result",
            origin_id=1,
        )
        db.session.commit()
    # Rectification notices: one running, one past its deadline, one the owner answered, a draft.
    _at(at(11))
    permit = make_permit(world)
    notices = {}
    for key, actor, deadline in (
        ("due", world.supervisor, at(17)),
        ("overdue", world.supervisor, at(14)),
        ("replied", world.supervisor, at(13)),
        ("draft", world.assistant, at(18)),
    ):
        notices[key] = deco.write_notice(actor, permit, None, "装修垃圾及时清运", key, deadline)
    notices["replied"].status = "replied"
    db.session.commit()
    # Duties: the assistant's night of the 13th wrote down a major event; the supervisor's day
    # of the 15th was handed over and refused; another of the 2nd, quiet.
    duties = []
    for when, person in ((at(2), world.manager), (at(13, 20), world.assistant)):
        _at(when)
        duties.append(duty_log.start(person, world.estate, "night"))
        db.session.commit()
    duty_log.record_event(
        world.assistant,
        duties[1],
        kind="event",
        happened_at=None,
        description="3栋电梯困人",
        major=True,
    )
    db.session.commit()
    _at(at(15, 8))
    day = duty_log.start(world.supervisor, world.estate, "day")
    _at(at(15, 9))
    waiting = handovers.prepare(
        world.supervisor, day, instructions="", notes="", in_person=[], fresh=True
    )
    handovers.refuse(world.assistant, waiting, reason="钥匙数目不符", version=waiting.version)
    db.session.commit()
    _at(NOW)
    done = db.session.scalars(select(WorkOrder).where(WorkOrder.department == "landscaping")).one()
    done.status, done.fixed_at, done.closed_at = "closed", NOW, NOW
    db.session.commit()
    return Made(tickets, db.session.scalars(select(WorkOrder)).all())


NEXT = re.compile(r'href="([^"]+)" rel="next"')


def list_count(client, url: str) -> int:
    """The records a list shows, following its "more" link to the end."""
    seen: set[str] = set()
    while url:
        page = client.get(url)
        assert page.status_code == 200, url
        body = page.get_data(as_text=True)
        seen |= set(re.findall(r'data-row="(\d+)"', body))
        found = NEXT.search(body)
        url = html.unescape(found.group(1)) if found else None
    return len(seen)


FIGURE = re.compile(
    r'<a class="figure[^"]*" href="([^"]+)" data-figure="([^"]+)">'
    r'<span class="figure-value">(\d+)</span>'
)
CELL = re.compile(r'<td[^>]*><a href="([^"]+)">(\d+)</a></td>')
PERSON = re.compile(r'<a href="([^"]+)" data-person="(\d+)">.*?<span data-done>(\d+)</span>', re.S)
HOT = re.compile(r'<a href="([^"]+)" data-times="(\d+)">')


def links_of(body: str) -> list[tuple[str, int]]:
    """Every (list address, figure) the dashboard shows."""
    out = [(html.unescape(u), int(n)) for u, _k, n in FIGURE.findall(body)]
    out += [(html.unescape(u), int(n)) for u, n in CELL.findall(body)]
    out += [(html.unescape(u), int(n)) for u, _p, n in PERSON.findall(body)]
    out += [(html.unescape(u), int(n)) for u, n in HOT.findall(body)]
    return out


def figures(body: str) -> dict[str, int]:
    return {k: int(n) for _u, k, n in FIGURE.findall(body)}


@pytest.mark.parametrize("period", ["today", "week", "month"])
def test_each_figure_is_the_hand_count_and_its_lists_count(login_as, world, generated, period):
    _at(NOW)
    manager = login_as("manager")
    body = manager.get(f"/dashboard?estate={world.estate.id}&period={period}").get_data(
        as_text=True
    )
    first = {"today": date(2026, 10, 15), "week": date(2026, 10, 12), "month": date(2026, 10, 1)}
    mine = [t for t in generated.tickets if t.estate_id == world.estate.id]
    received = [t for t in mine if first[period] <= _day(t.created_at) <= NOW.date()]
    shown = figures(body)
    # The hand counts.
    assert shown["received"] == len(received) > 0
    assert shown["kind-0"] == sum(t.kind == "complaint" for t in received)
    assert shown["kind-1"] == sum(t.kind == "repair" for t in received)
    assert shown["status-0"] == sum(t.status == "received" for t in received)
    open_now = [t for t in mine if t.status in ("received", "assigned", "in_progress")]
    late = [t for t in open_now if t.next_follow_up_at < NOW]
    assert shown["overdue"] == len(late) > 0
    assert shown["investigation"] == 1  # the major complaint of the 13th
    # Notices now, whatever the period: running, past the deadline, answered by the owner.
    assert [shown["notice-0"], shown["notice-1"], shown["notice-2"]] == [1, 1, 1]
    # Duties started in the period: all, with a major event (the 13th), handover refused (15th).
    started = {"today": [15], "week": [13, 15], "month": [2, 13, 15]}[period]
    assert [shown["duty-0"], shown["duty-1"], shown["duty-2"]] == [
        len(started),
        int(13 in started),
        int(15 in started),
    ]
    # Every figure on the page, including tables, people and hot spots: its list's count.
    links = links_of(body)
    assert len(links) > 20
    for url, value in links:
        assert list_count(manager, url) == value, url


def test_the_work_orders_table_is_the_hand_count_by_department_and_age(login_as, world, generated):
    _at(NOW)
    body = login_as("manager").get(f"/dashboard?estate={world.estate.id}").get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-department="(\w+)">(.*?)</tr>', body, re.S))
    open_orders = [o for o in generated.orders if o.status == "open"]
    for department in {o.department for o in open_orders}:
        ages = [int(n) for _u, n in CELL.findall(rows[department])]
        mine = [NOW - o.created_at for o in open_orders if o.department == department]
        assert ages[:3] == [
            sum(a <= timedelta(days=1) for a in mine),
            sum(timedelta(days=1) < a <= timedelta(days=3) for a in mine),
            sum(a > timedelta(days=3) for a in mine),
        ]
        assert ages[3] == sum(o.due_at < NOW for o in open_orders if o.department == department)
    assert "landscaping" not in rows  # its only order is closed


def test_patrols_per_person_against_what_their_role_requires(login_as, world, generated):
    _at(NOW)
    body = (
        login_as("manager")
        .get(f"/dashboard?estate={world.estate.id}&period=week")
        .get_data(as_text=True)
    )
    done = {int(p): int(n) for _u, p, n in PERSON.findall(body)}
    assert done[world.assistant.id] == 3 and done[world.supervisor.id] == 1
    # Four days of this week: the assistant's once a day, the supervisor's twice.
    assert "<span data-done>3</span> / 4" in body
    assert "<span data-done>1</span> / 8" in body


def test_hot_spots_name_the_repeated_item_and_unit(login_as, world, generated):
    _at(NOW)
    body = login_as("manager").get(f"/dashboard?estate={world.estate.id}").get_data(as_text=True)
    hot = body[body.index('id="dash-hotspots"') :]
    hot = hot[: hot.index("</section>")]
    assert "照明正常" in hot and "14 天内巡查异常 3 次" in hot
    # By hand: the units with three or more tickets in the seven days up to today.
    recent = [
        t.unit_id
        for t in generated.tickets
        if t.estate_id == world.estate.id and _day(t.created_at) >= date(2026, 10, 9)
    ]
    hot_units = {u for u in recent if recent.count(u) >= 3}
    assert hot_units == {world.unit_a.id, world.unit_b.id}
    assert world.unit_b.label in hot and "7 天内 3 件投诉报修" in hot
    assert len(re.findall(r"7 天内 \d+ 件投诉报修", hot)) == len(hot_units)
    # The unit's hot spot sends one repair order from its latest ticket.
    latest = max(t.id for t in generated.tickets if t.unit_id == world.unit_b.id)
    assert f'href="/workorders/new?ticket={latest}"' in hot


def test_rates_and_trends_are_the_managers_the_supervisor_sees_their_work(
    login_as, world, generated
):
    _at(NOW)
    manager = login_as("manager").get("/dashboard?period=month").get_data(as_text=True)
    assert 'id="dash-rates"' in manager and 'id="dash-trends"' in manager
    # Handled this month: the resolved complaint of the 2nd, out of the month's tickets.
    month = [
        t
        for t in generated.tickets
        if t.estate_id == world.estate.id and _day(t.created_at) >= date(2026, 10, 1)
    ]
    handled = sum(t.status in ("resolved", "closed") for t in month)
    assert f'data-rate="handling">{handled / len(month) * 100:.1f}%' in manager
    assert 'data-rate="satisfaction">100.0%' in manager
    # Each chart names itself for assistive technology and carries its table.
    for key in ("category", "building", "weekly-received", "weekly-complaints", "weekly-findings"):
        assert f'aria-labelledby="chart-{key}-title chart-{key}-desc"' in manager
        assert f'<title id="chart-{key}-title">' in manager
    assert "<script" not in manager[manager.index('id="dash-trends"') :]
    supervisor = login_as("supervisor").get("/dashboard?period=month").get_data(as_text=True)
    assert 'id="dash-rates"' not in supervisor and 'id="dash-trends"' not in supervisor
    assert 'id="dash-patrols"' in supervisor and 'id="dash-hotspots"' in supervisor


def test_another_estate_is_never_counted(login_as, world, generated):
    _at(NOW)
    body = (
        login_as("manager").get(f"/dashboard?estate={world.other_estate.id}").get_data(as_text=True)
    )
    # Not one of the manager's estates: the board of their own estates instead.
    assert "别处" not in body
    mine = [
        t
        for t in generated.tickets
        if t.estate_id == world.estate.id and _day(t.created_at) == NOW.date()
    ]
    assert figures(body)["received"] == len(mine)


def test_english_dashboard(login_as, world, generated):
    _at(NOW)
    c = login_as("manager")
    c.post("/locale", data={"locale": "en", "next": "/"})
    body = c.get("/dashboard?period=week").get_data(as_text=True)
    assert "Dashboard" in body and "This week" in body and "By category" in body
    assert "数据看板" not in body


def _bulk_tickets(world, count: int, start: int) -> None:
    units = db.session.scalars(
        select(Unit.id).where(Unit.building.has(estate_id=world.estate.id))
    ).all()
    now = clock.now()
    rows = []
    for i in range(start, start + count):
        created = now - timedelta(minutes=i * 7)
        row = {
            "number": f"TS-Q-{i:07d}",
            "estate_id": world.estate.id,
            "unit_id": units[i % len(units)],
            "reporter_name": "业主",
            "reporter_phone": "13900000000",
            "kind": ("complaint", "repair", "inquiry", "suggestion")[i % 4],
            "channel": "phone",
            "category": ("noise", "engineering", "cleaning")[i % 3],
            "severity": "major" if i % 97 == 0 else "normal",
            "description": f"批量 {i}",
            "status": ("received", "closed", "closed", "resolved")[i % 4],
            "taker_id": world.assistant.id,
            "tracking_hash": f"{i:064d}",
            "next_follow_up_at": created + timedelta(hours=24) if i % 4 == 0 else None,
            "reopen_count": 0,
            "escalation_level": 0,
            "created_at": created,
            "version": 1,
        }
        row["search_terms"] = search.terms(*(row[f] for f in SEARCHED))
        rows.append(row)
        if len(rows) == 5000:
            db.session.execute(insert(Ticket), rows)
            rows = []
    if rows:
        db.session.execute(insert(Ticket), rows)
    db.session.commit()


def test_the_dashboard_runs_the_same_statements_at_10k_and_100k_tickets(
    login_as, world, count_queries
):
    make_template(world.estate)
    manager = login_as("manager")
    _bulk_tickets(world, 10_000, 0)
    for period in ("today", "month"):
        manager.get(f"/dashboard?period={period}")  # warm up
    with count_queries() as small:
        assert manager.get("/dashboard?period=month").status_code == 200
    _bulk_tickets(world, 90_000, 10_000)
    with count_queries() as large:
        assert manager.get("/dashboard?period=month").status_code == 200
    assert db.session.scalar(select(db.func.count(Ticket.id))) == 100_000
    assert large.count == small.count, "\n".join(large.statements)
    assert large.count <= 30
    assert db.session.scalar(select(db.func.count(ItemResult.id))) == 0
    assert db.session.scalar(select(db.func.count(PatrolRound.id))) == 0


def test_chart_labels_are_cut_by_the_width_they_take():
    """A bar's label fits the labels' column: a Chinese character takes two letters' room."""
    from webapp.dashboard.charts import fit

    assert fit("工程维修") == "工程维修"
    assert fit("服务态度与礼仪规范问题") == "服务态度与礼仪规…"
    assert fit("Service attitude") == "Service attitude"  # sixteen letters: as it is
    assert fit("Engineering repairs") == "Engineering repa…"


def test_bars_take_the_charts_scale_and_the_label_column_widens_for_long_labels():
    """A rate of 50 % fills half the room when the chart's scale is 100, whatever the largest
    rate; English scale labels ("1 Very dissatisfied") are not cut; Chinese ones keep the
    usual column."""
    from webapp.dashboard.charts import Chart, Point, bars, columns

    rates = Chart("r", "t", "d", [Point("1栋", 50), Point("2栋", 25)], scale=100)
    [half, quarter], _height = bars(rates)
    room = 320 - half.x - 34
    assert half.width == round(room / 2, 1) and quarter.width == round(room / 4, 1)
    relative = Chart("r", "t", "d", [Point("1栋", 50), Point("2栋", 25)])
    assert bars(relative)[0][0].width == round(320 - 96 - 34, 1)  # the largest fills it
    [full], _height = columns(Chart("c", "t", "d", [Point("w", 50)], scale=100))
    assert full.height == 60  # half the plot's 120
    chinese = bars(Chart("c", "t", "d", [Point("工程维修", 3)]))[0][0]
    assert chinese.x == 96 and chinese.short == "工程维修"
    english = bars(Chart("e", "t", "d", [Point("1 Very dissatisfied", 3), Point("5", 9)]))[0]
    assert english[0].short == "1 Very dissatisfied" and english[0].x > 96
    assert english[0].x == english[1].x  # one column for all the chart's labels
    cut = bars(Chart("e", "t", "d", [Point("A label far longer than any column allows", 1)]))
    assert cut[0][0].short.endswith("…") and cut[0][0].x <= 26 * 6

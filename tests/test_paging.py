"""Keyset paging (webapp/paging.py): every long list is read a page at a time after its last
row, as a phone scrolls ("more" fetched in place by htmx) and without script (plain links)."""

from __future__ import annotations

import html as htmlmod
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from tests.fixtures.decoration import make_permit
from tests.fixtures.patrols import make_template
from webapp import clock, paging, search
from webapp.extensions import db
from webapp.models import Building, Notification, PatrolRound, Ticket, Unit, WorkOrder
from webapp.tickets import inbox

NEXT = re.compile(r'<(?:p|li) class="more" id="more">.*?hx-get="([^"]+)"', re.S)
NUMBER = re.compile(r'<span class="mono">([^<]+)</span>')


def walk(client, url: str, rows: re.Pattern = NUMBER, target: str = "main") -> tuple[list, int]:
    """Everything a list shows, from its first page through each "more" as htmx fetches it;
    and how many requests that took."""
    response = client.htmx("get", url, target=target)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    seen = rows.findall(body)
    requests = 1
    while (link := NEXT.search(body)) is not None:
        response = client.htmx("get", htmlmod.unescape(link.group(1)), target="more")
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert "<html" not in body and "<nav" not in body  # the rows alone
        seen += rows.findall(body)
        requests += 1
        assert requests < 100, "paging does not end"
    return seen, requests


# --- the mechanism ------------------------------------------------------------------------------


ORDER = paging.Order.of((Ticket.created_at, "desc"), Ticket.severity, (Ticket.id, "desc"))


def test_a_token_carries_the_sort_values_back():
    values = (datetime(2026, 12, 6, 8, 30, 1, 5, tzinfo=UTC), "major", 42)
    assert ORDER.parse(ORDER.token(values)) == values
    # Chinese text survives (owners are sorted by name).
    names = paging.Order.of(Ticket.reporter_name, Ticket.id)
    assert names.parse(names.token(("王小明", 7))) == ("王小明", 7)


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "not base64 at all!",
        "W10",  # []
        paging.Order.of(Ticket.id).token((1,)),  # too few values
        ORDER.token(("2026-12-06T08:30:00", "major", 1)),  # a time without its zone
        ORDER.token(("yesterday", "major", 1)),
        ORDER.token(("2026-12-06T08:30:00+00:00", 3, 1)),  # a number for text
        ORDER.token(("2026-12-06T08:30:00+00:00", "major", "1")),  # text for a number
        ORDER.token(("2026-12-06T08:30:00+00:00", "major", True)),
        ORDER.token(("2026-12-06T08:30:00+00:00", "major", 10**30)),
        ORDER.token(("2026-12-06T08:30:00+00:00", "major", 2**40)),  # beyond an INTEGER
        ORDER.token(("9999-12-31T23:59:59-23:00", "major", 1)),  # beyond the year 9999 in UTC
        ORDER.token(("0001-01-01T00:00:00+14:00", "major", 1)),
        ORDER.token(("2026-12-06T08:30:00+00:00", "ma\x00jor", 1)),
        "A" * 5000,
    ],
)
def test_a_damaged_or_forged_token_reads_the_first_page(token):
    assert ORDER.parse(token) is None


# --- the inbox ----------------------------------------------------------------------------------


def _bulk_tickets(world, count: int) -> None:
    """Tickets of every status, a few major, with follow-ups that fall due together (ties
    that a page boundary must not split wrongly), on many units, with several assignees."""
    now = clock.now()
    units = db.session.scalars(
        select(Unit.id).join(Building).where(Building.estate_id == world.estate.id)
    ).all()
    people = (world.assistant.id, world.supervisor.id, world.manager.id, None)
    statuses = ("received", "assigned", "in_progress", "resolved", "closed")
    rows = [
        dict(
            number=f"PG-{i:04d}",
            estate_id=world.estate.id,
            unit_id=units[i % len(units)],
            reporter_name=f"业主{i}",
            reporter_phone="",
            kind="repair",
            channel="phone",
            category="engineering",
            severity="major" if i % 7 == 0 else "normal",
            description=f"分页 {i}",
            status=statuses[i % 5],
            taker_id=world.assistant.id,
            assignee_id=people[i % len(people)],
            next_follow_up_at=(now + timedelta(hours=i % 4)) if i % 5 < 3 else None,
            investigation_due_at=now + timedelta(hours=48) if i % 7 == 0 else None,
            created_at=now - timedelta(minutes=i // 3),  # three at a time
            closed_at=now - timedelta(hours=i % 6) if i % 5 == 4 else None,
            reopen_count=0,
            escalation_level=0,
            version=1,
        )
        for i in range(count)
    ]
    for row in rows:  # what the ORM's events keep for the search box
        row["search_terms"] = search.terms(*(row[f] for f in inbox.SEARCHED))
    db.session.execute(insert(Ticket), rows)
    db.session.commit()


def _expected(tab: str) -> list[str]:
    tickets = db.session.scalars(select(Ticket)).all()
    if tab == "open":
        chosen = [t for t in tickets if t.status in ("received", "assigned", "in_progress")]
        chosen.sort(key=lambda t: (t.severity != "major", t.next_follow_up_at, -t.id))
    elif tab == "closed":
        chosen = sorted(
            (t for t in tickets if t.status == "closed"), key=lambda t: (t.closed_at, t.id)
        )[::-1]
    elif tab == "resolved":
        chosen = sorted(
            (t for t in tickets if t.status == "resolved"), key=lambda t: (t.created_at, t.id)
        )[::-1]
    else:
        chosen = sorted(tickets, key=lambda t: -t.id)
    return [t.number for t in chosen]


@pytest.mark.parametrize("tab", ["open", "closed", "resolved", "all"])
def test_scrolling_the_inbox_shows_every_ticket_once_in_order(login_as, world, tab):
    _bulk_tickets(world, 160)
    c = login_as("supervisor")
    seen, requests = walk(c, f"/tickets?tab={tab}&kind=repair", target="ticket-list")
    expected = _expected(tab)
    assert seen == expected
    assert requests == len(expected) // inbox.PAGE + 1


def test_a_ticket_taken_while_scrolling_does_not_shift_the_pages(login_as, world):
    _bulk_tickets(world, 60)
    c = login_as("supervisor")
    first = c.htmx("get", "/tickets?tab=all", target="ticket-list").get_data(as_text=True)
    link = htmlmod.unescape(NEXT.search(first).group(1))
    _bulk_tickets_after = dict(number="PG-NEW")
    db.session.execute(
        insert(Ticket),
        [
            dict(
                _bulk_tickets_after,
                estate_id=world.estate.id,
                reporter_name="新",
                reporter_phone="",
                kind="repair",
                channel="phone",
                category="engineering",
                severity="normal",
                description="新的",
                status="received",
                taker_id=world.assistant.id,
                next_follow_up_at=clock.now(),
                created_at=clock.now(),
                reopen_count=0,
                escalation_level=0,
                version=1,
                search_terms="",
            )
        ],
    )
    db.session.commit()
    second = c.htmx("get", link, target="more").get_data(as_text=True)
    # With an offset, the new ticket would push the first page's last card onto the second.
    assert not set(NUMBER.findall(first)) & set(NUMBER.findall(second))
    assert NUMBER.findall(second)[0] == _expected("all")[inbox.PAGE + 1]


def test_a_page_deep_in_the_list_costs_what_the_first_does(login_as, world, count_queries):
    _bulk_tickets(world, 300)
    c = login_as("supervisor")
    body = c.htmx("get", "/tickets?tab=open", target="ticket-list").get_data(as_text=True)
    counts = []
    while (link := NEXT.search(body)) is not None:
        with count_queries() as counter:
            body = c.htmx("get", htmlmod.unescape(link.group(1)), target="more").get_data(
                as_text=True
            )
        counts.append(counter.count)
    # Cards of 25 units and 3 assignees: read for the page at once, not one statement a card.
    assert len(counts) >= 3 and len(set(counts)) == 1 and counts[0] <= 6, counts


def test_without_script_the_next_page_is_a_link_and_the_start_one_back(login_as, world):
    _bulk_tickets(world, 60)
    c = login_as("supervisor")
    page = c.get("/tickets?tab=all&q=分页").get_data(as_text=True)
    assert 'rel="first"' not in page
    link = re.search(r'<a class="button more-link" href="([^"]+)" rel="next"', page)
    assert link and "q=" in link.group(1) and "tab=all" in link.group(1)  # filters kept
    second = c.get(htmlmod.unescape(link.group(1))).get_data(as_text=True)
    assert "<html" in second and 'rel="first"' in second
    assert NUMBER.findall(second) == _expected("all")[inbox.PAGE : 2 * inbox.PAGE]
    # A damaged or forged token is the list's start, not an error, as a page and as rows.
    again = c.get("/tickets?tab=all&after=%00%ff!!").get_data(as_text=True)
    assert NUMBER.findall(again) == _expected("all")[: inbox.PAGE]
    forged = {
        "/tickets?tab=all": [2**40],
        "/tickets?tab=closed": ["9999-12-31T23:59:59-23:00", 5],
        "/tickets?tab=open": ["major", "9999-12-31T23:59:59-23:00", 1],
        "/tickets?tab=resolved": ["0001-01-01T00:00:00+14:00", -(2**40)],
        "/owners": ["名" * 60, 2**40],
        "/workorders": ["open", "2026-12-06T08:30:00+00:00", 2**40],
    }
    for path, values in forged.items():
        url = f"{path}{'&' if '?' in path else '?'}after={paging._encode(values)}"
        assert c.get(url).status_code == 200, url
        assert c.htmx("get", url, target="more").status_code == 200, url


# --- the other lists ----------------------------------------------------------------------------


def test_work_orders_scroll_open_then_fixed_then_closed(login_as, world):
    now = clock.now()
    statuses = ("closed", "open", "fixed")
    db.session.add_all(
        WorkOrder(
            number=f"WO-PG-{i:03d}",
            estate_id=world.estate.id,
            department="engineering",
            location="1栋大堂",
            description=f"工单 {i}",
            status=statuses[i % 3],
            due_at=now + timedelta(hours=i % 5),  # ties on the due time
            origin_type="ticket",
            origin_id=i,
            reported_by_id=world.assistant.id,
        )
        for i in range(70)
    )
    db.session.commit()
    orders = db.session.scalars(select(WorkOrder)).all()
    rank = {"open": 0, "fixed": 1, "closed": 2}
    expected = [o.number for o in sorted(orders, key=lambda o: (rank[o.status], o.due_at, o.id))]
    wo = re.compile(r"<strong>(WO-PG-\d+)</strong>")
    c = login_as("supervisor")
    seen, requests = walk(c, "/workorders", rows=wo, target="order-list")
    assert seen == expected and requests == 3
    # A filter narrows every page, not only the first; the page shows it chosen.
    page = c.get("/workorders?status=fixed")
    assert page.status_code == 200
    assert '<option value="fixed" selected>' in page.get_data(as_text=True)
    seen, _requests = walk(c, "/workorders?status=fixed", rows=wo, target="order-list")
    assert seen == [n for n in expected if n in {o.number for o in orders if o.status == "fixed"}]


def test_owners_scroll_by_name(login_as, world, make):
    for i in range(55):
        make.owner(world.unit_b, display_name=f"分页业主{(i * 7) % 55:02d}", password=None)
    c = login_as("supervisor")
    name = re.compile(r"<strong>(分页业主\d+)</strong>")
    seen, requests = walk(c, "/owners?q=分页", rows=name, target="owner-results")
    assert seen == [f"分页业主{i:02d}" for i in range(55)] and requests == 2


def test_patrol_history_scrolls_to_the_first_round(login_as, world):
    template = make_template(world.estate)
    now = clock.now()
    db.session.add_all(
        PatrolRound(
            template_id=template.id,
            estate_id=world.estate.id,
            patroller_id=world.assistant.id,
            status="finished",
            started_at=now - timedelta(hours=i // 2),  # two at a time
            finished_at=now,
        )
        for i in range(60)
    )
    db.session.commit()
    rounds = db.session.scalars(select(PatrolRound)).all()
    expected = [r.id for r in sorted(rounds, key=lambda r: (r.started_at, r.id), reverse=True)]
    link = re.compile(r'href="/patrols/rounds/(\d+)"')
    c = login_as("supervisor")
    seen, requests = walk(c, "/patrols/history", rows=link, target="history-rows")
    assert [int(i) for i in seen] == expected and requests == 3
    # The patrol page shows the assistant's latest ten and leads to the rest (it does not page).
    mine = login_as("assistant").get("/patrols").get_data(as_text=True)
    recent = mine[mine.index('id="recent-rounds"') :]
    assert [int(i) for i in link.findall(recent)] == expected[:10]
    assert 'rel="first"' not in mine and 'id="more"' not in mine
    assert f"/patrols/history?person={world.assistant.id}" in recent


def test_permits_notifications_and_an_owners_tickets_scroll(login_as, world):
    units = db.session.scalars(
        select(Unit).join(Building).where(Building.estate_id == world.estate.id).limit(28)
    ).all()
    for unit in units:  # one renovation at a time per unit
        make_permit(world, unit)
    permits = re.compile(r'<span class="mono small">([^<]+)</span>')
    c = login_as("supervisor")
    seen, requests = walk(c, "/decoration/permits", rows=permits)
    assert len(seen) == len(set(seen)) == 28 and requests == 2
    assert seen == sorted(seen, reverse=True)  # the newest number first

    db.session.add_all(
        Notification(
            user_id=world.supervisor.id,
            key=f"paging-{i}",
            kind="overdue",
            target_type="ticket",
            target_id=i,
            title=f"通知 {i:02d}",
            read_at=clock.now() if i % 3 else None,
        )
        for i in range(40)
    )
    db.session.commit()
    title = re.compile(r'<span class="small">(通知 \d+)</span>')
    seen, requests = walk(c, "/notifications", rows=title)
    unread = [f"通知 {i:02d}" for i in reversed(range(40)) if i % 3 == 0]
    read = [f"通知 {i:02d}" for i in reversed(range(40)) if i % 3]
    assert seen == unread + read and requests == 2

    _bulk_tickets(world, 40)
    db.session.execute(update(Ticket).values(owner_id=world.owner_a.id))
    db.session.commit()
    owner = login_as("owner_a")
    seen, requests = walk(owner, "/my/tickets", rows=re.compile(r"(PG-\d{4}) ·"))
    mine = db.session.scalars(select(Ticket)).all()
    assert seen == [t.number for t in sorted(mine, key=lambda t: (t.created_at, t.id))][::-1]
    assert requests == 2


def test_a_home_list_says_when_it_shows_only_part_and_leads_to_the_whole(login_as, world):
    _bulk_tickets(world, 160)  # 32 received, waiting to be assigned
    home = login_as("supervisor").get("/").get_data(as_text=True)
    section = home[home.index('id="duty-assign"') :]
    section = section[: section.index("</section>")]
    assert '<span class="badge">20+</span>' in section
    assert section.count('class="list-row entry') == 20
    assert 'href="/tickets?tab=received"' in section
    # A short list says its count as it is.
    owner = login_as("owner_a").get("/").get_data(as_text=True)
    mine = owner[owner.index('id="duty-tickets"') :]
    assert "+</span>" not in mine[: mine.index("</section>")]

"""Keyset paging as a phone shows it: the inbox's next cards arrive as the list is scrolled, in
place (no reload), until its end; a ticket that changes meanwhile and sorts further down is
not shown twice; in English the link reads "More"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert, select, update

from tests.browser.conftest import arrived, log_in
from tests.browser.test_patrol_browser import PHONE_390
from webapp import clock, search
from webapp.extensions import db
from webapp.models import Estate, Ticket, User
from webapp.tickets import inbox

pytestmark = pytest.mark.browser
COUNT = 70  # three pages of 25


@pytest.fixture(scope="module")
def many_tickets(live_app):
    """70 open tickets in the demo estate, their follow-ups an hour apart."""
    with live_app.app_context():
        estate = db.session.scalar(select(Estate).order_by(Estate.id))
        taker = db.session.scalar(select(User).where(User.username == "assistant"))
        now = clock.now()
        rows = [
            dict(
                number=f"TS-PAGE-{i:03d}",
                estate_id=estate.id,
                reporter_name=f"住户{i}",
                reporter_phone="",
                kind="repair",
                channel="phone",
                category="engineering",
                severity="normal",
                description=f"走廊灯不亮 {i}",
                status="received",
                taker_id=taker.id,
                next_follow_up_at=now + timedelta(days=30, hours=i),
                created_at=now,
                reopen_count=0,
                escalation_level=0,
                version=1,
            )
            for i in range(COUNT)
        ]
        for row in rows:
            row["search_terms"] = search.terms(*(row[f] for f in inbox.SEARCHED))
        db.session.execute(insert(Ticket), rows)
        db.session.commit()
        db.session.remove()
    return [r["number"] for r in rows]


def _numbers(page) -> list[str]:
    return [n for n in page.locator("#ticket-list .mono").all_inner_texts() if "PAGE" in n]


def test_the_inbox_grows_as_it_is_scrolled_and_shows_each_ticket_once(
    browser, live_server, live_app, many_tickets, screenshot
):
    base = live_server
    page = browser.new_context(**PHONE_390).new_page()
    log_in(page, base, "supervisor")
    page.get_by_role("link", name="投诉").first.click()
    arrived(page, f"{base}/tickets")
    page.fill("#ticket-q", "走廊灯")  # only this test's tickets, in the order of their follow-ups
    arrived(page, re.compile(r".*q=.*"))  # the search's list is in (its address is kept)
    expect(page.locator("#ticket-list .row-card")).to_have_count(inbox.PAGE)
    first_url = page.url
    assert _numbers(page) == many_tickets[: inbox.PAGE]
    more = page.locator("#more a")
    expect(more).to_have_text("更多")

    # Someone replies to the first ticket meanwhile: its next follow-up moves to the end.
    with live_app.app_context():
        db.session.execute(
            update(Ticket)
            .where(Ticket.number == many_tickets[0])
            .values(next_follow_up_at=clock.now() + timedelta(days=90))
        )
        db.session.commit()
        db.session.remove()

    more.scroll_into_view_if_needed()  # revealed: the next page comes without a tap
    expect(page.locator("#ticket-list .row-card")).to_have_count(2 * inbox.PAGE)
    page.locator("#more a").scroll_into_view_if_needed()
    # The last page: 20 more, minus the moved ticket, which was shown on the first page already.
    expect(page.locator("#ticket-list .row-card")).to_have_count(COUNT)
    expect(page.locator("#more")).to_have_count(0)  # the end: no link further
    numbers = _numbers(page)
    assert sorted(numbers) == sorted(many_tickets) and len(numbers) == COUNT
    assert page.url == first_url  # scrolling is not navigation
    screenshot("inbox-scrolled-to-the-end", full_page=False, target=page)

    # In English the link says so.
    page.get_by_role("button", name="English").click()
    expect(page.locator("#more a")).to_have_text("More")

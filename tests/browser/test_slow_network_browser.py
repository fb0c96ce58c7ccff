"""A patrol card on a slow network: the department chosen while the card's note is still on its
way to the server is not lost when the note's answer redraws the card."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import log_in, settled
from tests.browser.test_offline_browser import _start_round
from tests.browser.test_patrol_browser import PHONE_390
from webapp.extensions import db
from webapp.models import ItemResult

pytestmark = pytest.mark.browser


def test_a_department_chosen_while_the_note_is_sent_is_kept(browser, live_server, live_app):
    page = browser.new_context(**PHONE_390).new_page()
    log_in(page, live_server, "assistant")
    round_url = _start_round(page, live_server)
    round_id = int(round_url.rsplit("/", 1)[1])
    card = page.locator("article.item-card").nth(2)
    card.get_by_role("button", name="异常", exact=True).click()
    settled(page)
    department = card.locator("select[name=department]")
    suggested = department.input_value()
    chosen = "cleaning" if suggested != "cleaning" else "landscaping"

    # The note leaves when the person taps the department list, and the network holds it.
    held = []

    def hold_the_first_post(route):
        if route.request.method == "POST" and not held:
            held.append(route)
        else:
            route.continue_()

    page.route(re.compile(r".*/patrols/rounds/\d+/items/\d+$"), hold_the_first_post)
    card.locator("textarea[name=note]").fill("楼梯间堆放杂物")
    card.locator("textarea[name=note]").press("Tab")
    while not held:  # the change event's request reaches the network
        page.wait_for_timeout(50)
    department.select_option(chosen)  # made while the note is on its way
    held[0].continue_()
    # The note's answer redraws the card: the choice stays, and is saved after it.
    settled(page)
    expect(department).to_have_value(chosen)
    expect(card.locator("textarea[name=note]")).to_have_value("楼梯间堆放杂物")

    def stored():
        with live_app.app_context():
            found = db.session.scalars(
                select(ItemResult).where(
                    ItemResult.round_id == round_id, ItemResult.outcome == "issue"
                )
            ).all()
            db.session.remove()
            return [(r.note, r.department) for r in found]

    for _ in range(100):
        if stored() == [("楼梯间堆放杂物", chosen)]:
            break
        page.wait_for_timeout(100)
    assert stored() == [("楼梯间堆放杂物", chosen)]

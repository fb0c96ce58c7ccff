"""Issue 5's acceptance in a real browser at phone size: a phone complaint with a tracking link,
assigned, resolved with a written reply, rated 不满意 by the owner (reopens) and then 满意
(closes); a major complaint on the manager's home turning overdue after 48 hours; owner B kept
out of owner A's ticket, its photos and its tracking link; the monthly summary on screen."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import SCREENS, arrived, log_in
from tests.browser.test_patrol_browser import PHONE_390
from tests.fixtures.photos import jpeg_bytes
from webapp import clock, demo
from webapp.extensions import db
from webapp.models import Building, Role, Unit, UnitOwnership, User
from webapp.passwords import hash_password

pytestmark = pytest.mark.browser
ASSISTANT_NAME = next(
    name for username, name, _phone, _role in demo.STAFF if username == "assistant"
)


@pytest.fixture(scope="module")
def owner_b(live_app):
    """A second owner, of another unit of the demo estate."""
    with live_app.app_context():
        unit = db.session.scalar(
            select(Unit).join(Building).where(Building.name == "1栋", Unit.number == "101")
        )
        user = User(
            username="owner-b",
            display_name="王五",
            phone="13900000999",
            role=Role.OWNER,
            password_hash=hash_password(demo.DEMO_PASSWORD),
            active=True,
        )
        user.ownerships = [UnitOwnership(unit_id=unit.id, relation="owner")]
        db.session.add(user)
        db.session.commit()
        db.session.remove()
    return "owner-b"


def _new_page(browser, base, username):
    page = browser.new_context(**PHONE_390).new_page()
    log_in(page, base, username)
    return page


def _take_phone_complaint(page, base, photo, *, description, severity="一般"):
    page.goto(f"{base}/tickets/new")
    page.select_option("#kind", label="投诉")
    page.select_option("#channel", label="电话")
    page.select_option("#category", label="噪音")
    page.select_option("#severity", label=severity)
    page.fill("#reporter_name", "陈志强")
    page.fill("#reporter_phone", "13912345678")
    building = page.locator("#building option", has_text="3栋").first.get_attribute("value")
    page.select_option("#building", value=building)
    page.fill("#number", "1201")
    page.fill("#description", description)
    page.locator("input[name=photos]").set_input_files(str(photo))
    page.locator("main button[type=submit]").click()
    expect(page.locator("#created")).to_be_visible()
    text = page.locator("#track-text").input_value()
    link = re.search(r"https?://\S+", text).group(0)
    number = page.locator("#created dd.mono").first.inner_text()
    return number, link


def test_phone_complaint_to_closed_with_a_reopen(
    browser, live_server, owner_b, tmp_path, screenshot
):
    photo = tmp_path / "noise.jpg"
    photo.write_bytes(jpeg_bytes(2400, 1800, color=(90, 110, 140)))
    base = live_server

    # The assistant takes a phone complaint and gets a tracking link to send.
    assistant = _new_page(browser, base, "assistant")
    number, link = _take_phone_complaint(
        assistant, base, photo, description="楼上每晚十一点后还在装修，噪音很大"
    )
    assert link.startswith(f"{base}/t/{number}?code=")
    screenshot("ticket-created", target=assistant)

    # The caller opens the link without logging in; a wrong code shows nothing.
    caller = browser.new_context(**PHONE_390).new_page()
    caller.goto(link)
    expect(caller.locator("main")).to_contain_text(number)
    expect(caller.locator("main")).to_contain_text("已受理")
    assert caller.goto(f"{base}/t/{number}?code=00000000").status == 404

    # The supervisor assigns it from the inbox.
    supervisor = _new_page(browser, base, "supervisor")
    supervisor.goto(f"{base}/tickets")
    supervisor.locator("#ticket-list a", has_text=number).click()
    arrived(supervisor, re.compile(r".*/tickets/\d+$"))
    person = supervisor.locator("#assignee option", has_text=ASSISTANT_NAME).first
    supervisor.select_option("#assignee", value=person.get_attribute("value"))
    supervisor.get_by_role("button", name="派单").click()
    expect(supervisor.locator(".flash-success")).to_contain_text("已更新工单")
    expect(supervisor.locator("main")).to_contain_text("已派单")
    screenshot("ticket-detail-supervisor", target=supervisor)

    # The assistant starts it and resolves it with a written reply.
    def resolve(reply: str) -> None:
        assistant.goto(f"{base}/tickets?mine=1")
        assistant.locator("#ticket-list a", has_text=number).click()
        arrived(assistant, re.compile(r".*/tickets/\d+$"))
        start = assistant.get_by_role("button", name="开始处理")
        if start.count():
            start.click()
            expect(start).to_have_count(0)
        assistant.fill("#reply", reply)
        assistant.get_by_role("button", name="已处理，回复业主").click()
        expect(assistant.locator("#actions")).to_contain_text("回访")

    resolve("已与楼上业主及施工队沟通，晚上十点后停止施工。")

    # The owner sees it on their phone and is not satisfied: it reopens.
    owner = _new_page(browser, base, "owner")
    owner.locator("#duty-tickets a", has_text=number).click()
    arrived(owner, re.compile(r".*/my/tickets/\d+$"))
    expect(owner.locator("main")).to_contain_text("晚上十点后停止施工")
    expect(owner.locator("main .thumbs img")).to_have_count(1)
    photo_src = owner.locator("main .thumbs img").first.get_attribute("src")
    ticket_url = owner.url
    screenshot("ticket-owner-visit", target=owner)
    owner.fill("#comment", "昨晚十一点还有电钻声")
    owner.get_by_role("button", name="不满意").click()
    expect(owner.locator(".flash-success")).to_contain_text("已重新打开")
    expect(owner.locator("h1")).to_contain_text("处理中")

    # A second resolution, rated 满意, closes it.
    resolve("已安排保安晚间巡查，施工队已签承诺书。")
    owner.goto(ticket_url)
    owner.get_by_role("button", name="满意", exact=True).click()
    expect(owner.locator(".flash-success")).to_contain_text("谢谢")
    expect(owner.locator("h1")).to_contain_text("已关闭")
    caller.goto(link)
    expect(caller.locator("main")).to_contain_text("已关闭")

    # Owner B gets 404 on owner A's ticket, its photos and the tracking link with a wrong code.
    other = _new_page(browser, base, owner_b)
    assert other.goto(ticket_url).status == 404
    assert other.goto(f"{base}{photo_src}").status == 404
    assert other.goto(f"{base}/t/{number}?code=12345678").status == 404
    other.goto(f"{base}/my/tickets")
    expect(other.locator("main")).not_to_contain_text(number)


def test_a_major_complaint_turns_overdue_on_the_managers_home(
    browser, live_server, tmp_path, screenshot
):
    photo = tmp_path / "guard.jpg"
    photo.write_bytes(jpeg_bytes(1600, 1200, color=(40, 40, 40)))
    base = live_server
    assistant = _new_page(browser, base, "assistant")
    number, _link = _take_phone_complaint(
        assistant, base, photo, description="门岗保安态度恶劣，与业主争吵", severity="重大"
    )
    manager = _new_page(browser, base, "manager")
    major = manager.locator("#duty-major a", has_text=number)
    expect(major).to_be_visible()
    expect(major).not_to_have_class(re.compile(r"\boverdue\b"))
    clock.travel(timedelta(hours=49))
    try:
        log_in(manager, base, "manager")  # the session idled out over two days
        major = manager.locator("#duty-major a", has_text=number)
        expect(major).to_have_class(re.compile(r"\boverdue\b"))
        expect(manager.locator("#duty-overdue")).to_contain_text(number)
        screenshot("ticket-manager-home-overdue", target=manager)

        # The investigation note clears it.
        major.click()
        arrived(manager, re.compile(r".*/tickets/\d+$"))
        manager.fill("#body", "已调取门岗监控并约谈当班保安，向业主致歉。")
        manager.get_by_role("button", name="调查意见").click()
        expect(manager.locator(".flash-success")).to_contain_text("已记录")
        manager.goto(f"{base}/")
        expect(manager.locator("#duty-major a", has_text=number)).not_to_have_class(
            re.compile(r"\boverdue\b")
        )

        # The monthly summary, on the phone and in English.
        manager.goto(f"{base}/tickets/summary")
        expect(manager.locator("#total-received")).not_to_have_text("0")
        screenshot("ticket-summary-zh", target=manager)
        manager.click(".locale-switch button")  # English is one tap away (kept per user)
        manager.wait_for_load_state()
        expect(manager.locator("h1")).to_have_text("Complaint handling summary")
        width = manager.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"summary overflows the phone: {width}px"
        manager.screenshot(path=str(SCREENS / "ticket-summary-en.png"), full_page=True)
        manager.click(".locale-switch button")  # and back, for the next tests
        manager.wait_for_load_state()
    finally:
        clock.travel(timedelta(hours=-49))

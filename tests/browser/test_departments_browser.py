"""Issue 15's acceptance in a real browser on a 360-px phone: the manager wires the engineering
group's robot; a patrol finding becomes a work order whose message the stand-in robot receives
(through the real job queue); the link opens in a fresh browser with no account, the technician
marks it fixed with a photo; the patroller's bell leads to the 复查, which passes. Then an owner's
repair: sent to engineering from the ticket by the supervisor, fixed through the link,
re-inspected; the owner
follows it in their timeline and rates it."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests import robots
from tests.browser.conftest import PHONE, arrived, log_in, settled
from tests.fixtures.messaging import ROBOT_CONFIG, consumer
from tests.fixtures.photos import jpeg_bytes

pytestmark = pytest.mark.browser

CONTEXT = {
    "viewport": PHONE,
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
LINK = re.compile(r"\]\((https?://[^)\s]+/d/[^)\s]+)\)")


@pytest.fixture(scope="module")
def robot():
    stand_in = robots.start()
    yield stand_in
    stand_in.server.shutdown()
    stand_in.server.server_close()


@pytest.fixture(scope="module")
def wired(live_app, live_server, tmp_path_factory):
    """The live app allows the loopback robot, builds links to itself, and has its consumer."""
    live_app.config.update(ROBOT_CONFIG)
    live_app.config["PUBLIC_URL"] = live_server
    with consumer(live_app, live_app.config["UPLOAD_DIR"]) as running:
        yield live_server, running


def _tab(page, name: str) -> None:
    """Tap a tab of the bottom bar, and let its page arrive before the next tap (a tap on the
    page still shown would race the swap: its content could land under the tab's address)."""
    link = page.locator("nav.tabbar").get_by_role("link", name=name, exact=True)
    path = link.get_attribute("href")
    link.click()
    arrived(page, lambda url: urlsplit(url).path == path)
    page.wait_for_load_state()


def _link_in(robot, count: int, running) -> str:
    received = robot.wait_for(count, timeout=60)
    assert len(received) >= count, f"the robot got no message; {running.output()}"
    found = LINK.search(received[count - 1].text)
    assert found, received[count - 1].text
    return found.group(1)


def _fix_through_link(browser, url: str, photo: Path, screenshot, name: str) -> None:
    """A technician in the group taps the link: a fresh browser, no account."""
    tech = browser.new_context(**CONTEXT).new_page()
    tech.goto(url)
    expect(tech.locator("#work-order")).to_be_visible()
    expect(tech.locator("nav.tabbar")).to_have_count(0)
    screenshot(f"{name}-link", target=tech)
    tech.get_by_role("textbox", name="你的姓名").fill("李师傅")
    tech.get_by_role("textbox", name="处理情况").fill("已更换灯管并测试正常")
    tech.locator("#link-photos").set_input_files(str(photo))
    tech.get_by_role("button", name="提交：已修复").click()
    expect(tech.locator(".flash-success")).to_contain_text("已修复")
    expect(tech.locator("#answered")).to_be_visible()
    screenshot(f"{name}-link-done", target=tech)
    tech.context.close()


def test_a_finding_reaches_the_department_and_comes_back(
    browser, wired, robot, tmp_path, screenshot
):
    base, running = wired
    photo = tmp_path / "after.jpg"
    photo.write_bytes(jpeg_bytes(2400, 1800, color=(200, 190, 60)))

    # The manager wires the engineering group's WeCom robot.
    manager = browser.new_context(**CONTEXT).new_page()
    log_in(manager, base, "manager")
    _tab(manager, "管理")
    manager.locator(".list-cards a").first.click()
    manager.get_by_role("link", name="部门与群机器人").click()
    manager.locator("[data-department=engineering]").get_by_role("link", name="设置").click()
    manager.select_option("#robot_kind", "wecom")
    manager.fill("#webhook_url", robot.wecom_url("eng"))
    manager.get_by_role("button", name="保存").click()
    expect(manager.locator("[data-department=engineering]")).to_contain_text("企业微信群机器人")
    assert "key=eng" not in manager.content()
    screenshot("departments", target=manager)

    # A patrol finds a broken light: 异常, engineering, finish.
    assistant = browser.new_context(**CONTEXT).new_page()
    log_in(assistant, base, "assistant")
    _tab(assistant, "巡查")
    assistant.locator("#due article").first.get_by_role("button", name="开始巡查").click()
    arrived(assistant, "**/patrols/rounds/*")
    cards = assistant.locator("article.item-card")
    first = cards.first
    first.get_by_role("button", name="异常", exact=True).click()
    settled(assistant)  # the card comes back with the note and department fields
    first.locator("textarea").fill("电梯厅顶灯不亮")
    first.locator("textarea").press("Tab")
    first.locator("select[name=department]").select_option("engineering")
    expect(first.locator("select[name=department]")).to_have_value("engineering")
    for i in range(1, cards.count()):
        cards.nth(i).get_by_role("button", name="正常", exact=True).click()
        expect(cards.nth(i).get_by_role("button", name="正常", exact=True)).to_have_attribute(
            "aria-pressed", "true"
        )
    assistant.get_by_role("button", name="完成巡查").click()
    expect(assistant.locator(".flash-success")).to_contain_text("已派发工单")
    number = assistant.locator("article.item-card a[href^='/workorders/']").first.inner_text()

    # The group receives it (through the job queue), with the link.
    url = _link_in(robot, 1, running)
    message = robot.received[0].text
    assert number in message and "电梯厅顶灯不亮" in message
    _fix_through_link(browser, url, photo, screenshot, "patrol")

    # The patroller's bell counts it; the notification leads to the 复查, which passes.
    _tab(assistant, "首页")
    expect(assistant.locator("#bell .bell-count")).to_have_text("1")
    assistant.locator("#bell a").click()
    arrived(assistant, "**/notifications")
    assistant.get_by_role("link", name=re.compile("部门已修复，请复查")).click()
    arrived(assistant, "**/workorders/*")
    expect(assistant.locator("#work-order")).to_contain_text("李师傅")
    expect(assistant.locator(".photo-pairs img")).to_have_count(1)  # the after-photo
    screenshot("reinspect", target=assistant)
    assistant.get_by_role("button", name="复查通过，关闭工单").click()
    expect(assistant.locator(".flash-success")).to_contain_text("已关闭")

    # An owner reports a leak on their phone; the desk sends it to engineering.
    owner = browser.new_context(**CONTEXT).new_page()
    log_in(owner, base, "owner")
    _tab(owner, "报修")
    owner.get_by_role("link", name="我要报修/投诉").click()
    owner.select_option("#kind", "repair")
    owner.select_option("#category", "engineering")
    owner.get_by_role("textbox", name="问题描述").fill("厨房水龙头漏水")
    owner.get_by_role("button", name="提交").click()
    expect(owner.locator(".flash-success")).to_be_visible()
    ticket_url = owner.url

    supervisor = browser.new_context(**CONTEXT).new_page()
    log_in(supervisor, base, "supervisor")
    _tab(supervisor, "投诉")
    supervisor.locator("#ticket-list a", has_text="厨房水龙头漏水").first.click()
    supervisor.get_by_role("link", name="派维修单").click()
    supervisor.select_option("#department", "engineering")
    supervisor.get_by_role("button", name="派出维修单").click()
    expect(supervisor.locator(".flash-success")).to_contain_text("维修单已派出")

    url = _link_in(robot, 2, running)
    owner.goto(ticket_url)
    expect(owner.locator("#timeline")).to_contain_text("已派工程部")
    _fix_through_link(browser, url, photo, screenshot, "repair")
    owner.reload()
    expect(owner.locator("#timeline")).to_contain_text("已修复，待复查")

    _tab(supervisor, "首页")
    supervisor.locator("#bell a").click()
    arrived(supervisor, "**/notifications")
    supervisor.get_by_role("link", name=re.compile("部门已修复，请复查")).first.click()
    arrived(supervisor, "**/workorders/*")
    supervisor.get_by_role("button", name="复查通过，关闭工单").click()
    expect(supervisor.locator(".flash-success")).to_contain_text("已关闭")

    # The owner's bell brings them back; they read the answer and rate it.
    _tab(owner, "首页")
    expect(owner.locator("#bell .bell-count")).not_to_have_count(0)
    owner.locator("#bell a").click()
    arrived(owner, "**/notifications")
    owner.locator("#notifications a").first.click()
    arrived(owner, "**/my/tickets/*")
    expect(owner.locator("#timeline")).to_contain_text("维修已完成，经复查合格。")
    screenshot("owner-progress", target=owner)
    owner.locator("#visit").get_by_role("button", name="满意", exact=True).click()
    expect(owner.locator(".flash-success")).to_contain_text("谢谢")

"""Issue 4's acceptance in a real browser at phone size: an inspection with a violation and a photo,
the notice issued, the owner replying on their phone, the next inspection finding it rectified,
a notice left past its deadline shown overdue, the notice printed, completion accepted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENS, arrived, log_in
from tests.browser.test_patrol_browser import PHONE_390
from tests.fixtures.photos import jpeg_bytes
from webapp import clock

pytestmark = pytest.mark.browser


def _inspect(page, base, unit_label, violation=None, notice_state=None):
    """Run a site inspection: every rule 合规, except `violation` = (note, photo path)."""
    page.goto(f"{base}/decoration")
    page.locator("#sites article", has_text=unit_label).get_by_role("link", name="巡查").click()
    arrived(page, "**/inspect")
    rules = page.locator("fieldset.rule")
    for i in range(rules.count()):
        rule = rules.nth(i)
        if i == 0 and violation:
            rule.locator("label.radio-tap", has_text="违规").click()
            rule.locator("textarea").fill(violation[0])
            rule.locator("input[type=file]").set_input_files(str(violation[1]))
        else:
            rule.locator("label.radio-tap", has_text="合规").click()
    if notice_state:
        page.locator("fieldset.notice-check").first.get_by_text(notice_state).click()
    page.get_by_role("button", name="提交检查").click()
    expect(page.locator(".flash-success")).to_contain_text("检查已记录")


def test_violation_notice_reply_rectified_overdue_printed_completed(browser, live_server, tmp_path):
    photo = tmp_path / "wall.jpg"
    photo.write_bytes(jpeg_bytes(3000, 2000, color=(150, 120, 90)))

    assistant = browser.new_context(**PHONE_390).new_page()
    log_in(assistant, live_server, "assistant")
    _inspect(assistant, live_server, "3栋-1201", violation=("拆除了客厅与餐厅之间的墙体", photo))

    supervisor = browser.new_context(**PHONE_390).new_page()
    log_in(supervisor, live_server, "supervisor")
    supervisor.locator("#duty-decoration").get_by_text("3栋-1201").first.click()
    expect(supervisor.locator("#notice")).to_contain_text("拆除了客厅与餐厅之间的墙体")
    expect(supervisor.locator("#notice .thumbs img")).to_have_count(1)
    supervisor.get_by_role("button", name="签发").click()
    expect(supervisor.locator(".flash-success")).to_contain_text("整改通知已签发")
    number = supervisor.locator("#notice .mono").first.inner_text().split("：")[-1]

    # The owner sees it on their phone and replies with a photo.
    owner = browser.new_context(**PHONE_390).new_page()
    log_in(owner, live_server, "owner")
    owner.locator("#duty-notices a").first.click()
    expect(owner.locator("#notice")).to_contain_text(number)
    owner.fill("#text", "墙体已按原样恢复")
    owner.locator("#reply-photos").set_input_files(str(photo))
    owner.get_by_role("button", name="提交").click()
    expect(owner.locator(".flash-success")).to_contain_text("下次巡查时复核")
    owner.screenshot(path=str(SCREENS / "notice-owner.png"), full_page=True)

    # The next inspection finds it rectified.
    _inspect(assistant, live_server, "3栋-1201", notice_state="已整改")
    supervisor.goto(f"{live_server}/decoration/permits")
    supervisor.get_by_text("3栋-1201").first.click()
    expect(supervisor.locator("#notices")).to_contain_text("已整改")

    # A notice left past its deadline is overdue for the supervisor.
    _inspect(supervisor, live_server, "2栋-801", violation=("楼道堆放装修垃圾", photo))
    late = supervisor.locator("#notices a").first.inner_text().split(" · ")[0].strip()
    clock.travel(timedelta(days=4))
    try:
        log_in(supervisor, live_server, "supervisor")  # four days later the old session has expired
        expect(supervisor.locator("#duty-overdue")).to_contain_text(late)
        supervisor.locator("#duty-overdue").get_by_text(late).click()
        expect(supervisor.locator("#notice .pill-danger")).to_have_text("已逾期")
        # It prints as the department's A4 notice.
        supervisor.emulate_media(media="print")
        expect(supervisor.locator("nav.tabbar")).to_be_hidden()
        expect(supervisor.locator(".signature-lines")).to_be_visible()
        supervisor.pdf(path=str(SCREENS / "notice.pdf"), format="A4")
        supervisor.emulate_media(media="screen")
    finally:
        clock.reset()
    # While the clock stood four days ahead, the assistant's service worker checked for updates,
    # and the server ended that idle session: the assistant logs in again.
    log_in(assistant, live_server, "assistant")

    # Completion: requested, then accepted with the deposit to be refunded.
    assistant.goto(f"{live_server}/decoration/permits")
    assistant.get_by_text("3栋-1201").first.click()
    assistant.get_by_role("button", name="申请竣工验收").click()
    expect(assistant.locator("h1 .pill")).to_have_text("申请竣工")
    supervisor.goto(assistant.url)
    supervisor.get_by_role("link", name="竣工验收").click()
    arrived(supervisor, "**/completion")
    expect(supervisor.locator("fieldset.rule").first).to_be_visible()
    for i in range(supervisor.locator("fieldset.rule").count()):
        supervisor.locator("fieldset.rule").nth(i).locator(
            "label.radio-tap", has_text="合规"
        ).click()
    supervisor.select_option("#verdict", "accepted")
    supervisor.select_option("#deposit_status", "refund")
    supervisor.get_by_role("button", name="提交检查").click()
    expect(supervisor.locator("h1 .pill")).to_have_text("竣工验收通过")
    expect(supervisor.locator("dl.facts")).to_contain_text("待退还")
    assert (SCREENS / "notice.pdf").stat().st_size > 10_000

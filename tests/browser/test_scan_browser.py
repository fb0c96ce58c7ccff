"""扫码报修 in a real browser at phone size: the supervisor makes and prints the estate's codes;
someone without an account opens a building's code on their own phone, reports with a photo,
and follows the tracking link it gives. The public pages pass axe in Chinese and English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, SCREENS, arrived, log_in, no_axe_violations
from tests.fixtures.photos import jpeg_bytes

pytestmark = pytest.mark.browser


def test_a_visitor_reports_from_a_scanned_code_and_follows_it(
    browser, live_server, tmp_path, screenshot
):
    photo = tmp_path / "lift.jpg"
    photo.write_bytes(jpeg_bytes(2000, 1500, color=(90, 120, 150)))
    staff = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    log_in(staff, live_server, "supervisor")
    staff.get_by_role("link", name="扫码报修二维码").first.click()
    staff.locator("#issue-codes button").click()
    expect(staff.locator(".flash-success")).to_contain_text("已生成")
    cards = staff.locator("#scan-codes .qr-card")
    expect(cards.first).to_be_visible()
    screenshot("scan-codes", target=staff)
    staff.emulate_media(media="print")
    pdf = staff.pdf(format="A4", print_background=True)
    SCREENS.mkdir(parents=True, exist_ok=True)
    (SCREENS / "scan-codes.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    # What the 1栋 code holds (the scan itself is the visitor's phone camera).
    url = cards.filter(has_text="1栋").first.get_attribute("data-url")
    staff.context.close()

    visitor = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    visitor.goto(url)
    expect(visitor.locator("#place")).to_contain_text("1栋")
    no_axe_violations(visitor)
    visitor.select_option("#kind", "repair")
    visitor.fill("#description", "大堂门禁刷卡没反应")
    visitor.locator("input[type=file]").set_input_files(str(photo))
    visitor.fill("#name", "快递员小李")
    visitor.fill("#phone", "138 1234 0000")  # its last four digits check the tracking link
    visitor.get_by_role("button", name="提交").click()
    expect(visitor.locator("#scan-done")).to_contain_text("已提交")
    number = visitor.locator("#ticket-number").inner_text()
    no_axe_violations(visitor)
    screenshot("scan-done", target=visitor)
    visitor.locator("#track-link").click()
    expect(visitor.locator("main")).to_contain_text(number)
    expect(visitor.locator("main")).to_contain_text("已受理")
    track = visitor.url

    # The tracking link: a wrong phone check is refused; the right one lets them add a photo.
    visitor.fill("#digits", "9999")
    visitor.get_by_role("button", name="确认").click()
    expect(visitor.locator("#check")).to_contain_text("后四位不对")
    visitor.fill("#digits", "0000")
    visitor.get_by_role("button", name="确认").click()
    expect(visitor.locator("#info")).to_be_visible()
    visitor.fill("#body", "晚上门禁灯也不亮")
    visitor.locator("#info input[type=file]").set_input_files(str(photo))
    visitor.get_by_role("button", name="补充").click()
    expect(visitor.locator(".flash-success")).to_contain_text("已补充")
    expect(visitor.locator("#tracking")).to_contain_text("晚上门禁灯也不亮")
    no_axe_violations(visitor)

    # The supervisor resolves it; the visitor is not satisfied, then is, after the second fix.
    supervisor = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    log_in(supervisor, live_server, "supervisor")

    def resolve(reply: str) -> None:
        supervisor.goto(f"{live_server}/tickets?tab=all")
        supervisor.locator("#ticket-list a", has_text=number).click()
        arrived(supervisor, re.compile(r".*/tickets/\d+$"))
        supervisor.fill("#reply", reply)
        supervisor.get_by_role("button", name="已处理，回复业主").click()
        expect(supervisor.locator("#actions")).to_contain_text("回访")

    resolve("已更换门禁读卡器。")
    visitor.goto(track)
    visitor.fill("#comment", "还是时好时坏")
    visitor.get_by_role("button", name="不满意").click()
    expect(visitor.locator(".flash-success")).to_contain_text("已重新打开")
    expect(visitor.locator("#track-status")).to_have_text("处理中")
    resolve("已更换门禁主板，连续测试正常。")
    visitor.goto(track)
    visitor.get_by_role("button", name="满意", exact=True).click()
    expect(visitor.locator(".flash-success")).to_contain_text("谢谢")
    expect(visitor.locator("#track-status")).to_have_text("已关闭")
    supervisor.context.close()
    # The same form in English.
    visitor.goto(url)
    visitor.click(".locale-switch button")
    expect(visitor.locator("html")).to_have_attribute("lang", "en")
    expect(visitor.get_by_role("button", name="Send")).to_be_visible()
    no_axe_violations(visitor)
    visitor.context.close()

"""扫码报修 in a real browser at phone size: the supervisor makes and prints the estate's codes;
someone without an account opens a building's code on their own phone, reports with a photo,
and follows the tracking link it gives. The public pages pass axe in Chinese and English."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, SCREENS, log_in
from tests.fixtures.photos import jpeg_bytes

pytestmark = pytest.mark.browser


def _no_violations(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    assert not result.violations_count, [
        (v["id"], v["nodes"][0]["target"]) for v in result.response["violations"]
    ]


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
    _no_violations(visitor)
    visitor.select_option("#kind", "repair")
    visitor.fill("#description", "大堂门禁刷卡没反应")
    visitor.locator("input[type=file]").set_input_files(str(photo))
    visitor.fill("#name", "快递员小李")
    visitor.fill("#phone", "138 1234 0000")
    visitor.get_by_role("button", name="提交").click()
    expect(visitor.locator("#scan-done")).to_contain_text("已提交")
    number = visitor.locator("#ticket-number").inner_text()
    _no_violations(visitor)
    screenshot("scan-done", target=visitor)
    visitor.locator("#track-link").click()
    expect(visitor.locator("main")).to_contain_text(number)
    expect(visitor.locator("main")).to_contain_text("已受理")
    # The same form in English.
    visitor.goto(url)
    visitor.click(".locale-switch button")
    expect(visitor.locator("html")).to_have_attribute("lang", "en")
    expect(visitor.get_by_role("button", name="Send")).to_be_visible()
    _no_violations(visitor)
    visitor.context.close()

"""公告 and 走访 in a real browser at phone size: the supervisor publishes an announcement with a
picture and prints the buildings' notice-board codes; a visitor without an account reads it from
a code (axe, Chinese and English); the owner finds it on their home. The assistant records a
home visit in two taps and sees the household leave the list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, log_in, no_axe_violations
from tests.fixtures.photos import jpeg_bytes

pytestmark = pytest.mark.browser


def test_an_announcement_reaches_owners_and_the_notice_board(
    browser, live_server, tmp_path, screenshot
):
    picture = tmp_path / "pump.jpg"
    picture.write_bytes(jpeg_bytes(1600, 1200, color=(30, 110, 160)))
    staff = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    log_in(staff, live_server, "supervisor")
    staff.get_by_role("link", name="公告", exact=True).first.click()
    staff.locator("#new-announcement").click()
    staff.fill("#title", "3栋电梯保养通知")
    staff.fill("#body", "周三 14:00–16:00 3栋 1 号电梯保养停用，请使用 2 号电梯。")
    staff.locator("input[type=file]").set_input_files(str(picture))
    staff.get_by_role("button", name="发布", exact=True).click()
    expect(staff.locator(".flash-success")).to_contain_text("公告已发布")
    expect(staff.locator("[data-figure=read] .figure-value")).to_have_text("0")
    detail = staff.url
    staff.locator(".back-link").click()
    staff.locator("#to-boards").click()
    staff.locator("#issue-boards button").click()
    expect(staff.locator(".flash-success")).to_contain_text("已生成")
    code = staff.locator("#boards .qr-card").filter(has_text="3栋").first.get_attribute("data-url")

    visitor = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    visitor.goto(code)
    expect(visitor.locator("#board")).to_contain_text("3栋电梯保养通知")
    no_axe_violations(visitor)
    visitor.get_by_role("link", name="3栋电梯保养通知").click()
    expect(visitor.locator("#announcement-body")).to_contain_text("2 号电梯")
    picture_box = visitor.locator(".announcement-photos img").first
    expect(picture_box).to_be_visible()
    assert visitor.evaluate("(img) => img.naturalWidth", picture_box.element_handle()) > 0
    no_axe_violations(visitor)
    screenshot("announcement-board", target=visitor)
    visitor.click(".locale-switch button")
    expect(visitor.locator("html")).to_have_attribute("lang", "en")
    no_axe_violations(visitor)
    visitor.context.close()

    owner = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    log_in(owner, live_server, "owner")
    section = owner.locator("#duty-announcements")
    entry = section.get_by_role("link", name=re.compile("3栋电梯保养通知"))
    expect(entry).to_contain_text("未读")
    entry.click()
    expect(owner.locator("#announcement-body")).to_contain_text("1 号电梯")
    owner.get_by_role("link", name=re.compile("返回")).click()
    expect(entry).not_to_contain_text("未读")
    owner.context.close()

    staff.goto(detail)
    expect(staff.locator("[data-figure=read] .figure-value")).to_have_text("1")
    # Opened from the board twice: in Chinese, then again in English.
    expect(staff.locator("[data-figure=views] .figure-value")).to_have_text("2")
    staff.context.close()


def test_an_assistant_records_a_home_visit_in_two_taps(browser, live_server):
    page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    log_in(page, live_server, "assistant")
    page.get_by_role("link", name="走访计划").first.click()
    expect(page.locator("#buildings")).to_contain_text("1栋")
    row = page.locator("#due li").first
    unit = row.get_attribute("data-unit")
    label = row.locator("summary strong").inner_text()
    row.locator("summary").click()  # tap one: the household
    row.locator("textarea").fill("业主反映楼道灯不亮")
    row.get_by_role("button", name="已走访").click()  # tap two: how it went
    expect(page.locator(".flash-success")).to_contain_text(label)
    expect(page.locator(f'#due li[data-unit="{unit}"]')).to_have_count(0)
    expect(page.locator("#recent")).to_contain_text("业主反映楼道灯不亮")
    page.context.close()

"""收楼验房 in a real browser at phone size: an assistant inspects the demo owner's unit with two
defects and photos, the owner signs on the assistant's phone (a drawn signature and their name),
engineering fixes one defect through its work-order link without an account, the assistant's
re-inspection passes, and the owner follows both defects from their own phone; the unit page and
the estate's handover progress show it all."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, arrived, log_in
from tests.fixtures.photos import jpeg_bytes

pytestmark = pytest.mark.browser


def test_a_move_in_with_two_defects_signed_fixed_and_followed(
    browser, live_server, tmp_path, screenshot
):
    photos = []
    for i, color in enumerate(((180, 60, 60), (60, 60, 180))):
        path = tmp_path / f"defect-{i}.jpg"
        path.write_bytes(jpeg_bytes(2400, 1800, color=color))
        photos.append(path)

    staff = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = staff.new_page()
    log_in(page, live_server, "assistant")
    # From the owner roll to the unit, and its inspection.
    page.get_by_role("link", name="业主名册").click()
    page.get_by_role("link", name="陈志强").first.click()
    page.get_by_role("link", name="翠湖花园 3栋-1201").click()
    expect(page.locator("#move-in")).to_contain_text("收楼验房")
    page.locator("#move-in").get_by_role("link", name="开始验房").click()
    arrived(page, "**/inspect")
    expect(page.locator("#owner_name")).to_have_value("陈志强")
    items = page.locator("fieldset.rule")
    for i in range(items.count()):
        item = items.nth(i)
        if i < 2:
            item.locator("label.radio-tap", has_text="不合格").click()
            item.locator("textarea").fill("墙角有裂缝" if i == 0 else "墙面渗水")
            item.locator("input[type=file]").set_input_files(str(photos[i]))
        else:
            item.locator("label.radio-tap", has_text="合格").first.click()
    page.fill("#keys_door", "2")
    page.get_by_label("住宅质量保证书").check()
    screenshot("movein-inspect", target=page, full_page=False)
    page.get_by_role("button", name="提交验房记录").click()
    expect(page.locator(".flash-success")).to_contain_text("验房已记录")
    record = page.url.split("#")[0]
    expect(page.locator("#results .outcome-issue")).to_have_count(2)
    expect(page.locator("#results .thumbs img")).to_have_count(2)

    # The owner signs on the assistant's phone: draws, writes their name, confirms.
    pad = page.locator("[data-signature-pad] canvas")
    expect(pad).to_be_visible()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 60)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 30, steps=6)
    page.mouse.move(box["x"] + 220, box["y"] + 70, steps=6)
    page.mouse.up()
    page.fill("#name", "陈志强")
    page.get_by_label("我已和客服一起验房").check()
    page.get_by_role("button", name="业主确认签字").click()
    expect(page.locator(".flash-success")).to_contain_text("收楼完成")
    expect(page.locator("#move-in-status")).to_have_text("已收楼")
    expect(page.locator("#signed")).to_contain_text("陈志强")
    expect(page.locator(".signature-shot img")).to_have_count(1)
    expect(page.locator("#sign")).to_have_count(0)  # locked
    screenshot("movein-signed", target=page)

    # Engineering opens the first defect's work order through its link, on its own phone.
    page.locator("#results .outcome-issue").first.get_by_role("link", name="WO-").click()
    expect(page.locator("#work-order")).to_contain_text("保修期至")
    link = page.locator("#dept-link-url").input_value()
    engineer = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    engineer.goto(link)
    expect(engineer.locator("main")).to_contain_text("墙角有裂缝")
    engineer.fill("#name", "李师傅")
    engineer.fill("#note", "已重新批荡墙角")
    engineer.get_by_role("button", name="提交：已修复").click()
    expect(engineer.locator("#answered")).to_be_visible()
    engineer.context.close()

    # The assistant re-inspects it with the owner: it passes.
    page.reload()
    page.fill("#note", "业主在场，复查合格")
    page.get_by_role("button", name="复查通过，关闭工单").click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.get_by_role("link", name="收楼验房").click()
    states = page.locator("#results [data-defect-state]")
    expect(states.nth(0)).to_have_text("已修复")
    expect(states.nth(1)).to_have_text("维修中")
    assert page.url == record

    # The unit page shows the move-in and what is still open.
    page.get_by_role("link", name="3栋-1201").first.click()
    expect(page.locator("#open-defects")).to_contain_text("1 项")
    # The estate's progress: one unit received, one defect open and one fixed, by room.
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="收楼验房").first.click()
    expect(page.locator('[data-figure="received"] .figure-value')).to_have_text("1")
    expect(page.locator('[data-figure="open"] .figure-value')).to_have_text("1")
    expect(page.locator('[data-figure="closed"] .figure-value')).to_have_text("1")
    page.locator('[data-figure="open"]').click()
    expect(page.locator("#defect-list .row-card")).to_have_count(1)
    expect(page.locator("#defect-list")).to_contain_text("墙面渗水")
    screenshot("movein-defects", target=page)
    staff.close()

    # The owner follows their defects from their own phone.
    owner = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    log_in(owner, live_server, "owner")
    owner.get_by_role("link", name="翠湖花园 3栋-1201").click()
    owner.locator("#move-in").get_by_role("link").first.click()
    expect(owner.locator("#results [data-defect-state]").nth(0)).to_have_text("已修复")
    expect(owner.locator("#results [data-defect-state]").nth(1)).to_have_text("维修中")
    expect(owner.locator("#results")).not_to_contain_text("WO-")
    screenshot("movein-owner", target=owner)
    owner.context.close()

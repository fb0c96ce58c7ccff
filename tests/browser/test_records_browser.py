"""业户档案 in a real browser at phone size: the manager imports a workbook (a bad row refused in
the preview), issues the new building's invites and prints the slips; an owner opens their slip's
link on their own phone, sets a password and sees their home and their unit's page."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, SCREENS, arrived, log_in
from tests.test_records_import import workbook

pytestmark = pytest.mark.browser


def test_a_manager_imports_records_and_an_owner_activates_from_a_slip(
    browser, live_server, tmp_path, screenshot
):
    path = tmp_path / "业户档案.xlsx"
    path.write_bytes(
        workbook(
            [
                ("8栋", "101", "周一", "137 6666 0001", "业主"),
                ("8栋", "102", "周二", "+853 6612 3456", "租户"),
                ("9栋", "101", "错楼", "13766660003", ""),
            ],
            buildings=("8栋",),
        )
    )
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "manager")
    page.get_by_role("link", name="业主名册").click()
    page.get_by_role("link", name="导入档案").click()
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="上传并预览").click()

    refused = page.locator("#refused")
    expect(refused).to_contain_text("A4")
    expect(refused).to_contain_text("9栋")
    expect(page.locator("#changes")).to_contain_text("周二")
    screenshot("import-preview", target=page, full_page=True)
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator("#flash")).to_contain_text("已导入")

    page.get_by_role("link", name="批量邀请").click()
    page.select_option("#building", label="8栋")
    page.get_by_role("button", name="查看名单").click()
    expect(page.locator("#batch")).to_contain_text("周一")
    page.get_by_role("button", name=re.compile(r"生成邀请（2 人）")).click()

    slips = page.locator(".invite-slip")
    expect(slips).to_have_count(2)
    expect(slips.first).to_contain_text("8栋-101")
    screenshot("invite-slips", target=page, full_page=True)
    page.emulate_media(media="print")
    expect(page.locator("nav.tabbar")).to_be_hidden()
    pdf = page.pdf(format="A4", print_background=True)
    SCREENS.mkdir(parents=True, exist_ok=True)
    (SCREENS / "invite-slips.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and b"/MediaBox [0 0 595" in pdf
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载发送文字（.xlsx）").click()
    texts = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert [r[1] for r in texts.iter_rows(min_row=2, values_only=True)] == ["周一", "周二"]
    expect(slips).to_have_count(2)  # the page stays: its links are shown nowhere else
    # What the QR code on 周二's slip holds (the scan itself is the owner's phone camera).
    token = page.locator("input[name=token]").nth(1).get_attribute("value")
    context.close()

    owner = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    owner.goto(f"{live_server}/invite/{token}")
    expect(owner.locator("main")).to_contain_text("+853 6612 3456")
    owner.fill("#password", "Macau tenant 2026")
    owner.fill("#confirm", "Macau tenant 2026")
    owner.locator("main button[type=submit]").click()
    arrived(owner, f"{live_server}/")
    expect(owner.locator("main")).to_contain_text("8栋-102")
    screenshot("owner-activated", target=owner)
    owner.get_by_role("link", name="翠湖花园 8栋-102").click()
    expect(owner.locator("#people")).to_contain_text("周二")
    expect(owner.locator("#people")).to_contain_text("租户")
    screenshot("unit-page-owner", target=owner, full_page=True)
    owner.context.close()

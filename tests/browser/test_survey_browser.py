"""满意度调查 in a real browser at phone size: the manager writes and sends a survey by tapping
through it; someone without an account answers through its link (a wrong phone refused); the
owner answers the estate's other survey from their home; the manager reads the results and
turns the low score into a ticket. The public pages pass axe in Chinese and English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, log_in, no_axe_violations

pytestmark = pytest.mark.browser


def _tap_score(page, question: int, score: int) -> None:
    page.locator(".scale-row").nth(question).locator("label").nth(score - 1).click()


def test_a_survey_is_written_sent_answered_and_followed_up(browser, live_server, screenshot):
    manager = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    manager.on("dialog", lambda dialog: dialog.accept())
    log_in(manager, live_server, "manager")
    manager.get_by_role("link", name="满意度调查").first.click()
    manager.locator("#new-survey").click()
    manager.fill("#title", "物业服务专项调查")
    manager.get_by_role("button", name="下一步：添加问题").click()
    expect(manager.locator(".flash-success")).to_contain_text("请添加问题")
    expect(manager.locator("#send")).to_contain_text("请先添加至少一个问题")
    for kind, text, options in (
        ("scale", "你对维修及时性是否满意？", ""),
        ("choice", "你家有几口人？", "1 人\n2 人\n3 人及以上"),
        ("text", "还有什么建议？", ""),
    ):
        manager.select_option("#kind", kind)
        manager.fill("#text", text)
        manager.fill("#options", options)
        manager.get_by_role("button", name="添加", exact=True).click()
        expect(manager.locator("#questions")).to_contain_text(text)
    screenshot("survey-draft", target=manager)
    manager.get_by_role("button", name="发出调查").click()
    expect(manager.locator(".flash-success")).to_contain_text("调查已发出")
    expect(manager.locator("[data-figure=responses] .figure-value")).to_have_text("0")
    link = manager.locator("#survey-link").inner_text().split("：", 1)[1].strip()
    results = manager.url
    manager.locator("#poster").click()
    expect(manager.locator("#poster img")).to_be_visible()
    manager.go_back()

    # Someone without an account, on their own phone: the unit and the owner's phone prove it.
    visitor = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    visitor.goto(link)
    expect(visitor.locator("h1")).to_contain_text("物业服务专项调查")
    no_axe_violations(visitor)
    visitor.select_option("#building", label="3栋")
    visitor.fill("#number", "1201")
    visitor.fill("#phone", "139 0000 9999")
    _tap_score(visitor, 0, 2)
    visitor.get_by_text("3 人及以上").click()
    visitor.fill("textarea[name^=q]", "报修后三天才来人")
    visitor.get_by_role("button", name="提交").click()
    expect(visitor.locator(".field-errors")).to_contain_text("不符")
    # The answers given stay on the page; only the phone is put right.
    visitor.fill("#phone", "139 1234 5678")
    visitor.get_by_role("button", name="提交").click()
    expect(visitor.locator("#thanks")).to_contain_text("谢谢")
    no_axe_violations(visitor)
    # The same unit a second time: refused.
    visitor.goto(link)
    visitor.select_option("#building", label="3栋")
    visitor.fill("#number", "1201")
    visitor.fill("#phone", "13912345678")
    _tap_score(visitor, 0, 5)
    visitor.get_by_text("1 人", exact=True).click()
    visitor.get_by_role("button", name="提交").click()
    expect(visitor.locator(".form-errors")).to_contain_text("已经填写过")
    # In English.
    visitor.click(".locale-switch button")
    expect(visitor.locator("html")).to_have_attribute("lang", "en")
    expect(visitor.get_by_role("button", name="Send")).to_be_visible()
    no_axe_violations(visitor)
    visitor.context.close()

    # The owner of 3栋-1201: this survey is answered for the home; the year's survey is not.
    owner = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    log_in(owner, live_server, "owner")
    section = owner.locator("#duty-surveys")
    expect(section).not_to_contain_text("物业服务专项调查")
    section.get_by_role("link", name=re.compile("年度业主满意度调查")).click()
    _tap_score(owner, 0, 4)
    _tap_score(owner, 1, 5)
    owner.get_by_text("扫码报修").click()
    owner.get_by_role("button", name="提交").click()
    expect(owner.locator(".flash-success")).to_contain_text("谢谢")
    expect(owner.locator("#duty-surveys")).to_contain_text("没有待填写的调查")
    owner.context.close()

    # The manager's results: one answer, the low score turned into a ticket in one tap.
    manager.goto(results)
    expect(manager.locator("[data-figure=responses] .figure-value")).to_have_text("1")
    expect(manager.locator("#low")).to_contain_text("报修后三天才来人")
    screenshot("survey-results", target=manager)
    manager.locator("#low").get_by_role("button", name="转为工单").click()
    expect(manager.locator(".flash-success")).to_contain_text("已转为工单")
    manager.locator("#low").get_by_role("link", name=re.compile("已转工单")).click()
    expect(manager.locator("main")).to_contain_text("满意度调查")
    expect(manager.locator("main")).to_contain_text("3栋-1201")
    manager.context.close()

"""Issue 11's acceptance, arriving as a person does: through the login form, by tapping, with no
reload the person would not make. The page after logging in is a whole signed-in page (its
offline queue included), and what is tapped without signal reaches the server exactly once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENS, arrived, log_in
from tests.browser.test_offline_browser import (
    _phone,
    _results,
    _three_issues_offline,
    _three_photos,
    _waiting,
)

pytestmark = pytest.mark.browser


def _kept_for_offline(page) -> bool:
    return page.evaluate(
        """() => caches.open("propdesk-pages")
             .then((cache) => cache.match(location.pathname)).then((hit) => !!hit)"""
    )


def test_log_in_by_the_form_then_a_round_offline_loses_nothing(
    browser_type, browser_type_launch_args, live_server, live_app, tmp_path, screenshot
):
    profile = tmp_path / "profile"
    photos = _three_photos(tmp_path, "d")
    context, page = _phone(browser_type, browser_type_launch_args, profile)
    log_in(page, live_server, "assistant")  # through the form, as a person does: no reload
    expect(page.locator("body")).to_have_class(re.compile(r"\bsigned-in\b"))
    assert page.locator("script[src*='js/queue.js']").count() == 1
    assert page.evaluate("document.body.dataset.shell").split(".")[0] != "-"
    expect(page.locator("nav.tabbar")).to_be_visible()

    page.locator("nav.tabbar").get_by_role("link", name="巡查").click()
    arrived(page, f"{live_server}/patrols")
    page.locator("#due article", has_text="日常巡楼").get_by_role("button", name="开始巡查").click()
    arrived(page, re.compile(r".*/patrols/rounds/\d+$"))
    round_url = page.url
    round_id = int(round_url.rsplit("/", 1)[1])
    # The round keeps itself for a reload without signal (a second or two on a phone).
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.ready")
    for _ in range(50):
        if _kept_for_offline(page):
            break
        page.wait_for_timeout(100)
    assert _kept_for_offline(page), "the round page was not kept for offline use"

    context.set_offline(True)
    _three_issues_offline(page, photos)
    cards = page.locator("article.item-card")
    cards.nth(0).locator("textarea[name=note]").fill("大堂地砖松动")
    expect(_waiting(page)).to_contain_text("待发送：7 条")  # the note saves as it is typed
    assert _results(live_app, round_id) == []

    page.reload()  # without signal: the kept round, with its queued answers
    expect(page.locator("h1, .topbar-title").first).not_to_contain_text("离线")
    expect(cards.nth(2)).to_have_class(re.compile(r"\bis-queued\b"))
    expect(_waiting(page)).to_contain_text("待发送：7 条")
    expect(cards.nth(0).locator("textarea[name=note]")).to_have_value("大堂地砖松动")
    page.screenshot(path=str(SCREENS / "first-day-offline-reload.png"), full_page=False)
    context.close()

    context, page = _phone(browser_type, browser_type_launch_args, profile, offline=True)
    page.goto(round_url)
    expect(_waiting(page)).to_contain_text("待发送：7 条")
    context.set_offline(False)
    expect(page.locator("#queue-status")).to_be_hidden(timeout=30_000)
    assert sorted(_results(live_app, round_id)) == [("issue", 1)] * 3
    # Without a reload: the cards show what was saved, and the counts are the server's.
    expect(page.locator("article.item-card.is-queued")).to_have_count(0)
    expect(page.locator("#round-progress")).to_contain_text("异常 3")
    expect(page.locator("article.item-card").nth(0).locator(".thumbs li")).to_have_count(1)
    expect(page.locator("article.item-card").nth(0).locator("textarea")).to_have_value(
        "大堂地砖松动"
    )
    context.close()


def test_export_excel_on_a_phone_downloads_a_workbook(browser, live_server, tmp_path):
    from openpyxl import load_workbook

    from tests.browser.test_patrol_browser import PHONE_390

    context = browser.new_context(**PHONE_390, accept_downloads=True)
    page = context.new_page()
    log_in(page, live_server, "manager")
    page.locator("nav.tabbar").get_by_role("link", name="投诉").click()
    page.get_by_role("link", name="汇总表").click()
    arrived(page, re.compile(r".*/tickets/summary"))
    button = page.get_by_role("link", name="导出 Excel")
    # Scrolled to the bottom, the tab bar does not cover it.
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert button.evaluate(
        """(el) => { const r = el.getBoundingClientRect();
                     const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                     return hit === el || el.contains(hit); }"""
    )
    with page.expect_download() as info:
        button.tap()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = load_workbook(path).active
    rates = [row[1] for row in sheet.iter_rows() if row[0].value == "满意率"]
    assert rates and (rates[0].value is None or isinstance(rates[0].value, float))
    assert rates[0].number_format == "0.0%"
    # The page is still the summary, not the workbook's bytes.
    expect(page.locator("main h1")).to_be_visible()
    assert "PK\x03\x04" not in page.content()
    context.close()


def test_thumbs_reach_every_target_and_errors_take_the_eye(page, live_server, screenshot):
    """At 360 px: every tap target of the round is at least 44 × 44; a refused inspection puts
    the focus on its first unanswered rule; a long note shows how much room is left."""
    log_in(page, live_server, "assistant")
    page.locator("nav.tabbar").get_by_role("link", name="巡查").click()
    due = page.locator("#due article", has_text="日常巡楼")
    expect(due).to_be_visible()
    start = due.get_by_role("button", name="开始巡查")
    (start if start.count() else due.get_by_role("link").first).click()
    arrived(page, re.compile(r".*/patrols/rounds/\d+$"))
    small = page.evaluate(
        """() => [...document.querySelectorAll(
               "main button, main a.button, main label.button, main .tap, nav.tabbar a")]
             .filter((el) => el.offsetParent !== null)
             .map((el) => [el.textContent.trim().slice(0, 12), el.getBoundingClientRect()])
             .filter(([, r]) => r.width < 44 || r.height < 44)
             .map(([t, r]) => `${t} ${Math.round(r.width)}×${Math.round(r.height)}`)"""
    )
    assert small == [], small
    assert page.locator("main .upload-button:visible").count() == 0  # choosing a photo sends it
    screenshot("round-360", full_page=False)

    page.locator("nav.tabbar").get_by_role("link", name="装修").click()
    page.locator("#sites article", has_text="3栋-1201").get_by_role("link", name="巡查").click()
    arrived(page, "**/inspect")
    first_rule = page.locator("fieldset.rule").first
    note = first_rule.locator("textarea")
    note.fill("墙" * 900)
    expect(first_rule.locator(".char-count")).to_have_text("900 / 1000")
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.get_by_role("button", name="提交检查").click()
    expect(page.locator("fieldset.rule.has-error").first).to_be_visible()
    focused = page.evaluate("document.activeElement.closest('fieldset.rule')?.id")
    assert focused == page.locator("fieldset.rule.has-error").first.get_attribute("id")
    assert page.locator("fieldset.rule").first.locator("textarea").input_value() == "墙" * 900
    screenshot("inspection-errors-360", full_page=False)

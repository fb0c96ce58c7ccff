"""What only a browser shows: phone layout, the service worker, offline, install, htmx in place."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, arrived, log_in

pytestmark = pytest.mark.browser

HOMES = {
    "assistant": "#duty-decoration",
    "supervisor": "#duty-signoff",
    "manager": "#duty-opinions",
    "owner": "#my-units",
}


def _fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width}px wide on a {PHONE['width']}px phone"


@pytest.mark.parametrize("username", sorted(HOMES))
def test_each_role_logs_in_on_a_phone(page, live_server, screenshot, username):
    log_in(page, live_server, username)
    assert page.locator(HOMES[username]).is_visible()
    tabbar = page.locator("nav.tabbar")
    box = tabbar.bounding_box()
    assert box and box["y"] + box["height"] <= PHONE["height"] + 1  # pinned to the bottom
    for tab in page.locator("nav.tabbar a").all():
        tb = tab.bounding_box()
        assert tb["height"] >= 44 and tb["width"] >= 44  # thumb-sized targets
    _fits_the_phone(page)
    screenshot(f"home-{username}-zh")


def test_owner_is_refused_staff_pages(page, live_server):
    log_in(page, live_server, "owner")
    response = page.goto(f"{live_server}/admin/users")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "没有权限"
    assert page.goto(f"{live_server}/owners").status == 403


def test_english_is_one_tap_away(page, live_server, screenshot):
    log_in(page, live_server, "supervisor")
    page.click(".locale-switch button")
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "en"
    expect(page.locator("#duty-signoff h2")).to_contain_text("Records to sign off")
    _fits_the_phone(page)
    screenshot("home-supervisor-en")
    page.click(".locale-switch button")  # and back, for the next tests
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "zh-CN"


def test_service_worker_controls_the_page_and_offline_shows_the_offline_page(
    page, context, live_server, screenshot
):
    page.goto(f"{live_server}/login")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    try:
        page.goto(f"{live_server}/owners")
        assert page.locator("#offline h1").inner_text() == "现在没有网络"
        assert page.locator("#offline").get_by_text("You are offline").is_visible()
        # The stylesheet came from the service worker's cache: the page is styled offline.
        bg = page.evaluate("getComputedStyle(document.querySelector('.card')).backgroundColor")
        assert bg == "rgb(255, 255, 255)"
        _fits_the_phone(page)
        screenshot("offline")
    finally:
        context.set_offline(False)


def test_manifest_is_valid_for_installation(page, live_server):
    page.goto(f"{live_server}/login")
    href = page.get_attribute("link[rel=manifest]", "href")
    manifest = json.loads(page.evaluate(f"fetch('{href}').then(r => r.text())"))
    assert manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        size = page.evaluate(
            """src => new Promise(ok => { const i = new Image();
               i.onload = () => ok([i.naturalWidth,
               i.naturalHeight]); i.onerror = () => ok(null); i.src = src; })""",
            icon["src"],
        )
        assert size, icon["src"]
        if icon["sizes"] != "any":
            assert f"{size[0]}x{size[1]}" == icon["sizes"]


def test_inline_edit_swaps_only_the_row(page, live_server, screenshot):
    log_in(page, live_server, "manager")
    page.goto(f"{live_server}/admin/users")
    page.evaluate("window.__sameDocument = true")
    row = page.locator("article.row-card", has_text="王小丽")
    row.get_by_role("link", name="编辑").click()
    form = page.locator("article.editing")
    form.wait_for()
    form.locator("#display_name").fill("王小丽（早班）")
    screenshot("inline-edit")
    form.get_by_role("button", name="保存").click()
    page.locator("article.row-card", has_text="王小丽（早班）").wait_for()
    assert page.evaluate("window.__sameDocument === true")  # no full page load happened
    assert page.locator(".flash-success").inner_text().startswith("已保存")
    _fits_the_phone(page)


def test_invalid_form_shows_errors_beside_fields(page, live_server):
    log_in(page, live_server, "assistant")
    page.goto(f"{live_server}/owners/new")
    page.fill("#display_name", "测试业主")
    page.fill("#phone", "12345")
    page.fill("#number", "1201")
    page.click("form.stack button[type=submit]")
    page.locator("#phone-errors").wait_for()
    assert "有效的电话号码" in page.locator("#phone-errors").inner_text()
    assert page.input_value("#display_name") == "测试业主"  # nothing typed is lost
    _fits_the_phone(page)


def test_logout_ends_the_session(page, live_server):
    log_in(page, live_server, "assistant")
    page.goto(f"{live_server}/account")
    page.get_by_role("button", name="退出登录").click()
    arrived(page, f"{live_server}/login")
    page.goto(f"{live_server}/")
    assert page.url.startswith(f"{live_server}/login")


A11Y_PAGES = {
    "anonymous": ["/login", "/offline"],
    "manager": [
        "/",
        "/admin/users",
        "/admin/users/new",
        "/admin/estates",
        "/admin/estates/1",
        "/history/user/1",
        "/account",
        "/patrols/templates",
        "/patrols/templates/1",
        "/patrols/compliance",
        "/patrols/templates/1/qr",
        "/dashboard?period=month",
        "/dashboard?period=today",
        "/dashboard/review",
        "/movein/checklist",
        "/scan-codes",
    ],
    "assistant": [
        "/owners",
        "/owners/new",
        "/patrols",
        "/patrols/history",
        "/workorders",
        "/decoration",
        "/decoration/permits",
        "/decoration/permits/new",
        "/decoration/permits/1",
        "/decoration/permits/1/inspect",
        "/movein",
        "/movein/units",
        "/movein/defects",
        "/movein/units/1/inspect",
    ],
    "owner": ["/", "/decoration/mine"],
}


@pytest.mark.parametrize("who", sorted(A11Y_PAGES))
def test_pages_have_no_accessibility_violations(page, live_server, who):
    """axe-core finds nothing to fix (contrast, labels, landmarks, names) in either language."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    if who != "anonymous":
        log_in(page, live_server, who)
    found = {}
    for locale_tap in (False, True):
        if locale_tap:
            page.goto(f"{live_server}{A11Y_PAGES[who][0]}")
            page.click(".locale-switch button")
            page.wait_for_load_state()
        for url in A11Y_PAGES[who]:
            page.goto(f"{live_server}{url}")
            result = axe.run(page)
            if result.violations_count:
                found[f"{url} ({page.evaluate('document.documentElement.lang')})"] = [
                    (v["id"], v["impact"], v["nodes"][0]["target"])
                    for v in result.response["violations"]
                ]
    if who != "anonymous":  # leave the shared demo accounts in Chinese
        page.click(".locale-switch button")
        page.wait_for_load_state()
    assert not found, found

"""Issue 16 in a real browser on a 360-px phone: the manager goes from home to the dashboard, taps
a figure and finds as many records in the list behind it; opens a chart's table; then signs the
review queue's two waiting rounds (the demo's yesterday) one after the other without leaving it.
The charts and the queue pass axe in both languages with the other pages (test_shell_browser)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import arrived, log_in

pytestmark = pytest.mark.browser


def _value(page, locator) -> int:
    return int(locator.inner_text().strip())


def _rows(page) -> int:
    """The records on the list in front of us (the demo's lists fit one page)."""
    expect(page.locator("a[rel=next]")).to_have_count(0)
    return page.locator("[data-row]").count()


def test_the_manager_reads_the_figures_and_signs_the_queue(page, live_server, screenshot):
    log_in(page, live_server, "manager")
    page.locator("#to-dashboard").click()
    arrived(page, re.compile(r"/dashboard$"))
    page.locator("#periods").get_by_role("link", name="本月").click()
    expect(page.locator("#periods [aria-current]")).to_have_text("本月")
    screenshot("dashboard-month")

    # A figure leads to its list, which holds as many records.
    received = page.locator("[data-figure=received]")
    count = _value(page, received.locator(".figure-value"))
    assert count >= 1
    received.click()
    arrived(page, re.compile(r"/tickets\?"))
    assert _rows(page) == count
    page.go_back()

    # Yesterday's round found a lamp out: one open work order for 工程部.
    engineering = page.locator("#dash-workorders tr[data-department=engineering]")
    cell = engineering.locator("td a").filter(has_text=re.compile(r"^[1-9]\d*$")).first
    orders = _value(page, cell)
    cell.click()
    arrived(page, re.compile(r"/workorders\?"))
    assert _rows(page) == orders
    expect(page.locator("[data-row]").first).to_contain_text("B2 区 3 盏灯不亮")
    page.go_back()

    # A chart's numbers are a tap away, as a table.
    trend = page.locator("#dash-trends figure").first
    expect(trend.locator("table")).to_be_hidden()
    trend.locator("summary").click()
    expect(trend.locator("table")).to_be_visible()

    # The review queue: two rounds, the one with a problem first; sign both in a row.
    page.locator(".page-head").get_by_role("link", name="签署意见").click()
    expect(page.locator("#review-count")).to_contain_text("2")
    current = page.locator("#review-current")
    expect(current).to_contain_text("B2 区 3 盏灯不亮")
    first = current.get_attribute("data-key")
    screenshot("review-queue")
    page.select_option("#phrase", index=2)
    page.get_by_role("button", name="签署，看下一条").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(current).not_to_have_attribute("data-key", first)
    expect(page.locator("#review-count")).to_contain_text("1")
    page.fill("#opinion", "已阅，巡查到位。")
    page.get_by_role("button", name="签署", exact=True).click()
    expect(page.locator("#review-empty")).to_be_visible()

    # The round shows the manager's opinion.
    page.goto(f"{live_server}/patrols/history")
    page.locator("[data-row]").first.click()
    expect(page.locator("main")).to_contain_text("已阅")

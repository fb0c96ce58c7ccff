"""A whole round on a phone, counted: 24 items with one 异常 (a note and two photos) take at most
12 taps and text entries from the home page, with 「其余正常」 (issue 11)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import arrived, log_in, settled
from tests.browser.test_patrol_browser import _camera_photo
from webapp.extensions import db
from webapp.models import ItemResult, PatrolRound, PhotoLink, WorkOrder

pytestmark = pytest.mark.browser
# With a pasted link's worth of one long word, which must wrap, not widen the page.
NOTE = "3栋楼梯间堆放纸箱，见 https://example.com/" + "O" * 300


class Thumb:
    """The person's actions, counted: each tap, each text typed, each photo choice."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def tap(self, locator) -> None:
        self.count += 1
        locator.click()
        settled(self.page)  # the person sees what the tap brought before the next

    def type(self, locator, text: str) -> None:
        self.count += 1
        locator.fill(text)

    def choose_photos(self, locator, paths) -> None:
        self.count += 1
        locator.set_input_files([str(p) for p in paths])

    def confirm_next_dialog(self) -> None:
        self.count += 1  # the confirmation is a tap too
        self.page.once("dialog", lambda dialog: dialog.accept())


def test_a_24_item_round_with_one_issue_takes_at_most_12_taps(
    page, live_server, live_app, tmp_path, screenshot
):
    photos = [_camera_photo(tmp_path / f"t{i}.jpg", (30 * i, 90, 60)) for i in range(2)]
    log_in(page, live_server, "assistant")
    thumb = Thumb(page)

    thumb.tap(page.locator("nav.tabbar").get_by_role("link", name="巡查"))
    thumb.tap(
        page.locator("#due article", has_text="日常巡楼").get_by_role("button", name="开始巡查")
    )
    arrived(page, re.compile(r".*/patrols/rounds/\d+$"))
    round_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("#round-progress")).to_contain_text("0 / 24")

    card = page.locator("article.item-card", has_text="消防通道畅通")
    thumb.tap(card.get_by_role("button", name="异常", exact=True))
    card = page.locator("article.item-card", has_text="消防通道畅通")
    expect(card.locator("select[name=department]")).to_have_value("security")  # suggested
    thumb.type(card.locator("textarea[name=note]"), NOTE)
    card = page.locator("article.item-card", has_text="消防通道畅通")
    thumb.choose_photos(card.locator("input[type=file]"), photos)
    expect(
        page.locator("article.item-card", has_text="消防通道畅通").locator(".thumbs li")
    ).to_have_count(2, timeout=30_000)  # two 12-MP photos, shrunk on the phone first

    thumb.confirm_next_dialog()
    thumb.tap(page.get_by_role("button", name="其余全部正常"))
    expect(page.locator("#round-progress")).to_contain_text("24 / 24")
    screenshot("round-rest-ok", full_page=False)
    thumb.tap(page.get_by_role("button", name="完成巡查"))
    expect(page.locator(".flash")).to_contain_text("巡查已完成")
    expect(page.locator("#findings")).to_contain_text("O" * 50)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    assert thumb.count <= 12, thumb.count
    with live_app.app_context():
        patrol_round = db.session.get(PatrolRound, round_id)
        assert patrol_round.status == "finished"
        outcomes = dict(
            db.session.execute(
                select(ItemResult.outcome, func.count())
                .where(ItemResult.round_id == round_id)
                .group_by(ItemResult.outcome)
            ).all()
        )
        assert outcomes == {"ok": 23, "issue": 1}
        issue = db.session.scalar(
            select(ItemResult).where(ItemResult.round_id == round_id, ItemResult.outcome == "issue")
        )
        assert issue.note == NOTE
        photos_kept = db.session.scalar(
            select(func.count(PhotoLink.id)).where(
                PhotoLink.owner_type == "patrol_result", PhotoLink.owner_id == issue.id
            )
        )
        assert photos_kept == 2
        order = db.session.get(WorkOrder, issue.work_order_id)
        assert order.department == "security"
        db.session.remove()

"""Issue 3's acceptance, in a real browser on a 390-px phone: a round with two photos and one
异常, the work order fixed and re-inspected, the round signed and locked; the photo on disk shrunk,
upright and without GPS."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import arrived, log_in
from tests.fixtures.photos import jpeg_bytes

pytestmark = pytest.mark.browser

PHONE_390 = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


def shutil_copy(pdf: Path) -> None:
    """Keep the printed PDF with the screenshots, to look at."""
    import shutil

    from tests.browser.conftest import SCREENS

    SCREENS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pdf, SCREENS / pdf.name)


def _camera_photo(path: Path, color) -> Path:
    """A 12-MP-sized camera JPEG, taken with the phone turned (EXIF orientation 6) and a GPS tag."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (31.0, 12.0, 30.0), 3: "E", 4: (121.0, 28.0, 10.0)}
    path.write_bytes(jpeg_bytes(4000, 3000, color=color, exif=exif, quality=95))
    return path


def test_round_to_signed_and_locked_on_a_phone(
    browser, live_server, live_app, tmp_path, screenshot
):
    assistant = browser.new_context(**PHONE_390).new_page()
    log_in(assistant, live_server, "assistant")
    assistant.goto(f"{live_server}/patrols")
    assistant.locator("#due article", has_text="日常巡楼").get_by_role(
        "button", name="开始巡查"
    ).click()
    arrived(assistant, "**/patrols/rounds/*")
    round_url = assistant.url

    cards = assistant.locator("article.item-card")
    first = cards.first
    first.get_by_role("button", name="异常", exact=True).click()
    expect(first.get_by_role("button", name="异常", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    note = cards.first.locator("textarea")
    note.fill("大堂地面有一块地砖松动")
    note.press("Tab")  # leaving the field saves it
    expect(cards.first.locator("select[name=department]")).to_be_visible()
    photos = [
        _camera_photo(tmp_path / "a.jpg", (90, 60, 30)),
        _camera_photo(tmp_path / "b.jpg", (30, 60, 90)),
    ]
    big = photos[0].stat().st_size
    cards.first.locator("input[type=file]").set_input_files([str(p) for p in photos])
    expect(cards.first.locator(".thumbs img")).to_have_count(2, timeout=20000)
    screenshot("round-item-issue", full_page=False, target=assistant)

    count = cards.count()
    for i in range(1, count):
        card = cards.nth(i)
        card.get_by_role("button", name="正常", exact=True).click()
        expect(cards.nth(i).get_by_role("button", name="正常", exact=True)).to_have_attribute(
            "aria-pressed", "true"
        )

    expect(assistant.locator("#round-progress")).to_contain_text(f"{count} / {count}")
    expect(assistant.locator("#round-progress")).to_contain_text("异常 1")
    # The phone locks, the page is reopened: everything is still there.
    assistant.goto(round_url)
    expect(assistant.locator("button[aria-pressed=true]")).to_have_count(count)
    expect(assistant.locator("#round-progress")).to_contain_text(f"{count} / {count}")

    assistant.get_by_role("button", name="完成巡查").click()
    expect(assistant.locator(".flash-success")).to_contain_text("已派发工单")
    order_link = assistant.locator("article.item-card a[href^='/workorders/']").first
    number = order_link.inner_text()
    order_url = live_server + order_link.get_attribute("href")
    screenshot("round-finished", target=assistant)

    # The supervisor sees the work order and records the department's reply.
    supervisor = browser.new_context(**PHONE_390).new_page()
    log_in(supervisor, live_server, "supervisor")
    supervisor.goto(f"{live_server}/workorders")
    supervisor.get_by_text(number).click()
    arrived(supervisor, order_url)
    expect(supervisor.locator(".photo-pairs img")).to_have_count(2)
    supervisor.fill("#note", "工程部已重新铺贴")
    supervisor.get_by_role("button", name="提交：已处理").click()
    expect(supervisor.locator(".flash-success")).to_contain_text("等待复查")

    # The assistant re-inspects it from the home page and passes it.
    assistant.goto(f"{live_server}/")
    assistant.locator("#duty-reinspect").get_by_text(number).click()
    assistant.get_by_role("button", name="复查通过，关闭工单").click()
    expect(assistant.locator(".flash-success")).to_contain_text("已关闭")

    # The supervisor signs the round; it is locked.
    supervisor.goto(f"{live_server}/patrols")
    # Today's round (yesterday's demo round waits above it).
    supervisor.locator(f"#awaiting a[href='{round_url.removeprefix(live_server)}']").click()
    supervisor.fill("#opinion", "已阅，问题已整改")
    supervisor.get_by_role("button", name="确认签核").click()
    expect(supervisor.locator(".round-head")).to_contain_text("已签核 · 已锁定")
    expect(supervisor.locator(".tap-row")).to_have_count(0)
    screenshot("round-signed", target=supervisor)
    assistant.goto(round_url)
    expect(assistant.locator(".tap-row")).to_have_count(0)
    expect(assistant.locator("#signatures")).to_contain_text("已阅，问题已整改")

    # The work order prints as a 部门工作联系单: no forms or navigation, signature lines shown.
    supervisor.goto(order_url)
    supervisor.emulate_media(media="print")
    expect(supervisor.locator(".signature-lines")).to_be_visible()
    expect(supervisor.locator("nav.tabbar")).to_be_hidden()
    expect(supervisor.locator(".print-title")).to_contain_text("部门工作联系单")
    supervisor.pdf(path=str(tmp_path / "work-order.pdf"))
    assert (tmp_path / "work-order.pdf").stat().st_size > 10_000
    shutil_copy(tmp_path / "work-order.pdf")

    # On disk: shrunk in the browser, upright, no GPS or camera data.
    stored = [
        p for p in Path(live_app.config["UPLOAD_DIR"]).rglob("*.jpg") if ".thumb" not in p.name
    ]
    assert len(stored) == 2
    for path in stored:
        assert path.stat().st_size < big / 3  # a plain JPEG at quality 82, a fraction of the raw
        with Image.open(path) as img:
            assert img.size == (1536, 2048)  # portrait: turned as the camera was held
            assert 0x8825 not in img.getexif() and 0x0112 not in img.getexif()
        assert b"GPS" not in path.read_bytes()

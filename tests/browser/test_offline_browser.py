"""Issue 6's acceptance in a real browser at phone size: nothing entered on a round or an
inspection is lost without signal — through a reload, a browser restart, a lost response, an
expired CSRF token — and what the server refuses is shown, not dropped."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import SCREENS, arrived, log_in, settled
from tests.browser.test_patrol_browser import PHONE_390, _camera_photo
from tests.fixtures.photos import jpeg_bytes
from webapp import clock
from webapp.extensions import db
from webapp.models import DecorationInspection, ItemResult, PatrolRound, PhotoLink
from webapp.web import REASON_HEADER

pytestmark = pytest.mark.browser
PERSISTENT = {**PHONE_390, "service_workers": "allow"}


def _start_round(page, base, template="日常巡楼") -> str:
    page.goto(f"{base}/patrols")
    due = page.locator("#due article", has_text=template)
    start = due.get_by_role("button", name="开始巡查")
    if start.count():
        start.click()
    else:
        due.get_by_role("link").first.click()
    arrived(page, re.compile(r".*/patrols/rounds/\d+$"))
    return page.url


def _controlled(page) -> None:
    """Wait until the service worker controls the page (a reload may be needed the first time)."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def _waiting(page):
    return page.locator("#queue-status [data-count]")


def _results(live_app, round_id: int) -> list[tuple[str, int]]:
    with live_app.app_context():
        rows = db.session.execute(
            select(ItemResult.outcome, func.count(PhotoLink.id))
            .outerjoin(
                PhotoLink,
                (PhotoLink.owner_type == "patrol_result") & (PhotoLink.owner_id == ItemResult.id),
            )
            .where(ItemResult.round_id == round_id)
            .group_by(ItemResult.id, ItemResult.outcome)
        ).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def _three_photos(tmp_path, prefix: str = "p") -> list:
    """Three 12-MP camera photos of different colours."""
    return [
        _camera_photo(tmp_path / f"{prefix}{i}.jpg", color)
        for i, color in enumerate([(200, 40, 40), (40, 200, 40), (40, 40, 200)])
    ]


def _phone(browser_type, launch_args, profile, *, offline: bool = False):
    """The phone's browser with its profile on disk (so a restart keeps its storage)."""
    context = browser_type.launch_persistent_context(profile, **launch_args, **PERSISTENT)
    if offline:
        context.set_offline(True)
    return context, (context.pages[0] if context.pages else context.new_page())


def _three_issues_offline(page, photos) -> None:
    """Without signal: 异常 with one photo on each of the first three items; all queued."""
    cards = page.locator("article.item-card")
    for i in range(3):
        card = cards.nth(i)
        card.get_by_role("button", name="异常", exact=True).click()
        expect(card).to_have_class(re.compile(r"\bis-queued\b"))
        card.locator("input[type=file]").set_input_files(str(photos[i]))
        expect(_waiting(page)).to_contain_text(f"待发送：{2 * (i + 1)} 条")


def test_offline_round_survives_reload_and_restart(
    browser_type, browser_type_launch_args, live_server, live_app, tmp_path, screenshot
):
    profile = tmp_path / "profile"
    photos = _three_photos(tmp_path)
    context, page = _phone(browser_type, browser_type_launch_args, profile)
    log_in(page, live_server, "assistant")
    round_url = _start_round(page, live_server)
    round_id = int(round_url.rsplit("/", 1)[1])
    _controlled(page)
    page.goto(round_url)  # through the service worker, which keeps a copy

    context.set_offline(True)
    _three_issues_offline(page, photos)
    cards = page.locator("article.item-card")
    expect(cards.nth(1).get_by_role("button", name="异常", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    page.screenshot(path=str(SCREENS / "offline-round-queued.png"), full_page=False)
    assert _results(live_app, round_id) == []  # nothing reached the server

    # Reload without signal: the page comes from the service worker, the queue from IndexedDB.
    page.reload()
    expect(_waiting(page)).to_contain_text("待发送：6 条")
    expect(cards.nth(2)).to_have_class(re.compile(r"\bis-queued\b"))
    context.close()

    # Restart the browser, still without signal.
    context, page = _phone(browser_type, browser_type_launch_args, profile, offline=True)
    page.goto(round_url)
    expect(_waiting(page)).to_contain_text("待发送：6 条")
    # The photos waiting on the phone were shrunk before they were queued.
    queued = page.evaluate(
        """() => new Promise((resolve) => {
             const open = indexedDB.open("propdesk");
             open.onsuccess = () => {
               const get = open.result.transaction("queue").objectStore("queue").getAll();
               get.onsuccess = () => Promise.all(get.result.flatMap((item) => item.fields)
                 .filter(([, v]) => v instanceof Blob)
                 .map(([, v]) => createImageBitmap(v)
                   .then((b) => [v.type, v.size, b.width, b.height])))
                 .then(resolve);
             };
           })"""
    )
    original = photos[0].stat().st_size
    assert len(queued) == 3, queued
    for kind, size, width, height in queued:
        assert kind == "image/jpeg" and max(width, height) <= 2048 and size < original / 2

    # The signal returns: everything goes, in order, and the badge empties.
    context.set_offline(False)
    expect(page.locator("#queue-status")).to_be_hidden(timeout=30_000)
    results = _results(live_app, round_id)
    assert sorted(results) == [("issue", 1)] * 3, results
    page.goto(round_url)
    expect(page.locator("#round-progress")).to_contain_text("异常 3")
    screenshot("offline-round-delivered", target=page)
    context.close()


def test_lost_response_is_replayed_once(browser, live_server, live_app, tmp_path):
    photo = tmp_path / "v.jpg"
    photo.write_bytes(jpeg_bytes(1600, 1200, color=(120, 90, 60)))
    # No service worker here: the test stands between the page and the server.
    context = browser.new_context(**{**PHONE_390, "service_workers": "block"})
    page = context.new_page()
    log_in(page, live_server, "assistant")
    page.goto(f"{live_server}/decoration")
    page.locator("#sites article", has_text="3栋-1201").get_by_role("link", name="巡查").click()
    arrived(page, "**/inspect")
    inspect_url = page.url
    with live_app.app_context():
        before = db.session.scalar(select(func.count(DecorationInspection.id)))
        db.session.remove()

    def deliver_then_drop(route):
        route.fetch()  # the server saves it ...
        route.abort()  # ... and the phone never hears back

    page.route(
        inspect_url,
        lambda route: (
            deliver_then_drop(route) if route.request.method == "POST" else route.continue_()
        ),
    )
    rules = page.locator("fieldset.rule")
    for i in range(rules.count()):
        rules.nth(i).locator("label.radio-tap", has_text="合规").click()
    page.get_by_role("button", name="提交检查").click()
    expect(_waiting(page)).to_contain_text("待发送：1 条")
    page.unroute(inspect_url)
    page.evaluate("window.PropDeskQueue.flush()")
    expect(page.locator("#queue-status")).to_be_hidden(timeout=20_000)
    with live_app.app_context():
        after = db.session.scalar(select(func.count(DecorationInspection.id)))
        db.session.remove()
    assert after == before + 1  # saved once, replayed without a second inspection
    context.close()


def test_expired_csrf_token_is_refreshed_and_a_refusal_is_shown(browser, live_server, live_app):
    context = browser.new_context(**{**PHONE_390, "service_workers": "block"})
    page = context.new_page()
    log_in(page, live_server, "supervisor")
    round_url = _start_round(page, live_server, "主任巡查")
    round_id = int(round_url.rsplit("/", 1)[1])
    statuses = []
    page.on("response", lambda r: statuses.append(r.status) if r.request.method == "POST" else None)

    context.set_offline(True)
    cards = page.locator("article.item-card")
    cards.nth(0).get_by_role("button", name="正常", exact=True).click()
    expect(_waiting(page)).to_contain_text("待发送：1 条")
    # While offline the page's token expires (here: the server will not know it).
    page.evaluate("document.querySelector('meta[name=csrf-token]').content = 'expired-token'")
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#queue-status")).to_be_hidden(timeout=20_000)
    assert 400 in statuses  # refused for the token, then sent again with a fresh one
    assert [o for o, _n in _results(live_app, round_id)] == ["ok"]

    # Offline again; meanwhile the round is finished on the server (another device).
    settled(page)  # the delivered card is drawn again first
    context.set_offline(True)
    cards.nth(1).get_by_role("button", name="异常", exact=True).click()
    expect(_waiting(page)).to_contain_text("待发送：1 条")
    with live_app.app_context():
        patrol_round = db.session.get(PatrolRound, round_id)
        patrol_round.status = "finished"
        patrol_round.finished_at = clock.now()
        db.session.commit()
        db.session.remove()
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    refused = page.locator("#queue-status li.queue-refused")
    expect(refused).to_have_count(1, timeout=20_000)
    expect(refused).to_contain_text("这一轮巡查已经结束")
    page.screenshot(path=str(SCREENS / "offline-refused.png"), full_page=False)
    page.reload()
    expect(refused).to_have_count(1)  # kept until the person decides
    refused.get_by_role("button", name="放弃").click()
    expect(page.locator("#queue-status")).to_be_hidden()
    context.close()


def test_a_new_deployment_does_not_break_a_round_in_progress(
    browser, live_server, live_app, monkeypatch
):
    from webapp.pwa import views as pwa

    context = browser.new_context(**{**PHONE_390, "service_workers": "allow"})
    page = context.new_page()
    log_in(page, live_server, "manager")
    round_url = _start_round(page, live_server, "整体巡楼")
    _controlled(page)
    page.goto(round_url)
    old = page.evaluate("caches.keys()")
    assert "propdesk-pages" in old

    # Deploy: the service worker script changes; the phone picks it up mid-round.
    monkeypatch.setattr(pwa, "cache_version", lambda: "deployment-2")
    page.evaluate(
        """() => new Promise((resolve) => {
             navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true));
             navigator.serviceWorker.getRegistration().then((r) => r.update());
           })"""
    )
    page.wait_for_function(
        "caches.keys().then(k => k.includes('propdesk-shell-deployment-2') && "
        "!k.some(n => n.startsWith('propdesk-shell-') && n !== 'propdesk-shell-deployment-2'))"
    )
    assert "propdesk-pages" in page.evaluate("caches.keys()")  # the round's page survived

    # Without signal the round still opens, styled, and still takes answers.
    context.set_offline(True)
    page.reload()
    card = page.locator("article.item-card").first
    expect(card).to_be_visible()
    bg = page.evaluate("getComputedStyle(document.querySelector('.card')).backgroundColor")
    assert bg == "rgb(255, 255, 255)"
    card.get_by_role("button", name="正常", exact=True).click()
    expect(_waiting(page)).to_contain_text("待发送：1 条")
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#queue-status")).to_be_hidden(timeout=20_000)
    context.close()


def test_an_expired_login_keeps_the_queue_until_the_person_logs_in(browser, live_server, live_app):
    from datetime import timedelta

    context = browser.new_context(**{**PHONE_390, "service_workers": "block"})
    page = context.new_page()
    log_in(page, live_server, "assistant")
    round_url = _start_round(page, live_server)
    round_id = int(round_url.rsplit("/", 1)[1])
    context.set_offline(True)
    card = page.locator("article.item-card").nth(5)
    card.get_by_role("button", name="不适用", exact=True).click()
    expect(_waiting(page)).to_contain_text("待发送：1 条")
    clock.travel(timedelta(hours=13))  # the phone slept through the night: the session idled out
    try:
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(_waiting(page)).to_contain_text("登录已过期", timeout=20_000)
        before = _results(live_app, round_id)
        log_in(page, live_server, "assistant")
        page.goto(round_url)
        expect(page.locator("#queue-status")).to_be_hidden(timeout=20_000)
        after = _results(live_app, round_id)
        assert len(after) == len(before) + 1 and ("na", 0) in after
    finally:
        clock.travel(timedelta(hours=-13))
        context.close()


def test_an_item_the_server_keeps_failing_on_does_not_block_the_rest(
    browser, live_server, live_app
):
    context = browser.new_context(**{**PHONE_390, "service_workers": "block"})
    page = context.new_page()
    log_in(page, live_server, "assistant")
    round_url = _start_round(page, live_server)
    round_id = int(round_url.rsplit("/", 1)[1])
    cards = page.locator("article.item-card")
    failing = live_server + cards.nth(0).locator("form[hx-post]").first.get_attribute("hx-post")
    before = _outcomes(live_app, round_id)
    first, second = (int(cards.nth(i).get_attribute("id").rsplit("-", 1)[1]) for i in (0, 1))
    wanted = "na" if before.get(second) == "ok" else "ok"  # a change the server can show
    context.set_offline(True)
    for i in range(2):
        name = "不适用" if i == 1 and wanted == "na" else "正常"
        cards.nth(i).get_by_role("button", name=name, exact=True).click()
        expect(cards.nth(i)).to_have_class(re.compile(r"\bis-queued\b"))
    expect(_waiting(page)).to_contain_text("待发送：2 条")

    # The server fails on the first item every time (a stand-in for a bug on the server).
    hits = []

    def fail(route):
        if route.request.method != "POST":
            route.continue_()
            return
        hits.append(1)
        # The reason travels in the header; the body is a page the queue must not read.
        route.fulfill(
            status=500,
            content_type="text/html",
            headers={REASON_HEADER: quote("错误编号：e1")},
            body='<p class="error-id">错误编号：not-read</p>',
        )

    page.route(failing, fail)
    context.set_offline(False)
    for _ in range(8):  # the signal comes and goes: each return tries again at once
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.wait_for_timeout(400)
    refused = page.locator("#queue-status [data-refused] li")
    expect(refused).to_have_count(1, timeout=10_000)
    expect(refused).to_contain_text("错误编号：e1")
    expect(refused).not_to_contain_text("not-read")
    expect(_waiting(page)).to_be_hidden()
    assert len(hits) == 5
    outcomes = _outcomes(live_app, round_id)
    assert outcomes.get(second) == wanted  # the one behind it arrived
    assert outcomes.get(first) == before.get(first)  # the failing one changed nothing
    context.close()


def _outcomes(live_app, round_id: int) -> dict[int, str]:
    with live_app.app_context():
        rows = db.session.execute(
            select(ItemResult.item_id, ItemResult.outcome).where(ItemResult.round_id == round_id)
        ).all()
        db.session.remove()
    return dict(rows)

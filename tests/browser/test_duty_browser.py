"""The duty log in a real browser at phone size, reached as a person reaches it: log in, tap the
tab bar, go on duty, write an ordinary and a major event (the manager sees it at once), register
a call and turn it into a ticket, log two events with photos while offline that arrive once,
lend a key, hand the shift over (refused until the major event is resolved), print the handover
to A4, have the next person take over, and see the key overdue when it is not back in time."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import PHONE, SCREENS, arrived, log_in
from tests.browser.test_patrol_browser import _camera_photo
from webapp import clock
from webapp.extensions import db
from webapp.models import Duty, DutyEvent, Handover, KeyLoan, PhotoLink, Ticket, TicketLink

pytestmark = pytest.mark.browser


def _events(live_app, description: str) -> list[tuple[int, int]]:
    """(event id, photos) of the events with this description."""
    with live_app.app_context():
        rows = db.session.execute(
            select(DutyEvent.id, func.count(PhotoLink.id))
            .outerjoin(
                PhotoLink,
                (PhotoLink.owner_type == "duty_event") & (PhotoLink.owner_id == DutyEvent.id),
            )
            .where(DutyEvent.description == description)
            .group_by(DutyEvent.id)
        ).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def _open_form(page, summary: str):
    details = page.locator("details", has=page.locator("summary", has_text=summary))
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details


def test_a_shift_on_the_phone(browser, live_server, live_app, tmp_path):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    log_in(page, live_server, "assistant")
    page.locator("nav.tabbar").get_by_role("link", name="值班").click()
    arrived(page, f"{live_server}/duty")
    page.get_by_label("班次").select_option(label="夜班")
    page.get_by_role("button", name="开始值班").click()
    expect(page.locator("h1")).to_contain_text("值班记录表")

    # An ordinary event, with a photo.
    form = _open_form(page, "记录值班事件")
    form.get_by_label("发生了什么").fill("会所门口地面有积水")
    form.get_by_label("楼栋").select_option(index=1)
    form.locator("input[type=file]").set_input_files(
        str(_camera_photo(tmp_path / "water.jpg", (20, 90, 160)))
    )
    form.get_by_role("button", name="记入值班记录").click()
    expect(page.locator("#duty-lines")).to_contain_text("会所门口地面有积水")
    assert _events(live_app, "会所门口地面有积水")[0][1] == 1

    # A major one: the manager hears of it at once.
    form = _open_form(page, "记录值班事件")
    form.get_by_label("发生了什么").fill("2栋电梯困人一名")
    form.locator("label.check", has_text="重大事件").click()
    expect(form.get_by_label(re.compile("重大事件"))).to_be_checked()
    form.get_by_role("button", name="记入值班记录").click()
    expect(page.locator("#flash")).to_contain_text("已通知经理")
    expect(page.locator("#duty-lines")).to_contain_text("2栋电梯困人一名")
    page.screenshot(path=str(SCREENS / "duty-log.png"), full_page=True)

    manager = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    boss = manager.new_page()
    log_in(boss, live_server, "manager")
    expect(boss.locator("#duty-shift")).to_contain_text("2栋电梯困人一名")
    boss.locator("#unread").click()
    expect(boss.locator("main")).to_contain_text("值班重大事件")
    boss.get_by_role("link", name=re.compile("2栋电梯困人一名")).first.click()
    expect(boss.locator("#duty-event")).to_contain_text("待提交")
    manager.close()

    # A call, turned into a ticket with the caller filled in.
    form = _open_form(page, "登记来电来访")
    form.get_by_label("来电来访人").fill("赵一鸣")
    form.get_by_label("联系电话").fill("13800001234")
    form.get_by_label("事由").fill("地下车库照明不足")
    form.locator("label.check", has_text="已转交").click()
    expect(form.get_by_label("已转交")).to_be_checked()
    form.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("#duty-lines")).to_contain_text("赵一鸣")
    page.locator("#duty-lines").get_by_role("link", name=re.compile("赵一鸣")).click()
    page.get_by_role("link", name="转为投诉报修单").click()
    expect(page.get_by_label("反映人")).to_have_value("赵一鸣")
    expect(page.get_by_label("联系电话")).to_have_value("13800001234")
    page.get_by_label("类别").select_option("engineering")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator("main")).to_contain_text("TS-")
    with live_app.app_context():
        ticket = db.session.scalars(select(Ticket).where(Ticket.reporter_name == "赵一鸣")).one()
        assert db.session.scalar(
            select(func.count(TicketLink.id)).where(
                TicketLink.ticket_id == ticket.id, TicketLink.target_type == "duty_event"
            )
        )
        db.session.remove()

    # Offline: two events with a photo each, kept on the phone, sent once when back online.
    page.locator("nav.tabbar").get_by_role("link", name="值班").click()
    arrived(page, f"{live_server}/duty")
    context.set_offline(True)
    for i, color in enumerate([(200, 30, 30), (30, 200, 30)]):
        form = _open_form(page, "记录值班事件")
        form.get_by_label("发生了什么").fill("离线记录的事件")
        form.locator("input[type=file]").set_input_files(
            str(_camera_photo(tmp_path / f"offline{i}.jpg", color))
        )
        form.get_by_role("button", name="记入值班记录").click()
        expect(page.locator("#queue-status [data-count]")).to_contain_text(f"待发送：{i + 1} 条")
    assert _events(live_app, "离线记录的事件") == []
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#queue-status")).to_be_hidden(timeout=30_000)
    delivered = _events(live_app, "离线记录的事件")
    assert [photos for _id, photos in delivered] == [1, 1]
    expect(page.locator("#duty-lines")).to_contain_text("离线记录的事件")
    page.screenshot(path=str(SCREENS / "duty-after-offline.png"), full_page=True)

    # A key lent from the desk.
    page.get_by_role("link", name="钥匙借用登记").click()
    arrived(page, f"{live_server}/keys")
    page.locator("#all-keys").get_by_role("link", name=re.compile("^样板间")).click()
    arrived(page, re.compile(r".*/keys/\d+$"))
    page.get_by_label("借用人身份").select_option(label="施工方或外单位")
    page.get_by_role("textbox", name="借用人", exact=True).fill("钱师傅")
    page.get_by_label("联系电话").fill("13700005555")
    page.get_by_label("借用事由").fill("带客户看样板间")
    page.get_by_role("button", name="登记借出").click()
    expect(page.locator("#key")).to_contain_text("借出中")

    # The handover is held back while the major event is open.
    page.locator("nav.tabbar").get_by_role("link", name="值班").click()
    expect(page.locator("#handover-held")).to_contain_text("重大事件")
    page.locator("#duty-lines").get_by_role("link", name=re.compile("2栋电梯困人一名")).click()
    page.get_by_label("处理结果").fill("维保到场放人，电梯停用待修")
    page.get_by_role("button", name="记录处理结果").click()
    expect(page.locator("#duty-event")).to_contain_text("已处理完毕")
    page.locator("a.back-link").click()
    page.get_by_role("link", name="准备交班").click()
    items = page.locator("#open-items")
    expect(items).to_contain_text("样板间 · 钱师傅")
    expect(items).to_contain_text("会所门口地面有积水")
    page.get_by_label("领导下达的工作指令").fill("明早检查 2栋电梯维修进度")
    page.locator("label.check", has_text="钥匙").click()
    page.locator("label.check", has_text="对讲机").click()
    page.get_by_role("button", name="签字交班").click()
    expect(page.locator("#handover")).to_contain_text("等待接班")
    page.emulate_media(media="print")
    expect(page.locator("nav.tabbar")).to_be_hidden()
    expect(page.locator(".signature-lines")).to_be_visible()
    page.pdf(path=str(SCREENS / "handover.pdf"), format="A4")
    page.emulate_media(media="screen")
    assert (SCREENS / "handover.pdf").stat().st_size > 10_000

    # The next person (here the supervisor) takes over under their own login.
    other = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    boss = other.new_page()
    log_in(boss, live_server, "supervisor")
    shift = boss.locator("#duty-shift")
    expect(shift).to_contain_text("已签字交班，等待接班")
    shift.get_by_role("link", name=re.compile("王小丽")).click()
    expect(boss.locator("#handover-items")).to_contain_text("样板间 · 钱师傅")
    boss.screenshot(path=str(SCREENS / "handover-accept.png"), full_page=True)
    boss.get_by_role("button", name="确认接班").click()
    arrived(boss, f"{live_server}/duty")
    expect(boss.locator("#carried-over")).to_contain_text("会所门口地面有积水")
    with live_app.app_context():
        handover = db.session.scalars(select(Handover)).one()
        assert handover.status == "accepted"
        outgoing = db.session.get(Duty, handover.duty_id)
        assert outgoing.status == "closed"
        loan = db.session.scalars(select(KeyLoan).where(KeyLoan.returned_at.is_(None))).one()
        assert loan.responsible_id == handover.to_user_id
        db.session.remove()

    # The key not back by its time shows as overdue.
    clock.travel(timedelta(hours=3))
    try:
        boss.goto(f"{live_server}/keys")
        expect(boss.locator("#keys-out")).to_contain_text("已逾期")
    finally:
        clock.reset()
    other.close()
    context.close()

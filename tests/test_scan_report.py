"""扫码报修 through HTTP: the estate's codes per building and public area, a report without an
account from a scanned code (a ticket through the normal intake, channel 扫码, with its tracking
link), the honeypot, refusals, replaced codes, and the limits per client and per place."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.fixtures.app import Client
from tests.fixtures.photos import jpeg_bytes
from tests.fixtures.tickets import take_ticket
from webapp import clock, signedlinks
from webapp.extensions import db
from webapp.models import AuditEvent, Building, PhotoLink, PublicArea, Ticket
from webapp.tickets import scan


@pytest.fixture
def app_config():
    return {
        "SCAN_LIMIT": "3/hour",
        "SCAN_PLACE_LIMIT": "4/hour",
        "TRACKING_CHECK_LIMIT": "5/15 minutes",
    }


@pytest.fixture
def lobby(world):
    area = PublicArea(estate_id=world.estate.id, name="1栋大堂", kind="lobby")
    db.session.add(area)
    db.session.commit()
    return area


def _codes(client, world) -> dict[str, str]:
    """The printed sheet's codes: {place: the path its QR code opens}."""
    client.post(f"/scan-codes?estate={world.estate.id}")
    links = db.session.scalars(
        select(signedlinks.SignedLink).where(signedlinks.SignedLink.purpose == scan.PURPOSE)
    ).all()
    out = {}
    for link in links:
        model = scan.PLACE_TYPES[link.target_type]
        out[db.session.get(model, link.target_id).name] = f"/s/{signedlinks.token_of(link)}"
    return out


def _report(client, path, **fields):
    data = {
        "kind": "repair",
        "description": "电梯按钮失灵",
        "name": "访客王",
        "phone": "138 0000 1111",
        **fields,
    }
    if client.csrf_token is None:
        client.refresh_csrf(path)  # the form, as the scanning phone opens it
    # As a browser: the answer's redirect is followed to the page that shows the tracking link.
    return client.post(path, data=data, content_type="multipart/form-data", follow_redirects=True)


def test_the_sheet_has_a_code_per_building_and_public_area(login_as, world, lobby):
    c = login_as("supervisor")
    page = c.get(f"/scan-codes?estate={world.estate.id}").get_data(as_text=True)
    buildings = db.session.scalar(
        select(func.count(Building.id)).where(Building.estate_id == world.estate.id)
    )
    assert f"为 {buildings + 1} 个位置生成二维码" in page
    made = c.post(f"/scan-codes?estate={world.estate.id}")
    assert made.status_code == 303
    page = c.get(f"/scan-codes?estate={world.estate.id}").get_data(as_text=True)
    assert len(re.findall(r'class="qr-card" data-place=', page)) == buildings + 1
    assert 'id="issue-codes"' not in page and "1栋大堂" in page
    # Printing again shows the same codes; nothing more is made.
    c.post(f"/scan-codes?estate={world.estate.id}")
    assert len(_codes(c, world)) == buildings + 1
    assert login_as("assistant").get("/scan-codes").status_code == 403


def test_reloading_the_thank_you_page_sends_nothing_again(login_as, world, lobby, client):
    path = _codes(login_as("supervisor"), world)["1栋大堂"]
    client.refresh_csrf(path)
    sent = client.post(
        path,
        data={"kind": "repair", "description": "灯坏了", "name": "王", "phone": "13800001111"},
    )
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/done")
    for _ in range(2):  # the page after it, and a reload of it
        shown = client.get(sent.headers["Location"]).get_data(as_text=True)
        assert 'id="track-link"' in shown
    assert db.session.scalar(select(func.count(Ticket.id))) == 1
    # Someone else opening the done page gets the form, not this report's link.
    app_client = client.application.test_client()
    assert app_client.get(sent.headers["Location"]).status_code == 303


def test_a_scanned_report_becomes_a_ticket_with_its_tracking_link(login_as, world, lobby, client):
    path = _codes(login_as("supervisor"), world)["1栋大堂"]
    form = client.get(path)
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    assert "翠湖花园 · 1栋大堂" in form.get_data(as_text=True)
    done = _report(client, path, photos=(io.BytesIO(jpeg_bytes()), "lift.jpg"))
    assert done.status_code == 200
    html = done.get_data(as_text=True)
    ticket = db.session.scalar(select(Ticket))
    assert ticket.channel == "scan" and ticket.unit_id is None and ticket.taker_id is None
    assert ticket.description == "【1栋大堂】电梯按钮失灵"
    assert ticket.reporter_phone == "+8613800001111" and ticket.reporter_name == "访客王"
    assert db.session.scalar(
        select(func.count(PhotoLink.id)).where(PhotoLink.owner_type == "ticket_entry")
    )
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket.create"))
    assert audit.actor_id is None and audit.via == "scan_link" and audit.via_name == "访客王"
    # The tracking link works without an account.
    track = re.search(r'id="track-link" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert ticket.number in client.get(track).get_data(as_text=True)
    # Staff find it in the inbox, marked as scanned.
    inbox = login_as("assistant").get("/tickets?tab=all").get_data(as_text=True)
    assert ticket.number in inbox


def test_refusals_robots_and_replaced_codes(login_as, world, lobby, client):
    supervisor = login_as("supervisor")
    path = _codes(supervisor, world)["1栋大堂"]
    assert _report(client, path, phone="12").status_code == 422
    both = _report(client, path, description=" ", phone="12").get_data(as_text=True)
    assert "请描述问题" in both and "请填写能联系到你的电话号码" in both  # all at once
    # A robot that fills the hidden field is thanked, and nothing is kept.
    robot = _report(client, path, website="http://spam.example")
    assert robot.status_code == 200 and 'id="track-link"' not in robot.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Ticket.id))) == 0
    # A forged or replaced code opens nothing, and says what to do instead.
    assert client.get(path + "x").status_code == 404
    replaced = supervisor.post(
        f"/scan-codes/replace?estate={world.estate.id}", data={"place": f"area-{lobby.id}"}
    )
    assert replaced.status_code == 303
    gone = client.get(path)
    assert gone.status_code == 404 and "这个二维码已失效" in gone.get_data(as_text=True)
    assert client.get(_codes(supervisor, world)["1栋大堂"]).status_code == 200


def test_reports_are_limited_per_client_and_per_place(login_as, world, lobby, app):
    path = _codes(login_as("supervisor"), world)["1栋大堂"]

    def phone(address: str):
        app.test_client_class = Client
        c = app.test_client()
        c.environ_base["REMOTE_ADDR"] = address
        return c

    first = phone("10.0.0.1")
    # A refused form costs nothing: only reports taken count.
    assert _report(first, path, phone="12").status_code == 422
    assert [_report(first, path).status_code for _ in range(3)] == [200, 200, 200]
    # Another phone may report at the same place, until the place's own limit.
    second = phone("10.0.0.2")
    assert [_report(second, path).status_code for _ in range(2)] == [200, 429]
    assert db.session.scalar(select(func.count(Ticket.id))) == 4
    # The first phone has used its own: the form comes back as typed, saying why and what to do.
    other_place = _codes(login_as("supervisor"), world)["1栋"]
    refused = _report(first, other_place, description="三楼走廊漏水很严重")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "提交太频繁" in page and "照片需要重新选择" in page
    assert "三楼走廊漏水很严重" in page and 'value="访客王"' in page
    assert _report(phone("10.0.0.3"), other_place).status_code == 200


def _tracking(client, path) -> str:
    done = _report(client, path).get_data(as_text=True)
    return re.search(r'id="track-link" href="([^"]+)"', done).group(1).replace("&amp;", "&")


def test_the_tracking_link_after_the_phone_check_adds_and_rates(login_as, world, lobby, client):
    path = _codes(login_as("supervisor"), world)["1栋大堂"]
    track = _tracking(client, path)
    number, code = re.search(r"/t/([^?]+)\?code=(\w+)", track).groups()
    page = client.get(track).get_data(as_text=True)
    assert 'id="check"' in page and 'id="info"' not in page
    # Adding before the check is refused.
    refused = client.post(f"/t/{number}/info", data={"code": code, "kind": "info", "body": "x"})
    assert refused.status_code == 403
    wrong = client.post(f"/t/{number}/check", data={"code": code, "digits": "0000"})
    assert wrong.status_code == 422 and "后四位不对" in wrong.get_data(as_text=True)
    # Digits typed full-width (a Chinese keyboard's) are read as digits: wrong ones say so.
    wide = client.post(f"/t/{number}/check", data={"code": code, "digits": "０１２３"})
    assert wide.status_code == 422 and "后四位不对" in wide.get_data(as_text=True)
    right = client.post(f"/t/{number}/check", data={"code": code, "digits": "１１１１"})
    assert right.status_code == 303
    added = client.post(
        f"/t/{number}/info",
        data={
            "code": code,
            "kind": "info",
            "body": "晚上也不亮",
            "photos": (io.BytesIO(jpeg_bytes(color=(5, 5, 5))), "night.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert added.status_code == 303
    ticket = db.session.scalar(select(Ticket))
    info = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "ticket.info", AuditEvent.target_id == ticket.id
        )
    )
    assert info.actor_id is None and info.via == "tracking_link"
    followed = client.get(track).get_data(as_text=True)
    assert "晚上也不亮" in followed
    # The caller sees that the photo arrived (its count under their words, not the picture).
    added_entry = followed.split("晚上也不亮")[1].split("</li>")[0]
    assert 'data-photos="1"' in added_entry and "已收到 1 张照片" in added_entry
    # A photo alone is enough; nothing at all is refused with the reason.
    empty = client.post(
        f"/t/{number}/info",
        data={"code": code, "kind": "info", "body": " "},
        content_type="multipart/form-data",
    )
    assert empty.status_code == 422 and "请填写内容或选择照片" in empty.get_data(as_text=True)
    only_photo = client.post(
        f"/t/{number}/info",
        data={
            "code": code,
            "kind": "info",
            "photos": (io.BytesIO(jpeg_bytes(color=(9, 9, 9))), "more.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert only_photo.status_code == 303
    assert client.get(track).get_data(as_text=True).count("已收到 1 张照片") == 2
    # The supervisor resolves it (nobody took it at a desk); the caller is not satisfied
    # (reopened), then is, after the second fix.
    staff = login_as("supervisor")
    for round_ in range(2):
        ticket = db.session.get(Ticket, ticket.id)
        staff.post(
            f"/tickets/{ticket.id}/act",
            data={"action": "resolve", "version": ticket.version, "reply": f"已修好 {round_}"},
        )
        ticket = db.session.get(Ticket, ticket.id)
        assert ticket.status == "resolved"
        rating = "unsatisfied" if round_ == 0 else "satisfied"
        rated = client.post(
            f"/t/{number}/visit",
            data={"code": code, "version": ticket.version, "rating": rating},
        )
        assert rated.status_code == 303
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == "closed" and ticket.reopen_count == 1
    assert ticket.satisfaction == "satisfied"
    # Closed: the link still shows it for a month, and then no more.
    assert 'id="info"' not in client.get(track).get_data(as_text=True)
    clock.travel(timedelta(days=31))
    assert client.get(track).status_code == 404


def test_a_wrong_phone_check_is_throttled(login_as, world, lobby, app):
    path = _codes(login_as("supervisor"), world)["1栋大堂"]
    app.test_client_class = Client
    caller = app.test_client()
    track = _tracking(caller, path)
    number, code = re.search(r"/t/([^?]+)\?code=(\w+)", track).groups()
    # Typing something that is not four digits is said so, and costs no try.
    assert caller.post(f"/t/{number}/check", data={"code": code, "digits": "12"}).status_code == 422
    answers = [
        caller.post(f"/t/{number}/check", data={"code": code, "digits": f"{n:04d}"}).status_code
        for n in range(6)
    ]
    assert answers == [422] * 5 + [429]
    # Even the right digits wait now.
    right = caller.post(f"/t/{number}/check", data={"code": code, "digits": "1111"})
    assert right.status_code == 429


def test_staff_mark_a_junk_scan_report_as_invalid(login_as, world, lobby, client):
    path = _codes(login_as("supervisor"), world)["1栋大堂"]
    track = _tracking(client, path)
    ticket = db.session.scalar(select(Ticket))
    staff = login_as("assistant")
    page = staff.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-action="spam"' in page
    unexplained = staff.post(
        f"/tickets/{ticket.id}/act", data={"action": "spam", "version": ticket.version}
    )
    assert unexplained.status_code == 422 and "请写明为什么无效" in unexplained.get_data(
        as_text=True
    )
    marked = staff.post(
        f"/tickets/{ticket.id}/act",
        data={"action": "spam", "version": ticket.version, "reply": "广告"},
    )
    assert marked.status_code == 303
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == "closed" and ticket.closed_at is not None
    assert ticket.next_follow_up_at is None
    # The reporter's link says closed, without the internal mark.
    shown = client.get(track).get_data(as_text=True)
    assert "已关闭" in shown and "无效" not in shown
    assert "已完成，谢谢" not in shown  # no thanks for a report that was none
    # Out of the figures: the manager's dashboard and the month's summary say it was left out;
    # the inbox still lists it, marked, except in the lists behind the figures.
    manager = login_as("manager")
    board = manager.get(f"/dashboard?estate={world.estate.id}&period=today").get_data(as_text=True)
    assert "另有 1 件无效报修，不计入统计" in board
    assert re.search(r'data-figure="received"><span class="figure-value">0<', board)
    summary = manager.get(f"/tickets/summary?estate={world.estate.id}").get_data(as_text=True)
    assert 'data-figure="invalid">1<' in summary and 'data-figure="received">0<' in summary
    listed = staff.get("/tickets?tab=all").get_data(as_text=True)
    assert ticket.number in listed and "无效报修" in listed
    counted = staff.get("/tickets?tab=all&counted=1").get_data(as_text=True)
    assert ticket.number not in counted and "不含无效报修" in counted
    # A ticket taken at the desk is not marked so.
    desk, _code = take_ticket(world)
    db.session.commit()
    assert 'data-action="spam"' not in staff.get(f"/tickets/{desk.id}").get_data(as_text=True)
    refused = staff.post(
        f"/tickets/{desk.id}/act", data={"action": "spam", "version": desk.version}
    )
    assert refused.status_code == 409


def test_an_owner_replies_to_their_units_notice_through_the_tracking_link(
    world, decoration, client
):
    """Owner A called (the phone on the roll): after the phone check, the open rectification
    notice of their unit is on the tracking page and takes their reply with a photo."""
    ticket, code = take_ticket(world)
    db.session.commit()
    assert ticket.owner_id == world.owner_a.id
    notice = decoration.notice
    track = f"/t/{ticket.number}?code={code}"
    client.refresh_csrf("/login")
    before = client.get(track).get_data(as_text=True)
    assert 'id="check"' in before and f'id="notice-{notice.id}"' not in before
    reply = f"/t/{ticket.number}/notices/{notice.id}/reply"
    early = client.post(reply, data={"code": code, "text": "已拆除"})
    assert early.status_code == 403
    assert (
        client.post(f"/t/{ticket.number}/check", data={"code": code, "digits": "0001"}).status_code
        == 303
    )
    page = client.get(track).get_data(as_text=True)
    assert f'id="notice-{notice.id}"' in page and notice.rule_text in page
    # A reply needs its words and a photo of what was put right.
    no_photo = client.post(
        reply, data={"code": code, "text": "已拆除"}, content_type="multipart/form-data"
    )
    assert no_photo.status_code == 422 and "整改后的照片" in no_photo.get_data(as_text=True)
    done = client.post(
        reply,
        data={
            "code": code,
            "text": "违规搭建已拆除",
            "photos": (io.BytesIO(jpeg_bytes(color=(9, 99, 9))), "fixed.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert done.status_code == 303
    stored = db.session.get(type(notice), notice.id)
    db.session.refresh(stored)
    assert (stored.status, stored.owner_reply) == ("replied", "违规搭建已拆除")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "notice.reply"))
    assert (event.actor_id, event.via) == (world.owner_a.id, "tracking_link")
    assert db.session.scalar(
        select(func.count())
        .select_from(PhotoLink)
        .where(PhotoLink.owner_type == "rectification_notice", PhotoLink.purpose == "after")
    )
    # A caller who is not the unit's owner on the roll sees no notice and cannot reply.
    other, other_code = take_ticket(world, reporter_phone="13800009999")
    db.session.commit()
    client.post(f"/t/{other.number}/check", data={"code": other_code, "digits": "9999"})
    page = client.get(f"/t/{other.number}?code={other_code}").get_data(as_text=True)
    assert 'id="info"' in page and "notice-" not in page
    refused = client.post(
        f"/t/{other.number}/notices/{notice.id}/reply", data={"code": other_code, "text": "x"}
    )
    assert refused.status_code == 404


def test_staff_reveal_a_callers_number_to_call_them_back(login_as, world, lobby, client):
    path = _codes(login_as("supervisor"), world)["1栋大堂"]
    _report(client, path, phone="138 0000 1111")
    ticket = db.session.scalar(select(Ticket))
    s = login_as("supervisor")
    page = s.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "+8613800001111" not in page and "1111" in page and 'id="caller-phone"' in page
    shown = s.post(f"/tickets/{ticket.id}/phone", headers={"HX-Request": "true"})
    assert shown.status_code == 200
    assert 'href="tel:+8613800001111"' in shown.get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket.phone_shown"))
    assert (event.actor_id, event.target_id) == (world.supervisor.id, ticket.id)
    # Without script: the whole page, with the number shown.
    page = s.post(f"/tickets/{ticket.id}/phone").get_data(as_text=True)
    assert 'href="tel:+8613800001111"' in page and 'id="actions"' in page
    assert login_as("assistant_other").post(f"/tickets/{ticket.id}/phone").status_code == 404
    assert login_as("owner_a").post(f"/tickets/{ticket.id}/phone").status_code == 403


def test_the_inbox_filters_by_where_a_ticket_came_from(login_as, world, lobby, client):
    path = _codes(login_as("supervisor"), world)["1栋大堂"]
    _report(client, path, description="扫码来的报修")
    take_ticket(world, description="电话来的投诉")
    db.session.commit()
    s = login_as("supervisor")
    scanned = s.get("/tickets?tab=all&channel=scan").get_data(as_text=True)
    assert "扫码来的报修" in scanned and "电话来的投诉" not in scanned
    phoned = s.get("/tickets?tab=all&channel=phone").get_data(as_text=True)
    assert "电话来的投诉" in phoned and "扫码来的报修" not in phoned
    both = s.get("/tickets?tab=all&channel=nonsense").get_data(as_text=True)
    assert "电话来的投诉" in both and "扫码来的报修" in both
    assert '<option value="scan" selected>' in scanned

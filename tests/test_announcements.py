"""Announcements (公告) through HTTP: a supervisor publishes to the estate or some buildings with
photos and a time window; owners of those buildings see it on their home and reading it counts;
a building's notice-board code shows it without an account and counts those views; withdrawing
takes it down."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from tests.fixtures.app import reload
from tests.fixtures.photos import jpeg_bytes
from webapp import clock, signedlinks
from webapp.announcements import services as announcements
from webapp.cli import sweep_records
from webapp.extensions import db
from webapp.models import (
    Announcement,
    AnnouncementRead,
    AuditEvent,
    Building,
    Notification,
    PhotoLink,
    SignedLink,
    Unit,
)


def _three(world):
    return db.session.scalar(
        select(Building).where(Building.estate_id == world.estate.id, Building.name == "3栋")
    )


def _publish(c, world, **fields):
    data = {"title": "停水通知", "body": "12 月 10 日 9:00–12:00 停水。", **fields}
    made = c.post(
        f"/announcements/new?estate={world.estate.id}",
        data=data,
        content_type="multipart/form-data",
    )
    assert made.status_code == 303, made.get_data(as_text=True)[:2000]
    return int(re.search(r"/announcements/(\d+)", made.headers["Location"]).group(1))


@pytest.fixture
def owner_of_three(world, make):
    unit = db.session.scalar(
        select(Unit).where(Unit.building_id == _three(world).id).order_by(Unit.id)
    )
    return make.owner(unit, username="+8613900000033", phone="+8613900000033")


def test_a_supervisor_publishes_to_one_building_and_its_owners_read_it(
    login_as, world, owner_of_three, app
):
    s = login_as("supervisor")
    assert s.get(f"/announcements/new?estate={world.estate.id}").status_code == 200
    empty = s.post(f"/announcements/new?estate={world.estate.id}", data={"title": "", "body": ""})
    assert empty.status_code == 422
    backwards = s.post(
        f"/announcements/new?estate={world.estate.id}",
        data={
            "title": "x",
            "body": "y",
            "starts_at": "2030-01-02T09:00",
            "ends_at": "2030-01-01T09:00",
        },
    )
    assert backwards.status_code == 422 and "结束时间" in backwards.get_data(as_text=True)
    three = _three(world)
    announcement_id = _publish(
        s,
        world,
        buildings=[three.id],
        photos=[(io.BytesIO(jpeg_bytes(color=(10, 120, 200))), "water.jpg")],
    )
    announcement = db.session.get(Announcement, announcement_id)
    assert announcement.building_ids == [three.id]
    [photo] = db.session.scalars(
        select(PhotoLink).where(
            PhotoLink.owner_type == "announcement", PhotoLink.owner_id == announcement_id
        )
    ).all()
    assert db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "announcement.publish")
    )
    # The owner in 3栋 sees it, unread; owner A (1栋) does not.
    c = app.test_client()
    assert c.login(owner_of_three).status_code == 303
    # Their bell told them, once; the notification opens the announcement.
    [told] = db.session.scalars(
        select(Notification).where(Notification.kind == "announcement")
    ).all()
    assert (told.user_id, told.target_id) == (owner_of_three.id, announcement_id)
    opened = c.get(f"/notifications/{told.id}")
    assert opened.headers["Location"] == f"/my/announcements/{announcement_id}"
    db.session.execute(delete(AnnouncementRead))  # opened by the bell: read again below
    db.session.commit()
    home = c.get("/").get_data(as_text=True)
    read_url = f"/my/announcements/{announcement_id}"
    assert read_url in home and "未读" in home
    a = login_as("owner_a")
    assert read_url not in a.get("/").get_data(as_text=True)
    assert a.get(read_url).status_code == 404
    assert a.get(f"/photos/{photo.photo_id}").status_code == 404
    page = c.get(read_url).get_data(as_text=True)
    assert "12 月 10 日" in page and f"/photos/{photo.photo_id}" in page
    assert c.get(f"/photos/{photo.photo_id}").status_code == 200
    c.get(read_url)  # a second reading is the same reader
    assert db.session.scalar(select(func.count()).select_from(AnnouncementRead)) == 1
    assert "未读" not in c.get("/").get_data(as_text=True)
    # Staff: one owner of 3栋 with an account, one has read it.
    detail = s.get(f"/announcements/{announcement_id}").get_data(as_text=True)
    assert re.search(r'data-figure="owners"><span class="figure-value">1<', detail)
    assert re.search(r'data-figure="read"><span class="figure-value">1<', detail)
    listing = login_as("assistant").get(f"/announcements?estate={world.estate.id}")
    assert "1 位业主已读" in listing.get_data(as_text=True)
    # An assistant reads the list but does not publish or withdraw.
    assistant = login_as("assistant")
    assert assistant.get(f"/announcements/new?estate={world.estate.id}").status_code == 403
    assert assistant.post(f"/announcements/{announcement_id}/withdraw").status_code == 403
    # Withdrawn: owners no longer see it; staff still find it under 已撤下.
    assert s.post(f"/announcements/{announcement_id}/withdraw").status_code == 303
    assert reload(announcement).status == "withdrawn"
    assert c.get(read_url).status_code == 404
    assert read_url not in c.get("/").get_data(as_text=True)
    withdrawn = s.get(f"/announcements?estate={world.estate.id}&state=withdrawn")
    assert f'data-announcement="{announcement_id}"' in withdrawn.get_data(as_text=True)
    again = s.post(f"/announcements/{announcement_id}/withdraw")
    assert again.status_code == 303
    assert "已撤下" in s.get(again.headers["Location"]).get_data(as_text=True)


def test_the_time_window_decides_when_owners_see_it(login_as, world):
    s = login_as("supervisor")
    local = (clock.now() + timedelta(days=2)).astimezone(
        __import__("zoneinfo").ZoneInfo(world.estate.timezone)
    )
    later = _publish(s, world, title="电梯年检", starts_at=local.strftime("%Y-%m-%dT%H:%M"))
    now_until = _publish(
        s,
        world,
        title="今天的通知",
        ends_at=(local - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    )
    a = login_as("owner_a")
    home = a.get("/").get_data(as_text=True)
    assert "今天的通知" in home and "电梯年检" not in home
    # Only the one showing now rang owners' bells; the scheduled one waits on their homes.
    told = db.session.scalars(
        select(Notification.target_id).where(Notification.kind == "announcement")
    )
    assert set(told) == {now_until}
    scheduled = s.get(f"/announcements?estate={world.estate.id}&state=scheduled")
    assert f'data-announcement="{later}"' in scheduled.get_data(as_text=True)
    clock.travel(timedelta(days=2, hours=1))
    # The sweep: the scheduled one has started, so it rings now, once; the ended one does not.
    sweep_records(clock.now())
    sweep_records(clock.now())  # a second sweep tells nobody twice
    told = db.session.scalars(
        select(Notification.target_id).where(
            Notification.kind == "announcement", Notification.user_id == world.owner_a.id
        )
    ).all()
    assert sorted(told) == sorted([now_until, later])
    a = login_as("owner_a")
    home = a.get("/").get_data(as_text=True)
    assert "电梯年检" in home and "今天的通知" not in home
    assert a.get(f"/my/announcements/{now_until}").status_code == 404
    ended = login_as("supervisor").get(f"/announcements?estate={world.estate.id}&state=ended")
    assert f'data-announcement="{now_until}"' in ended.get_data(as_text=True)


def test_a_buildings_notice_board_shows_its_announcements_without_an_account(login_as, world):
    s = login_as("supervisor")
    three = _three(world)
    one = world.unit_a.building_id
    everyone = _publish(s, world, title="全小区消杀")
    for_three = _publish(
        s,
        world,
        title="3栋停水",
        buildings=[three.id],
        photos=[(io.BytesIO(jpeg_bytes(color=(200, 20, 20))), "a.jpg")],
    )
    for_one = _publish(
        s,
        world,
        title="1栋外墙清洗",
        buildings=[one],
        photos=[(io.BytesIO(jpeg_bytes(color=(20, 200, 20))), "b.jpg")],
    )
    sheet = s.get(f"/announcements/boards?estate={world.estate.id}")
    assert 'id="issue-boards"' in sheet.get_data(as_text=True)
    assert s.post(f"/announcements/boards?estate={world.estate.id}").status_code == 303
    links = db.session.scalars(
        select(SignedLink).where(SignedLink.purpose == announcements.BOARD)
    ).all()
    assert {link.target_id for link in links} == {one, three.id}
    token = signedlinks.token_of(next(link for link in links if link.target_id == three.id))
    printed = s.get(f"/announcements/boards?estate={world.estate.id}").get_data(as_text=True)
    assert f"/b/{token}" in printed and 'id="issue-boards"' not in printed

    visitor = login_as("anonymous")
    board = visitor.get(f"/b/{token}")
    assert board.status_code == 200 and board.headers["Cache-Control"] == "no-store"
    text = board.get_data(as_text=True)
    assert "全小区消杀" in text and "3栋停水" in text and "1栋外墙清洗" not in text
    opened = visitor.get(f"/b/{token}/{for_three}")
    assert opened.status_code == 200
    photo_of = {
        link.owner_id: link.photo_id
        for link in db.session.scalars(
            select(PhotoLink).where(PhotoLink.owner_type == "announcement")
        )
    }
    assert f"/b/{token}/photos/{photo_of[for_three]}" in opened.get_data(as_text=True)
    assert visitor.get(f"/b/{token}/photos/{photo_of[for_three]}").status_code == 200
    # Another building's announcement and its photo are not on this board.
    assert visitor.get(f"/b/{token}/{for_one}").status_code == 404
    assert visitor.get(f"/b/{token}/photos/{photo_of[for_one]}").status_code == 404
    visitor.get(f"/b/{token}/{everyone}")
    visitor.get(f"/b/{token}/{everyone}")
    assert reload(db.session.get(Announcement, everyone)).public_views == 2
    detail = s.get(f"/announcements/{everyone}").get_data(as_text=True)
    assert re.search(r'data-figure="views"><span class="figure-value">2<', detail)
    gone = visitor.get("/b/1-forged")
    assert gone.status_code == 404 and "二维码已失效" in gone.get_data(as_text=True)
    # No way to the staff's home from there: the visitor has none.
    assert 'href="/"' not in gone.get_data(as_text=True).split("<main")[1]

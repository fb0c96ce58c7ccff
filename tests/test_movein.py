"""The move-in inspection (收楼验房) through HTTP: the checklist, an inspection with defects and
photos that reach engineering as work orders with their warranty, keys and documents handed
over, the owner's signature and the lock, re-inspection through the work order, the owner's
view, and the estate's progress figures against the lists they link to."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select, update

from tests.fixtures.app import reload
from tests.fixtures.photos import jpeg_bytes
from webapp import clock
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    Building,
    Key,
    MoveIn,
    MoveInItem,
    Notification,
    PhotoLink,
    Unit,
    User,
    WorkOrder,
)
from webapp.movein import services as movein

CHECKLIST = "客厅 | 墙面无裂缝 | 2\n卫生间 | 地面防水无渗漏 | 5\n入户门 | 门锁开关顺畅\n"


@pytest.fixture
def items(world):
    movein.set_checklist(world.supervisor, world.estate.id, CHECKLIST)
    db.session.commit()
    return movein.checklist(world.estate.id)


def _form(items, defects=(), photo=False, **extra):
    data = {"owner_name": "业主甲", "owner_phone": "139 0000 0001", **extra}
    for i, item in enumerate(items):
        data[f"outcome-{item.id}"] = "defect" if i in defects else "ok"
        if i in defects:
            data[f"note-{item.id}"] = f"问题{i}"
            if photo:
                data[f"photos-{item.id}"] = (io.BytesIO(jpeg_bytes(color=(i, 90, 90))), "d.jpg")
    return data


def _inspect(client, unit, data):
    return client.post(
        f"/movein/units/{unit.id}/inspect", data=data, content_type="multipart/form-data"
    )


def test_the_checklist_starts_from_a_suggested_list_and_keeps_records_as_they_were(login_as, world):
    c = login_as("supervisor")
    page = c.get(f"/movein/checklist?estate={world.estate.id}").get_data(as_text=True)
    assert 'id="defaults-note"' in page and "卫生间 | 地面防水无渗漏（闭水试验） | 5" in page
    bad = c.post(
        "/movein/checklist", data={"estate": world.estate.id, "checklist": "客厅 | 墙面 | 99"}
    )
    assert bad.status_code == 422 and "保修年数" in bad.get_data(as_text=True)
    saved = c.post("/movein/checklist", data={"estate": world.estate.id, "checklist": CHECKLIST})
    assert saved.status_code == 303
    items = movein.checklist(world.estate.id)
    assert [(i.room, i.text, i.warranty_years) for i in items] == [
        ("客厅", "墙面无裂缝", 2),
        ("卫生间", "地面防水无渗漏", 5),
        ("入户门", "门锁开关顺畅", 2),
    ]
    # A line given twice is refused; items stored twice before are put right by the next save.
    twice = c.post(
        "/movein/checklist",
        data={"estate": world.estate.id, "checklist": "玄关 | 鞋柜 | 2\n玄关 | 鞋柜 | 2"},
    )
    assert twice.status_code == 422 and "第 2 行与第 1 行重复" in twice.get_data(as_text=True)
    db.session.add(MoveInItem(estate_id=world.estate.id, room="客厅", text="墙面无裂缝"))
    db.session.commit()
    assert len(movein.checklist(world.estate.id)) == 4
    again = c.post("/movein/checklist", data={"estate": world.estate.id, "checklist": CHECKLIST})
    assert again.status_code == 303
    assert [(i.room, i.text) for i in movein.checklist(world.estate.id)] == [
        ("客厅", "墙面无裂缝"),
        ("卫生间", "地面防水无渗漏"),
        ("入户门", "门锁开关顺畅"),
    ]
    # Assistants inspect but do not change the checklist; another estate's is not theirs.
    assert login_as("assistant").get("/movein/checklist").status_code == 403
    other = c.post("/movein/checklist", data={"estate": world.other_estate.id, "checklist": "a|b"})
    assert other.status_code == 422


def test_an_inspection_sends_each_defect_to_engineering_and_the_owner_signs(login_as, world, items):
    key = Key(estate_id=world.estate.id, label="1栋101 空置房钥匙", unit_id=world.unit_a.id)
    db.session.add(key)
    db.session.commit()
    c = login_as("assistant")
    page = c.get(f"/movein/units/{world.unit_a.id}/inspect").get_data(as_text=True)
    # The owner on record is filled in; the register's key of the unit is offered.
    assert 'value="业主' in page and "1栋101 空置房钥匙" in page
    data = _form(
        items,
        defects=(0, 1),
        photo=True,
        keys_door=3,
        keys_mailbox=1,
        documents=["quality_guarantee", "user_manual"],
        register_keys=[key.id],
    )
    answer = _inspect(c, world.unit_a, data)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    move_in = db.session.scalar(select(MoveIn).where(MoveIn.unit_id == world.unit_a.id))
    assert move_in.status == "signing" and move_in.owner_phone == "+8613900000001"
    assert move_in.keys_handed == {"door": 3, "mailbox": 1}
    assert move_in.documents == ["quality_guarantee", "user_manual"]
    # Two defects, two work orders to engineering, each with the warranty and the photo.
    defects = [r for r in move_in.results if r.defect]
    assert [r.room for r in defects] == ["客厅", "卫生间"]
    orders = [db.session.get(WorkOrder, r.work_order_id) for r in defects]
    assert {o.department for o in orders} == {"engineering"}
    assert all(o.origin_type == "move_in" and o.origin_id == move_in.id for o in orders)
    today = clock.now().date()
    assert defects[1].warranty_until.year == today.year + 5
    assert f"保修期至 {defects[1].warranty_until.isoformat()}" in orders[1].description
    before = db.session.scalars(
        select(PhotoLink).where(PhotoLink.owner_type == "work_order", PhotoLink.purpose == "before")
    ).all()
    assert sorted(link.owner_id for link in before) == sorted(o.id for o in orders)
    # The register's key was handed to the owner: it leaves the register, audited.
    assert reload(key).active is False
    assert db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "key.handed_to_owner")
    )
    # A second inspection of the unit goes to the first one; one sent meanwhile is not saved,
    # and says so.
    again = c.get(f"/movein/units/{world.unit_a.id}/inspect")
    assert again.status_code == 303 and f"/movein/{move_in.id}" in again.headers["Location"]
    late = login_as("supervisor")
    sent = _inspect(late, world.unit_a, _form(items, owner_name="另一位"))
    assert sent.status_code == 303
    shown = late.get(sent.headers["Location"]).get_data(as_text=True)
    assert "本次提交没有保存" in shown and reload(move_in).owner_name == "业主甲"
    # The owner, on the assistant's phone: a name and the tick are needed.
    record = f"/movein/{move_in.id}"
    assert c.post(f"{record}/sign", data={"name": "业主甲"}).status_code == 422
    signed = c.post(f"{record}/sign", data={"name": "业主甲", "agree": "y"})
    assert signed.status_code == 303
    move_in = reload(move_in)
    assert move_in.signed and move_in.signed_name == "业主甲" and move_in.content_hash
    assert move_in.content_hash == movein.signoff.content_hash(movein.content(move_in))
    # Locked: signing again is refused.
    assert c.post(f"{record}/sign", data={"name": "别人", "agree": "y"}).status_code == 409
    html = c.get(record).get_data(as_text=True)
    assert 'id="signed"' in html and "业主甲" in html and 'action="' + record not in html


def test_the_owner_follows_their_defects_and_engineering_fixes_one(login_as, world, items):
    staff = login_as("assistant")
    assert _inspect(staff, world.unit_a, _form(items, defects=(0, 1))).status_code == 303
    move_in = db.session.scalar(select(MoveIn).where(MoveIn.unit_id == world.unit_a.id))
    first, second = (r for r in move_in.results if r.defect)
    # The owner signs on their own phone; their home says a record waits for them.
    owner = login_as("owner_a")
    record = f"/movein/{move_in.id}"
    home = owner.get("/").get_data(as_text=True)
    assert f'href="{record}"' in home and "待你签字" in home
    # Their bell told them too, leading to the record; signing settles it.
    [told] = db.session.scalars(
        select(Notification).where(
            Notification.kind == "movein_sign", Notification.user_id == world.owner_a.id
        )
    ).all()
    assert owner.get(f"/notifications/{told.id}").headers["Location"] == record
    db.session.execute(update(Notification).values(read_at=None))  # as if not opened yet
    db.session.commit()
    page = owner.get(record).get_data(as_text=True)
    assert "问题0" in page and "维修中" in page
    assert first.work_order.number not in page  # the work order is the department's business
    assert owner.post(f"{record}/sign", data={"name": "业主甲", "agree": "y"}).status_code == 303
    assert "遗留问题维修中：2 项" in owner.get("/").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Notification, told.id).read_at is not None
    # Another owner sees nothing of it.
    assert login_as("owner_b").get(record).status_code == 404
    # Engineering's reply (recorded by staff), then the re-inspection passes.
    order = first.work_order
    fixed = staff.post(
        f"/workorders/{order.id}/fix", data={"note": "已修补墙面", "version": order.version}
    )
    assert fixed.status_code == 303
    assert "已维修，待复查" in owner.get(record).get_data(as_text=True)
    passed = staff.post(
        f"/workorders/{order.id}/reinspect",
        data={"result": "pass", "version": reload(order).version, "note": "业主在场确认"},
    )
    assert passed.status_code == 303
    page = owner.get(record).get_data(as_text=True)
    assert "已修复" in page and "维修中" in page  # one fixed, one still open
    # The unit page shows the move-in and what is still open, to the owner and to staff.
    for client in (owner, staff):
        unit = client.get(f"/units/{world.unit_a.id}").get_data(as_text=True)
        assert move_in.number in unit and "遗留问题维修中：1 项" in unit
        # ... and in the unit's history, newest first: signed after it was inspected.
        history = unit[unit.index('id="history"') :]
        assert history.index("业主签字收楼 · 业主甲") < history.index(move_in.number)
    staff_history = staff.get(f"/units/{world.unit_a.id}").get_data(as_text=True)
    assert order.number in staff_history[staff_history.index('id="history"') :]
    # The work order links back to the move-in it came from.
    detail = staff.get(f"/workorders/{order.id}").get_data(as_text=True)
    assert f'href="/movein/{move_in.id}"' in detail and "收楼验房" in detail
    assert reload(second).work_order.status == "open"


def test_refusals_are_shown_beside_the_items(login_as, world, items):
    c = login_as("assistant")
    data = _form(items, defects=(1,))
    del data[f"outcome-{items[0].id}"]
    data[f"note-{items[1].id}"] = " "
    missing = _inspect(c, world.unit_b, data)
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert f'id="outcome-{items[0].id}-errors"' in html
    bad_phone = _inspect(c, world.unit_b, _form(items, owner_phone="12"))
    assert bad_phone.status_code == 422 and "电话号码不正确" in bad_phone.get_data(as_text=True)
    too_many = _inspect(c, world.unit_b, _form(items, keys_door=10**30))
    assert too_many.status_code == 422
    # A file that is no photo is refused beside its item, and the page says the chosen photos
    # must be chosen again.
    data = _form(items, defects=(0,))
    data[f"photos-{items[0].id}"] = (io.BytesIO(b"GIF89a not really"), "x.gif")
    not_a_photo = _inspect(c, world.unit_b, data)
    assert not_a_photo.status_code == 422
    html = not_a_photo.get_data(as_text=True)
    assert f'id="photos-{items[0].id}-errors"' in html and "已选的照片需要重新选择" in html
    assert db.session.scalar(select(MoveIn.id)) is None
    # Another estate's unit is not found; an estate without a checklist says so.
    other = login_as("assistant_other")
    assert other.get(f"/movein/units/{world.unit_a.id}/inspect").status_code == 404
    page = other.get(f"/movein/units/{world.other_unit.id}/inspect").get_data(as_text=True)
    assert 'id="no-checklist"' in page


def test_the_owner_who_received_an_unregistered_unit_joins_its_record(login_as, world, items):
    empty = db.session.scalars(
        select(Unit)
        .join(Building)
        .where(Building.estate_id == world.estate.id, ~Unit.ownerships.any())
        .order_by(Unit.id)
        .limit(2)
    ).all()
    c = login_as("assistant")
    answer = _inspect(c, empty[0], _form(items, owner_name="新业主", owner_phone="137 0000 1234"))
    assert answer.status_code == 303
    person = db.session.scalar(select(User).where(User.phone == "+8613700001234"))
    assert person.is_owner and person.display_name == "新业主"
    assert [(o.unit_id, o.relation) for o in person.ownerships] == [(empty[0].id, "owner")]
    assert "新业主" in c.get(f"/units/{empty[0].id}").get_data(as_text=True)
    # Someone already on the roll is linked, not made twice; a staff phone makes no owner.
    _inspect(c, empty[1], _form(items, owner_name="新业主", owner_phone="+8613700001234"))
    assert len(reload(person).ownerships) == 2
    assert db.session.scalar(select(func.count(User.id)).where(User.phone == person.phone)) == 1


def test_units_are_found_by_building_and_number(login_as, world, items):
    c = login_as("assistant")
    page = c.get(f"/movein/units?estate={world.estate.id}&state=pending&q=1").get_data(as_text=True)
    assert 'id="unit-buildings"' in page and "3栋" in page
    building = world.unit_b.building_id
    found = c.get(
        f"/movein/units?estate={world.estate.id}&state=pending&building={building}"
        f"&q={world.unit_b.number}"
    ).get_data(as_text=True)
    assert f'data-row="{world.unit_b.id}"' in found and _count(found) == 1


def _count(html: str) -> int:
    return len(re.findall(r'data-row="\d+"', html))


def test_progress_figures_equal_the_lists_they_link_to(login_as, world, items, count_queries):
    c = login_as("assistant")
    for unit, defects in ((world.unit_a, (0, 1)), (world.unit_b, (2,))):
        assert _inspect(c, unit, _form(items, defects=defects)).status_code == 303
    signed = db.session.scalar(select(MoveIn).where(MoveIn.unit_id == world.unit_a.id))
    assert c.post(f"/movein/{signed.id}/sign", data={"name": "甲", "agree": "y"}).status_code == 303
    order = next(r for r in signed.results if r.defect).work_order
    c.post(f"/workorders/{order.id}/fix", data={"note": "好了", "version": order.version})
    page = c.get(f"/movein?estate={world.estate.id}").get_data(as_text=True)
    figures = dict(
        re.findall(r'data-figure="([\w-]+)" href="([^"]+)"><span class="figure-value">', page)
    )
    values = dict(
        re.findall(r'data-figure="([\w-]+)"[^>]*><span class="figure-value">(\d+)<', page)
    )
    assert values["received"] == "1" and values["signing"] == "1"
    assert values["pending"] == str(3 * 2 + 12 * 2 - 2)
    assert values["open"] == "2" and values["fixed"] == "1" and values["closed"] == "0"
    assert values["age-day"] == "2"
    for name, url in figures.items():
        url = url.replace("&amp;", "&")
        total, after = 0, None
        while True:
            listed = c.get(url + (f"&after={after}" if after else "")).get_data(as_text=True)
            total += _count(listed)
            found = re.search(r'rel="next"[^>]*hx-get="[^"]*after=([^"&]+)', listed)
            if not found:
                break
            after = found.group(1)
        assert total == int(values[name]), name
    # By room: the open ones (the living room's is fixed, waiting for re-inspection).
    by_room = page[page.index('id="by-room"') :]
    assert re.findall(r">(\w+)</a> <span class=\"badge\">(\d+)<", by_room) == [
        ("入户门", "1"),
        ("卫生间", "1"),
    ]
    # A bounded number of statements, whatever the estate's size.
    with count_queries() as counter:
        c.get(f"/movein?estate={world.estate.id}")
    assert counter.count <= 12

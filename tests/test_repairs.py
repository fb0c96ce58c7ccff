"""A repair ticket (报修) sends a work order (维修单) through the department's group and link;
the owner follows it in public words, the re-inspection resolves it, the owner rates it."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.fixtures.app import reload
from tests.fixtures.messaging import ROBOT_CONFIG
from tests.fixtures.photos import jpeg_bytes
from tests.fixtures.tickets import take_ticket
from webapp import clock, outbox, signedlinks
from webapp.extensions import db
from webapp.models import Notification, Ticket, WorkOrder
from webapp.workorders import services as workorders


@pytest.fixture
def app_config():
    return dict(ROBOT_CONFIG)


@pytest.fixture
def repair(world):
    ticket, _code = take_ticket(
        world, kind="repair", category="engineering", description="卫生间天花板漏水"
    )
    ticket.owner_id = world.owner_a.id
    db.session.commit()
    return ticket


def _due(world, hours=24) -> str:
    zone = ZoneInfo(world.estate.timezone)
    return (clock.now() + timedelta(hours=hours)).astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def test_a_repair_goes_to_the_department_and_comes_back_to_the_owner(
    world, groups, robot, repair, login_as, client
):
    assistant = login_as("assistant")
    page = assistant.get(f"/tickets/{repair.id}").get_data(as_text=True)
    assert f'href="/workorders/new?ticket={repair.id}"' in page
    form = assistant.get(f"/workorders/new?ticket={repair.id}").get_data(as_text=True)
    assert "卫生间天花板漏水" in form and world.unit_a.label in form
    sent = assistant.post(
        f"/workorders/new?ticket={repair.id}",
        data={
            "department": "engineering",
            "location": world.unit_a.label,
            "description": "卫生间天花板漏水，疑似楼上防水层",
            "due": _due(world),
        },
    )
    assert sent.status_code == 303
    order = db.session.scalar(select(WorkOrder))
    assert order.origin_type == "ticket" and order.origin_id == repair.id
    assert sent.headers["Location"].endswith(f"/workorders/{order.id}")
    # The ticket shows its work order and how far it is.
    page = assistant.get(f"/tickets/{repair.id}").get_data(as_text=True)
    assert order.number in page and "待处理" in page
    # The department's group has it, with its link.
    outbox.drain()
    [message] = [r for r in robot.received if r.query.get("key") == "eng"]
    token = signedlinks.token_of(workorders.department_link(order))
    assert f"/d/{token}" in message.text
    # The owner sees 「已派工程部」 and is told.
    owner = login_as("owner_a")
    mine = owner.get(f"/my/tickets/{repair.id}").get_data(as_text=True)
    assert "已派工程部" in mine
    assert "防水层" not in mine  # the work order's own words stay internal
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == world.owner_a.id)
    ).all()
    assert kinds == ["ticket_progress"]
    # The department marks it fixed through its link.
    client.refresh_csrf(f"/d/{token}")
    fixed = client.post(
        f"/d/{token}/fix",
        data={"name": "李师傅", "note": "重做防水", "photos": (io.BytesIO(jpeg_bytes()), "a.jpg")},
        content_type="multipart/form-data",
    )
    assert fixed.status_code == 303
    mine = owner.get(f"/my/tickets/{repair.id}").get_data(as_text=True)
    assert "已修复，待复查" in mine and "重做防水" not in mine
    # The re-inspection passes: the ticket is resolved with a public answer.
    passed = assistant.post(
        f"/workorders/{order.id}/reinspect",
        data={"result": "pass", "version": reload(order).version},
    )
    assert passed.status_code == 303
    ticket = reload(repair)
    assert ticket.status == "resolved"
    mine = owner.get(f"/my/tickets/{repair.id}").get_data(as_text=True)
    assert "维修已完成，经复查合格。" in mine
    # The owner rates it: closed.
    version = int(re.search(r'name="version" value="(\d+)"', mine).group(1))
    rated = owner.post(
        f"/my/tickets/{repair.id}/visit", data={"rating": "satisfied", "version": version}
    )
    assert rated.status_code == 303
    assert reload(repair).status == "closed"


def test_english_owners_read_the_progress_in_english(world, groups, repair, login_as):
    order = workorders.dispatch_for_ticket(
        world.assistant,
        repair,
        department="engineering",
        location="1栋",
        description="漏水",
        due_at=clock.now() + timedelta(hours=4),
    )
    db.session.commit()
    workorders.reply_via_link(order, name="李师傅", note="ok")
    db.session.commit()
    owner = login_as("owner_a")
    owner.post("/locale", data={"locale": "en", "next": "/"})
    mine = owner.get(f"/my/tickets/{repair.id}").get_data(as_text=True)
    assert "Sent to Engineering" in mine and "Fixed, waiting for re-inspection" in mine


def test_a_repair_work_order_is_for_open_tickets_of_ones_own_estates(world, repair, login_as):
    other = login_as("assistant_other")
    assert other.get(f"/workorders/new?ticket={repair.id}").status_code == 404
    assistant = login_as("assistant")
    assert assistant.get("/workorders/new").status_code == 404
    assert assistant.get("/workorders/new?ticket=99999999999").status_code == 404
    refused = assistant.post(
        f"/workorders/new?ticket={repair.id}",
        data={"department": "engineering", "description": "x", "due": "2020-01-01T00:00"},
    )
    assert refused.status_code == 422
    repair.status = "closed"
    db.session.commit()
    assert assistant.get(f"/workorders/new?ticket={repair.id}").status_code == 409


def test_the_owners_photos_go_to_the_department_as_before_photos(world, groups, login_as, client):
    owner = login_as("owner_a")
    reported = owner.post(
        "/my/tickets/new",
        data={
            "unit": world.unit_a.id,
            "kind": "repair",
            "category": "engineering",
            "description": "阳台地漏堵塞",
            "photos": (io.BytesIO(jpeg_bytes(color=(10, 20, 200))), "drain.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert reported.status_code == 303
    ticket = db.session.scalars(select(Ticket)).one()
    sent = login_as("supervisor").post(
        f"/workorders/new?ticket={ticket.id}",
        data={"department": "engineering", "description": "阳台地漏堵塞", "due": _due(world)},
    )
    assert sent.status_code == 303
    order = db.session.scalar(select(WorkOrder))
    token = signedlinks.token_of(workorders.department_link(order))
    page = client.get(f"/d/{token}").get_data(as_text=True)
    [photo_url] = re.findall(rf'href="(/d/{re.escape(token)}/photos/\d+)"', page)
    assert client.get(photo_url).status_code == 200

"""The bell: unread notifications on every signed-in page, polled cheaply; owners get theirs."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.fixtures.tickets import take_ticket
from webapp import escalation
from webapp.extensions import db
from webapp.models import Notification


def _count(html: str) -> int:
    found = re.search(r'<span class="bell-count">(\d+)</span>', html)
    return int(found.group(1)) if found else 0


def test_every_signed_in_page_has_the_bell_and_polling_it_is_conditional(
    login_as, world, count_queries
):
    manager = login_as("manager")
    for page in ("/", "/workorders", "/account", "/tickets"):
        html = manager.get(page).get_data(as_text=True)
        assert 'id="bell"' in html and 'hx-get="/notifications/bell"' in html
    assert _count(manager.get("/").get_data(as_text=True)) == 0
    first = manager.get("/notifications/bell")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "private, no-cache"
    etag = first.headers["ETag"]
    with count_queries() as counted:
        same = manager.get("/notifications/bell", headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.get_data() == b""
    # The session, the person, and one statement for the bell.
    assert sum("notification" in s for s in counted.statements) == 1
    escalation.notify(
        [world.manager],
        kind="major",
        key="t:1",
        target_type="ticket",
        target_id=1,
        estate_id=world.estate.id,
        title="重大投诉",
    )
    db.session.commit()
    changed = manager.get("/notifications/bell", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert _count(changed.get_data(as_text=True)) == 1
    # Compressed on the way out, as a phone asks for it: still answered 304 when unchanged.
    zipped = {"Accept-Encoding": "zstd, br, gzip"}
    first = manager.get("/notifications/bell", headers=zipped)
    again = manager.get(
        "/notifications/bell", headers={**zipped, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert _count(manager.get("/workorders").get_data(as_text=True)) == 1


def test_an_owner_hears_of_a_reply_to_their_ticket(login_as, world):
    ticket, _code = take_ticket(world, description="楼道灯坏了")
    ticket.owner_id = world.owner_a.id
    db.session.commit()
    staff = login_as("assistant")
    staff.post(f"/tickets/{ticket.id}/entries", data={"kind": "note", "body": "内部备注"})
    owner = login_as("owner_a")
    assert _count(owner.get("/").get_data(as_text=True)) == 0  # internal notes are not news
    staff.post(f"/tickets/{ticket.id}/entries", data={"kind": "reply", "body": "明天上午维修"})
    html = owner.get("/").get_data(as_text=True)
    assert _count(html) == 1
    listing = owner.get("/notifications").get_data(as_text=True)
    assert "物业回复了你的报修" in listing and ticket.number in listing
    [note] = db.session.scalars(
        select(Notification).where(Notification.user_id == world.owner_a.id)
    ).all()
    opened = owner.get(f"/notifications/{note.id}")
    assert opened.status_code == 303 and opened.headers["Location"].endswith(
        f"/my/tickets/{ticket.id}"
    )
    assert _count(owner.get("/").get_data(as_text=True)) == 0
    # Another owner hears nothing, and cannot open it.
    other = login_as("owner_b")
    assert _count(other.get("/").get_data(as_text=True)) == 0
    assert other.get(f"/notifications/{note.id}").status_code == 404


def test_an_owner_hears_of_a_notice_issued_to_their_unit(login_as, world, decoration):
    notice = decoration.draft
    supervisor = login_as("supervisor")
    r = supervisor.post(f"/decoration/notices/{notice.id}/issue", data={"version": notice.version})
    assert r.status_code == 303
    owner = login_as("owner_a")
    told = db.session.scalars(
        select(Notification).where(Notification.user_id == world.owner_a.id)
    ).all()
    assert [n.kind for n in told] == ["notice_issued"] * len(told) and told
    listing = owner.get("/notifications").get_data(as_text=True)
    assert "装修整改通知" in listing
    opened = owner.get(f"/notifications/{told[-1].id}")
    assert opened.headers["Location"].endswith(f"/decoration/notices/{notice.id}")

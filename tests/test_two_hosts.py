"""Two app instances behind one load balancer: one database, one Redis and one S3 bucket, each
with a local disk of its own. Whatever a person did on one is there on the other: their
session, their photos, the count of wrong passwords, and a replayed form."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from tests.fixtures.app import TEST_CONFIG
from tests.fixtures.photos import jpeg_bytes, s3_config
from tests.fixtures.tickets import take_ticket
from tests.live import Browser, gunicorn
from tests.test_throttle import REDIS_URL
from webapp.extensions import db
from webapp.models import TicketEntry

PHOTO = re.compile(r'(/photos/\d+)(?:/thumb)?"')


@pytest.fixture
def two_hosts(app, world, tmp_path, s3_endpoint):
    shared = {
        "SECRET_KEY": TEST_CONFIG["SECRET_KEY"],
        "PASSWORD_HASH_PROFILE": "fast",
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": f"two-hosts-{uuid.uuid4().hex[:12]}",
        **s3_config(s3_endpoint),
    }
    one_dir, other_dir = tmp_path / "one", tmp_path / "other"
    one_dir.mkdir()
    other_dir.mkdir()
    with (
        gunicorn({**shared, "UPLOAD_DIR": str(one_dir / "uploads")}, one_dir, workers=1) as one,
        gunicorn(
            {**shared, "UPLOAD_DIR": str(other_dir / "uploads")}, other_dir, workers=1
        ) as other,
    ):
        yield one[0], other[0], (one_dir / "uploads", other_dir / "uploads")


def _same_person(browser: Browser, base: str) -> Browser:
    """The same phone, sent to the other host by the load balancer."""
    moved = Browser(base)
    moved.cookies = browser.cookies  # one jar: what either host sets, the phone keeps
    moved.csrf = browser.csrf  # and the page it was on
    return moved


def test_a_session_started_on_one_host_holds_and_ends_on_the_other(two_hosts, world):
    one, other, _ = two_hosts
    phone = Browser(one)
    assert phone.login("supervisor") == 303
    there = _same_person(phone, other)
    status, _, page = there.get("/account")
    assert status == 200 and "supervisor" in page
    assert there.post("/logout", {})[0] == 303
    assert phone.get("/account")[0] == 302  # signed out everywhere, not only on that host


def test_a_photo_uploaded_on_one_host_is_served_by_the_other(two_hosts, world):
    one, other, disks = two_hosts
    ticket, _ = take_ticket(world)
    db.session.commit()
    phone = Browser(one)
    assert phone.login("assistant") == 303
    picture = jpeg_bytes(color=(10, 160, 90))
    status, headers, _ = phone.post_multipart(
        f"/tickets/{ticket.id}/entries",
        {"kind": "reply", "body": "已上门查看"},
        {"photos": ("site.jpg", picture)},
    )
    assert status == 303, headers
    there = _same_person(phone, other)
    _, _, page = there.get(f"/tickets/{ticket.id}")
    photo = PHOTO.search(page).group(1)
    status, headers, body = there.request("GET", photo)
    assert status == 200 and headers["Content-Type"] == "image/jpeg" and body
    # Neither host kept it on its own disk: both read the bucket.
    assert not [p for d in disks if d.exists() for p in d.rglob("*") if p.is_file()]
    # Someone who may not see the ticket gets nothing from either host.
    owner = Browser(other)
    assert owner.login(world.owner_b.username) == 303
    assert owner.request("GET", photo)[0] == 404


def test_wrong_passwords_are_counted_once_across_both_hosts(two_hosts, world):
    one, other, _ = two_hosts
    attempts = []
    for i in range(6):
        browser = Browser(one if i % 2 == 0 else other)
        browser.get("/login")
        attempts.append(
            browser.post("/login", {"username": "manager", "password": f"no-{i}-xx"})[0]
        )
    assert attempts == [422] * 5 + [429]
    assert Browser(one).login("manager") == 429
    assert Browser(other).login("manager") == 429
    assert Browser(other).login("supervisor") == 303


def test_a_form_replayed_to_the_other_host_is_done_once(two_hosts, world):
    one, other, _ = two_hosts
    ticket, _ = take_ticket(world)
    db.session.commit()
    phone = Browser(one)
    assert phone.login("assistant") == 303
    key = {"Idempotency-Key": uuid.uuid4().hex}
    note = {"kind": "note", "body": "业主不在家，明天再去"}
    first = phone.post(f"/tickets/{ticket.id}/entries", note, headers=key)
    # The answer was lost on a bad network; the phone's queue sends it again, to the other host.
    again = _same_person(phone, other).post(f"/tickets/{ticket.id}/entries", note, headers=key)
    assert first[0] == again[0] == 303
    assert again[1]["Location"] == first[1]["Location"]
    db.session.rollback()  # a new transaction: see what the hosts wrote
    notes = db.session.scalar(
        select(func.count())
        .select_from(TicketEntry)
        .where(TicketEntry.ticket_id == ticket.id, TicketEntry.kind == "note")
    )
    assert notes == 1

"""Concurrency without false conflicts, over a real socket with parallel requests
(RELIABILITY.md: 20 parallel notes → 20 saved; 20 parallel copies of a keyed POST → 1 record and
20 identical answers). Meant for PostgreSQL, where the races are real; on SQLite writers queue,
and the same answers must come out."""

from __future__ import annotations

import io
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from tests.fixtures.photos import jpeg_bytes
from tests.fixtures.tickets import take_ticket
from tests.live import Browser, serve
from webapp.extensions import db
from webapp.models import Photo, PhotoLink, TicketEntry
from webapp.photos.services import original_key, storage, thumb_key

PARALLEL = 20


def _ticket(world) -> int:
    ticket, _code = take_ticket(world)
    db.session.commit()
    return ticket.id


def _entries(ticket_id: int, kind: str = "note") -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count(TicketEntry.id)).where(
            TicketEntry.ticket_id == ticket_id, TicketEntry.kind == kind
        )
    )


def _browsers(base: str, who: list[str]) -> list[Browser]:
    browsers = []
    for username in who:
        browser = Browser(base)
        assert browser.login(username) == 303
        browsers.append(browser)
    return browsers


def test_parallel_notes_on_one_ticket_are_all_saved(app, world):
    ticket_id = _ticket(world)
    with serve(app) as base:
        people = _browsers(base, ["assistant", "supervisor", "manager", "assistant"])

        def note(i: int):
            return people[i % len(people)].post(
                f"/tickets/{ticket_id}/entries", {"kind": "note", "body": f"并发备注 {i}"}
            )[0]

        with ThreadPoolExecutor(PARALLEL) as pool:
            statuses = list(pool.map(note, range(PARALLEL)))
    assert statuses == [303] * PARALLEL, statuses
    assert _entries(ticket_id) == PARALLEL


def test_parallel_copies_of_one_keyed_post_make_one_record_and_one_answer(app, world):
    ticket_id = _ticket(world)
    key = uuid.uuid4().hex
    with serve(app) as base:
        (phone,) = _browsers(base, ["assistant"])

        def copy(_i: int):
            status, headers, _body = phone.post(
                f"/tickets/{ticket_id}/entries",
                {"kind": "note", "body": "排队里的同一条备注"},
                headers={"Idempotency-Key": key},
            )
            return status, headers.get("Location")

        with ThreadPoolExecutor(PARALLEL) as pool:
            answers = list(pool.map(copy, range(PARALLEL)))
    assert len(set(answers)) == 1, answers
    assert answers[0][0] == 303 and answers[0][1].endswith(f"/tickets/{ticket_id}#timeline")
    assert _entries(ticket_id) == 1


def test_the_same_photo_uploaded_twice_at_once_is_one_photo(app, world):
    ticket_id = _ticket(world)
    picture = jpeg_bytes(1200, 900, color=(30, 140, 200))
    with serve(app) as base:
        people = _browsers(base, ["assistant", "supervisor"])

        def upload(i: int):
            browser = people[i % 2]
            return browser.post_multipart(
                f"/tickets/{ticket_id}/entries",
                {"kind": "note", "body": f"同一张照片 {i}"},
                {"photos": ("photo.jpg", io.BytesIO(picture).getvalue())},
            )[0]

        with ThreadPoolExecutor(6) as pool:
            statuses = list(pool.map(upload, range(6)))
    assert statuses == [303] * 6, statuses
    db.session.rollback()
    assert db.session.scalar(select(func.count(Photo.id))) == 1
    photo = db.session.scalar(select(Photo))
    assert storage().exists(original_key(photo.sha256))  # no copy's rollback took its file
    assert storage().exists(thumb_key(photo.sha256))
    links = db.session.scalar(
        select(func.count(PhotoLink.id)).where(PhotoLink.owner_type == "ticket_entry")
    )
    assert links == 6

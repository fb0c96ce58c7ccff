"""Idempotent replays through HTTP: a change sent twice with one key happens once and answers
the same; the same key with another payload is refused; refusals are not remembered; keys are
per person; requests without a key behave as before."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.fixtures.decoration import make_permit, make_rules
from tests.fixtures.photos import jpeg_bytes
from webapp import clock
from webapp.decoration import services as decoration
from webapp.extensions import db
from webapp.models import DecorationInspection, IdempotencyKey, ItemResult, PhotoLink

KEY = "a1b2c3d4-0000-4000-8000-000000000001"


@pytest.fixture
def site(world):
    make_rules(world.estate)
    return make_permit(world)


def _answers(rules, photo_color=(9, 40, 40)):
    data = {f"outcome-{rule.id}": "ok" for rule in rules}
    data[f"outcome-{rules[0].id}"] = "violation"
    data[f"note-{rules[0].id}"] = "楼道堆放装修垃圾"
    data[f"photos-{rules[0].id}"] = (io.BytesIO(jpeg_bytes(color=photo_color)), "v.jpg")
    return data


def _inspect(client, permit, rules, key=KEY, **kwargs):
    return client.post(
        f"/decoration/permits/{permit.id}/inspect",
        data=_answers(rules, **kwargs),
        content_type="multipart/form-data",
        headers={"Idempotency-Key": key} if key else {},
    )


def _inspections() -> int:
    return db.session.scalar(select(func.count(DecorationInspection.id)))


def test_a_lost_response_replayed_creates_nothing_more(login_as, world, site):
    rules = decoration.rules(world.estate.id, "daily")
    c = login_as("assistant")
    first = _inspect(c, site, rules)
    assert first.status_code == 303 and _inspections() == 1
    again = _inspect(c, site, rules)  # the phone never heard the first answer
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _inspections() == 1
    row = db.session.scalars(select(IdempotencyKey)).one()
    assert (row.status, row.path) == (303, f"/decoration/permits/{site.id}/inspect")


def test_the_same_key_with_another_payload_is_refused(login_as, world, site):
    rules = decoration.rules(world.estate.id, "daily")
    c = login_as("assistant")
    assert _inspect(c, site, rules).status_code == 303
    other = _inspect(c, site, rules, photo_color=(200, 0, 0))  # another photo, same key
    assert other.status_code == 422 and _inspections() == 1


def test_a_refusal_is_not_remembered(login_as, world, site):
    rules = decoration.rules(world.estate.id, "daily")
    c = login_as("assistant")
    url = f"/decoration/permits/{site.id}/inspect"
    incomplete = c.post(
        url, data={f"outcome-{rules[0].id}": "ok"}, headers={"Idempotency-Key": KEY}
    )
    assert incomplete.status_code == 422
    assert db.session.scalar(select(func.count(IdempotencyKey.id))) == 0
    assert _inspect(c, site, rules).status_code == 303 and _inspections() == 1


def test_keys_are_per_person_and_optional(login_as, world, site):
    rules = decoration.rules(world.estate.id, "daily")
    assert _inspect(login_as("assistant"), site, rules).status_code == 303
    assert (
        _inspect(login_as("supervisor"), site, rules).status_code == 303
    )  # same key, other person
    c = login_as("assistant")
    assert _inspect(c, site, rules, key=None).status_code == 303
    assert _inspect(c, site, rules, key=None).status_code == 303
    assert _inspections() == 4  # without a key, every post is a new inspection
    assert c.post("/tickets/new", headers={"Idempotency-Key": "bad key!"}).status_code == 400


def test_patrol_taps_and_photos_replay(login_as, world, patrol):
    c = login_as("assistant")
    round_ = patrol.round_open
    url = f"/patrols/rounds/{round_.id}/items/{patrol.item.id}"
    tap = {"outcome": "issue"}
    headers = {"Idempotency-Key": "tap-0000000001", "HX-Request": "true"}
    assert c.post(url, data=tap, headers=headers).status_code == 200
    replay = c.post(url, data=tap, headers=headers)
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    photo_url = f"{url}/photos"
    data = {"photos": (io.BytesIO(jpeg_bytes(color=(1, 2, 3))), "p.jpg")}
    headers = {"Idempotency-Key": "photo-000000001"}
    r = c.post(photo_url, data=data, content_type="multipart/form-data", headers=headers)
    assert r.status_code in (200, 303)
    data = {"photos": (io.BytesIO(jpeg_bytes(color=(1, 2, 3))), "p.jpg")}
    r = c.post(photo_url, data=data, content_type="multipart/form-data", headers=headers)
    assert r.headers["Idempotent-Replayed"] == "true"
    result = db.session.scalar(
        select(ItemResult).where(
            ItemResult.round_id == round_.id, ItemResult.item_id == patrol.item.id
        )
    )
    assert result.outcome == "issue"
    links = db.session.scalar(
        select(func.count(PhotoLink.id)).where(PhotoLink.owner_id == result.id)
    )
    assert links == 2  # the fixture's photo and this one, not a third


def test_a_stale_csrf_token_is_marked_for_the_queue(login_as, world, patrol):
    c = login_as("assistant")
    url = f"/patrols/rounds/{patrol.round_open.id}/items/{patrol.item.id}"
    r = c.post(url, data={"outcome": "ok", "csrf_token": "stale"}, csrf=False)
    assert r.status_code == 400 and r.headers["X-CSRF-Failed"] == "1"
    token = c.get("/session/csrf").get_json()["token"]
    r = c.post(url, data={"outcome": "ok", "csrf_token": token}, csrf=False)
    assert r.status_code in (200, 303)


def test_old_keys_are_swept(app, login_as, world, site):
    rules = decoration.rules(world.estate.id, "daily")
    _inspect(login_as("assistant"), site, rules)
    clock.travel(timedelta(days=15))
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0
    assert db.session.scalar(select(func.count(IdempotencyKey.id))) == 0


def test_a_refusal_by_the_service_is_not_remembered(login_as, world, patrol):
    c = login_as("assistant")
    round_ = patrol.round_done  # finished: the service refuses any further answer
    url = f"/patrols/rounds/{round_.id}/items/{patrol.item.id}"
    headers = {"Idempotency-Key": "late-tap-000001", "HX-Request": "true"}
    r = c.post(url, data={"outcome": "issue"}, headers=headers)
    assert r.status_code == 409 and "已经结束" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count(IdempotencyKey.id))) == 0

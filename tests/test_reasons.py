"""A refused request says why in a header, for the offline queue: the reason shown on the page,
never read back out of its HTML."""

from __future__ import annotations

from urllib.parse import unquote

from tests.fixtures.tickets import take_ticket
from webapp.extensions import db
from webapp.web import REASON_HEADER


def _reason(response) -> str:
    return unquote(response.headers.get(REASON_HEADER, ""))


def test_a_refused_tap_says_why(login_as, patrol):
    client = login_as("assistant")
    url = f"/patrols/rounds/{patrol.round_done.id}/items/{patrol.item.id}"
    finished = client.htmx(
        "post", url, data={"outcome": "ok"}, headers={"Idempotency-Key": "tap-key-0001"}
    )
    assert finished.status_code == 409
    assert _reason(finished) == "这一轮巡查已经结束，不能再修改。"
    running = f"/patrols/rounds/{patrol.round_open.id}/items/{patrol.item.id}"
    bad = client.htmx(
        "post", running, data={"outcome": "maybe"}, headers={"Idempotency-Key": "tap-key-0002"}
    )
    assert bad.status_code == 422
    assert "请选择正常、异常或不适用。" in _reason(bad)


def test_an_error_page_says_why_and_gives_its_number(login_as):
    client = login_as("assistant")
    missing = client.get("/tickets/999999")
    assert missing.status_code == 404
    assert _reason(missing) == "页面不存在，或你没有查看它的权限。"


def test_answers_that_succeed_carry_no_reason(login_as, patrol):
    client = login_as("assistant")
    url = f"/patrols/rounds/{patrol.round_open.id}/items/{patrol.item.id}"
    ok = client.htmx("post", url, data={"outcome": "ok"})
    assert ok.status_code == 200
    assert REASON_HEADER not in ok.headers


def test_the_reason_is_in_the_persons_language(login_as, patrol, world):
    world.assistant.locale = "en"
    client = login_as("assistant")
    url = f"/patrols/rounds/{patrol.round_done.id}/items/{patrol.item.id}"
    refused = client.htmx("post", url, data={"outcome": "ok"})
    assert refused.status_code == 409
    assert _reason(refused) and not any("\u4e00" <= ch <= "\u9fff" for ch in _reason(refused))


def test_reloading_a_refused_forms_address_goes_back_to_its_record(login_as, world):
    """A 422 answer stays at the POST address; a reload (GET) there returns to the record."""
    ticket, _code = take_ticket(world)
    db.session.commit()
    client = login_as("assistant")
    back = client.get(f"/tickets/{ticket.id}/act")
    assert back.status_code == 303 and back.headers["Location"].endswith(f"/tickets/{ticket.id}")
    entries = client.get(f"/tickets/{ticket.id}/entries")
    assert entries.status_code == 303

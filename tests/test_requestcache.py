"""The per-request store, and what request-level savings must not change."""

from __future__ import annotations

from datetime import timedelta

from webapp import clock, requestcache


def test_an_answer_is_kept_for_one_request_only(app):
    calls: list[int] = []

    def find() -> int:
        calls.append(1)
        return len(calls)

    with app.test_request_context("/login"):
        app.preprocess_request()
        assert requestcache.once("n", find) == 1
        assert requestcache.once("n", find) == 1  # found once in this request
        requestcache.per_request("d")["k"] = "v"
        assert requestcache.per_request("d") == {"k": "v"}
    # Outside a request nothing is kept.
    assert requestcache.once("n", find) == 2
    assert requestcache.once("n", find) == 3
    assert requestcache.per_request("d") == {}
    with app.test_request_context("/login"):
        app.preprocess_request()
        assert requestcache.once("n", find) == 4  # a new request asks again
        assert requestcache.per_request("d") == {}


def test_each_request_speaks_its_own_language(client, world):
    client.login(world.assistant)
    assert 'lang="zh-CN"' in client.get("/").get_data(as_text=True)
    client.post("/locale", data={"locale": "en", "next": "/"})
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    client.post("/locale", data={"locale": "zh_CN", "next": "/"})
    assert 'lang="zh-CN"' in client.get("/").get_data(as_text=True)


def _sets_cookie(response) -> bool:
    return any(
        value.startswith("propdesk_session=") for value in response.headers.getlist("Set-Cookie")
    )


def test_the_session_cookie_is_renewed_once_a_minute(client, app, world):
    client.login(world.assistant)
    client.get("/")
    assert not _sets_cookie(client.get("/"))  # nothing new to sign
    clock.travel(timedelta(seconds=61))
    assert _sets_cookie(client.get("/"))  # the idle timer moves on
    assert not _sets_cookie(client.get("/"))

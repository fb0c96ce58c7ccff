"""Operations: the health endpoint, the request id in answers, logs and the audit trail, and
plain or JSON log lines."""

from __future__ import annotations

import gzip
import http.server
import io
import json
import logging
import secrets
import threading

import brotli
import pytest
import sentry_sdk
from sqlalchemy import select

from tests.fixtures.app import make_app
from webapp.access import PUBLIC, allow
from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.ops.logs import REQUEST_ID


@pytest.fixture
def log_lines():
    """What PropDesk's log handler writes, captured."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "propdesk", False))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield lambda: stream.getvalue().splitlines()
    handler.setStream(previous)


def test_health_answers_ok_without_a_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "storage": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_health_names_the_part_that_fails(database, tmp_path, log_lines):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the photos folder should be")
    broken = make_app(database, tmp_path, UPLOAD_DIR=str(blocker / "uploads"))
    response = broken.test_client().get("/healthz", headers={REQUEST_ID: "lb-probe-0001"})
    assert response.status_code == 503
    assert response.get_json() == {"status": "failing", "database": "ok", "storage": "failing"}
    said = [line for line in log_lines() if "photo storage does not answer" in line]
    assert said and "[lb-probe-0001]" in said[0]


def test_health_fails_when_the_database_does_not_answer(database, tmp_path):
    gone = make_app(
        database,
        tmp_path,
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1",
        SQLALCHEMY_ENGINE_OPTIONS={},
    )
    response = gone.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "failing"


def test_every_answer_carries_a_request_id(client):
    first = client.get("/login").headers[REQUEST_ID]
    second = client.get("/login").headers[REQUEST_ID]
    assert len(first) == 16 and first != second


def test_a_proxys_request_id_is_kept_when_well_formed(client):
    kept = client.get("/login", headers={REQUEST_ID: "nginx-7f3a9c01"})
    assert kept.headers[REQUEST_ID] == "nginx-7f3a9c01"
    for hostile in ("short", "x" * 80, "a b c d e f g h", "<script>alert(1)</script>"):
        replaced = client.get("/login", headers={REQUEST_ID: hostile})
        assert replaced.headers[REQUEST_ID] != hostile


def test_the_request_id_is_in_the_audit_trail(login_as, world):
    client = login_as("manager")
    response = client.post(
        f"/admin/estates/{world.estate.id}/buildings",
        data={"name": "9栋"},
        headers={REQUEST_ID: "trace-audit-0001"},
    )
    assert response.status_code in (200, 303)
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.request_id == "trace-audit-0001"


def test_json_logs_are_one_object_per_line(database, tmp_path, log_lines):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    app = make_app(database, tmp_path, LOG_FORMAT="json", UPLOAD_DIR=str(blocker / "u"))
    try:
        app.test_client().get("/healthz", headers={REQUEST_ID: "json-line-0001"})
    finally:
        make_app(database, tmp_path)  # text again for the tests that follow
    records = [json.loads(line) for line in log_lines() if line.startswith("{")]
    failing = [r for r in records if "photo storage" in r["message"]]
    assert failing and failing[0]["request_id"] == "json-line-0001"
    assert failing[0]["level"] == "ERROR" and "time" in failing[0]


def test_an_unknown_log_format_is_refused(database, tmp_path):
    with pytest.raises(RuntimeError, match="LOG_FORMAT"):
        make_app(database, tmp_path, LOG_FORMAT="xml")


class _Collector(http.server.BaseHTTPRequestHandler):
    """Stands in for the error tracker (outside our control): keeps what is posted to it."""

    received: list = []

    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            body = brotli.decompress(body)
        _Collector.received.append(body.decode(errors="replace"))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def tracker():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Collector.received = []
    yield f"http://public-key@127.0.0.1:{server.server_port}/42"
    # No DSN: the process-wide client is off again (and turns on no integration of its own).
    sentry_sdk.init(default_integrations=False, auto_enabling_integrations=False)
    server.shutdown()


def test_an_unexpected_error_reaches_the_tracker_with_its_id_and_no_personal_data(
    database, tmp_path, tracker
):
    app = make_app(database, tmp_path, SENTRY_DSN=tracker)

    @allow(PUBLIC)
    def broken():
        raise RuntimeError("the sweep table is gone")

    app.add_url_rule("/broken-for-the-test", "broken", broken)
    client = app.test_client()
    cookie = secrets.token_hex(12)  # made at run time: not in the source lines the event quotes
    client.set_cookie("session", cookie)
    response = client.get("/broken-for-the-test", headers={REQUEST_ID: "err-track-0001"})
    assert response.status_code == 500 and "err-track-0001" in response.get_data(as_text=True)
    sentry_sdk.flush(timeout=5)
    sent = "\n".join(_Collector.received)
    assert "RuntimeError" in sent and "the sweep table is gone" in sent
    assert "err-track-0001" in sent  # the id the person was shown
    assert cookie not in sent


def test_without_a_dsn_nothing_is_sent(client, tracker):
    assert client.get("/healthz").status_code == 200
    sentry_sdk.flush(timeout=1)
    assert _Collector.received == []

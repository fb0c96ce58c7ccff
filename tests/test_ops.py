"""Operations: the health endpoint, the request id in answers, logs and the audit trail, and
plain or JSON log lines."""

from __future__ import annotations

import io
import json
import logging

import pytest
from sqlalchemy import select

from tests.fixtures.app import make_app
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

"""Idempotent replays, once for every form: a POST that carries an `Idempotency-Key` header
(the offline queue sends one with every item) is remembered in the same transaction as the change
it made. Sending it again — a lost response, a double tap, a retry after the signal came back —
answers with the first result and changes nothing; the same key with a different payload is
refused (422). Requests without the header are untouched, so forms work as before without JS.
"""

from __future__ import annotations

import hashlib
import re
import time
import zlib
from datetime import timedelta

from flask import Flask, Response, g, has_request_context, make_response, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, event, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp import clock
from webapp.extensions import db
from webapp.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_FORMAT = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
KEEP = timedelta(days=14)
# How long a copy waits for the first copy's answer to be written down (it is, right after the
# first copy's commit; only a worker killed in between leaves it unwritten).
SETTLE_WAIT = 10.0


def fingerprint() -> str:
    """What this request asks for: method, path, fields (not the CSRF token) and file contents."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    for name in sorted(request.form):
        if name == "csrf_token":
            continue
        for value in request.form.getlist(name):
            digest.update(f"{name}={value}\n".encode())
    for name in sorted(request.files):
        for upload in request.files.getlist(name):
            data = upload.stream.read()
            upload.stream.seek(0)
            digest.update(f"{name}:{hashlib.sha256(data).hexdigest()}\n".encode())
    return digest.hexdigest()


def _replayed(row: IdempotencyKey) -> Response:
    """The first answer again (its status and where it led), marked as a replay."""
    status = row.status or 200  # committed, but the answer was never written: it did happen
    response = make_response("", status)
    if row.location and 300 <= status < 400:
        response.headers["Location"] = row.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def check() -> Response | None:
    """before_request (after access and CSRF): answer a replay, refuse a reused key."""
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None or not current_user.is_authenticated:
        return None
    if not KEY_FORMAT.match(key):
        return make_response(_("无效的请求标识。"), 400)
    mark = fingerprint()
    _one_copy_at_a_time(current_user.id, key)
    row = _stored(key)
    if row is not None:
        if row.fingerprint != mark:
            return make_response(_("这个请求标识已用于另一项内容，未保存。"), 422)
        return _replayed(_settled(row, key))
    g.idempotency = {"key": key, "fingerprint": mark, "stored": False, "wrote": False}
    return None


def _stored(key: str) -> IdempotencyKey | None:
    return db.session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == current_user.id, IdempotencyKey.key == key
        )
    )


def _one_copy_at_a_time(user_id: int, key: str) -> None:
    """Copies of one keyed request wait for each other here, so that a copy never races the
    first through the service (a false 409, a second record): it finds the first's key instead.

    PostgreSQL: a transaction-scoped advisory lock on (user, key), held until the first copy
    commits. SQLite: a POST's transaction already begins with BEGIN IMMEDIATE (webapp.db), so
    writers queue one after another anyway.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:user_id, :key)"),
            {"user_id": user_id, "key": zlib.crc32(key.encode()) - 2**31},
        )


def _settled(row: IdempotencyKey, key: str) -> IdempotencyKey:
    """The first copy's row once its answer is written down (just after its commit)."""
    deadline = time.monotonic() + SETTLE_WAIT
    while row.status is None and time.monotonic() < deadline:
        db.session.rollback()
        time.sleep(0.02)
        row = _stored(key) or row
    return row


def _pending() -> dict | None:
    return g.get("idempotency") if has_request_context() else None


def _wrote(session, _flush_context) -> None:
    """after_flush: this request changed something (services flush before the commit)."""
    pending = _pending()
    if pending:
        pending["wrote"] = True


def _rolled_back(_session) -> None:
    """after_rollback: a refused change left nothing to remember."""
    pending = _pending()
    if pending and not pending["stored"]:
        pending["wrote"] = False


def _remember(session) -> None:
    """before_commit: the key goes in with the change it made, or not at all."""
    pending = _pending()
    if not pending or pending["stored"]:
        return
    if not (pending["wrote"] or session.new or session.dirty or session.deleted):
        return
    session.add(
        IdempotencyKey(
            user_id=current_user.id,
            key=pending["key"],
            fingerprint=pending["fingerprint"],
            path=request.path[:300],
            created_at=clock.now(),
        )
    )
    session.flush()
    pending["stored"] = True


def finish(response: Response) -> Response:
    """after_request: write down the answer the change was given, for replays."""
    pending = g.get("idempotency")
    if not pending or not pending["stored"]:
        return response
    location = response.headers.get("Location") or response.headers.get("HX-Location")
    db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.user_id == current_user.id, IdempotencyKey.key == pending["key"])
        .values(status=response.status_code, location=(location or "")[:500] or None)
    )
    db.session.commit()
    return response


def duplicate(err: IntegrityError) -> Response | None:
    """Two copies of one request raced: the loser answers as a replay."""
    pending = g.get("idempotency")
    if not pending:
        return None
    db.session.rollback()
    row = db.session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == current_user.id, IdempotencyKey.key == pending["key"]
        )
    )
    if row is None:
        return None
    g.idempotency = None
    return _replayed(row)


def sweep(now) -> int:
    """Forget keys older than two weeks (a queue never holds an item that long)."""
    result = db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < now - KEEP)
    )
    return result.rowcount or 0


def init_app(app: Flask) -> None:
    """Registered right after access.enforce, so a replay is only answered to its own user
    and after the CSRF check."""
    app.before_request(check)
    app.after_request(finish)
    if not event.contains(Session, "before_commit", _remember):
        event.listen(Session, "after_flush", _wrote)
        event.listen(Session, "after_rollback", _rolled_back)
        event.listen(Session, "before_commit", _remember)

"""Locks, in one place: the version check of every edit, and one command of a kind at a time.

Edits: a form carries the version it was loaded at; saving over a newer one is a Conflict.
Commands: two sweeps from overlapping cron runs must not collide.
PostgreSQL: a session-level advisory lock, so it holds across hosts sharing the database.
SQLite: an exclusive lock on a file beside the database (SQLite is one host by nature).
"""

from __future__ import annotations

import fcntl
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import text

from webapp.errors import Conflict
from webapp.extensions import db


def check_version(record, submitted: int | None) -> None:
    """Refuse an edit made from a form older than the record (someone saved in between)."""
    if submitted is None or int(submitted) != record.version:
        raise Conflict(record, _("这条记录刚被其他人修改过。请查看最新内容后再保存。"))


@contextmanager
def exclusive(name: str) -> Iterator[bool]:
    """Yields True while this process holds the lock `name`, False when another one does."""
    if db.engine.dialect.name == "postgresql":
        key = zlib.crc32(f"propdesk:{name}".encode()) - 2**31
        with db.engine.connect() as conn:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            conn.commit()
            try:
                yield bool(got)
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
        return
    path = os.path.join(current_app.instance_path, f"{name}.lock")
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

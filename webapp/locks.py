"""One command of a kind at a time (two sweeps from overlapping cron runs must not collide).

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
from sqlalchemy import text

from webapp.extensions import db


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

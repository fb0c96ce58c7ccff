"""The schema comes from migrations; SQLite is set up to queue writers instead of failing."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from tests.fixtures.app import ON_POSTGRES
from webapp import search
from webapp.extensions import db
from webapp.models import AuditEvent, Estate


def test_models_and_migrations_agree(app):
    """`flask db upgrade` builds exactly the schema the models describe."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": search.described_by_models}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite-only pragmas; this run is on PostgreSQL")
def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(app):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


@pytest.mark.skipif(not ON_POSTGRES, reason="a PostgreSQL session setting; this run is on SQLite")
def test_postgresql_sessions_start_no_parallel_workers_even_after_a_rollback(app):
    with db.engine.connect() as conn:
        conn.rollback()  # what ends every read-only request
        shown = conn.exec_driver_sql("SHOW max_parallel_workers_per_gather").scalar()
    assert shown == "0"


def test_foreign_keys_are_enforced(app):
    from sqlalchemy.exc import IntegrityError

    from webapp.models import Building

    db.session.add(Building(estate_id=9999, name="幽灵楼", sort_key=""))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_concurrent_writers_never_see_database_is_locked(app, world):
    """Eight threads each write 15 audit rows, reading first as a request would."""
    from webapp import audit
    from webapp.db import write_intent

    errors: list[Exception] = []

    def worker(n: int) -> None:
        write_intent.set(True)  # as for a POST request
        try:
            with app.app_context():
                for i in range(15):
                    db.session.scalar(select(func.count()).select_from(Estate))  # read, then write
                    audit.record(None, "test.write", "estate", n * 100 + i)
                    db.session.commit()
                db.session.remove()
        except Exception as err:  # noqa: BLE001 - collected for the assertion
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.rollback()
    count = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "test.write")
    )
    assert count == 8 * 15


def test_optimistic_lock_detects_a_concurrent_update(app, world):
    """B loaded the estate, A saved it since: B's save fails instead of overwriting A's."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    with Session(db.engine, expire_on_commit=False) as second:
        b = second.get(Estate, world.estate.id)
        second.commit()  # B's page is on screen; no transaction is held meanwhile
        with Session(db.engine) as first:
            first.get(Estate, world.estate.id).address = "A 写的"
            first.commit()
        b.address = "B 写的"
        with pytest.raises(StaleDataError):
            second.commit()
    db.session.rollback()
    assert db.session.get(Estate, world.estate.id).address == "A 写的"


def test_times_are_stored_in_utc_and_come_back_aware(app, world):
    from datetime import UTC, datetime, timedelta, timezone

    shanghai = timezone(timedelta(hours=8))
    world.estate.created_at = datetime(2026, 11, 23, 0, 30, tzinfo=shanghai)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Estate, world.estate.id).created_at
    assert stored == datetime(2026, 11, 22, 16, 30, tzinfo=UTC)
    assert stored.tzinfo is not None


def test_naive_datetimes_are_refused(app, world):
    from datetime import datetime

    from sqlalchemy.exc import StatementError

    world.estate.created_at = datetime(2026, 11, 22, 8, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(StatementError):
        db.session.commit()
    db.session.rollback()

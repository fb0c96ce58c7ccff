"""Database engine set-up: SQLite pragmas and write transactions that queue instead of failing;
PostgreSQL sessions without parallel workers."""

from __future__ import annotations

import contextvars
from datetime import UTC, datetime

from sqlalchemy import DateTime, Float, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import TypeDecorator

from webapp import clock

# Whether the current unit of work intends to write. Reads (GET) take SQLite's deferred lock;
# everything else takes the write lock up front with BEGIN IMMEDIATE, because a deferred
# transaction that reads and then writes fails at once with "database is locked" when another
# writer got in between, whatever busy_timeout says.
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=True)


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        _configure_postgresql(engine)
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy's "begin" event issue BEGIN, not the driver.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # No parallel workers for a request's queries. They are short, and the cost of starting
        # workers outweighs what they save (the dashboard's twelve weekly counts: 2.5 ms alone,
        # 13 ms with two workers); under load the workers also take the cores that the other
        # requests are waiting for. Set outside a transaction, so a rollback does not undo it.
        dbapi_conn.autocommit = True
        with dbapi_conn.cursor() as cur:
            cur.execute("SET max_parallel_workers_per_gather = 0")
        dbapi_conn.autocommit = False


class UTCDateTime(TypeDecorator):
    """A datetime stored in UTC and always handed back timezone-aware.

    SQLite has no time zones, and naive datetimes silently mix zones; this type refuses
    naive input and returns aware values on both databases.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return clock.now()


class seconds_between(FunctionElement):  # noqa: N801 - used like a SQL function
    """The seconds from one UTC datetime column (or value) to another, computed by the database,
    to the millisecond: lets a query count or group by an elapsed time without handing every
    row's datetimes to Python. NULL where either end is NULL."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_between(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({end}) - ({start})) AS DOUBLE PRECISION)"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element, compiler, **kw):
    # julianday() keeps milliseconds; rounding the difference to whole milliseconds gives exact
    # values to compare (24 h is 86400.0, not 86399.99999…).
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"ROUND((julianday({end}) - julianday({start})) * 86400000) / 1000.0"

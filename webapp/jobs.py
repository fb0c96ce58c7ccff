"""Background work, in one place: the job queue (Huey) and its periodic tasks.

Nothing that can wait runs inside a request. A service writes what is to be done in the
request's transaction (an outbox row, say) and asks for a job with `after_commit()`; the job runs
in a consumer process (`scripts/worker.sh`, started by `scripts/run.sh`) once the data is there.

Storage is chosen by JOB_QUEUE_URL: a SQLite file (the embedded default, beside the database) or
redis://… in production, where several consumers on several hosts share one queue. Jobs are
idempotent: a job that runs twice, or one that a periodic task repeats, does no harm.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, has_app_context
from huey import Huey, RedisHuey, SqliteHuey
from sqlalchemy import event
from sqlalchemy.orm import Session

from webapp.extensions import db

log = logging.getLogger(__name__)

DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


def make_huey(url: str | None) -> Huey:
    """The queue for JOB_QUEUE_URL: redis://…, sqlite:///path, or the default SQLite file."""
    url = (url or "").strip()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("propdesk", url=url)
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
    elif url:
        raise RuntimeError(f"JOB_QUEUE_URL must be redis://… or sqlite:///path, not {url!r}")
    else:
        folder = Path(os.environ.get("INSTANCE_PATH") or DEFAULT_INSTANCE)
        path = str(folder / "jobs.db")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("propdesk", filename=path)


huey: Huey = make_huey(os.environ.get("JOB_QUEUE_URL"))

# The app jobs run in, in the consumer (set by create_app; the web app sets it too).
_app: Flask | None = None


# What an error tracker's Huey integration adds to every job it sees enqueued (Sentry's does,
# once any code in the process turns it on); the job takes no such argument.
TRACKER_KWARGS = ("sentry_headers",)


def _in_app(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        for name in TRACKER_KWARGS:
            kwargs.pop(name, None)
        if has_app_context():
            return fn(*args, **kwargs)
        if _app is None:
            raise RuntimeError("no app for this job: import webapp.worker in the consumer")
        with _app.app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()

    return run


def task(**options: Any) -> Callable:
    """A job: `job()` enqueues it; it runs in the consumer with an app context."""
    return lambda fn: huey.task(**options)(_in_app(fn))


def periodic(schedule: Callable, **options: Any) -> Callable:
    """A job the consumer runs on `schedule` (a huey.crontab) on its own."""
    return lambda fn: huey.periodic_task(schedule, **options)(_in_app(fn))


def enqueue(job: Callable, *args: Any) -> bool:
    """Ask for a job now; False (logged) when the queue cannot be reached. What the job would
    do is already in the database, and a periodic task picks it up then."""
    try:
        job(*args)
    except Exception:  # the queue's storage is down: the request must not fail for it
        log.warning("job queue unreachable; %s waits for its periodic run", job.name)
        return False
    return True


def after_commit(job: Callable) -> None:
    """Enqueue `job` once the current transaction commits (never for one rolled back)."""
    jobs = db.session.info.setdefault("jobs_after_commit", [])
    if job not in jobs:
        jobs.append(job)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    # SQLAlchemy reports a savepoint's release as a commit too: the jobs wait for the outer
    # transaction's (enqueued at a savepoint, a job could run before its rows are visible and
    # find nothing to do).
    if session.in_nested_transaction():
        return
    for job in session.info.pop("jobs_after_commit", []):
        enqueue(job)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint rolled back: the outer transaction decides
    session.info.pop("jobs_after_commit", None)


def init_app(app: Flask) -> None:
    global _app
    _app = app
    app.extensions["huey"] = huey

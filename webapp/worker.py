"""The job queue's consumer: `huey_consumer webapp.worker.huey` (scripts/worker.sh runs it).

It builds the app from the environment, as the web process does, so that jobs run with the same
database, storage and settings. Periodic tasks: the outbox every minute (webapp.outbox), the
sweep every five minutes and orphaned photo files once an hour, one at a time across all hosts
(`flask sweep` from cron stays possible: the same lock keeps them apart).
"""

from __future__ import annotations

import contextlib

from huey import crontab

from webapp import clock, jobs, locks, outbox  # noqa: F401  (outbox: its jobs are registered)
from webapp.app import create_app
from webapp.cli import sweep_records
from webapp.photos.services import SweepRefused, sweep_orphans

app = create_app()
huey = jobs.huey


@jobs.periodic(crontab(minute="*/5"))
def sweep() -> None:
    """Escalate what is overdue and tell its people."""
    with locks.exclusive("sweep") as mine:
        if mine:
            sweep_records(clock.now())


@jobs.periodic(crontab(minute="17"))
def sweep_photo_files() -> None:
    """Remove photo files no record holds (older than a day)."""
    with locks.exclusive("sweep") as mine:
        if mine:
            # Refused when the storage cannot list its files safely now: next hour, then.
            with contextlib.suppress(SweepRefused):
                sweep_orphans()

"""Messages that leave the app, in one place: the outbox.

A service calls `post()` in the transaction of the event it tells of: a row per message and
robot, idempotent per key. After commit the job queue runs `drain()`, which delivers what is due,
robot by robot: pending messages of one robot merge into one post within the provider's size
limit (a burst arrives as one message, never dropped), at most 20 posts a minute per robot.
A post that fails is retried with growing pauses; after the last attempt the message waits on
the manager's outbox page, where "retry now" puts it back.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from huey import crontab
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from webapp import audit, clock, jobs, locks, paging, robots
from webapp.extensions import db
from webapp.i18n import installation_locale
from webapp.models import EstateDepartment, OutboxMessage, OutboxStatus, User
from webapp.scoping import estate_ids_of

log = logging.getLogger(__name__)

PENDING, SENT, FAILED = OutboxStatus.PENDING, OutboxStatus.SENT, OutboxStatus.FAILED
SERVICE = "service"  # the estate's customer-service group
MAX_ATTEMPTS = 8
SEPARATOR = "\n\n---\n\n"


def backoff(attempts: int) -> timedelta:
    """The pause after the n-th failed attempt: 30 s, 1 min, 2 min … at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def robot_of(estate_id: int, department: str) -> EstateDepartment | None:
    found = db.session.scalar(
        select(EstateDepartment).where(
            EstateDepartment.estate_id == estate_id, EstateDepartment.department == department
        )
    )
    return found if found is not None and found.has_robot else None


def group_locale():
    """Messages to a group are in the installation's language, whoever caused them."""
    return installation_locale()


def post(
    estate_id: int,
    department: str,
    *,
    key: str,
    kind: str,
    title: str,
    body: str,
    target_type: str = "",
    target_id: int | None = None,
) -> OutboxMessage | None:
    """Queue a markdown message to a department's group; None when it has no robot or the
    message with this key is already queued. Delivered after this transaction commits."""
    robot = robot_of(estate_id, department)
    if robot is None:
        return None
    exists = db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.robot_id == robot.id, OutboxMessage.key == key)
    )
    if exists is not None:
        return None
    now = clock.now()
    message = OutboxMessage(
        estate_id=estate_id,
        robot_id=robot.id,
        key=key[:128],
        kind=kind,
        target_type=target_type,
        target_id=target_id,
        title=title[:160],
        body=robots.fit(body),
        status=PENDING,
        next_attempt_at=now,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(message)
            db.session.flush()
    except IntegrityError:  # the same event, queued at the same moment by another request
        return None
    jobs.after_commit(deliver)
    return message


# --- delivery (in the job queue) ------------------------------------------------------------------


@jobs.task()
def deliver() -> None:
    """Deliver what is due (enqueued after a commit that queued a message)."""
    drain()


@jobs.periodic(crontab(minute="*"))
def deliver_due() -> None:
    """Every minute: retries whose pause is over, and anything a lost enqueue left behind."""
    drain()


def drain(now: datetime | None = None) -> dict[str, int]:
    """Deliver every due message, robot by robot; returns counts by outcome."""
    now = now or clock.now()
    robot_ids = list(
        db.session.scalars(
            select(OutboxMessage.robot_id)
            .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
            .distinct()
        )
    )
    db.session.commit()
    totals = {"sent": 0, "failed": 0, "deferred": 0}
    for robot_id in robot_ids:
        with locks.exclusive(f"outbox-{robot_id}") as mine:
            if not mine:
                continue  # another consumer is delivering this robot's messages
            for outcome, count in _drain_robot(robot_id, now).items():
                totals[outcome] += count
    return totals


def _posts_last_minute(robot_id: int, now: datetime) -> int:
    return (
        db.session.scalar(
            select(func.count(func.distinct(OutboxMessage.batch))).where(
                OutboxMessage.robot_id == robot_id,
                OutboxMessage.sent_at > now - timedelta(minutes=1),
            )
        )
        or 0
    )


def _drain_robot(robot_id: int, now: datetime) -> dict[str, int]:
    counts = {"sent": 0, "failed": 0, "deferred": 0}
    while True:
        robot = db.session.get(EstateDepartment, robot_id)
        due = list(
            db.session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.robot_id == robot_id,
                    OutboxMessage.status == PENDING,
                    OutboxMessage.next_attempt_at <= now,
                )
                .order_by(OutboxMessage.id)
                .limit(50)
            )
        )
        if not due or robot is None:
            db.session.commit()
            return counts
        if _posts_last_minute(robot_id, now) >= robots.PER_MINUTE:
            later = now + timedelta(minutes=1)
            for message in due:
                message.next_attempt_at = later
            db.session.commit()
            counts["deferred"] += len(due)
            return counts
        batch, text = _merge(due)
        kind, url, secret = robot.robot_kind, robot.webhook_url, robot.robot_secret
        title = batch[0].title if len(batch) == 1 else f"{batch[0].title} 等 {len(batch)} 条"
        db.session.commit()  # no transaction stays open while the provider answers
        try:
            if not (kind and url):
                raise robots.RobotError("the department has no robot any more", retry=False)
            robots.send(kind, url, secret, title, text)
        except robots.RobotError as error:
            _failed(batch, str(error), error.retry, now)
            counts["failed"] += len(batch)
            db.session.commit()
            return counts  # this robot is not answering: its other messages wait too
        mark = uuid.uuid4().hex
        sent_at = clock.now()
        for message in batch:
            message.status, message.sent_at, message.batch = SENT, sent_at, mark
            message.attempts += 1
            message.last_error = ""
        db.session.commit()
        counts["sent"] += len(batch)


def _merge(due: list[OutboxMessage]) -> tuple[list[OutboxMessage], str]:
    """The oldest messages that fit into one post together (at least one)."""
    batch, size = [], 0
    for message in due:
        extra = len(message.body.encode()) + (len(SEPARATOR.encode()) if batch else 0)
        if batch and size + extra > robots.MAX_BYTES:
            break
        batch.append(message)
        size += extra
    return batch, SEPARATOR.join(m.body for m in batch)


def _failed(batch: list[OutboxMessage], error: str, retry: bool, now: datetime) -> None:
    for message in batch:
        message.attempts += 1
        message.last_error = error[:500]
        if retry and message.attempts < MAX_ATTEMPTS:
            message.next_attempt_at = now + backoff(message.attempts)
        else:
            message.status = FAILED
    log.warning(
        "outbox: %d message(s) to robot %s not delivered: %s", len(batch), batch[0].robot_id, error
    )
    pause = backoff(batch[0].attempts).total_seconds()
    if retry and batch[0].status == PENDING:
        try:  # an exact retry; the periodic task would also find it, a minute later at most
            deliver.schedule(delay=pause)
        except Exception:  # the queue is down: the periodic task finds it
            log.warning("job queue unreachable; the retry waits for the periodic run")


# --- the manager's outbox page --------------------------------------------------------------------

STATUS_GROUPS = tuple((str(s), OutboxMessage.status == s) for s in (FAILED, PENDING, SENT))
NEWEST = paging.Order.of((OutboxMessage.id, "desc"))


def visible(user: User) -> Select:
    return select(OutboxMessage).where(OutboxMessage.estate_id.in_(estate_ids_of(user)))


def listing(user: User, status: str | None = None, after: str | None = None, size: int = 25):
    """Messages of the person's estates: failed first, then pending, then sent; newest first."""
    query = visible(user).options(joinedload(OutboxMessage.robot))
    groups = [g for g in STATUS_GROUPS if not status or g[0] == status]
    return paging.read_groups(query, groups, NEWEST, after, size)


def counts(user: User) -> dict[str, int]:
    rows = db.session.execute(
        visible(user)
        .with_only_columns(OutboxMessage.status, func.count())
        .group_by(OutboxMessage.status)
    )
    return {status: n for status, n in rows}


def retry(user: User, message: OutboxMessage) -> None:
    """Try again now (a failed message, or a pending one that waits for its pause)."""
    if message.status == SENT:
        return
    before = {"status": message.status, "attempts": message.attempts}
    message.status = PENDING
    message.next_attempt_at = clock.now()
    if before["status"] == FAILED:
        message.attempts = 0
    audit.record(
        user,
        "outbox.retry",
        "outbox_message",
        message.id,
        estate_id=message.estate_id,
        before=before,
        after={"status": message.status, "attempts": message.attempts},
    )
    jobs.after_commit(deliver)

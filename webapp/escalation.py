"""Escalation and notifications, once for every record with a deadline.

A feature's sweep computes how far a record is past its deadline (webapp.deadlines) and calls
`escalate()`; this module records the new level on the record and in the audit trail, and tells
the people of that level: the one responsible and the estate's supervisors when a record is
overdue, its managers as well a day later. `notify()` is idempotent per person and key, so a
sweep run twice (cron overlap, a retry) never tells anyone twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select, update

from webapp import audit, clock, deadlines, outbox, paging, requestcache, robots
from webapp.extensions import db
from webapp.labels import NOTIFICATION_KIND_LABELS
from webapp.links import external_url_if_known
from webapp.models import EstateMembership, Notification, Role, UnitOwnership, User

# target_type -> function(target_id) returning the staff page of the record
_links: dict[str, Callable[[int], str]] = {}
_owner_links: dict[str, Callable[[int], str]] = {}
_endpoints: dict[str, tuple[str, str]] = {}
# What owners are told (their own records): the rest is for staff only.
OWNER_KINDS = frozenset(
    {
        "ticket_reply",
        "ticket_progress",
        "notice_issued",
        "survey_sent",
        "announcement",
        "movein_sign",
    }
)


def register_link(target_type: str, endpoint: str, arg: str) -> None:
    _links[target_type] = lambda target_id: url_for(endpoint, **{arg: target_id})
    _endpoints[target_type] = (endpoint, arg)


def external_url_of(target_type: str, target_id: int | None) -> str | None:
    """The staff page of a record as a link from outside the app (a group message)."""
    found = _endpoints.get(target_type)
    if found is None or target_id is None:
        return None
    endpoint, arg = found
    return external_url_if_known(endpoint, **{arg: target_id})


def register_owner_link(target_type: str, endpoint: str, arg: str) -> None:
    """The owner's page of a record of this type (their ticket, their unit's notice)."""
    _owner_links[target_type] = lambda target_id: url_for(endpoint, **{arg: target_id})


def url_of(target_type: str, target_id: int) -> str | None:
    """The staff page of a record of a registered type (None for a type without one)."""
    maker = _links.get(target_type)
    return maker(target_id) if maker else None


def link(notification: Notification) -> str:
    table = _owner_links if notification.kind in OWNER_KINDS else _links
    maker = table.get(notification.target_type)
    return maker(notification.target_id) if maker else url_for("home.index")


def staff_of(estate_id: int, roles: Iterable[str]) -> list[User]:
    """Active staff of an estate in these roles."""
    return list(
        db.session.scalars(
            select(User)
            .join(EstateMembership, EstateMembership.user_id == User.id)
            .where(
                EstateMembership.estate_id == estate_id,
                User.role.in_(list(roles)),
                User.active.is_(True),
            )
            .order_by(User.id)
        )
    )


def owners_of(units) -> list[User]:
    """The active owners of these units (ids, or a select of them): who hears of what is sent
    to the households (a notice for their unit, a survey, an announcement)."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                User.id.in_(select(UnitOwnership.user_id).where(UnitOwnership.unit_id.in_(units))),
            )
            .order_by(User.id)
        )
    )


def notify(
    people: Iterable[User | None],
    *,
    kind: str,
    key: str,
    target_type: str,
    target_id: int,
    estate_id: int | None,
    title: str,
    to_group: bool = False,
) -> int:
    """Tell each person once about this event (same key = same event); returns how many were new.
    `to_group`: tell the estate's customer-service group as well (major events)."""
    if to_group and estate_id is not None:
        announce(
            estate_id, key=key, kind=kind, title=title, target_type=target_type, target_id=target_id
        )
    for_owners = kind in OWNER_KINDS
    ids = sorted(
        {p.id for p in people if p is not None and (p.is_owner if for_owners else p.is_staff)}
    )
    if not ids:
        return 0
    told = set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.key == key, Notification.user_id.in_(ids)
            )
        )
    )
    now = clock.now()
    for user_id in ids:
        if user_id not in told:
            db.session.add(
                Notification(
                    user_id=user_id,
                    key=key,
                    kind=kind,
                    target_type=target_type,
                    target_id=target_id,
                    estate_id=estate_id,
                    title=title[:160],
                    created_at=now,
                )
            )
    db.session.flush()
    return len(ids) - len(told)


def announce(
    estate_id: int,
    *,
    key: str,
    kind: str,
    title: str,
    lines: Iterable[str] = (),
    target_type: str = "",
    target_id: int | None = None,
) -> None:
    """Tell the estate's customer-service group (its robot, through the outbox), once per key:
    major complaints and events, escalations, refused handovers, held work orders."""
    with outbox.group_locale():
        heading = str(NOTIFICATION_KIND_LABELS.get(kind, kind))
        url = external_url_of(target_type, target_id)
        body = [f"**{heading}**", f"> {robots.plain(title, 160)}", *(f"> {x}" for x in lines)]
        if url:
            body.append("[" + _("在 PropDesk 中打开") + f"]({url})")
    outbox.post(
        estate_id,
        outbox.SERVICE,
        key=key,
        kind=kind,
        title=f"{heading} · {title}",
        body="\n".join(body),
        target_type=target_type,
        target_id=target_id,
    )


def recipients(estate_id: int, level: int, responsible: Iterable[User | None] = ()) -> list[User]:
    """Who hears of a record at this level: the responsible and supervisors, then managers."""
    roles = [Role.SUPERVISOR] + ([Role.MANAGER] if level >= deadlines.MANAGER else [])
    return [*responsible, *staff_of(estate_id, roles)]


def escalate(
    record,
    *,
    target_type: str,
    action: str,
    level: int,
    due_at: datetime,
    title: str,
    responsible: Iterable[User | None] = (),
    kind: str | None = None,
) -> bool:
    """Raise a record to `level` once: store it, audit it, notify. False when already there."""
    if level <= (record.escalation_level or 0):
        return False
    before = {"escalation_level": record.escalation_level}
    record.escalation_level = level
    audit.record(
        None,
        action,
        target_type,
        record.id,
        estate_id=record.estate_id,
        before=before,
        after={"escalation_level": level},
    )
    kind = kind or ("escalated" if level >= deadlines.MANAGER else "overdue")
    key = f"{target_type}:{record.id}:{level}:{due_at.isoformat(timespec='minutes')}"
    notify(
        recipients(record.estate_id, level, responsible),
        kind=kind,
        key=key,
        target_type=target_type,
        target_id=record.id,
        estate_id=record.estate_id,
        title=title,
    )
    announce(
        record.estate_id,
        key=key,
        kind=kind,
        title=title,
        target_type=target_type,
        target_id=record.id,
    )
    return True


# --- reading them ---------------------------------------------------------------------------------


def unread_count(user: User) -> int:
    return bell(user)[0]


def bell(user: User) -> tuple[int, int]:
    """(unread count, newest unread id) for the bell on every page: one indexed query, once per
    request; the pair is also the bell's ETag, so an unchanged bell answers 304."""

    def find() -> tuple[int, int]:
        count, newest = db.session.execute(
            select(func.count(Notification.id), func.max(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        ).one()
        return count or 0, newest or 0

    return requestcache.once(f"bell:{user.id}", find)


# A person's notifications: unread first, each group the newest first.
UNREAD_FIRST = (
    ("unread", Notification.read_at.is_(None)),
    ("read", Notification.read_at.is_not(None)),
)
NEWEST = paging.Order.of((Notification.id, "desc"))


def latest(user: User, after: str | None = None, size: int = 25) -> paging.Page[Notification]:
    """One page of this person's notifications, unread first, after the token `after`."""
    mine = select(Notification).where(Notification.user_id == user.id)
    return paging.read_groups(mine, UNREAD_FIRST, NEWEST, after, size)


def open_own(user: User, notification_id: int) -> Notification:
    """One of this person's notifications, marked read (opening it is reading it); 404 when it
    is someone else's."""
    found = db.session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )
    if found is None:
        abort(404)
    if found.read_at is None:
        found.read_at = clock.now()
    return found


def settle(key: str) -> int:
    """What an event asked for is done (a record signed): its unread notifications count as
    read, whoever was told. Returns how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.key == key, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    return result.rowcount or 0


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    return result.rowcount or 0


def init_app(app) -> None:
    """Templates show the bell of the signed-in person: `bell()` → (unread, newest id)."""
    app.jinja_env.globals["bell"] = lambda: bell(current_user)

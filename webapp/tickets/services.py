"""Tickets: intake (staff by phone or desk, owners online), the lifecycle as a table of allowed
steps, public replies vs internal notes, follow-up and investigation deadlines, tracking codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from webapp import audit, clock
from webapp.admin.services import check_version
from webapp.errors import IllegalTransition, Invalid
from webapp.extensions import db
from webapp.models import Estate, Role, Ticket, TicketEntry, TicketStatus, Unit, UnitOwnership, User
from webapp.numbering import next_number
from webapp.photos import services as photos
from webapp.scoping import estate_ids_of

TARGET = "ticket"
KINDS = ("complaint", "repair", "inquiry", "suggestion")
CHANNELS = ("phone", "visit", "written", "online", "patrol")
CATEGORIES = (
    "engineering",
    "cleaning",
    "landscaping",
    "security",
    "noise",
    "decoration",
    "parking",
    "fees",
    "attitude",
    "other",
)
SEVERITIES = ("normal", "major")
RATINGS = ("satisfied", "basic", "unsatisfied")
FOLLOW_UP = timedelta(hours=24)
INVESTIGATION = timedelta(hours=48)

T = TicketStatus
OPEN = (T.RECEIVED, T.ASSIGNED, T.IN_PROGRESS)
SUPERVISORS = (Role.SUPERVISOR, Role.MANAGER)
STAFF = (Role.ASSISTANT, Role.SUPERVISOR, Role.MANAGER)

# action -> (allowed from, to) ; who may do it is checked in transition()
TRANSITIONS = {
    "assign": ((T.RECEIVED, T.ASSIGNED, T.IN_PROGRESS), T.ASSIGNED),
    "start": ((T.RECEIVED, T.ASSIGNED), T.IN_PROGRESS),
    "resolve": ((T.RECEIVED, T.ASSIGNED, T.IN_PROGRESS), T.RESOLVED),
    "visit": ((T.RESOLVED,), None),  # closed, or back in progress when the owner is not satisfied
}
FIELDS = ("status", "assignee_id", "department", "satisfaction", "reopen_count")


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


# --- scoping ---------------------------------------------------------------------------------


def visible_tickets(user: User) -> Select:
    if user.is_owner:
        return select(Ticket).where(Ticket.owner_id == user.id)
    return select(Ticket).where(Ticket.estate_id.in_(estate_ids_of(user)))


def visible_ids(user: User, ids: list[int]) -> set[int]:
    return set(
        db.session.scalars(
            visible_tickets(user).where(Ticket.id.in_(ids)).with_only_columns(Ticket.id)
        )
    )


def visible_entry_ids(user: User, ids: list[int]) -> set[int]:
    """Photos on entries: owners only see those on public entries of their own tickets."""
    query = select(TicketEntry.id).where(
        TicketEntry.id.in_(ids),
        TicketEntry.ticket_id.in_(visible_tickets(user).with_only_columns(Ticket.id)),
    )
    if not user.is_staff:
        query = query.where(TicketEntry.public.is_(True))
    return set(db.session.scalars(query))


# --- intake ------------------------------------------------------------------------------------


def _check_choice(value: str, allowed, field: str) -> None:
    if value not in allowed:
        raise Invalid(field, _("请选择一项。"))


def create(
    actor: User,
    *,
    estate: Estate,
    unit: Unit | None,
    reporter_name: str,
    reporter_phone: str,
    kind: str,
    channel: str,
    category: str,
    severity: str,
    description: str,
    uploads=(),
    origin: tuple[str, int] | None = None,
) -> tuple[Ticket, str]:
    """Record a ticket; returns it with its tracking code (shown once)."""
    _check_choice(kind, KINDS, "kind")
    _check_choice(channel, CHANNELS, "channel")
    _check_choice(category, CATEGORIES, "category")
    _check_choice(severity, SEVERITIES, "severity")
    if not description.strip():
        raise Invalid("description", _("请描述问题。"))
    owner = None
    if actor.is_owner:
        if unit is None or not db.session.scalar(
            select(func.count()).where(
                UnitOwnership.user_id == actor.id, UnitOwnership.unit_id == unit.id
            )
        ):
            raise Invalid("unit", _("请选择你的房屋。"))
        owner, channel, severity = actor, "online", "normal"
        reporter_name, reporter_phone = actor.display_name, actor.phone or ""
    elif unit is not None:
        # The owner of the unit, when the caller is one we know by phone.
        owner = db.session.scalar(
            select(User)
            .join(UnitOwnership, UnitOwnership.user_id == User.id)
            .where(UnitOwnership.unit_id == unit.id, User.phone == reporter_phone)
        )
    if not reporter_name.strip():
        raise Invalid("reporter_name", _("请填写反映人。"))
    now = clock.now()
    code = secrets.token_hex(4)
    ticket = Ticket(
        number=next_number("TS", estate, now),
        estate_id=estate.id,
        unit_id=unit.id if unit else None,
        owner_id=owner.id if owner else None,
        reporter_name=reporter_name.strip(),
        reporter_phone=reporter_phone.strip(),
        kind=kind,
        channel=channel,
        category=category,
        severity=severity,
        description=description.strip(),
        status=T.RECEIVED,
        taker_id=None if actor.is_owner else actor.id,
        tracking_hash=_digest(code),
        next_follow_up_at=now + FOLLOW_UP,
        investigation_due_at=now + INVESTIGATION if severity == "major" else None,
        origin_type=origin[0] if origin else None,
        origin_id=origin[1] if origin else None,
        created_at=now,
    )
    db.session.add(ticket)
    db.session.flush()
    entry = _entry(ticket, actor, "received", "", public=True)
    for photo in photos.ingest_uploads(uploads, actor):
        photos.attach(photo, "ticket_entry", entry.id, "evidence", actor)
    audit.record(
        actor,
        "ticket.create",
        TARGET,
        ticket.id,
        estate_id=estate.id,
        after={"number": ticket.number, "kind": kind, "severity": severity, "channel": channel},
    )
    return ticket, code


def find_by_tracking(number: str, code: str) -> Ticket | None:
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None or not ticket.tracking_hash:
        _digest(code)  # the same work either way
        return None
    return ticket if hmac.compare_digest(ticket.tracking_hash, _digest(code or "")) else None


# --- working it ---------------------------------------------------------------------------------


def _entry(
    ticket: Ticket, actor: User | None, kind: str, body: str, *, public: bool
) -> TicketEntry:
    entry = TicketEntry(
        ticket_id=ticket.id,
        author_id=actor.id if actor else None,
        kind=kind,
        body=body.strip(),
        public=public,
        created_at=clock.now(),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _followed_up(ticket: Ticket) -> None:
    now = clock.now()
    ticket.first_response_at = ticket.first_response_at or now
    ticket.next_follow_up_at = now + FOLLOW_UP if ticket.status in OPEN else None


def add_entry(ticket: Ticket, actor: User, kind: str, body: str, uploads=()) -> TicketEntry:
    """A public reply or internal note (staff), more information (the owner), an investigation."""
    if ticket.status == T.CLOSED:
        raise IllegalTransition(ticket, _("工单已关闭。"))
    if not body.strip():
        raise Invalid("body", _("请填写内容。"))
    if actor.is_owner:
        if kind != "info" or ticket.owner_id != actor.id:
            raise IllegalTransition(ticket, _("不能进行这个操作。"))
        public = True
    elif kind in ("reply", "note"):
        public = kind == "reply"
    elif kind == "investigation":
        if actor.role != Role.MANAGER or ticket.severity != "major":
            raise IllegalTransition(ticket, _("重大投诉的调查意见由客服经理填写。"))
        public = False
        ticket.investigated_at = ticket.investigated_at or clock.now()
    else:
        raise Invalid("kind", _("请选择一项。"))
    entry = _entry(ticket, actor, kind, body, public=public)
    for photo in photos.ingest_uploads(uploads, actor):
        photos.attach(photo, "ticket_entry", entry.id, "evidence", actor)
    if actor.is_staff:
        _followed_up(ticket)
    db.session.flush()
    audit.record(
        actor,
        f"ticket.{kind}",
        TARGET,
        ticket.id,
        estate_id=ticket.estate_id,
        after={"public": public},
    )
    return entry


def transition(
    ticket: Ticket,
    action: str,
    actor: User,
    *,
    version: int,
    assignee: User | None = None,
    department: str | None = None,
    reply: str = "",
    rating: str | None = None,
    comment: str = "",
) -> None:
    check_version(ticket, version)
    if action not in TRANSITIONS:
        raise IllegalTransition(ticket, _("未知的操作。"))
    sources, target = TRANSITIONS[action]
    if ticket.status not in sources:
        raise IllegalTransition(ticket, _("工单当前状态不允许这个操作，请刷新后查看。"))
    if (
        ticket.status == T.RECEIVED
        and action in ("start", "resolve")
        and actor.id != ticket.taker_id
        and actor.role not in SUPERVISORS
    ):
        # First-contact responsibility: until it is assigned, the ticket is the taker's.
        raise IllegalTransition(ticket, _("这张工单由受理人负责，派单后才能由他人处理。"))
    before = audit.snapshot(ticket, FIELDS)
    now = clock.now()
    if action == "assign":
        if actor.role not in SUPERVISORS:
            raise IllegalTransition(ticket, _("派单由客服主任或经理完成。"))
        if assignee is None and not department:
            raise Invalid("assignee", _("请选择处理人或部门。"))
        if assignee is not None and (
            not assignee.is_staff
            or ticket.estate_id not in {m.estate_id for m in assignee.memberships}
        ):
            raise Invalid("assignee", _("处理人必须是本项目的员工。"))
        ticket.assignee_id = assignee.id if assignee else None
        ticket.department = department or None
        _entry(ticket, actor, "assigned", "", public=True)
    elif action == "start":
        if not actor.is_staff:
            raise IllegalTransition(ticket, _("不能进行这个操作。"))
        _entry(ticket, actor, "started", "", public=True)
    elif action == "resolve":
        if not actor.is_staff:
            raise IllegalTransition(ticket, _("不能进行这个操作。"))
        if not reply.strip():
            raise Invalid("reply", _("请填写给业主的书面回复。"))
        _entry(ticket, actor, "resolved", reply, public=True)
        ticket.resolved_at = now
    elif action == "visit":
        # The owner rates it on their phone, or staff record the answer of a phone call.
        if actor.is_owner and ticket.owner_id != actor.id:
            raise IllegalTransition(ticket, _("不能进行这个操作。"))
        if rating not in RATINGS:
            raise Invalid("rating", _("请选择满意度。"))
        ticket.satisfaction = rating
        _entry(ticket, actor, "visit", f"{rating}:{comment.strip()}", public=True)
        if rating == "unsatisfied":
            target = T.IN_PROGRESS
            ticket.reopen_count += 1
            ticket.resolved_at = None
            _entry(ticket, actor, "reopened", "", public=True)
        else:
            target = T.CLOSED
            ticket.closed_at = now
    ticket.status = target
    if actor.is_staff:
        _followed_up(ticket)
    elif ticket.status in OPEN:
        ticket.next_follow_up_at = now + FOLLOW_UP
    if ticket.status not in OPEN:
        ticket.next_follow_up_at = None
    db.session.flush()
    audit.record(
        actor,
        f"ticket.{action}",
        TARGET,
        ticket.id,
        estate_id=ticket.estate_id,
        before=before,
        after=audit.snapshot(ticket, FIELDS),
    )


def timeline(ticket: Ticket, *, public_only: bool) -> list[TicketEntry]:
    from sqlalchemy.orm import joinedload

    query = (
        select(TicketEntry)
        .where(TicketEntry.ticket_id == ticket.id)
        .options(joinedload(TicketEntry.author))
        .order_by(TicketEntry.id)
    )
    if public_only:
        query = query.where(TicketEntry.public.is_(True))
    return list(db.session.scalars(query))


def follow_up_overdue(ticket: Ticket, now: datetime) -> bool:
    return (
        ticket.status in OPEN
        and ticket.next_follow_up_at is not None
        and ticket.next_follow_up_at < now
    )


def investigation_overdue(ticket: Ticket, now: datetime) -> bool:
    return (
        ticket.severity == "major"
        and ticket.investigated_at is None
        and ticket.investigation_due_at is not None
        and ticket.investigation_due_at < now
        and ticket.status != T.CLOSED
    )


# --- the inbox ---------------------------------------------------------------------------------

TABS = ("open", "received", "assigned", "in_progress", "resolved", "closed", "overdue", "all")
PAGE = 50


def _tab_filter(query: Select, tab: str, now: datetime) -> Select:
    if tab == "open":
        return query.where(Ticket.status.in_(list(OPEN)))
    if tab == "overdue":
        return query.where(
            (Ticket.status.in_(list(OPEN)) & (Ticket.next_follow_up_at < now))
            | (
                (Ticket.severity == "major")
                & Ticket.investigated_at.is_(None)
                & (Ticket.investigation_due_at < now)
                & (Ticket.status != T.CLOSED)
            )
        )
    if tab in {s.value for s in T}:
        return query.where(Ticket.status == tab)
    return query


def inbox(
    user: User,
    *,
    tab: str = "open",
    kind: str = "",
    category: str = "",
    q: str = "",
    mine: bool = False,
    limit: int = PAGE,
) -> list[Ticket]:
    """Most urgent first: major, then the oldest follow-up due; newest when closed."""
    from sqlalchemy.orm import joinedload

    now = clock.now()
    query = _tab_filter(visible_tickets(user), tab, now)
    if kind in KINDS:
        query = query.where(Ticket.kind == kind)
    if category in CATEGORIES:
        query = query.where(Ticket.category == category)
    if mine:
        query = query.where(
            (Ticket.assignee_id == user.id)
            | ((Ticket.assignee_id.is_(None)) & (Ticket.taker_id == user.id))
        )
    if q.strip():
        like = f"%{q.strip()}%"
        query = query.where(
            Ticket.number.ilike(like)
            | Ticket.reporter_name.ilike(like)
            | Ticket.reporter_phone.ilike(like)
            | Ticket.description.ilike(like)
        )
    query = query.options(
        joinedload(Ticket.unit).joinedload(Unit.building), joinedload(Ticket.assignee)
    )
    if tab == "closed":
        query = query.order_by(Ticket.closed_at.desc())
    else:
        query = query.order_by(
            (Ticket.severity == "major").desc(),
            Ticket.next_follow_up_at.asc(),
            Ticket.created_at.desc(),
        )
    return list(db.session.scalars(query.limit(limit)))


def tab_counts(user: User) -> dict[str, int]:
    """How many tickets each tab holds, in two queries."""
    now = clock.now()
    base = (
        visible_tickets(user).with_only_columns(Ticket.status, func.count()).group_by(Ticket.status)
    )
    by_status = dict(db.session.execute(base).all())
    counts = {s.value: by_status.get(s.value, 0) for s in T}
    counts["open"] = sum(counts[s.value] for s in OPEN)
    counts["all"] = sum(by_status.values())
    counts["overdue"] = (
        db.session.scalar(
            _tab_filter(visible_tickets(user), "overdue", now).with_only_columns(func.count())
        )
        or 0
    )
    return counts

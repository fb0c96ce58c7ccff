"""Tickets: intake (staff by phone or desk, owners online), the lifecycle as a table of allowed
steps, public replies vs internal notes, follow-up and investigation deadlines, tracking codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort, url_for
from flask_babel import gettext as _
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import joinedload

from webapp import audit, clock, deadlines, escalation
from webapp.admin.services import check_version
from webapp.errors import IllegalTransition, Invalid
from webapp.extensions import db
from webapp.models import (
    Estate,
    EstateMembership,
    Role,
    Ticket,
    TicketEntry,
    TicketLink,
    TicketStatus,
    Unit,
    UnitOwnership,
    User,
)
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


# 64 random bits: the ticket number is predictable, so the code alone keeps a caller's ticket
# private (a guess per request at the tracking page's rate limit would take millennia).
TRACKING_CODE_BYTES = 8


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
    code = secrets.token_hex(TRACKING_CODE_BYTES)
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
    if severity == "major":
        # A major complaint goes to the manager at once.
        escalation.notify(
            escalation.staff_of(estate.id, [Role.MANAGER]),
            kind="major",
            key=f"{TARGET}:{ticket.id}:major",
            target_type=TARGET,
            target_id=ticket.id,
            estate_id=estate.id,
            title=_title(ticket),
        )
    return ticket, code


def find_by_tracking(number: str, code: str) -> Ticket | None:
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None or not ticket.tracking_hash:
        _digest(code)  # the same work either way
        return None
    typed = "".join(ch for ch in (code or "").lower() if ch not in " -")  # read out in groups
    return ticket if hmac.compare_digest(ticket.tracking_hash, _digest(typed)) else None


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


def _title(ticket: Ticket) -> str:
    return f"{ticket.number} · {ticket.reporter_name} · {ticket.description[:40]}"


def _followed_up(ticket: Ticket) -> None:
    now = clock.now()
    ticket.first_response_at = ticket.first_response_at or now
    ticket.next_follow_up_at = now + FOLLOW_UP if ticket.status in OPEN else None
    ticket.escalation_level = 0  # a new follow-up deadline starts a new escalation


def _appended(ticket: Ticket, *, investigated: bool) -> None:
    """What an appended entry moves on the ticket: its follow-up deadline (and the investigation).

    This is bookkeeping, not an edit of fields someone saw, so it is one UPDATE that neither
    checks nor bumps the ticket's version: two people adding notes at once never conflict.
    """
    now = clock.now()
    values = {
        "first_response_at": func.coalesce(Ticket.first_response_at, now),
        "next_follow_up_at": now + FOLLOW_UP if ticket.status in OPEN else None,
        "escalation_level": 0,
    }
    if investigated:
        values["investigated_at"] = func.coalesce(Ticket.investigated_at, now)
    db.session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(ticket, list(values))


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
    else:
        raise Invalid("kind", _("请选择一项。"))
    entry = _entry(ticket, actor, kind, body, public=public)
    for photo in photos.ingest_uploads(uploads, actor):
        photos.attach(photo, "ticket_entry", entry.id, "evidence", actor)
    if actor.is_staff:
        _appended(ticket, investigated=kind == "investigation")
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
    if action == "resolve" and ticket.severity == "major" and ticket.investigated_at is None:
        # A major complaint stays on the manager's list until the investigation is written.
        raise IllegalTransition(ticket, _("重大投诉须先由客服经理填写调查意见，才能办结。"))
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


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    """Late in either way: the follow-up, or a major complaint's investigation."""
    return follow_up_overdue(ticket, now) or investigation_overdue(ticket, now)


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
    estate_id: int | None = None,
    assignee_id: int | None = None,
    limit: int = PAGE,
) -> list[Ticket]:
    """Most urgent first: major, then the oldest follow-up due; newest when closed."""
    now = clock.now()
    query = _tab_filter(visible_tickets(user), tab, now)
    if kind in KINDS:
        query = query.where(Ticket.kind == kind)
    if category in CATEGORIES:
        query = query.where(Ticket.category == category)
    if estate_id:
        query = query.where(Ticket.estate_id == estate_id)
    if assignee_id:
        query = query.where(Ticket.assignee_id == assignee_id)
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


def assignees(user: User) -> list[User]:
    """Everyone a ticket of this person's estates may be assigned to (for the inbox filter)."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.id.in_(
                    select(EstateMembership.user_id).where(
                        EstateMembership.estate_id.in_(estate_ids_of(user))
                    )
                ),
                User.role.in_(list(STAFF)),
            )
            .order_by(User.display_name)
        )
    )


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


# --- homes and escalation -----------------------------------------------------------------------


def _overdue_clause(now: datetime, level: int):
    late = (
        Ticket.status.in_(list(OPEN))
        & Ticket.next_follow_up_at.is_not(None)
        & (Ticket.next_follow_up_at < deadlines.overdue_since(now, level))
    )
    if level >= deadlines.MANAGER:
        late = late | (
            (Ticket.severity == "major")
            & Ticket.investigated_at.is_(None)
            & (Ticket.investigation_due_at < now)
            & (Ticket.status != T.CLOSED)
        )
    return late


def escalated_to(user: User, now: datetime, limit: int = 20) -> list[Ticket]:
    """Overdue tickets at this person's level: the supervisor at once, the manager a day later
    (and every major complaint whose investigation is late)."""
    level = deadlines.MANAGER if user.role == Role.MANAGER else deadlines.SUPERVISOR
    return list(
        db.session.scalars(
            visible_tickets(user)
            .where(_overdue_clause(now, level))
            .order_by(Ticket.next_follow_up_at)
            .limit(limit)
        )
    )


def major_open(user: User, limit: int = 20) -> list[Ticket]:
    """Major complaints not yet closed, the ones still to investigate first."""
    return list(
        db.session.scalars(
            visible_tickets(user)
            .where(Ticket.severity == "major", Ticket.status != T.CLOSED)
            .order_by(Ticket.investigated_at.is_not(None), Ticket.investigation_due_at)
            .limit(limit)
        )
    )


def sweep(now: datetime) -> int:
    """Escalate overdue tickets once per level and tell their people (run from cron)."""
    changed = 0
    query = (
        select(Ticket)
        .where(_overdue_clause(now, deadlines.MANAGER) | _overdue_clause(now, deadlines.SUPERVISOR))
        .options(joinedload(Ticket.assignee), joinedload(Ticket.taker))
    )
    for ticket in db.session.scalars(query):
        if follow_up_overdue(ticket, now):
            changed += escalation.escalate(
                ticket,
                target_type=TARGET,
                action="ticket.escalate",
                level=deadlines.state(ticket.next_follow_up_at, now).level,
                due_at=ticket.next_follow_up_at,
                title=_title(ticket),
                responsible=[ticket.assignee or ticket.taker],
            )
        if investigation_overdue(ticket, now):
            told = escalation.notify(
                escalation.staff_of(ticket.estate_id, [Role.MANAGER]),
                kind="investigation",
                key=f"{TARGET}:{ticket.id}:investigation",
                target_type=TARGET,
                target_id=ticket.id,
                estate_id=ticket.estate_id,
                title=_title(ticket),
            )
            if told:
                audit.record(
                    None,
                    "ticket.investigation_overdue",
                    TARGET,
                    ticket.id,
                    estate_id=ticket.estate_id,
                )
                changed += 1
    db.session.flush()
    return changed


# --- findings of patrols and decoration inspections --------------------------------------------

WORK_ORDER, NOTICE = "work_order", "rectification_notice"
FINDING_TYPES = (WORK_ORDER, NOTICE)


@dataclass
class Finding:
    """A patrol finding (its work order) or a decoration violation (its notice), as a ticket
    would start from it."""

    target_type: str
    record: object
    number: str
    estate_id: int
    unit: Unit | None
    category: str
    description: str
    reporter: User
    photo_owner: str
    url: str


def finding(user: User, target_type: str, target_id: int) -> Finding:
    """The finding if this staff member may see it (404 otherwise)."""
    from webapp.decoration import services as decoration
    from webapp.models import RectificationNotice, WorkOrder
    from webapp.scoping import get_or_404
    from webapp.workorders import services as workorders

    if target_type == WORK_ORDER:
        order = get_or_404(workorders.visible_work_orders(user), WorkOrder, target_id)
        return Finding(
            WORK_ORDER,
            order,
            order.number,
            order.estate_id,
            None,
            order.department if order.department in CATEGORIES else "other",
            f"{order.location}：{order.description}" if order.location else order.description,
            order.reported_by,
            "work_order",
            url_for("workorders.detail", order_id=order.id),
        )
    if target_type == NOTICE and user.is_staff:
        notice = get_or_404(decoration.visible_notices(user), RectificationNotice, target_id)
        return Finding(
            NOTICE,
            notice,
            notice.number or "",
            notice.estate_id,
            notice.unit,
            "decoration",
            f"{notice.rule_text}：{notice.description}",
            notice.written_by,
            decoration.NOTICE,
            url_for("decoration.notice", notice_id=notice.id),
        )
    abort(404)


def link(ticket: Ticket, found: Finding, actor: User) -> bool:
    """Tie a ticket to a finding of the same estate (once); False when it already was."""
    if found.estate_id != ticket.estate_id:
        raise Invalid("number", _("只能关联同一项目的工单。"))
    exists = db.session.scalar(
        select(TicketLink.id).where(
            TicketLink.ticket_id == ticket.id,
            TicketLink.target_type == found.target_type,
            TicketLink.target_id == found.record.id,
        )
    )
    if exists:
        return False
    db.session.add(
        TicketLink(
            ticket_id=ticket.id,
            target_type=found.target_type,
            target_id=found.record.id,
            created_by_id=actor.id,
            created_at=clock.now(),
        )
    )
    db.session.flush()
    audit.record(
        actor,
        "ticket.link",
        TARGET,
        ticket.id,
        estate_id=ticket.estate_id,
        after={found.target_type: found.number},
    )
    return True


def create_from_finding(actor: User, found: Finding, **fields) -> tuple[Ticket, str]:
    """A ticket for a finding: linked to it, with its photos as the first evidence."""
    from webapp.models import Estate

    ticket, code = create(actor, estate=db.session.get(Estate, found.estate_id), **fields)
    link(ticket, found, actor)
    first = db.session.scalar(
        select(TicketEntry).where(TicketEntry.ticket_id == ticket.id).order_by(TicketEntry.id)
    )
    for item in photos.photos_for(found.photo_owner, [found.record.id]).get(found.record.id, []):
        photos.attach(item.photo, "ticket_entry", first.id, "evidence", actor)
    return ticket, code


def link_by_number(actor: User, found: Finding, number: str) -> Ticket:
    ticket = db.session.scalar(
        visible_tickets(actor).where(Ticket.number == number.strip().upper())
    )
    if ticket is None:
        raise Invalid("number", _("找不到这个工单号。"))
    link(ticket, found, actor)
    return ticket


def linked_tickets(target_type: str, target_id: int) -> list[Ticket]:
    return list(
        db.session.scalars(
            select(Ticket)
            .join(TicketLink, TicketLink.ticket_id == Ticket.id)
            .where(TicketLink.target_type == target_type, TicketLink.target_id == target_id)
            .order_by(Ticket.id)
        )
    )


def linked_findings(user: User, ticket: Ticket) -> list[Finding]:
    rows = db.session.execute(
        select(TicketLink.target_type, TicketLink.target_id)
        .where(TicketLink.ticket_id == ticket.id)
        .order_by(TicketLink.id)
    ).all()
    return [finding(user, target_type, target_id) for target_type, target_id in rows]

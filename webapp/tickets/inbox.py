"""Which tickets a person sees: scoping, the inbox with its tabs and counts, the homes' lists."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from webapp import clock, deadlines
from webapp.extensions import db
from webapp.models import EstateMembership, Ticket, TicketEntry, Unit, User
from webapp.scoping import estate_ids_of
from webapp.tickets.lifecycle import CATEGORIES, KINDS, OPEN, STAFF_ROLES, T, _overdue_clause

TABS = ("open", "received", "assigned", "in_progress", "resolved", "closed", "overdue", "all")
PAGE = 50


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
                User.role.in_(list(STAFF_ROLES)),
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


def escalated_to(user: User, now: datetime, limit: int = 20) -> list[Ticket]:
    """Overdue tickets at this person's level: the supervisor at once, the manager a day later
    (and every major complaint whose investigation is late)."""
    level = deadlines.level_for(user)
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

"""Which tickets a person sees: scoping, the inbox with its tabs and counts, the homes' lists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from webapp import clock, deadlines, paging, periods, search
from webapp.extensions import db
from webapp.i18n import BADGE_MAX
from webapp.models import STAFF_ROLES, EstateMembership, Ticket, TicketEntry, Unit, User
from webapp.scoping import estate_ids_of
from webapp.tickets.lifecycle import (
    CATEGORIES,
    CHANNELS,
    KINDS,
    NOT_CLOSED,
    NOT_INVALID,
    OPEN,
    T,
    late_follow_up,
    late_investigation,
)

TABS = ("open", "received", "assigned", "in_progress", "resolved", "closed", "overdue", "all")
# Lists reached from the dashboard's figures, not shown as tabs: handled (resolved or closed).
HIDDEN_TABS = ("handled",)
# Waiting for: a major complaint's investigation (not closed, not yet investigated).
AWAITING = ("investigation",)
PAGE = 25
# What the inbox's search box looks in (webapp.search keeps their terms indexed).
SEARCHED = ("number", "reporter_name", "reporter_phone", "description")


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


def _overdue_ids(user: User, now: datetime, estate_id: int | None = None) -> Select:
    """Ids of the overdue tickets: a late follow-up, or a major complaint's late investigation.

    Two index range scans joined by UNION ALL, where one OR condition made every query read the
    whole table (each half is served by an index that leads with estate_id). The halves do not
    overlap, so nothing is sorted to remove doubles and a LIMIT stops early."""
    mine = select(Ticket.id).where(Ticket.estate_id.in_(estate_ids_of(user)))
    if estate_id is not None:
        mine = mine.where(Ticket.estate_id == estate_id)
    late = late_follow_up(now)
    return union_all(mine.where(late), mine.where(late_investigation(now), ~late))


def count_overdue(user: User, estate_id: int | None = None) -> int:
    """How many tickets the overdue tab lists (of one estate): its ids counted on the indexes
    they come from, without reading the tickets themselves."""
    ids = _overdue_ids(user, clock.now(), estate_id).subquery()
    return db.session.scalar(select(func.count()).select_from(ids))


def _tab_filter(query: Select, tab: str, now: datetime, user: User) -> Select:
    if tab == "open":
        return query.where(Ticket.status.in_(list(OPEN)))
    if tab == "overdue":
        return query.where(Ticket.id.in_(_overdue_ids(user, now)))
    if tab == "handled":
        return query.where(Ticket.status.in_([T.RESOLVED, T.CLOSED]))
    if tab in {s.value for s in T}:
        return query.where(Ticket.status == tab)
    return query


# The inbox's sorts. Open work: major complaints first, then the follow-up due first, the
# newer ticket first when two fall due together (an open ticket always has a follow-up time).
# Closed: the latest closed first. Resolved: the newest first. Everything: the newest first.
# Equalities, not "!= major": an index range on (estate, severity, follow-up) each; a ticket is
# normal or major (the intake form offers nothing else).
SEVERITIES = (("major", Ticket.severity == "major"), ("normal", Ticket.severity == "normal"))
BY_DUE = paging.Order.of(Ticket.next_follow_up_at, (Ticket.id, "desc"))
CLOSED = paging.Order.of((Ticket.closed_at, "desc"), (Ticket.id, "desc"))
RECENT = paging.Order.of((Ticket.created_at, "desc"), (Ticket.id, "desc"))
NEWEST = paging.Order.of((Ticket.id, "desc"))
URGENT_TABS = ("open", "received", "assigned", "in_progress", "overdue")
# What a card shows besides the ticket: its unit with the building, and who has it.
CARD_ROWS = (joinedload(Ticket.unit).joinedload(Unit.building), joinedload(Ticket.assignee))


def inbox(
    user: User,
    *,
    tab: str = "open",
    kind: str = "",
    category: str = "",
    channel: str = "",
    q: str = "",
    mine: bool = False,
    estate_id: int | None = None,
    assignee_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    severity: str = "",
    awaiting: str = "",
    unit_id: int | None = None,
    building_id: int | None = None,
    counted: bool = False,
    size: int = PAGE,
    after: str | None = None,
) -> paging.Page[Ticket]:
    """One page of the inbox, after the token `after` (webapp.paging): most urgent first,
    major, then the oldest follow-up due; the latest closed first; the newest in "all"."""
    query = filtered(
        user,
        tab=tab,
        kind=kind,
        category=category,
        channel=channel,
        q=q,
        mine=mine,
        estate_id=estate_id,
        assignee_id=assignee_id,
        since=since,
        until=until,
        severity=severity,
        awaiting=awaiting,
        unit_id=unit_id,
        building_id=building_id,
        counted=counted,
    )
    # The page's rows are chosen on the ticket's own columns only, and the cards' units and
    # people read for those rows alone: joining them before the sort made it work on every row.
    if tab in URGENT_TABS:
        # The few majors, then the others in the (estate, severity, follow-up) index's order;
        # the cards' units and assignees joined to the page's rows in the same statement.
        due = query.where(Ticket.next_follow_up_at.is_not(None))
        return paging.read_groups(due, SEVERITIES, BY_DUE, after, size, options=CARD_ROWS)
    if tab == "closed":
        found = paging.read(query.where(Ticket.closed_at.is_not(None)), CLOSED, after, size)
    elif tab == "resolved":  # the (estate, status, created) index gives this order
        found = paging.read(query, RECENT, after, size)
    else:
        found = paging.read(query, NEWEST, after, size)
    # The cards' units (with their buildings) and assignees, read for this page's rows only and
    # set on them: no statement per card, and no join before the sort.
    units = db.session.scalars(
        select(Unit)
        .where(Unit.id.in_({t.unit_id for t in found.rows if t.unit_id is not None}))
        .options(joinedload(Unit.building))
    ).all()
    people = db.session.scalars(
        select(User).where(User.id.in_({t.assignee_id for t in found.rows if t.assignee_id}))
    ).all()
    unit_of = {u.id: u for u in units}
    person_of = {u.id: u for u in people}
    for ticket in found.rows:
        set_committed_value(ticket, "unit", unit_of.get(ticket.unit_id))
        set_committed_value(ticket, "assignee", person_of.get(ticket.assignee_id))
    return found


def filtered(
    user: User,
    *,
    tab: str = "open",
    kind: str = "",
    category: str = "",
    channel: str = "",
    q: str = "",
    mine: bool = False,
    estate_id: int | None = None,
    assignee_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    severity: str = "",
    awaiting: str = "",
    unit_id: int | None = None,
    building_id: int | None = None,
    counted: bool = False,
) -> Select:
    """The inbox's tickets with its tab and filters, unordered: the page, the export and the
    dashboard's figures. `since`/`until`: received on these days of the estate's calendar."""
    now = clock.now()
    query = _tab_filter(visible_tickets(user), tab, now, user)
    if since or until:
        query = query.where(
            *periods.within(Ticket.created_at, since, until, periods.zone_of(user, estate_id))
        )
    if counted:  # what the figures count: without the reports marked invalid
        query = query.where(NOT_INVALID)
    if severity in ("major", "normal"):
        query = query.where(Ticket.severity == severity)
    if awaiting == "investigation":
        query = query.where(
            Ticket.severity == "major",
            Ticket.investigated_at.is_(None),
            Ticket.status.in_(list(NOT_CLOSED)),
        )
    if unit_id:
        query = query.where(Ticket.unit_id == unit_id)
    if building_id:
        query = query.where(
            Ticket.unit_id.in_(select(Unit.id).where(Unit.building_id == building_id))
        )
    if kind in KINDS:
        query = query.where(Ticket.kind == kind)
    if category in CATEGORIES:
        query = query.where(Ticket.category == category)
    if channel in CHANNELS:
        query = query.where(Ticket.channel == channel)
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
        text = q.strip()
        narrowed = search.candidates(Ticket, text)
        if narrowed is not None:
            query = query.where(narrowed)
        # The exact check; % and _ typed in the box are characters, not wildcards.
        query = query.where(
            Ticket.number.icontains(text, autoescape=True)
            | Ticket.reporter_name.icontains(text, autoescape=True)
            | Ticket.reporter_phone.icontains(text, autoescape=True)
            | Ticket.description.icontains(text, autoescape=True)
        )
    return query


def export(user: User, **filters) -> Iterator[Ticket]:
    """Every ticket the inbox shows with these filters, newest first, read in batches with
    their units, buildings and people (for the .xlsx export)."""
    query = filtered(user, **filters).options(
        joinedload(Ticket.unit).joinedload(Unit.building),
        joinedload(Ticket.assignee),
        joinedload(Ticket.taker),
    )
    return db.session.scalars(query.order_by(Ticket.id.desc()).execution_options(yield_per=500))


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


# Tabs whose count is shown: the work still to do. Closed and all grow with the years and are
# not counted on every page view (their lists page instead).
COUNTED = ("open", "received", "assigned", "in_progress", "resolved", "overdue")


def tab_counts(user: User) -> dict[str, int | None]:
    """How many tickets each live tab holds, in one statement (None: not counted). Each count
    stops above BADGE_MAX, what a badge shows (99+): counting every open ticket of a large
    estate cost more with every ticket, for a number nobody reads past 99."""
    now = clock.now()
    live = [*OPEN, T.RESOLVED]
    mine = Ticket.estate_id.in_(estate_ids_of(user))

    def capped(tab: str, ids: Select):
        return select(literal(tab).label("tab"), func.count().label("n")).select_from(
            ids.limit(BADGE_MAX + 1).subquery()
        )

    parts = [capped(str(s), select(Ticket.id).where(mine, Ticket.status == s)) for s in live]
    parts.append(capped("overdue", _overdue_ids(user, now)))
    counts: dict[str, int | None] = dict(db.session.execute(union_all(*parts)).all())
    counts["open"] = sum(counts[str(s)] for s in OPEN)
    counts["closed"] = counts["all"] = None
    return counts


def escalated_to(user: User, now: datetime, limit: int = 20) -> list[Ticket]:
    """Overdue tickets at this person's level: the supervisor at once, the manager a day later
    (and every major complaint whose investigation is late)."""
    level = deadlines.level_for(user)
    mine = visible_tickets(user)
    # Late follow-ups per severity, each in the order of the (estate, severity, follow-up) index
    # and stopping at `limit`; the manager's late investigations apart; merged here.
    late = late_follow_up(now, level)
    by_follow_up = Ticket.next_follow_up_at
    found = [
        *db.session.scalars(
            mine.where(Ticket.severity == "normal", late).order_by(by_follow_up).limit(limit)
        ),
        *db.session.scalars(
            mine.where(Ticket.severity == "major", late).order_by(by_follow_up).limit(limit)
        ),
    ]
    if level >= deadlines.MANAGER:
        # The late investigations that are not late follow-ups as well (no OR: each read is
        # one index range).
        found += db.session.scalars(
            mine.where(late_investigation(now), ~late)
            .order_by(Ticket.investigation_due_at)
            .limit(limit)
        )
    found.sort(key=lambda t: t.next_follow_up_at or t.investigation_due_at or now)
    return found[:limit]


def major_open(user: User, limit: int = 20) -> list[Ticket]:
    """Major complaints not yet closed, the ones still to investigate first."""
    return list(
        db.session.scalars(
            visible_tickets(user)
            .where(Ticket.severity == "major", Ticket.status.in_(list(NOT_CLOSED)))
            .order_by(Ticket.investigated_at.is_not(None), Ticket.investigation_due_at)
            .limit(limit)
        )
    )

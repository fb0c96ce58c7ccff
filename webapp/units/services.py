"""One unit's record (业户档案): who lives there, and what the department has had to do with it —
tickets, renovation permits and notices, work orders, keys — each read through the visibility
rules of its own feature, so an owner sees only what is theirs to see. A fixed number of
statements whatever the unit's history (the lists are capped, their totals counted)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from webapp import audit
from webapp.decoration.services import visible_notices, visible_permits
from webapp.extensions import db
from webapp.keys.services import visible_keys
from webapp.models import (
    DecorationPermit,
    HomeVisit,
    Key,
    MoveIn,
    MoveInResult,
    RectificationNotice,
    Ticket,
    TicketLink,
    Unit,
    UnitOwnership,
    User,
    WorkOrder,
)
from webapp.movein import services as movein
from webapp.tickets.inbox import visible_tickets
from webapp.visits.services import visible_visits
from webapp.workorders.services import visible_work_orders

SHOWN = 10  # of each list; the page links to the whole list where there is one


@dataclass
class UnitRecord:
    unit: Unit
    people: list[UnitOwnership] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    ticket_total: int = 0
    permits: list[DecorationPermit] = field(default_factory=list)
    notices: list[RectificationNotice] = field(default_factory=list)
    work_orders: list[WorkOrder] = field(default_factory=list)
    keys: list[Key] = field(default_factory=list)
    move_in: MoveIn | None = None
    open_defects: int = 0
    visits: list[HomeVisit] = field(default_factory=list)

    def history(self) -> list[tuple[datetime, str, object]]:
        """The unit's own history, newest first: (when, what happened, the record), from the
        records this page has read (each list its latest few)."""
        events: list[tuple[datetime, str, object]] = []
        events += [(t.created_at, "ticket", t) for t in self.tickets]
        events += [(p.created_at, "permit", p) for p in self.permits]
        events += [(n.created_at, "notice", n) for n in self.notices]
        events += [(o.created_at, "work_order", o) for o in self.work_orders]
        events += [(v.visited_at, "visit", v) for v in self.visits]
        if self.move_in is not None:
            events.append((self.move_in.inspected_at, "move_in", self.move_in))
            if self.move_in.signed_at is not None:
                events.append((self.move_in.signed_at, "move_in_signed", self.move_in))
        return sorted(events, key=lambda e: e[0], reverse=True)


def record(viewer: User, unit: Unit) -> UnitRecord:
    out = UnitRecord(unit)
    out.people = list(
        db.session.scalars(
            select(UnitOwnership)
            .where(UnitOwnership.unit_id == unit.id)
            .options(joinedload(UnitOwnership.user))
            .join(User, User.id == UnitOwnership.user_id)
            .order_by(UnitOwnership.relation != "owner", User.display_name, User.id)
        )
    )
    tickets = visible_tickets(viewer).where(Ticket.unit_id == unit.id)
    latest = tickets.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(SHOWN)
    out.tickets = list(db.session.scalars(latest))
    out.ticket_total = db.session.scalar(
        select(func.count()).select_from(tickets.with_only_columns(Ticket.id).subquery())
    )
    out.permits = list(
        db.session.scalars(
            visible_permits(viewer)
            .where(DecorationPermit.unit_id == unit.id)
            .order_by(DecorationPermit.id.desc())
            .limit(SHOWN)
        )
    )
    out.notices = list(
        db.session.scalars(
            visible_notices(viewer)
            .where(RectificationNotice.unit_id == unit.id)
            .order_by(RectificationNotice.id.desc())
            .limit(SHOWN)
        )
    )
    out.move_in = movein.of_unit(viewer, unit.id)
    if out.move_in is not None:
        out.open_defects = db.session.scalar(
            movein.defects(viewer, state="open")
            .where(MoveInResult.move_in_id == out.move_in.id)
            .with_only_columns(func.count())
        )
    if viewer.is_staff:
        of_unit = (
            select(TicketLink.target_id)
            .join(Ticket, Ticket.id == TicketLink.ticket_id)
            .where(Ticket.unit_id == unit.id, TicketLink.target_type == "work_order")
        )
        # Sent from its tickets, or its move-in's defects.
        mine = WorkOrder.id.in_(of_unit)
        if out.move_in is not None:
            mine = or_(
                mine,
                and_(
                    WorkOrder.origin_type == movein.TARGET,
                    WorkOrder.origin_id == out.move_in.id,
                ),
            )
        out.work_orders = list(
            db.session.scalars(
                visible_work_orders(viewer).where(mine).order_by(WorkOrder.id.desc()).limit(SHOWN)
            )
        )
        out.keys = list(
            db.session.scalars(
                visible_keys(viewer).where(Key.unit_id == unit.id).order_by(Key.label)
            )
        )
        out.visits = list(
            db.session.scalars(
                visible_visits(viewer)
                .where(HomeVisit.unit_id == unit.id)
                .options(joinedload(HomeVisit.visitor))
                .order_by(HomeVisit.visited_at.desc(), HomeVisit.id.desc())
                .limit(SHOWN)
            )
        )
    return out


def reveal_phone(viewer: User, unit: Unit, person_id: int) -> User | None:
    """A resident's whole phone number, for staff who tapped to see it: audited. None when the
    person does not live in the unit."""
    link = db.session.get(UnitOwnership, (person_id, unit.id))
    if link is None:
        return None
    audit.record(
        viewer,
        "unit.phone_shown",
        "user",
        person_id,
        estate_id=unit.building.estate_id,
        after={"unit": unit.label},
    )
    return link.user

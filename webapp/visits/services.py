"""Return-visit plans (回访 / 家访, seed 003 二.2): the supervisor visits every household of the
estate at least once a year; each assistant visits the households of their area (the buildings
the supervisor gives them) once a quarter.

Who is due is what the plan asks minus the households visited in its period (a visit where
nobody was in leaves the household due). A visit is two taps on the phone: the household, then
how it went, with a note if there is something to say. Progress per area is counted by the
database and shown on the supervisor's home.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, and_, false, func, select
from sqlalchemy.orm import joinedload

from webapp import audit, clock, periods
from webapp.errors import Conflict, Invalid
from webapp.extensions import db
from webapp.models import (
    Building,
    Estate,
    EstateMembership,
    HomeVisit,
    Role,
    Unit,
    User,
    VisitArea,
    VisitOutcome,
    VisitPlan,
)
from webapp.scoping import estate_ids_of

TARGET = "home_visit"
OUTCOMES = tuple(VisitOutcome)
DUE_SHOWN = 200  # a building's due households on one page


@dataclass(frozen=True)
class Span:
    """The plan's current period on the estate's calendar: [since, until)."""

    plan: str
    since: date
    until: date

    @property
    def last_day(self) -> date:
        return self.until - timedelta(days=1)

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        return (
            datetime.combine(self.since, time(0), tzinfo=zone),
            datetime.combine(self.until, time(0), tzinfo=zone),
        )


def plan_of(user: User) -> str:
    """Supervisors (and the manager) visit on the yearly plan; assistants on their area's."""
    return VisitPlan.AREA if user.role == Role.ASSISTANT else VisitPlan.SUPERVISOR


def span(plan: str, estate: Estate, now: datetime | None = None) -> Span:
    """This year (the supervisor's plan) or this quarter (the area's)."""
    day = periods.today(ZoneInfo(estate.timezone), now)
    if plan == VisitPlan.SUPERVISOR:
        return Span(plan, date(day.year, 1, 1), date(day.year + 1, 1, 1))
    first = (day.month - 1) // 3 * 3 + 1
    since = date(day.year, first, 1)
    until = date(day.year + 1, 1, 1) if first == 10 else date(day.year, first + 3, 1)
    return Span(plan, since, until)


def visible_visits(user: User) -> Select:
    """Staff: their estates' visits. Owners see none (a visit is the department's record)."""
    if user.is_owner:
        return select(HomeVisit).where(false())
    return select(HomeVisit).where(HomeVisit.estate_id.in_(estate_ids_of(user)))


# --- areas ---------------------------------------------------------------------------------------


def areas(estate: Estate) -> dict[int, User]:
    """Each building's area assistant: {building id: user}."""
    return {
        a.building_id: a.user
        for a in db.session.scalars(
            select(VisitArea)
            .join(Building, Building.id == VisitArea.building_id)
            .where(Building.estate_id == estate.id)
        )
    }


def assistants(estate: Estate) -> list[User]:
    """The estate's active assistants, who can be given an area."""
    return list(
        db.session.scalars(
            select(User)
            .join(EstateMembership, EstateMembership.user_id == User.id)
            .where(
                EstateMembership.estate_id == estate.id,
                User.role == Role.ASSISTANT,
                User.active.is_(True),
            )
            .order_by(User.display_name)
        )
    )


def set_areas(actor: User, estate: Estate, chosen: dict[int, int | None]) -> int:
    """Give each building to an assistant (None: to nobody); returns how many changed."""
    buildings = {
        b.id: b for b in db.session.scalars(select(Building).where(Building.estate_id == estate.id))
    }
    people = {u.id for u in assistants(estate)}
    current = {
        a.building_id: a
        for a in db.session.scalars(
            select(VisitArea).where(VisitArea.building_id.in_(list(buildings)))
        )
    }
    changed = 0
    for building_id, user_id in chosen.items():
        if building_id not in buildings:
            raise Invalid("", _("没有这栋楼。"))
        if user_id is not None and user_id not in people:
            raise Invalid(f"building-{building_id}", _("请选择这个项目的客服助理。"))
        held = current.get(building_id)
        if held is not None and held.user_id == user_id:
            continue
        if held is not None:
            db.session.delete(held)
            db.session.flush()
        if user_id is not None:
            db.session.add(
                VisitArea(building_id=building_id, user_id=user_id, assigned_at=clock.now())
            )
        changed += 1
    if changed:
        audit.record(
            actor,
            "visit.areas",
            "estate",
            estate.id,
            estate_id=estate.id,
            after={"changed": changed},
        )
    return changed


def buildings_for(user: User, estate: Estate) -> list[Building]:
    """The buildings of this person's plan: an assistant's area, or the whole estate."""
    query = select(Building).where(Building.estate_id == estate.id).order_by(Building.sort_key)
    if plan_of(user) == VisitPlan.AREA:
        query = query.join(VisitArea, VisitArea.building_id == Building.id).where(
            VisitArea.user_id == user.id
        )
    return list(db.session.scalars(query))


# --- progress and who is due ---------------------------------------------------------------------


def _visited_in(plan_span: Span, estate: Estate):
    """The condition of a visit that counts for this plan and period."""
    since, until = plan_span.bounds(ZoneInfo(estate.timezone))
    return and_(
        HomeVisit.plan == plan_span.plan,
        HomeVisit.outcome == VisitOutcome.VISITED,
        HomeVisit.visited_at >= since,
        HomeVisit.visited_at < until,
        HomeVisit.withdrawn_at.is_(None),
    )


@dataclass
class Progress:
    building: Building
    units: int
    visited: int

    @property
    def due(self) -> int:
        return self.units - self.visited


def progress(estate: Estate, plan: str, buildings: list[Building]) -> list[Progress]:
    """Per building: its households and those visited in the plan's period (2 statements)."""
    ids = [b.id for b in buildings]
    if not ids:
        return []
    plan_span = span(plan, estate)
    units = dict(
        db.session.execute(
            select(Unit.building_id, func.count())
            .where(Unit.building_id.in_(ids))
            .group_by(Unit.building_id)
        ).all()
    )
    visited = dict(
        db.session.execute(
            select(Unit.building_id, func.count(func.distinct(HomeVisit.unit_id)))
            .join(HomeVisit, HomeVisit.unit_id == Unit.id)
            .where(Unit.building_id.in_(ids), _visited_in(plan_span, estate))
            .group_by(Unit.building_id)
        ).all()
    )
    return [Progress(b, units.get(b.id, 0), visited.get(b.id, 0)) for b in buildings]


def due(estate: Estate, plan: str, building: Building) -> list[Unit]:
    """The building's households not yet visited in the plan's period, in their order."""
    done = select(HomeVisit.unit_id).where(
        HomeVisit.unit_id == Unit.id, _visited_in(span(plan, estate), estate)
    )
    return list(
        db.session.scalars(
            select(Unit)
            .where(Unit.building_id == building.id, ~done.exists())
            .order_by(Unit.sort_key)
            .limit(DUE_SHOWN)
        )
    )


def last_visits(unit_ids: list[int]) -> dict[int, HomeVisit]:
    """Each household's latest visit of any plan (what the list says under its number)."""
    if not unit_ids:
        return {}
    latest = (
        select(HomeVisit.unit_id, func.max(HomeVisit.id).label("last"))
        .where(HomeVisit.unit_id.in_(unit_ids), HomeVisit.withdrawn_at.is_(None))
        .group_by(HomeVisit.unit_id)
        .subquery()
    )
    return {
        v.unit_id: v
        for v in db.session.scalars(select(HomeVisit).join(latest, latest.c.last == HomeVisit.id))
    }


@dataclass
class AreaProgress:
    person: User
    buildings: list[str]
    units: int
    visited: int


def area_progress(estate: Estate) -> list[AreaProgress]:
    """Each assistant's area this quarter (the supervisor's home): 3 statements."""
    by_building = areas(estate)
    if not by_building:
        return []
    buildings = list(
        db.session.scalars(
            select(Building).where(Building.id.in_(list(by_building))).order_by(Building.sort_key)
        )
    )
    counted = {p.building.id: p for p in progress(estate, VisitPlan.AREA, buildings)}
    out: dict[int, AreaProgress] = {}
    for b in buildings:
        person = by_building[b.id]
        row = out.setdefault(person.id, AreaProgress(person, [], 0, 0))
        row.buildings.append(b.name)
        row.units += counted[b.id].units
        row.visited += counted[b.id].visited
    return sorted(out.values(), key=lambda r: r.person.display_name)


def unassigned(estate: Estate) -> int:
    """Buildings nobody's area covers."""
    return db.session.scalar(
        select(func.count())
        .select_from(Building)
        .outerjoin(VisitArea, VisitArea.building_id == Building.id)
        .where(Building.estate_id == estate.id, VisitArea.building_id.is_(None))
    )


# --- recording a visit ---------------------------------------------------------------------------


def record(actor: User, unit: Unit, *, outcome: str, note: str = "") -> HomeVisit:
    """One household visited (or found not at home), on the visitor's plan."""
    if outcome not in OUTCOMES:
        raise Invalid("outcome", _("请选择走访结果。"))
    visit = HomeVisit(
        estate_id=unit.building.estate_id,
        unit_id=unit.id,
        visitor_id=actor.id,
        plan=plan_of(actor),
        outcome=outcome,
        note=note.strip(),
        visited_at=clock.now(),
    )
    db.session.add(visit)
    db.session.flush()
    audit.record(
        actor,
        "visit.record",
        TARGET,
        visit.id,
        estate_id=visit.estate_id,
        after={
            "unit": unit.label,
            "outcome": outcome,
            "plan": visit.plan,
            "note": visit.note[:200],
        },
    )
    return visit


def may_withdraw(actor: User, visit: HomeVisit, now: datetime | None = None) -> bool:
    """A visitor takes back their own visit on the day they recorded it (the estate's day): a
    wrong tap is put right while it is fresh; after that it is the record."""
    if visit.visitor_id != actor.id or visit.withdrawn_at is not None:
        return False
    zone = ZoneInfo(db.session.get(Estate, visit.estate_id).timezone)  # one read a request
    return visit.visited_at.astimezone(zone).date() == periods.today(zone, now)


def withdraw(actor: User, visit: HomeVisit) -> None:
    """Withdraw a visit recorded by mistake: kept and marked, it no longer counts (audited)."""
    if not may_withdraw(actor, visit):
        raise Conflict(visit, _("只能撤销自己当天的走访记录。"))
    visit.withdrawn_at = clock.now()
    audit.record(
        actor,
        "visit.withdraw",
        TARGET,
        visit.id,
        estate_id=visit.estate_id,
        before={"outcome": visit.outcome},
        after={"withdrawn": True},
    )


def mine(actor: User, estate: Estate, limit: int = 10) -> list[HomeVisit]:
    """This person's latest visits in the estate (to see what was just recorded)."""
    return list(
        db.session.scalars(
            select(HomeVisit)
            .where(HomeVisit.visitor_id == actor.id, HomeVisit.estate_id == estate.id)
            .options(joinedload(HomeVisit.unit).joinedload(Unit.building))
            .order_by(HomeVisit.id.desc())
            .limit(limit)
        )
    )

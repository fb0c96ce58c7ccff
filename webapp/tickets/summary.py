"""The monthly complaint summary (投诉处理汇总表) of one estate, computed from the tickets.

The month is the estate's calendar month; a ticket counts in the month it was received.
- handled: resolved or closed now; handling rate = handled / received
- first response: hours from receipt to the first staff update; resolution: to the (last) reply
- overdue: the first follow-up came after 24 h (or has not come and 24 h have passed), or a major
  complaint was investigated after 48 h (or not yet, past 48 h)
- return-visit rate: tickets with at least one return visit / tickets resolved at least once
- satisfaction: (满意 + 基本满意) / all return-visit answers (a 不满意 that reopened counts too)
- effective-complaint rate (有效投诉率): complaints received (kind 投诉; inquiries, repairs and
  suggestions are not complaints) / the estate's households (units); the target is below 1 %
- per person: the tickets each staff member answered for (the assignee, else the taker), how many
  are handled, how many were late, and their return-visit answers
"""

from __future__ import annotations

import io
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import Integer, Select, and_, any_, bindparam, case, func, literal, or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import joinedload

from webapp import clock
from webapp.db import UTCDateTime, seconds_between
from webapp.extensions import db
from webapp.labels import CATEGORY_LABELS, RATE_LABELS, RATING_LABELS
from webapp.labels import TICKET_KIND_LABELS as KIND_LABELS
from webapp.models import Building, Estate, Ticket, TicketEntry, Unit, User
from webapp.tickets.lifecycle import (
    CATEGORIES,
    FOLLOW_UP,
    INVESTIGATION,
    KINDS,
    NOT_INVALID,
    RATINGS,
)

TARGETS = {
    "handling": 1.0,
    "return_visit": 1.0,
    "satisfaction": 0.9,
    "on_time": 1.0,
    "effective_complaints": 0.01,
}
# Figures that must stay below their target rather than reach it.
CEILINGS = {"effective_complaints"}


@dataclass(frozen=True)
class Rate:
    key: str
    value: float | None
    target: float

    @property
    def ceiling(self) -> bool:
        return self.key in CEILINGS

    @property
    def missed(self) -> bool:
        """Measured, and on the wrong side of its target."""
        if self.value is None:
            return False
        return self.value >= self.target if self.ceiling else self.value < self.target


@dataclass
class PersonRow:
    name: str
    received: int = 0
    handled: int = 0
    overdue: int = 0
    answers: int = 0
    satisfied: int = 0  # 满意 + 基本满意

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.answers if self.answers else None


@dataclass
class Summary:
    estate: Estate | None = None  # None: several estates (the dashboard)
    month: date | None = None  # None: another period (the dashboard)
    received: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    # category -> kind -> count
    grid: dict[str, dict[str, int]] = field(default_factory=dict)
    major: int = 0
    handled: int = 0
    overdue: int = 0
    resolved_once: int = 0
    visited: int = 0
    ratings: dict[str, int] = field(default_factory=dict)
    first_response_hours: float | None = None
    resolution_hours: float | None = None
    households: int = 0
    complaints: int = 0
    invalid: int = 0  # marked 无效报修 in the period: not counted in any figure above
    people: list[PersonRow] = field(default_factory=list)

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def handling_rate(self) -> float | None:
        return self._rate(self.handled, self.received)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.received - self.overdue, self.received)

    @property
    def return_visit_rate(self) -> float | None:
        return self._rate(self.visited, self.resolved_once)

    @property
    def answers(self) -> int:
        return sum(self.ratings.values())

    @property
    def satisfaction_rate(self) -> float | None:
        good = self.ratings.get("satisfied", 0) + self.ratings.get("basic", 0)
        return self._rate(good, self.answers)

    @property
    def effective_complaint_rate(self) -> float | None:
        return self._rate(self.complaints, self.households)

    def rates(self) -> list[Rate]:
        """Each figure the department is judged by, with its target."""
        values = {
            "handling": self.handling_rate,
            "on_time": self.on_time_rate,
            "return_visit": self.return_visit_rate,
            "satisfaction": self.satisfaction_rate,
            "effective_complaints": self.effective_complaint_rate,
        }
        return [Rate(key, value, TARGETS[key]) for key, value in values.items()]


def _zone(estate: Estate) -> ZoneInfo:
    return ZoneInfo(estate.timezone or "Asia/Shanghai")


def this_month(estate: Estate) -> date:
    """The first day of the current month on the estate's calendar."""
    return clock.now().astimezone(_zone(estate)).date().replace(day=1)


def month_bounds(estate: Estate, month: date) -> tuple[datetime, datetime]:
    """The month's first and next month's first instant in the estate's time zone, as UTC."""
    zone = _zone(estate)
    start = datetime.combine(month.replace(day=1), time(), zone)
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    end = datetime.combine(following, time(), zone)
    return start, end


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def monthly(estate: Estate, month: date, now: datetime | None = None) -> Summary:
    """The summary of one estate's calendar month."""
    start, end = month_bounds(estate, month)
    out = tally([estate.id], start, end, now)
    out.estate, out.month = estate, month.replace(day=1)
    return out


def _answers(ticket_ids: list[int], period: Select):
    """(ticket id, kind, body) of these tickets' resolutions and return visits (`period`
    selects the same tickets' ids). PostgreSQL gets the ids in hand as one array, and probes the
    entries' ticket index with them: given the period's query instead, it hashes every entry of
    every ticket to join the period's few against them. SQLite runs the period's query itself,
    which it joins well, and has no arrays."""
    if db.engine.dialect.name == "postgresql":
        ids = bindparam("ticket_ids", ticket_ids, type_=postgresql.ARRAY(Integer))
        mine = TicketEntry.ticket_id == any_(ids)
    else:
        mine = TicketEntry.ticket_id.in_(period)
    return db.session.execute(
        select(TicketEntry.ticket_id, TicketEntry.kind, TicketEntry.body).where(
            mine, TicketEntry.kind.in_(["resolved", "visit"])
        )
    )


def tally(
    estate_ids: list[int], start: datetime, end: datetime, now: datetime | None = None
) -> Summary:
    """The figures of the tickets these estates received in [start, end), in a fixed number of
    queries (counts by kind, category, status, severity, person and lateness; each ticket's
    person and hours to respond and resolve, for the medians; their resolutions and visits;
    households; people's names). The database counts and subtracts the datetimes: handing each
    ticket's four datetimes to Python cost as much as the rest of the dashboard."""
    now = now or clock.now()
    in_period = (
        Ticket.estate_id.in_(estate_ids),
        Ticket.created_at >= start,
        Ticket.created_at < end,
    )
    received_then = (*in_period, NOT_INVALID)
    person = func.coalesce(Ticket.assignee_id, Ticket.taker_id)
    at_now = literal(now, UTCDateTime)
    late = or_(
        seconds_between(Ticket.created_at, func.coalesce(Ticket.first_response_at, at_now))
        > FOLLOW_UP.total_seconds(),
        and_(
            Ticket.severity == "major",
            seconds_between(Ticket.created_at, func.coalesce(Ticket.investigated_at, at_now))
            > INVESTIGATION.total_seconds(),
        ),
    )
    each = (
        select(
            Ticket.kind,
            Ticket.category,
            Ticket.status,
            Ticket.severity,
            person.label("person_id"),
            case((late, 1), else_=0).label("late"),
            case((NOT_INVALID, 0), else_=1).label("invalid"),
        )
        .where(*in_period)
        .subquery()
    )
    groups = db.session.execute(select(*each.c, func.count().label("n")).group_by(*each.c)).all()
    out = Summary()
    out.by_kind = {k: 0 for k in KINDS}
    out.grid = {c: {k: 0 for k in KINDS} for c in CATEGORIES}
    out.ratings = {r: 0 for r in RATINGS}
    per_person: dict[int | None, PersonRow] = {}
    for g in groups:
        if g.invalid:
            out.invalid += g.n
            continue
        handled = g.n if g.status in ("resolved", "closed") else 0
        late_ones = g.n if g.late else 0
        out.received += g.n
        out.complaints += g.n if g.kind == "complaint" else 0
        out.by_kind[g.kind] = out.by_kind.get(g.kind, 0) + g.n
        out.by_status[g.status] = out.by_status.get(g.status, 0) + g.n
        out.grid.setdefault(g.category, {k: 0 for k in KINDS})[g.kind] += g.n
        out.major += g.n if g.severity == "major" else 0
        out.handled += handled
        out.overdue += late_ones
        row = per_person.setdefault(g.person_id, PersonRow(""))
        row.received += g.n
        row.handled += handled
        row.overdue += late_ones
    first, resolution = [], []
    person_of: dict[int, int | None] = {}
    counted = out.received > 0
    if counted:
        tickets = db.session.execute(
            select(
                Ticket.id,
                person,
                seconds_between(Ticket.created_at, Ticket.first_response_at),
                seconds_between(Ticket.created_at, Ticket.resolved_at),
            ).where(*received_then)
        )
        for ticket_id, person_id, to_first, to_resolved in tickets:
            person_of[ticket_id] = person_id
            if to_first is not None:
                first.append(to_first / 3600)
            if to_resolved is not None:
                resolution.append(to_resolved / 3600)
    out.first_response_hours = _median(first)
    out.resolution_hours = _median(resolution)
    if counted:
        resolved, visited = set(), set()
        period = select(Ticket.id).where(*received_then)
        for ticket_id, kind, body in _answers(list(person_of), period):
            if kind == "resolved":
                resolved.add(ticket_id)
            else:
                visited.add(ticket_id)
                rating = body.partition(":")[0]
                if rating in out.ratings:
                    out.ratings[rating] += 1
                    answered = per_person[person_of[ticket_id]]
                    answered.answers += 1
                    answered.satisfied += rating in ("satisfied", "basic")
        out.resolved_once = len(resolved)
        out.visited = len(visited & resolved)
    out.households = (
        db.session.scalar(
            select(func.count(Unit.id)).join(Building).where(Building.estate_id.in_(estate_ids))
        )
        or 0
    )
    names = dict(
        db.session.execute(
            select(User.id, User.display_name).where(
                User.id.in_([p for p in per_person if p is not None])
            )
        ).all()
    )
    for person_id, row in per_person.items():
        row.name = names.get(person_id) or str(_l("业主自助（未派单）"))
    out.people = sorted(per_person.values(), key=lambda r: (-r.received, r.name))
    return out


def workbook(summary: Summary) -> bytes:
    """The summary as an .xlsx workbook, laid out like the paper form."""

    book = Workbook()
    sheet = book.active
    sheet.title = str(_l("投诉处理汇总表"))[:31]
    bold = Font(bold=True)
    sheet.append([str(_l("投诉处理汇总表"))])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(
        [str(_l("项目")), summary.estate.name, str(_l("月份")), summary.month.strftime("%Y-%m")]
    )
    sheet.append([])
    sheet.append([str(_l("类别")), *(str(KIND_LABELS[k]) for k in KINDS), str(_l("合计"))])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for category, counts in summary.grid.items():
        row = [counts.get(k, 0) for k in KINDS]
        sheet.append([str(CATEGORY_LABELS.get(category, category)), *row, sum(row)])
    sheet.append([str(_l("合计")), *(summary.by_kind.get(k, 0) for k in KINDS), summary.received])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    sheet.append([])
    figures = [
        (_l("受理数"), summary.received),
        (_l("重大投诉"), summary.major),
        (_l("已处理"), summary.handled),
        (_l("逾期"), summary.overdue),
        (_l("首次响应中位时长（小时）"), summary.first_response_hours),
        (_l("处理完成中位时长（小时）"), summary.resolution_hours),
        (_l("回访"), summary.visited),
        *((RATING_LABELS[r], summary.ratings.get(r, 0)) for r in RATINGS),
    ]
    for label, value in figures:
        sheet.append([str(label), "—" if value is None else value])
    sheet.append([])
    sheet.append([str(_l("指标")), str(_l("实际")), str(_l("目标"))])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for rate in summary.rates():
        # Numbers with a percent format, so the workbook can be summed and charted; an empty
        # cell where nothing was measured (no tickets, no visits).
        sheet.append([str(RATE_LABELS[rate.key]), rate.value, rate.target])
        actual, goal = sheet[sheet.max_row][1:3]
        actual.number_format = "0.00%" if rate.ceiling else "0.0%"
        goal.number_format = '"< "0%' if rate.ceiling else '"≥ "0%'
    sheet.append([])
    sheet.append(
        [
            str(_l("经办人")),
            str(_l("受理数")),
            str(_l("已处理")),
            str(_l("逾期")),
            str(_l("回访评价")),
            str(_l("满意率")),
        ]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for person in summary.people:
        sheet.append(
            [
                person.name,
                person.received,
                person.handled,
                person.overdue,
                person.answers,
                person.satisfaction_rate,
            ]
        )
        sheet[sheet.max_row][5].number_format = "0.0%"
    sheet.column_dimensions["A"].width = 28
    for column in "BCDEF":
        sheet.column_dimensions[column].width = 12
    for row in sheet.iter_rows(min_row=4):
        for cell in row[1:]:
            cell.alignment = Alignment(horizontal="right")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class Visit:
    """One return visit (回访) as the 回访记录表 lists it."""

    at: datetime
    ticket: Ticket
    rating: str
    comment: str
    visitor: str  # who recorded it: staff by phone, or the owner on their phone


def visits(estate: Estate, month: date) -> list[Visit]:
    """The month's return visits of one estate, in order, with their tickets (one query)."""
    start, end = month_bounds(estate, month)
    rows = db.session.execute(
        select(TicketEntry, Ticket)
        .join(Ticket, Ticket.id == TicketEntry.ticket_id)
        .where(
            Ticket.estate_id == estate.id,
            TicketEntry.kind == "visit",
            TicketEntry.created_at >= start,
            TicketEntry.created_at < end,
        )
        .options(joinedload(TicketEntry.author), joinedload(Ticket.unit).joinedload(Unit.building))
        .order_by(TicketEntry.created_at, TicketEntry.id)
    ).all()
    out = []
    for entry, ticket in rows:
        rating, _sep, comment = entry.body.partition(":")
        out.append(
            Visit(
                entry.created_at,
                ticket,
                rating,
                comment,
                entry.author.display_name if entry.author else "",
            )
        )
    return out

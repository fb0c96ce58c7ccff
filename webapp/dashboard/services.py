"""The dashboard's figures, per estate (or all of the viewer's) and period.

Every count is taken from the same query the list behind it runs (the inbox's, the work
orders', the patrol history's filters), so the figure and the list's count cannot disagree; the
rates are the monthly summary's arithmetic over the period. A fixed number of statements
whatever the number of tickets: each block is one grouped query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import url_for
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import Select, and_, case, func, literal, select, union_all
from sqlalchemy.orm import joinedload

from webapp import clock, periods
from webapp.dashboard.charts import Chart, Point
from webapp.decoration import services as decoration
from webapp.duty import services as duty
from webapp.extensions import db
from webapp.labels import (
    CATEGORY_LABELS,
    DEPARTMENT_LABELS,
    DUTY_SHOW_LABELS,
    NOTICE_STATE_LABELS,
    TICKET_KIND_LABELS,
    TICKET_STATUS_LABELS,
    label,
)
from webapp.models import (
    Building,
    CheckItem,
    Checkpoint,
    Estate,
    ItemResult,
    PatrolRequirement,
    PatrolRound,
    PatrolTemplate,
    Role,
    Ticket,
    Unit,
    User,
    WorkOrder,
)
from webapp.models.patrols import Outcome, Period, RoundStatus
from webapp.patrols import compliance
from webapp.scoping import estate_ids_of
from webapp.tickets import inbox, summary
from webapp.tickets.lifecycle import CATEGORIES, KINDS, NOT_INVALID, T
from webapp.workorders import services as workorders

# Hot spots: an item found 异常 this often within this many days; a unit with this many tickets
# within this many days.
ITEM_REPEATS, ITEM_DAYS = 3, 14
UNIT_REPEATS, UNIT_DAYS = 3, 7
HOT_SHOWN = 10
WEEKS = 12


@dataclass
class Figure:
    label: str
    value: int
    url: str
    tone: str = ""  # "overdue": needs attention now


@dataclass
class PatrolRow:
    person: User
    done: int
    required: int
    url: str

    @property
    def short(self) -> bool:
        return self.done < self.required


@dataclass
class DepartmentRow:
    department: str
    ages: list[Figure]  # open for ≤ 1 day, 1–3 days, longer
    overdue: Figure

    @property
    def label(self) -> str:
        return label(DEPARTMENT_LABELS, self.department)


@dataclass
class HotItem:
    item: CheckItem
    checkpoint: Checkpoint
    estate: Estate
    times: int
    url: str


@dataclass
class HotUnit:
    unit: Unit
    times: int
    url: str
    latest_id: int  # the newest ticket: where a repair order is sent from


@dataclass
class Board:
    viewer: User
    estate: Estate | None
    period: periods.Period
    received: Figure | None = None
    by_status: list[Figure] = field(default_factory=list)
    by_kind: list[Figure] = field(default_factory=list)
    attention: list[Figure] = field(default_factory=list)
    rates: list[summary.Rate] = field(default_factory=list)
    figures: summary.Summary | None = None
    patrols: list[PatrolRow] = field(default_factory=list)
    departments: list[DepartmentRow] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    trends: list[Chart] = field(default_factory=list)
    hot_items: list[HotItem] = field(default_factory=list)
    hot_units: list[HotUnit] = field(default_factory=list)
    notices: list[Figure] = field(default_factory=list)
    duties: list[Figure] = field(default_factory=list)

    @property
    def full(self) -> bool:
        """The manager's whole board: the targets and the trends besides today's work."""
        return self.viewer.role == Role.MANAGER


def _count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def board(viewer: User, estate: Estate | None, period_key: str) -> Board:
    zone = periods.zone_of(viewer, estate.id if estate else None)
    period = periods.period(period_key, zone)
    out = Board(viewer, estate, period)
    estate_ids = [estate.id] if estate else estate_ids_of(viewer)
    now = clock.now()
    _tickets(out, estate_ids, zone, now)
    _patrols(out, estate_ids, zone)
    _work_orders(out, estate_ids, now)
    _notices(out, now)
    _duties(out)
    _breakdowns(out, estate_ids, zone)
    _hot_spots(out, estate_ids, zone, now)
    if out.full:
        _trends(out, estate_ids, zone, now)
    return out


def _estate_arg(board: Board) -> dict:
    return {"estate": board.estate.id} if board.estate else {}


def _inbox_url(board: Board, tab: str = "all", period: bool = True, **filters) -> str:
    """The list behind a figure: the tickets it counts (without those marked invalid)."""
    args = {"tab": tab, **_estate_arg(board), "counted": "1", **filters}
    if period:
        args.update(board.period.args())
    return url_for("tickets.inbox", **args)


def _tickets(board: Board, estate_ids: list[int], zone, now: datetime) -> None:
    start, end = periods.bounds(board.period.since, board.period.until, zone)
    figures = summary.tally(estate_ids, start, end, now)
    board.figures = figures
    board.rates = figures.rates()
    board.received = Figure(str(_lp("figure", "受理")), figures.received, _inbox_url(board))
    board.by_status = [
        Figure(
            label(TICKET_STATUS_LABELS, status),
            figures.by_status.get(str(status), 0),
            _inbox_url(board, str(status)),
        )
        for status in T
    ]
    board.by_kind = [
        Figure(
            label(TICKET_KIND_LABELS, kind),
            figures.by_kind.get(kind, 0),
            _inbox_url(board, kind=kind),
        )
        for kind in KINDS
    ]
    # Now, whenever received: the follow-ups past due, major complaints still to investigate.
    estate_id = board.estate.id if board.estate else None
    overdue = inbox.count_overdue(board.viewer, estate_id)
    awaiting = _count(
        inbox.filtered(board.viewer, tab="all", estate_id=estate_id, awaiting="investigation")
    )
    board.attention = [
        Figure(
            str(_l("跟进逾期")),
            overdue,
            _inbox_url(board, "overdue", period=False),
            "overdue" if overdue else "",
        ),
        Figure(
            str(_l("重大投诉待调查")),
            awaiting,
            _inbox_url(board, period=False, awaiting="investigation"),
            "overdue" if awaiting else "",
        ),
    ]


def _patrols(board: Board, estate_ids: list[int], zone) -> None:
    """Per person: finished rounds started in the period vs what their role's daily
    requirements ask for the period's days (the supervisor's two a day)."""
    people = compliance.staff_of(estate_ids)
    per_day: dict[str, int] = {}
    for role, times in db.session.execute(
        select(PatrolRequirement.role, func.sum(PatrolRequirement.times))
        .join(PatrolTemplate)
        .where(
            PatrolTemplate.estate_id.in_(estate_ids),
            PatrolTemplate.active.is_(True),
            PatrolRequirement.period == Period.DAY,
        )
        .group_by(PatrolRequirement.role)
    ):
        per_day[role] = int(times or 0)
    done = dict(
        db.session.execute(
            select(PatrolRound.patroller_id, func.count())
            .where(
                PatrolRound.estate_id.in_(estate_ids),
                PatrolRound.status == RoundStatus.FINISHED,
                *periods.within(
                    PatrolRound.started_at, board.period.since, board.period.until, zone
                ),
            )
            .group_by(PatrolRound.patroller_id)
        ).all()
    )
    days = (board.period.until - board.period.since).days + 1
    board.patrols = [
        PatrolRow(
            p,
            done.get(p.id, 0),
            per_day.get(p.role, 0) * days,
            url_for(
                "patrols.history",
                person=p.id,
                finished=1,
                **_estate_arg(board),
                **board.period.args(),
            ),
        )
        for p in people
        if per_day.get(p.role) or done.get(p.id)
    ]


def _work_orders(board: Board, estate_ids: list[int], now: datetime) -> None:
    """Open work orders per department by how long they have been open, and the overdue."""
    age = WorkOrder.created_at
    buckets = []
    for key, (low, high) in workorders.AGES.items():
        condition = age <= now - timedelta(days=low)
        if high is not None:
            condition = condition & (age > now - timedelta(days=high))
        buckets.append((key, func.sum(case((condition, 1), else_=0))))
    overdue = func.sum(case((WorkOrder.due_at < now, 1), else_=0))
    rows = db.session.execute(
        select(WorkOrder.department, *(b for _k, b in buckets), overdue)
        .where(WorkOrder.estate_id.in_(estate_ids), WorkOrder.status == workorders.OPEN)
        .group_by(WorkOrder.department)
        .order_by(WorkOrder.department)
    ).all()
    for department, *counts in rows:
        *ages, late = (int(c or 0) for c in counts)
        base = {"status": workorders.OPEN, "department": department, **_estate_arg(board)}
        board.departments.append(
            DepartmentRow(
                department,
                [
                    Figure(str(_l("开单")), n, url_for("workorders.index", age=key, **base))
                    for (key, _b), n in zip(buckets, ages, strict=True)
                ],
                Figure(
                    str(_l("逾期")),
                    late,
                    url_for("workorders.index", overdue="1", **base),
                    "overdue" if late else "",
                ),
            )
        )


# The notices' states the board counts: running, past the deadline, replied and to recheck.
NOTICE_FIGURES = ("due", "overdue", "replied")


def _notices(board: Board, now: datetime) -> None:
    """Rectification notices where they stand now, each counted with its list's query."""
    estate_id = board.estate.id if board.estate else None
    for state in NOTICE_FIGURES:
        n = _count(
            decoration.notices_filtered(board.viewer, state=state, estate_id=estate_id, now=now)
        )
        board.notices.append(
            Figure(
                label(NOTICE_STATE_LABELS, state),
                n,
                url_for("decoration.notices", state=state, **_estate_arg(board)),
                "overdue" if state == "overdue" and n else "",
            )
        )


def _duties(board: Board) -> None:
    """The period's duties: all, those with a major event, those whose handover the next person
    refused (each counted with the duty history's query)."""
    estate_id = board.estate.id if board.estate else None
    span = {"since": board.period.since, "until": board.period.until}
    for show, text in ((None, _l("值班")), *((k, DUTY_SHOW_LABELS[k]) for k in duty.SHOWS)):
        n = _count(duty.duties_filtered(board.viewer, estate_id=estate_id, show=show, **span))
        board.duties.append(
            Figure(
                str(text),
                n,
                url_for("duty.history", show=show, **_estate_arg(board), **board.period.args()),
                "overdue" if show and n else "",
            )
        )


def _breakdowns(board: Board, estate_ids: list[int], zone) -> None:
    """The period's tickets by category and by building."""
    figures = board.figures
    by_category = Chart(
        "category",
        str(_l("按类别")),
        str(_l("%(period)s受理的投诉报修，按类别统计", period=board.period.label)),
        measure=str(_l("受理数")),
    )
    for category in CATEGORIES:
        n = sum(figures.grid.get(category, {}).values())
        if n:
            by_category.points.append(
                Point(label(CATEGORY_LABELS, category), n, _inbox_url(board, category=category))
            )
    by_category.points.sort(key=lambda p: -p.value)
    start, end = periods.bounds(board.period.since, board.period.until, zone)
    rows = db.session.execute(
        select(Building.id, Building.name, Estate.name, func.count(Ticket.id))
        .join(Unit, Unit.id == Ticket.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Estate, Estate.id == Building.estate_id)
        .where(
            Ticket.estate_id.in_(estate_ids),
            Ticket.created_at >= start,
            Ticket.created_at < end,
            NOT_INVALID,
        )
        .group_by(Building.id, Building.name, Estate.name)
        .order_by(func.count(Ticket.id).desc(), Building.name)
        .limit(12)
    ).all()
    by_building = Chart(
        "building",
        str(_l("按楼栋")),
        str(_l("%(period)s受理的投诉报修，按楼栋统计（最多 12 栋）", period=board.period.label)),
        [
            Point(
                name if board.estate else f"{estate} {name}",
                n,
                _inbox_url(board, building=building_id),
            )
            for building_id, name, estate, n in rows
        ],
        measure=str(_l("受理数")),
    )
    board.charts = [by_category, by_building]


def _hot_spots(board: Board, estate_ids: list[int], zone, now: datetime) -> None:
    """Chronic problems: one check item found 异常 again and again; one unit's repeated tickets."""
    # Counted on whole days of the estate's calendar, like the patrol history's date filter.
    first_day = periods.today(zone, now) - timedelta(days=ITEM_DAYS - 1)
    found = func.count(ItemResult.id)
    rows = db.session.execute(
        select(CheckItem, Checkpoint, Estate, found)
        .join(ItemResult, ItemResult.item_id == CheckItem.id)
        .join(PatrolRound, PatrolRound.id == ItemResult.round_id)
        .join(Checkpoint, Checkpoint.id == CheckItem.checkpoint_id)
        .join(Estate, Estate.id == PatrolRound.estate_id)
        .where(
            PatrolRound.estate_id.in_(estate_ids),
            ItemResult.outcome == Outcome.ISSUE,
            *periods.within(PatrolRound.started_at, first_day, None, zone),
        )
        .group_by(CheckItem.id, Checkpoint.id, Estate.id)
        .having(found >= ITEM_REPEATS)
        .order_by(found.desc(), CheckItem.id)
        .limit(HOT_SHOWN)
    ).all()
    board.hot_items = [
        HotItem(
            item,
            checkpoint,
            estate,
            times,
            url_for(
                "patrols.history", item=item.id, since=first_day.isoformat(), **_estate_arg(board)
            ),
        )
        for item, checkpoint, estate, times in rows
    ]
    # Tickets about one unit: counted on whole days, like the inbox's date filter.
    day_from = periods.today(zone, now) - timedelta(days=UNIT_DAYS - 1)
    tickets = func.count(Ticket.id)
    rows = db.session.execute(
        select(Ticket.unit_id, tickets, func.max(Ticket.id))
        .where(
            Ticket.estate_id.in_(estate_ids),
            Ticket.unit_id.is_not(None),
            NOT_INVALID,
            *periods.within(Ticket.created_at, day_from, None, zone),
        )
        .group_by(Ticket.unit_id)
        .having(tickets >= UNIT_REPEATS)
        .order_by(tickets.desc(), Ticket.unit_id)
        .limit(HOT_SHOWN)
    ).all()
    units = (
        {
            u.id: u
            for u in db.session.scalars(
                select(Unit)
                .where(Unit.id.in_([r[0] for r in rows]))
                .options(joinedload(Unit.building))
            )
        }
        if rows
        else {}
    )
    board.hot_units = [
        HotUnit(
            units[unit_id],
            n,
            _inbox_url(board, period=False, unit=unit_id, since=day_from.isoformat()),
            latest,
        )
        for unit_id, n, latest in rows
        if unit_id in units
    ]


def _week_counts(column, mondays: list[date], zone, *conditions) -> list[int]:
    """How many rows fall in each week (with `conditions`), in one statement: a count per week
    joined by UNION ALL, each an index range of its own week, so the cost follows the weeks'
    rows on the index rather than a test of every week on every row."""
    parts = []
    for n, monday in enumerate(mondays):
        start, end = periods.bounds(monday, monday + timedelta(days=6), zone)
        parts.append(
            select(literal(n).label("week"), func.count().label("n")).where(
                *conditions, column >= start, column < end
            )
        )
    counts = dict(db.session.execute(union_all(*parts)).all())
    return [int(counts.get(n) or 0) for n in range(len(mondays))]


def _trends(board: Board, estate_ids: list[int], zone, now: datetime) -> None:
    """Per week over the last 12: tickets received (and complaints), finished rounds, findings."""
    mondays = periods.weeks(zone, WEEKS, now)
    mine = and_(Ticket.estate_id.in_(estate_ids), NOT_INVALID)
    received = _week_counts(Ticket.created_at, mondays, zone, mine)
    complaints = _week_counts(Ticket.created_at, mondays, zone, mine, Ticket.kind == "complaint")
    # Rounds that found something 异常 (what the patrol history lists with "有异常").
    with_issues = _week_counts(
        PatrolRound.started_at,
        mondays,
        zone,
        PatrolRound.estate_id.in_(estate_ids),
        select(ItemResult.id)
        .where(ItemResult.round_id == PatrolRound.id, ItemResult.outcome == Outcome.ISSUE)
        .exists(),
    )

    def week_label(monday: date) -> str:
        return format_date(monday, "M/d")

    def series(key, title, description, values, url_of=None) -> Chart:
        return Chart(
            key,
            str(title),
            str(description),
            [
                Point(
                    week_label(m),
                    int(v or 0),
                    url_of(m) if url_of else None,
                )
                for m, v in zip(mondays, values, strict=True)
            ],
            measure=str(_l("数量")),
        )

    def inbox_week(**filters):
        def url(monday: date) -> str:
            return url_for(
                "tickets.inbox",
                tab="all",
                since=monday.isoformat(),
                until=(monday + timedelta(days=6)).isoformat(),
                counted="1",
                **_estate_arg(board),
                **filters,
            )

        return url

    def history_week(monday: date) -> str:
        return url_for(
            "patrols.history",
            result="issues",
            since=monday.isoformat(),
            until=(monday + timedelta(days=6)).isoformat(),
            **_estate_arg(board),
        )

    board.trends = [
        series(
            "weekly-received",
            _l("每周受理"),
            _l("近 12 周每周受理的投诉报修数"),
            received,
            inbox_week(),
        ),
        series(
            "weekly-complaints",
            _l("每周投诉"),
            _l("近 12 周每周受理的投诉数（不含报修、咨询、建议）"),
            complaints,
            inbox_week(kind="complaint"),
        ),
        series(
            "weekly-findings",
            _l("每周发现异常的巡查"),
            _l("近 12 周每周发现异常的巡查次数"),
            with_issues,
            history_week,
        ),
    ]

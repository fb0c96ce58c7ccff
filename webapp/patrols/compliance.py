"""What patrolling asks of each person: what is due today, what was missed, compliance per
person and day, the history of rounds and the rounds waiting for a signature."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from webapp import clock, paging, periods, signoff
from webapp.extensions import db
from webapp.models import (
    STAFF_ROLES,
    CheckItem,
    Checkpoint,
    EstateMembership,
    ItemResult,
    PatrolRequirement,
    PatrolRound,
    PatrolTemplate,
    Role,
    Signature,
    User,
)
from webapp.models.patrols import Outcome, Period, RoundStatus
from webapp.patrols.rounds import TARGET, visible_rounds
from webapp.requestcache import per_request
from webapp.scoping import estate_ids_of


def _local_day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, start + timedelta(days=1)


def today_in(tz: str, now: datetime | None = None) -> date:
    return (now or clock.now()).astimezone(ZoneInfo(tz)).date()


@dataclass
class Due:
    template: PatrolTemplate
    period: str
    required: int
    done: int
    running: PatrolRound | None = None

    @property
    def remaining(self) -> int:
        return max(self.required - self.done, 0)


def _finished_counts(
    user_ids: list[int], start: datetime, end: datetime
) -> dict[tuple[int, int], int]:
    """{(patroller, template): rounds finished in [start, end)} in one query."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(PatrolRound.patroller_id, PatrolRound.template_id, func.count())
        .where(
            PatrolRound.patroller_id.in_(user_ids),
            PatrolRound.status == RoundStatus.FINISHED,
            PatrolRound.finished_at >= start,
            PatrolRound.finished_at < end,
        )
        .group_by(PatrolRound.patroller_id, PatrolRound.template_id)
    ).all()
    return {(p, t): n for p, t, n in rows}


def _requirements_for(role: str, estate_ids) -> list[PatrolRequirement]:
    """The active requirements of a role in these estates (asked twice by a home: once per
    request)."""
    cache = per_request("patrol_requirements")
    key = (role, tuple(estate_ids))
    if key not in cache:
        cache[key] = _load_requirements(role, estate_ids)
    return cache[key]


def _load_requirements(role: str, estate_ids) -> list[PatrolRequirement]:
    return list(
        db.session.scalars(
            select(PatrolRequirement)
            .join(PatrolTemplate)
            .where(
                PatrolRequirement.role == role,
                PatrolTemplate.active.is_(True),
                PatrolTemplate.estate_id.in_(estate_ids),
            )
            .options(joinedload(PatrolRequirement.template).joinedload(PatrolTemplate.estate))
        )
    )


def due_today(user: User, now: datetime | None = None) -> list[Due]:
    now = now or clock.now()
    out = []
    running = {
        r.template_id: r
        for r in db.session.scalars(
            select(PatrolRound).where(
                PatrolRound.patroller_id == user.id, PatrolRound.status == RoundStatus.IN_PROGRESS
            )
        )
    }
    for req in _requirements_for(user.role, estate_ids_of(user)):
        tz = req.template.estate.timezone
        day = today_in(tz, now)
        if req.period == Period.WEEK:
            start, _end = _local_day_bounds(day - timedelta(days=day.weekday()), tz)
            end = start + timedelta(days=7)
        else:
            start, end = _local_day_bounds(day, tz)
        done = _finished_counts([user.id], start, end).get((user.id, req.template_id), 0)
        out.append(Due(req.template, req.period, req.times, done, running.get(req.template_id)))
    return out


def missed(
    user: User, days: int = 7, now: datetime | None = None
) -> list[tuple[date, PatrolTemplate, int]]:
    """Daily rounds this person fell short of in past days: (day, template, how many short)."""
    now = now or clock.now()
    reqs = [r for r in _requirements_for(user.role, estate_ids_of(user)) if r.period == Period.DAY]
    if not reqs:
        return []
    zone = ZoneInfo(reqs[0].template.estate.timezone)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days)
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(today, time(0), tzinfo=zone)
    counts: dict[tuple[date, int], int] = defaultdict(int)
    for template_id, finished_at in db.session.execute(
        select(PatrolRound.template_id, PatrolRound.finished_at).where(
            PatrolRound.patroller_id == user.id,
            PatrolRound.status == RoundStatus.FINISHED,
            PatrolRound.finished_at >= start,
            PatrolRound.finished_at < end,
        )
    ):
        counts[(finished_at.astimezone(zone).date(), template_id)] += 1
    since_joined = user.created_at.astimezone(zone).date()
    out = []
    for offset in range(days, 0, -1):
        day = today - timedelta(days=offset)
        if day < since_joined:
            continue
        for req in reqs:
            short = req.times - counts[(day, req.template_id)]
            if short > 0:
                out.append((day, req.template, short))
    return out


@dataclass
class ComplianceRow:
    person: User
    days: list[tuple[date, int, int]]  # (day, done, required)

    @property
    def short_days(self) -> int:
        return sum(1 for _d, done, required in self.days if done < required)


def staff_of(estate_ids: list[int]) -> list[User]:
    """The active staff of these estates, by role and name (who compliance is counted for)."""
    return list(
        db.session.scalars(
            select(User)
            .join(EstateMembership, EstateMembership.user_id == User.id)
            .where(
                EstateMembership.estate_id.in_(estate_ids),
                User.active.is_(True),
                User.role.in_([str(r) for r in STAFF_ROLES]),
            )
            .distinct()
            .order_by(User.role, User.display_name)
        )
    )


def compliance(
    viewer: User, days: int = 7, now: datetime | None = None
) -> tuple[list[date], list[ComplianceRow]]:
    """Per staff member and per day: daily rounds done vs required, for the last `days` days."""
    now = now or clock.now()
    estate_ids = estate_ids_of(viewer)
    people = staff_of(estate_ids)
    # The viewer's estates came with their session: no statement for their time zone.
    zone = next((e.timezone for e in viewer.estates if e.id in estate_ids), "Asia/Shanghai")
    today = today_in(zone, now)
    day_list = [today - timedelta(days=i) for i in range(days - 1, -1, -1)]
    required_by_role: dict[str, int] = defaultdict(int)
    for req in db.session.scalars(
        select(PatrolRequirement)
        .join(PatrolTemplate)
        .where(
            PatrolTemplate.estate_id.in_(estate_ids),
            PatrolTemplate.active.is_(True),
            PatrolRequirement.period == Period.DAY,
        )
    ):
        required_by_role[req.role] += req.times
    start, _ = _local_day_bounds(day_list[0], zone)
    _, end = _local_day_bounds(day_list[-1], zone)
    done: dict[tuple[int, date], int] = defaultdict(int)
    for patroller_id, finished_at in db.session.execute(
        select(PatrolRound.patroller_id, PatrolRound.finished_at).where(
            PatrolRound.estate_id.in_(estate_ids),
            PatrolRound.status == RoundStatus.FINISHED,
            PatrolRound.finished_at >= start,
            PatrolRound.finished_at < end,
        )
    ):
        done[(patroller_id, finished_at.astimezone(ZoneInfo(zone)).date())] += 1
    rows = [
        ComplianceRow(p, [(d, done[(p.id, d)], required_by_role.get(p.role, 0)) for d in day_list])
        for p in people
    ]
    return day_list, rows


# Patrol history's order: the latest started first (the (estate, started) index).
LATEST = paging.Order.of((PatrolRound.started_at, "desc"), (PatrolRound.id, "desc"))


@dataclass
class RoundRow:
    round: PatrolRound
    answered: int
    issues: int
    signed: bool


def _history_query(
    viewer: User,
    *,
    since: date | None = None,
    until: date | None = None,
    person_id: int | None = None,
    area: str = "",
    result: str = "",
    estate_id: int | None = None,
    item_id: int | None = None,
    finished: bool = False,
) -> Select:
    """Rounds the viewer may see with the history's filters, each with (answered, issues).
    From the dashboard: one estate, rounds that found `item_id` 异常, finished rounds only."""
    query = visible_rounds(viewer).options(
        joinedload(PatrolRound.patroller), joinedload(PatrolRound.template)
    )
    # Dates are the viewer's calendar days, in their (chosen) estate's time zone.
    query = query.where(
        *periods.within(PatrolRound.started_at, since, until, periods.zone_of(viewer, estate_id))
    )
    if person_id:
        query = query.where(PatrolRound.patroller_id == person_id)
    if estate_id:
        query = query.where(PatrolRound.estate_id == estate_id)
    if finished:
        query = query.where(PatrolRound.status == RoundStatus.FINISHED)
    if item_id:
        query = query.where(
            PatrolRound.id.in_(
                select(ItemResult.round_id).where(
                    ItemResult.item_id == item_id, ItemResult.outcome == Outcome.ISSUE
                )
            )
        )
    if area:
        with_area = (
            select(PatrolTemplate.id)
            .join(Checkpoint)
            .where(Checkpoint.name.icontains(area, autoescape=True))
        )
        query = query.where(PatrolRound.template_id.in_(with_area))
    issue_count = _issue_count()
    answered_count = (
        select(func.count())
        .where(ItemResult.round_id == PatrolRound.id, ItemResult.outcome.is_not(None))
        .correlate(PatrolRound)
        .scalar_subquery()
    )
    if result == "issues":
        query = query.where(issue_count > 0)
    elif result == "clean":
        query = query.where(issue_count == 0)
    return query.add_columns(answered_count, issue_count)


def _issue_count():
    """SQL: how many items a round found 异常 (correlated to the round of the outer query)."""
    return (
        select(func.count())
        .where(ItemResult.round_id == PatrolRound.id, ItemResult.outcome == Outcome.ISSUE)
        .correlate(PatrolRound)
        .scalar_subquery()
    )


def history(viewer: User, *, size: int = 25, after: str | None = None, **filters):
    """Rounds the viewer may see, the latest started first: one page after the token `after`."""
    query = _history_query(viewer, **filters)
    found = paging.read(query, LATEST, after, size, scalars=False, record=lambda row: row[0])
    signed = signoff.signed_ids(TARGET, [r[0].id for r in found.rows])
    found.rows = [RoundRow(r, a, i, r.id in signed) for r, a, i in found.rows]
    return found


def history_export(viewer: User, **filters) -> Iterator[RoundRow]:
    """Every round of the history with these filters, the latest first, read in batches (the
    .xlsx export): a statement per batch for the rows and one for their signatures."""
    query = _history_query(viewer, **filters).order_by(
        PatrolRound.started_at.desc(), PatrolRound.id.desc()
    )
    for batch in db.session.execute(query.execution_options(yield_per=500)).partitions():
        signed = signoff.signed_ids(TARGET, [r[0].id for r in batch])
        for patrol_round, answered, issues in batch:
            yield RoundRow(patrol_round, answered, issues, patrol_round.id in signed)


def findings_export(viewer: User, **filters) -> Iterator[ItemResult]:
    """Every 异常 of the rounds the history shows with these filters, with its round, item,
    checkpoint and work order (the .xlsx export of findings)."""
    rounds = _history_query(viewer, **filters).with_only_columns(PatrolRound.id)
    query = (
        select(ItemResult)
        .where(ItemResult.outcome == Outcome.ISSUE, ItemResult.round_id.in_(rounds))
        .options(
            joinedload(ItemResult.round).joinedload(PatrolRound.patroller),
            joinedload(ItemResult.item).joinedload(CheckItem.checkpoint),
            joinedload(ItemResult.work_order),
        )
        .order_by(ItemResult.recorded_at.desc(), ItemResult.id.desc())
    )
    return db.session.scalars(query.execution_options(yield_per=500))


def awaiting_signature(viewer: User, limit: int = 20) -> list[PatrolRound]:
    """Finished rounds of others that this supervisor or manager has not signed yet."""
    return [r for r, _issues in awaiting_with_issues(viewer, limit)]


def awaiting_with_issues(viewer: User, limit: int = 20) -> list[tuple[PatrolRound, int]]:
    """The rounds waiting for this person's signature, each with how many items it found 异常
    (one statement)."""
    if not signoff.signs(viewer):
        return []
    mine = select(Signature.target_id).where(
        Signature.target_type == TARGET, Signature.signer_id == viewer.id
    )
    query = visible_rounds(viewer).where(
        PatrolRound.status == RoundStatus.FINISHED,
        PatrolRound.patroller_id != viewer.id,
        PatrolRound.id.not_in(mine),
    )
    if viewer.role == Role.SUPERVISOR:
        # Supervisors sign off assistants' rounds; the manager reviews everyone's.
        query = query.join(User, User.id == PatrolRound.patroller_id).where(
            User.role == Role.ASSISTANT
        )
    rows = db.session.execute(
        query.add_columns(_issue_count())
        .options(joinedload(PatrolRound.patroller), joinedload(PatrolRound.template))
        .order_by(PatrolRound.finished_at)
        .limit(limit)
    ).all()
    return [(r, issues) for r, issues in rows]


def patrollers(user: User) -> list[User]:
    """The staff of this person's estates who have patrolled there (the history's filter):
    one index probe per member, however many rounds there are."""
    estates = estate_ids_of(user)
    patrolled = (
        select(PatrolRound.id)
        .where(PatrolRound.patroller_id == User.id, PatrolRound.estate_id.in_(estates))
        .exists()
    )
    members = select(EstateMembership.user_id).where(EstateMembership.estate_id.in_(estates))
    return list(
        db.session.scalars(
            select(User).where(User.id.in_(members), patrolled).order_by(User.display_name)
        )
    )

"""The duty log (值班记录): a person's duty, the events of the shift, calls and visits, and the
shift's timed checks.

Rules (seed 000 篇3, 篇4): the person on duty writes down what happens as it happens and how it
was handled; a major event is reported to the manager at once and in writing by the next day;
the feature lighting is switched on and off on time. The steps are the workflows DUTY and
DUTY_EVENT; views call the functions here and nothing else writes these tables.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import joinedload

from webapp import audit, clock, deadlines, escalation, paging, periods
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.i18n import format_when
from webapp.labels import DUTY_CHECK_LABELS, SHIFT_LABELS
from webapp.locks import check_version
from webapp.models import (
    Building,
    Duty,
    DutyCheck,
    DutyEvent,
    DutyStatus,
    Estate,
    EventKind,
    Handover,
    HandoverStatus,
    PublicArea,
    Role,
    Unit,
    User,
    WorkOrder,
)
from webapp.photos import services as photos
from webapp.scoping import estate_ids_of, get_or_404
from webapp.tickets.intake import Finding
from webapp.workflow import STAFF, SUPERVISORS, Rule, Workflow, step
from webapp.workorders import services as workorders

TARGET = "duty"
EVENT = "duty_event"
OPEN, CLOSED = DutyStatus.OPEN, DutyStatus.CLOSED
# The shifts a duty can name (a roster may come later; the words are the department's).
SHIFTS = ("", *SHIFT_LABELS)
OUTCOMES = ("answered", "passed_on")
# How a line of the log reached us, as a ticket's channel says it.
TICKET_CHANNEL = {EventKind.EVENT: "patrol", EventKind.CALL: "phone", EventKind.VISIT: "visit"}
# The shift's timed checks the rules name (seed 000 篇4 1.4, 1.5): ticked once each per duty.
CHECKS = tuple(DUTY_CHECK_LABELS.items())
CHECK_NAMES = set(DUTY_CHECK_LABELS)
# An event cannot be logged as happening later than this (a phone's clock a little ahead).
CLOCK_SLACK = timedelta(minutes=5)
NEWEST = paging.Order.of((Duty.started_at, "desc"), (Duty.id, "desc"))
DESCRIPTION_MAX = 2000  # what a ticket's description takes
LOG_SHOWN = 200  # a duty's log on one page (a shift has a few dozen lines)
DEFAULT_ORDER_DUE = workorders.DEFAULT_DUE

# --- who may do what -----------------------------------------------------------------------------

# The person on duty writes their own log; a supervisor or the manager may add to it.
ON_DUTY = Rule(
    lambda user, duty: user.id == duty.user_id or user.role in SUPERVISORS,
    _l("只有值班人本人或客服主任可以记录。"),
)


def major_open(duty: Duty) -> int:
    """Major events of this duty not yet resolved (each one blocks the handover)."""
    return db.session.scalar(
        select(func.count(DutyEvent.id)).where(
            DutyEvent.duty_id == duty.id,
            DutyEvent.major.is_(True),
            DutyEvent.resolved_at.is_(None),
        )
    )


def waiting_handover(duty: Duty) -> Handover | None:
    """The handover of this duty waiting for the next person, if there is one."""
    return db.session.scalar(
        select(Handover).where(
            Handover.duty_id == duty.id, Handover.status == HandoverStatus.PREPARED
        )
    )


def _duty_of(record) -> Duty:
    return record if isinstance(record, Duty) else record.duty


NO_MAJOR_OPEN = Rule(
    lambda _user, record: major_open(_duty_of(record)) == 0,
    _l("本班还有未处理完的重大事件，处理完毕后才能交班。"),
)
OWN_DUTY = Rule(lambda user, duty: user.id == duty.user_id, _l("只有值班人本人可以交班。"))
NOT_WAITING = Rule(
    lambda _user, duty: waiting_handover(duty) is None, _l("交班记录已准备好，正在等待接班。")
)
DUTY = Workflow(
    "duty",
    Duty,
    [
        step("log", (OPEN,), rules=[STAFF, ON_DUTY]),
        step("check", (OPEN,), rules=[STAFF, ON_DUTY]),
        step("hand_over", (OPEN,), rules=[STAFF, OWN_DUTY], holds=[NO_MAJOR_OPEN, NOT_WAITING]),
    ],
    status_message=_l("这个班已经结束，不能再记录。"),
)

RESPONSIBLE = Rule(
    lambda user, event: (
        user.id in (event.created_by_id, event.duty.user_id, event.responsible_id)
        or user.role in SUPERVISORS
    ),
    _l("只有记录人、值班人或客服主任可以处理。"),
)
REPORT_DUE = Rule(
    lambda _user, event: event.report_pending, _l("只有尚未提交书面报告的重大事件需要报告。")
)
AN_EVENT = Rule(lambda _user, event: event.kind == EventKind.EVENT, _l("来电来访不派工单。"))
DUTY_EVENT = Workflow(
    "duty_event",
    DutyEvent,
    [
        step("resolve", ("open",), "resolved", rules=[STAFF, RESPONSIBLE]),
        step("report", ("open", "resolved"), rules=[STAFF, RESPONSIBLE, REPORT_DUE]),
        step("dispatch", ("open", "resolved"), rules=[STAFF, AN_EVENT]),
        step("ticket", ("open", "resolved"), rules=[STAFF]),
    ],
    status_message=_l("这条记录当前的状态不允许这个操作，请刷新后查看。"),
    status_of=lambda event: "resolved" if event.resolved_at else "open",
)

# --- what a person may see -----------------------------------------------------------------------


def visible_duties(user: User) -> Select:
    if not user.is_staff:
        return select(Duty).where(false())
    return select(Duty).where(Duty.estate_id.in_(estate_ids_of(user)))


def visible_events(user: User) -> Select:
    if not user.is_staff:
        return select(DutyEvent).where(false())
    return select(DutyEvent).where(DutyEvent.estate_id.in_(estate_ids_of(user)))


def visible_event_ids(user: User, ids: list[int]) -> set[int]:
    """For photos: the events among `ids` this person may see."""
    return set(
        db.session.scalars(
            visible_events(user).where(DutyEvent.id.in_(ids)).with_only_columns(DutyEvent.id)
        )
    )


def get_duty_or_404(user: User, duty_id: int) -> Duty:
    return get_or_404(
        visible_duties(user).options(joinedload(Duty.person), joinedload(Duty.estate)),
        Duty,
        duty_id,
    )


def get_event_or_404(user: User, event_id: int) -> DutyEvent:
    return get_or_404(
        visible_events(user).options(
            joinedload(DutyEvent.duty).joinedload(Duty.person),
            joinedload(DutyEvent.duty).joinedload(Duty.estate),
            *PLACE,
            WRITER,
        ),
        DutyEvent,
        event_id,
    )


PLACE = (
    joinedload(DutyEvent.unit).joinedload(Unit.building),
    joinedload(DutyEvent.building),
    joinedload(DutyEvent.area),
)
WRITER = joinedload(DutyEvent.created_by)

# --- a duty --------------------------------------------------------------------------------------


def current_duty(user: User) -> Duty | None:
    """This person's open duty, if they are on duty."""
    if not user.is_staff:
        return None
    return db.session.scalar(
        select(Duty)
        .where(Duty.user_id == user.id, Duty.status == OPEN)
        .options(joinedload(Duty.estate))
    )


def start(actor: User, estate: Estate, shift: str = "") -> Duty:
    """Go on duty at an estate; a second start while on duty finds the open duty."""
    if shift not in SHIFTS:
        raise Invalid("shift", _("请选择班次。"))
    if estate.id not in estate_ids_of(actor):
        raise Invalid("estate", _("只能在自己负责的项目值班。"))
    found = current_duty(actor)
    if found is not None:
        return found
    duty = Duty(
        estate_id=estate.id, user_id=actor.id, shift=shift, status=OPEN, started_at=clock.now()
    )
    db.session.add(duty)
    db.session.flush()
    audit.record(actor, "duty.start", TARGET, duty.id, estate_id=estate.id, after={"shift": shift})
    return duty


def on_duty(user: User, limit: int = 20) -> list[Duty]:
    """Everyone on duty now at this person's estates (a supervisor's view of the shift)."""
    return list(
        db.session.scalars(
            visible_duties(user)
            .where(Duty.status == OPEN)
            .options(joinedload(Duty.person))
            .order_by(Duty.started_at)
            .limit(limit)
        )
    )


# The history's narrower views (from the dashboard's figures): duties in which a major event was
# written down, and duties whose handover the next person refused (as it stood).
SHOWS = ("major", "refused")


def duties_filtered(
    user: User,
    *,
    estate_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    show: str | None = None,
) -> Select:
    """The duties the history lists with these filters (`since`/`until`: started on these days
    of the estate's calendar); the dashboard counts its figures with the same query."""
    query = visible_duties(user)
    if estate_id is not None:
        query = query.where(Duty.estate_id == estate_id)
    if since or until:
        query = query.where(
            *periods.within(Duty.started_at, since, until, periods.zone_of(user, estate_id))
        )
    if show == "major":
        query = query.where(Duty.id.in_(select(DutyEvent.duty_id).where(DutyEvent.major.is_(True))))
    elif show == "refused":
        refused = select(Handover.duty_id).where(Handover.status == HandoverStatus.REFUSED)
        query = query.where(Duty.id.in_(refused))
    return query


def history(
    user: User, *, after: str | None = None, size: int = 30, **filters
) -> paging.Page[Duty]:
    """Duties of this person's estates (with the filters of duties_filtered), the latest first."""
    return paging.read(
        duties_filtered(user, **filters).options(joinedload(Duty.person), joinedload(Duty.estate)),
        NEWEST,
        after,
        size,
    )


def lines_between(user: User, start: datetime, end: datetime):
    """Every line of the duty logs of this person's estates in [start, end), in time order, read
    in batches (for the workbook)."""
    return db.session.scalars(
        visible_events(user)
        .where(DutyEvent.happened_at >= start, DutyEvent.happened_at < end)
        .options(*PLACE, WRITER, joinedload(DutyEvent.duty).joinedload(Duty.person))
        .order_by(DutyEvent.happened_at, DutyEvent.id)
        .execution_options(yield_per=500)
    )


def event_counts(duty_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(lines, major events) per duty, for lists of duties, in one statement."""
    if not duty_ids:
        return {}
    rows = db.session.execute(
        select(
            DutyEvent.duty_id,
            func.count(DutyEvent.id),
            func.count(DutyEvent.id).filter(DutyEvent.major.is_(True)),
        )
        .where(DutyEvent.duty_id.in_(duty_ids))
        .group_by(DutyEvent.duty_id)
    ).all()
    return {duty_id: (lines, major) for duty_id, lines, major in rows}


def shift_choices() -> list[tuple[str, str]]:
    return [("", _("不填")), *((key, str(label)) for key, label in SHIFT_LABELS.items())]


def place_choices(duty: Duty) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The buildings and the public areas of the duty's estate, for the log's forms."""
    buildings = db.session.execute(
        select(Building.id, Building.name)
        .where(Building.estate_id == duty.estate_id)
        .order_by(Building.sort_key, Building.id)
    ).all()
    areas = db.session.execute(
        select(PublicArea.id, PublicArea.name)
        .where(PublicArea.estate_id == duty.estate_id, PublicArea.active.is_(True))
        .order_by(PublicArea.name)
    ).all()
    return [(b.id, b.name) for b in buildings], [(a.id, a.name) for a in areas]


# --- the log -------------------------------------------------------------------------------------


def log(duty: Duty) -> list[DutyEvent]:
    """The duty's lines in the order they happened, with their places and writers."""
    return list(
        db.session.scalars(
            select(DutyEvent)
            .where(DutyEvent.duty_id == duty.id)
            .options(*PLACE, WRITER)
            .order_by(DutyEvent.happened_at, DutyEvent.id)
            .limit(LOG_SHOWN)
        )
    )


def _place(actor: User, duty: Duty, building_id, unit_number: str, area_id):
    """The building, unit and public area named by a form, all of the duty's estate."""
    building = unit = area = None
    if building_id:
        building = db.session.get(Building, building_id)
        if building is None or building.estate_id != duty.estate_id:
            raise Invalid("building", _("请选择本项目的楼栋。"))
        if unit_number:
            unit = db.session.scalar(
                select(Unit).where(Unit.building_id == building.id, Unit.number == unit_number)
            )
            if unit is None:
                raise Invalid("unit", _("这个楼栋没有这个房号。"))
    elif unit_number:
        raise Invalid("building", _("填写房号时请选择楼栋。"))
    if area_id:
        area = db.session.get(PublicArea, area_id)
        if area is None or area.estate_id != duty.estate_id:
            raise Invalid("area", _("请选择本项目的公共区域。"))
    return building, unit, area


def report_due_for(estate: Estate, happened_at: datetime) -> datetime:
    """A major event's written report is due by the end of the next day, in the estate's zone
    (23:59 of that day: "00:00" of the day after would read as the wrong day)."""
    zone = ZoneInfo(estate.timezone)
    day = happened_at.astimezone(zone).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, 23, 59, tzinfo=zone)


def record_event(
    actor: User,
    duty: Duty,
    *,
    kind: str,
    happened_at: datetime | None,
    description: str,
    handling: str = "",
    building_id: int | None = None,
    unit_number: str = "",
    area_id: int | None = None,
    place: str = "",
    major: bool = False,
    resolved: bool = False,
    contact_name: str = "",
    contact_phone: str = "",
    outcome: str = "",
    uploads=(),
) -> DutyEvent:
    """One line of the duty log: an event of the shift, or a call or visit.

    A major event tells the estate's managers at once and owes a written report by the end of
    the next day. A call or visit is done once written down (answered, or passed on)."""
    DUTY.check(actor, duty, "log")
    if kind not in {k.value for k in EventKind}:
        raise Invalid("kind", _("请选择记录类型。"))
    description = (description or "").strip()
    if not description:
        raise Invalid(
            "description",
            _("请写明发生了什么。") if kind == EventKind.EVENT else _("请写明来电来访的事由。"),
        )
    now = clock.now()
    happened_at = happened_at or now
    if happened_at > now + CLOCK_SLACK:
        raise Invalid("happened_at", _("时间不能晚于现在。"))
    if happened_at < duty.started_at - timedelta(days=1):
        raise Invalid("happened_at", _("时间早于本班开始太多，请检查。"))
    is_event = kind == EventKind.EVENT
    if not is_event and outcome not in OUTCOMES:
        raise Invalid("outcome", _("请选择已答复或已转交。"))
    building, unit, area = _place(actor, duty, building_id, unit_number.strip(), area_id)
    major = bool(major) and is_event
    event = DutyEvent(
        duty_id=duty.id,
        estate_id=duty.estate_id,
        kind=kind,
        happened_at=happened_at,
        building_id=building.id if building else None,
        unit_id=unit.id if unit else None,
        area_id=area.id if area else None,
        place=place.strip()[:120],
        description=description,
        handling=(handling or "").strip(),
        contact_name=contact_name.strip()[:64],
        contact_phone=contact_phone.strip()[:20],
        outcome=outcome if not is_event else "",
        major=major,
        # Calls and visits are done once written down; an event when it says so.
        resolved_at=now if (resolved or not is_event) else None,
        resolved_by_id=actor.id if (resolved or not is_event) else None,
        report_due_at=report_due_for(duty.estate, happened_at) if major else None,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(event)
    db.session.flush()
    for photo in photos.ingest_uploads(uploads, actor):
        photos.attach(photo, EVENT, event.id, "evidence", actor)
    audit.record(
        actor,
        f"duty.{kind}",
        EVENT,
        event.id,
        estate_id=duty.estate_id,
        after={
            "duty": duty.id,
            "major": major,
            "resolved": event.resolved_at is not None,
            **({"outcome": outcome} if not is_event else {}),
        },
    )
    if major:
        escalation.notify(
            escalation.staff_of(duty.estate_id, [Role.MANAGER]),
            kind="major_event",
            key=f"{EVENT}:{event.id}:major",
            to_group=True,
            target_type=EVENT,
            target_id=event.id,
            estate_id=duty.estate_id,
            title=_title(event),
        )
    return event


def _title(event: DutyEvent) -> str:
    where = event.where
    return f"{where} · {event.description[:60]}" if where else event.description[:80]


FIELDS = ("handling", "resolved_at", "report", "report_written_at")


def resolve(actor: User, event: DutyEvent, *, handling: str, version: int | None) -> None:
    """The event is dealt with: how, in writing."""
    if version is not None:
        check_version(event, version)
    DUTY_EVENT.check(actor, event, "resolve")
    handling = (handling or "").strip()
    if not handling:
        raise Invalid("handling", _("请写明处理结果。"))
    before = audit.snapshot(event, FIELDS)
    event.handling = handling
    event.resolved_at = clock.now()
    event.resolved_by_id = actor.id
    db.session.flush()
    audit.record(
        actor,
        "duty.resolve",
        EVENT,
        event.id,
        estate_id=event.estate_id,
        before=before,
        after=audit.snapshot(event, FIELDS),
    )


def write_report(actor: User, event: DutyEvent, *, report: str, version: int | None) -> None:
    """The written report of a major event (重大事件书面报告) for the manager."""
    if version is not None:
        check_version(event, version)
    DUTY_EVENT.check(actor, event, "report")
    report = (report or "").strip()
    if len(report) < 10:
        raise Invalid("report", _("书面报告至少写 10 个字：经过、处理、结果。"))
    before = audit.snapshot(event, FIELDS)
    event.report = report
    event.report_written_at = clock.now()
    db.session.flush()
    audit.record(
        actor,
        "duty.report",
        EVENT,
        event.id,
        estate_id=event.estate_id,
        before=before,
        after=audit.snapshot(event, FIELDS),
    )
    escalation.notify(
        escalation.staff_of(event.estate_id, [Role.MANAGER]),
        kind="major_event_report",
        key=f"{EVENT}:{event.id}:report",
        target_type=EVENT,
        target_id=event.id,
        estate_id=event.estate_id,
        title=_title(event),
    )


def dispatch(actor: User, event: DutyEvent, *, department: str, due_at: datetime) -> WorkOrder:
    """Send what the event found to a department as a work order (部门工作联系单)."""
    DUTY_EVENT.check(actor, event, "dispatch")
    if due_at <= clock.now():
        raise Invalid("due", _("期限应晚于现在。"))
    order = workorders.dispatch(
        actor,
        estate=db.session.get(Estate, event.estate_id),
        department=department,
        location=event.where,
        description=event.description,
        due_at=due_at,
        origin_type=EVENT,
        origin_id=event.id,
    )
    for item in photos.photos_for(EVENT, [event.id]).get(event.id, []):
        photos.attach(item.photo, workorders.TARGET, order.id, "before", actor)
    audit.record(
        actor,
        "duty.dispatch",
        EVENT,
        event.id,
        estate_id=event.estate_id,
        after={"work_order": order.number},
    )
    return order


def orders_of(event: DutyEvent) -> list[WorkOrder]:
    return list(
        db.session.scalars(
            select(WorkOrder)
            .where(WorkOrder.origin_type == EVENT, WorkOrder.origin_id == event.id)
            .order_by(WorkOrder.id)
        )
    )


def hand_over(event: DutyEvent, to: User) -> None:
    """An unresolved event becomes the incoming person's to see through (a shift handover)."""
    if event.resolved_at is not None or event.responsible_id == to.id:
        return
    event.responsible_id = to.id
    db.session.flush()
    audit.record(
        to,
        "duty.handover",
        EVENT,
        event.id,
        estate_id=event.estate_id,
        after={"responsible": to.display_name},
    )


def carried_over(user: User, duty: Duty, limit: int = 50) -> list[DutyEvent]:
    """Unresolved events of earlier shifts that this person took over (shown on their duty)."""
    return list(
        db.session.scalars(
            select(DutyEvent)
            .where(
                DutyEvent.responsible_id == user.id,
                DutyEvent.resolved_at.is_(None),
                DutyEvent.duty_id != duty.id,
            )
            .options(*PLACE, WRITER)
            .order_by(DutyEvent.happened_at)
            .limit(limit)
        )
    )


# --- the shift's checks --------------------------------------------------------------------------


def checks_of(duty: Duty) -> dict[str, DutyCheck]:
    return {
        c.item: c for c in db.session.scalars(select(DutyCheck).where(DutyCheck.duty_id == duty.id))
    }


def tick(actor: User, duty: Duty, item: str, note: str = "") -> DutyCheck:
    """A timed check done; ticking it again changes nothing (a double tap, a replay)."""
    DUTY.check(actor, duty, "check")
    if item not in CHECK_NAMES:
        raise Invalid("", _("没有这个检查项。"))
    found = db.session.scalar(
        select(DutyCheck).where(DutyCheck.duty_id == duty.id, DutyCheck.item == item)
    )
    if found is not None:
        return found
    check = DutyCheck(
        duty_id=duty.id,
        item=item,
        note=note.strip()[:200],
        done_at=clock.now(),
        done_by_id=actor.id,
    )
    db.session.add(check)
    db.session.flush()
    audit.record(
        actor, "duty.check", TARGET, duty.id, estate_id=duty.estate_id, after={"check": item}
    )
    return check


# --- a major event's report: its deadline, registered once (webapp.registry) ---------------------


def report_running(event: DutyEvent) -> bool:
    return event.report_pending


def sweep(now: datetime) -> int:
    """Escalate overdue reports of major events once per level (safe to repeat)."""
    changed = 0
    for event in db.session.scalars(
        select(DutyEvent)
        .where(
            DutyEvent.major.is_(True),
            DutyEvent.report_written_at.is_(None),
            DutyEvent.report_due_at < now,
        )
        .options(*PLACE, joinedload(DutyEvent.created_by))
    ):
        changed += escalation.escalate(
            event,
            target_type=EVENT,
            action="duty.escalate",
            level=deadlines.state(event.report_due_at, now).level,
            due_at=event.report_due_at,
            title=_("重大事件书面报告逾期：%(t)s", t=_title(event)),
            responsible=[event.created_by],
        )
    db.session.flush()
    return changed


def overdue_reports(user: User, now: datetime, limit: int = 20) -> list[DutyEvent]:
    """Major events whose report is late, at this person's level."""
    level = deadlines.level_for(user)
    return list(
        db.session.scalars(
            visible_events(user)
            .where(
                DutyEvent.report_written_at.is_(None),
                DutyEvent.report_due_at < deadlines.overdue_since(now, level),
            )
            .options(*PLACE)
            .order_by(DutyEvent.report_due_at)
            .limit(limit)
        )
    )


def reports_due(user: User, *, mine: bool = True, limit: int = 20) -> list[DutyEvent]:
    """Written reports still due, the earliest first: those this person owes (the major events
    they wrote down), or with mine=False every one of their estates (the manager's list)."""
    if not user.is_staff:
        return []
    query = visible_events(user).where(
        DutyEvent.report_written_at.is_(None), DutyEvent.report_due_at.is_not(None)
    )
    if mine:
        query = query.where(DutyEvent.created_by_id == user.id)
    return list(
        db.session.scalars(query.options(*PLACE).order_by(DutyEvent.report_due_at).limit(limit))
    )


def report_line(event: DutyEvent, now: datetime) -> deadlines.Line:
    return deadlines.Line(
        _("重大事件报告 · %(t)s", t=_title(event)),
        url_for("duty.event", event_id=event.id),
        _("期限 %(when)s", when=format_when(event.report_due_at)),
        deadlines.state(event.report_due_at, now, done=not event.report_pending).css,
    )


# --- a line of the log as a ticket would start from it -------------------------------------------


def as_finding(user: User, event_id: int) -> Finding:
    """A duty event, call or visit as a ticket would start from it (404 unless visible)."""
    event = get_event_or_404(user, event_id)
    is_event = event.kind == EventKind.EVENT
    return Finding(
        EVENT,
        event,
        _("值班记录 #%(n)d", n=event.id),
        event.estate_id,
        event.unit,
        "other",
        # The place in words only when the ticket's unit does not say it already.
        (
            f"{event.where}：{event.description}"
            if event.where and event.unit is None
            else event.description
        )[:DESCRIPTION_MAX],
        event.created_by,
        EVENT,
        url_for("duty.event", event_id=event.id),
        ticket_kind="complaint" if is_event else "inquiry",
        channel=TICKET_CHANNEL[event.kind],
        reporter_name=event.contact_name or None,
        reporter_phone=event.contact_phone,
    )

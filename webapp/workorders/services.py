"""Work orders: sent to a department, reported fixed, re-inspected (pass closes, fail reopens).

The lifecycle is the workflow WORK_ORDER; views call transition() and nothing else moves a status.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from webapp import audit, clock, deadlines, escalation, paging
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.labels import DEPARTMENT_LABELS
from webapp.locks import check_version
from webapp.models import Department, Estate, Role, User, WorkOrder, WorkOrderStatus
from webapp.numbering import next_number
from webapp.photos import services as photos
from webapp.scoping import estate_ids_of, get_or_404
from webapp.tickets.intake import Finding
from webapp.tickets.lifecycle import CATEGORIES
from webapp.workflow import STAFF, SUPERVISORS, Rule, Workflow, step

OPEN, FIXED, CLOSED = WorkOrderStatus.OPEN, WorkOrderStatus.FIXED, WorkOrderStatus.CLOSED

# The one who found it re-inspects; a supervisor or the manager may stand in.
REINSPECTOR = Rule(
    lambda user, order: user.id == order.reported_by_id or user.role in SUPERVISORS,
    _l("复查应由发现问题的人或客服主任完成。"),
)
WORK_ORDER = Workflow(
    "work_order",
    WorkOrder,
    [
        step("fix", (OPEN,), FIXED, rules=[STAFF]),  # the department's reply, recorded
        step("pass", (FIXED,), CLOSED, rules=[STAFF, REINSPECTOR]),
        step("fail", (FIXED,), OPEN, rules=[STAFF, REINSPECTOR]),
    ],
    status_message=_l("工单当前状态不允许这个操作，请刷新后查看。"),
)

TARGET = "work_order"
# The list's order: what still needs doing first, each status by due time.
STATUSES = (OPEN, FIXED, CLOSED)
BY_DUE = paging.Order.of(WorkOrder.due_at, WorkOrder.id)
DEFAULT_DUE = timedelta(hours=24)
FIELDS = ("status", "due_at", "reply_note", "reopen_count")


def _snapshot(order: WorkOrder) -> dict:
    return audit.snapshot(order, FIELDS)


def dispatch(
    actor: User,
    *,
    estate: Estate,
    department: str,
    location: str,
    description: str,
    due_at: datetime,
    origin_type: str,
    origin_id: int,
) -> WorkOrder:
    if department not in {d.value for d in Department}:
        raise Invalid("department", _("请选择部门。"))
    now = clock.now()
    order = WorkOrder(
        number=next_number("WO", estate, now),
        estate_id=estate.id,
        department=department,
        location=location[:120],
        description=description or _("（未填写说明）"),
        status=OPEN,
        due_at=due_at,
        origin_type=origin_type,
        origin_id=origin_id,
        reported_by_id=actor.id,
        created_at=now,
    )
    db.session.add(order)
    db.session.flush()
    audit.record(
        actor,
        "workorder.dispatch",
        "work_order",
        order.id,
        estate_id=estate.id,
        after={**_snapshot(order), "department": department, "number": order.number},
    )
    return order


def transition(
    order: WorkOrder,
    action: str,
    actor: User,
    *,
    version: int | None = None,
    note: str = "",
    new_due: datetime | None = None,
    after_photos=(),
) -> None:
    """Take a step of WORK_ORDER; `version` is the one the actor's form was made from."""
    if version is not None:
        check_version(order, version)
    target = WORK_ORDER.check(actor, order, action).target
    before = _snapshot(order)
    now = clock.now()
    if action == "fix":
        if not note.strip():
            raise Invalid("note", _("请填写处理情况。"))
        order.reply_note = note.strip()
        order.fixed_at = now
        for photo in after_photos:
            photos.attach(photo, "work_order", order.id, "after", actor)
    elif action == "pass":
        order.closed_at = now
    else:
        if new_due is None or new_due <= now:
            raise Invalid("due", _("请给出一个将来的新期限。"))
        order.due_at = new_due
        order.reopen_count += 1
        order.escalation_level = 0
        if note.strip():
            order.reply_note = f"{order.reply_note}\n【复查未通过】{note.strip()}".strip()
    order.status = target
    db.session.flush()
    audit.record(
        actor,
        f"workorder.{action}",
        "work_order",
        order.id,
        estate_id=order.estate_id,
        before=before,
        after=_snapshot(order),
    )


def visible_work_orders(user: User) -> Select:
    if not user.is_staff:
        return select(WorkOrder).where(WorkOrder.id.is_(None))
    return select(WorkOrder).where(WorkOrder.estate_id.in_(estate_ids_of(user)))


def visible_ids(user: User, ids: list[int]) -> set[int]:
    return set(
        db.session.scalars(
            visible_work_orders(user).where(WorkOrder.id.in_(ids)).with_only_columns(WorkOrder.id)
        )
    )


def listing(
    user: User,
    *,
    status: str | None = None,
    department: str | None = None,
    overdue: bool = False,
    size: int = 25,
    after: str | None = None,
) -> paging.Page[WorkOrder]:
    """Work orders of the person's estates, one page after the token `after`: open ones
    first, then those waiting for re-inspection, then closed; each by due time."""
    query = visible_work_orders(user).options(joinedload(WorkOrder.reported_by))
    groups = [(s, WorkOrder.status == s) for s in STATUSES if not status or s == status]
    if department:
        query = query.where(WorkOrder.department == department)
    if overdue:
        groups = [g for g in groups if g[0] == OPEN]
        query = query.where(WorkOrder.due_at < clock.now())
    return paging.read_groups(query, groups, BY_DUE, after, size)


def running(order: WorkOrder) -> bool:
    """Its due time runs until the department reports it fixed."""
    return order.status == OPEN


def home_line(order: WorkOrder, now: datetime) -> deadlines.Line:
    return deadlines.Line(
        f"{order.number} · {order.location}",
        url_for("workorders.detail", order_id=order.id),
        f"{DEPARTMENT_LABELS.get(order.department, order.department)} · {order.description[:40]}",
        deadlines.state_of(order, now).css,
    )


def escalated_to(user: User, now: datetime, limit: int = 20) -> list[WorkOrder]:
    """Open work orders past due at this person's level (the supervisor, then the manager)."""
    level = deadlines.level_for(user)
    return list(
        db.session.scalars(
            visible_work_orders(user)
            .where(WorkOrder.status == OPEN, WorkOrder.due_at < deadlines.overdue_since(now, level))
            .order_by(WorkOrder.due_at)
            .limit(limit)
        )
    )


def waiting_reinspection(user: User, limit: int = 20) -> list[WorkOrder]:
    query = visible_work_orders(user).where(WorkOrder.status == FIXED)
    if user.role == Role.ASSISTANT:
        query = query.where(WorkOrder.reported_by_id == user.id)
    return list(db.session.scalars(query.order_by(WorkOrder.fixed_at).limit(limit)))


def sweep(now: datetime) -> int:
    """Escalate each newly overdue level once and tell its people (cron; safe to repeat)."""
    changed = 0
    orders = db.session.scalars(
        select(WorkOrder)
        .where(WorkOrder.status == OPEN, WorkOrder.due_at < now)
        .options(joinedload(WorkOrder.reported_by))
    )
    for order in orders:
        changed += escalation.escalate(
            order,
            target_type="work_order",
            action="workorder.escalate",
            level=deadlines.state(order.due_at, now).level,
            due_at=order.due_at,
            title=f"{order.number} · {order.location}",
            responsible=[order.reported_by],
        )
    db.session.flush()
    return changed


def as_finding(user: User, order_id: int) -> Finding:
    """A work order as a ticket would start from it (404 unless this person may see it)."""
    order = get_or_404(visible_work_orders(user), WorkOrder, order_id)
    return Finding(
        TARGET,
        order,
        order.number,
        order.estate_id,
        None,
        order.department if order.department in CATEGORIES else "other",
        f"{order.location}：{order.description}" if order.location else order.description,
        order.reported_by,
        TARGET,
        url_for("workorders.detail", order_id=order.id),
        ticket_kind="repair",
    )


def open_reported_by(user: User, estate_id: int, limit: int = 50) -> list[WorkOrder]:
    """Work orders this person found that are not closed yet: they re-inspect them."""
    return list(
        db.session.scalars(
            select(WorkOrder)
            .where(
                WorkOrder.estate_id == estate_id,
                WorkOrder.reported_by_id == user.id,
                WorkOrder.status.in_([OPEN, FIXED]),
            )
            .order_by(WorkOrder.due_at, WorkOrder.id)
            .limit(limit)
        )
    )


def hand_over(order: WorkOrder, to: User, actor: User) -> bool:
    """The incoming person of a shift re-inspects it instead (recorded in its history)."""
    if order.status == CLOSED or order.reported_by_id == to.id:
        return False
    before = {"reported_by": order.reported_by.display_name}
    order.reported_by_id = to.id
    db.session.flush()
    audit.record(
        actor,
        "workorder.handover",
        TARGET,
        order.id,
        estate_id=order.estate_id,
        before=before,
        after={"reported_by": to.display_name},
    )
    return True

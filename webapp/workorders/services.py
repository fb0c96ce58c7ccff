"""Work orders: sent to a department, reported fixed, re-inspected (pass closes, fail reopens).

The lifecycle is the workflow WORK_ORDER; views call transition() and nothing else moves a status.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from webapp import audit, clock, deadlines, escalation, outbox, paging, robots, signedlinks
from webapp.errors import IllegalTransition, Invalid
from webapp.extensions import db
from webapp.labels import DEPARTMENT_LABELS, HOLD_KIND_LABELS
from webapp.links import external_url_if_known
from webapp.locks import check_version
from webapp.models import (
    Department,
    Estate,
    Role,
    SignedLink,
    Ticket,
    User,
    WorkOrder,
    WorkOrderStatus,
)
from webapp.numbering import next_number
from webapp.photos import services as photos
from webapp.scoping import estate_ids_of, get_or_404
from webapp.tickets import inbox as ticket_lists
from webapp.tickets import intake as tickets
from webapp.tickets import lifecycle as ticket_flow
from webapp.tickets.intake import Finding
from webapp.tickets.lifecycle import CATEGORIES
from webapp.workflow import STAFF, SUPERVISORS, Rule, Workflow, step

OPEN, HELD, FIXED, CLOSED = (
    WorkOrderStatus.OPEN,
    WorkOrderStatus.HELD,
    WorkOrderStatus.FIXED,
    WorkOrderStatus.CLOSED,
)

# The one who found it re-inspects; a supervisor or the manager may stand in.
REINSPECTOR = Rule(
    lambda user, order: user.id == order.reported_by_id or user.role in SUPERVISORS,
    _l("复查应由发现问题的人或客服主任完成。"),
)
# The department answers through its link, not as a person of the app.
DEPARTMENT_ONLY = Rule(lambda user, order: False, _l("由部门通过工单链接回复。"))
SUPERVISOR = Rule(lambda user, order: user.role in SUPERVISORS, _l("只有客服主任或经理可以操作。"))
WORK_ORDER = Workflow(
    "work_order",
    WorkOrder,
    [
        # The department's reply, through its link or recorded by customer service.
        step("fix", (OPEN, HELD), FIXED, rules=[STAFF]),
        # 无法处理 / 需配合: only the department says so, through its link.
        step("hold", (OPEN,), HELD, rules=[DEPARTMENT_ONLY]),
        # Customer service sorts out what held it and sends it again with a new due time.
        step("resume", (HELD,), OPEN, rules=[STAFF, SUPERVISOR]),
        step("pass", (FIXED,), CLOSED, rules=[STAFF, REINSPECTOR]),
        step("fail", (FIXED,), OPEN, rules=[STAFF, REINSPECTOR]),
    ],
    status_message=_l("工单当前状态不允许这个操作，请刷新后查看。"),
)

TARGET = "work_order"
# The list's order: what still needs doing first, each status by due time.
STATUSES = (HELD, OPEN, FIXED, CLOSED)
BY_DUE = paging.Order.of(WorkOrder.due_at, WorkOrder.id)
DEFAULT_DUE = timedelta(hours=24)
FIELDS = (
    "status",
    "due_at",
    "reply_note",
    "reopen_count",
    "hold_kind",
    "hold_reason",
    "instructions",
)
# The department's link: it works until a week after the due time (or until revoked).
LINK = "department"
LINK_GRACE = timedelta(days=7)
HOLD_KINDS = ("cannot", "needs_help")
VIA_LINK = "department_link"


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
    announce(order, actor)
    ticket = ticket_of(order)
    if ticket is not None:
        tickets.link(ticket, _finding_of(order), actor)
        ticket_flow.progress(ticket, "work_dispatched", department, actor, f"wo:{order.id}:sent")
    return order


# --- a repair's ticket (报修 → 维修单 → 复查) ---------------------------------------------------


def repair_ticket(user: User, ticket_id: int) -> Ticket:
    """A ticket of this person's estates that may send a work order (404 otherwise)."""
    ticket = get_or_404(ticket_lists.visible_tickets(user), Ticket, ticket_id)
    if ticket.status not in ticket_flow.NOT_CLOSED:
        raise IllegalTransition(ticket, _("工单已关闭，不能再派维修单。"))
    return ticket


def dispatch_for_ticket(
    actor: User, ticket: Ticket, *, department: str, location: str, description: str, due_at
) -> WorkOrder:
    if due_at <= clock.now():
        raise Invalid("due", _("期限要在将来。"))
    order = dispatch(
        actor,
        estate=ticket.estate,
        department=department,
        location=location,
        description=description,
        due_at=due_at,
        origin_type=ticket_flow.TARGET,
        origin_id=ticket.id,
    )
    # What the owner photographed is what the department is to fix: their "before" photos.
    entries = [e.id for e in ticket_flow.timeline(ticket, public_only=True)]
    for links in photos.photos_for("ticket_entry", entries).values():
        for link in links:
            photos.attach(link.photo, TARGET, order.id, "before", actor)
    return order


def ticket_of(order: WorkOrder) -> Ticket | None:
    """The ticket this work order repairs (None when it came from a patrol, a shift …)."""
    if order.origin_type != ticket_flow.TARGET:
        return None
    return db.session.get(Ticket, order.origin_id)


def _ticket_moves_on(order: WorkOrder, action: str, actor: User | None) -> None:
    ticket = ticket_of(order)
    if ticket is None or ticket.status not in ticket_flow.NOT_CLOSED:
        return
    if action == "fix":
        event = f"wo:{order.id}:fixed:{order.reopen_count}"
        ticket_flow.progress(ticket, "work_fixed", "", actor, event)
    elif action == "pass" and actor is not None:
        ticket_flow.repaired(ticket, actor)


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
    reinspection_note = ""
    if action == "fix":
        _record_fix(order, note, after_photos, now, actor)
    elif action == "pass":
        order.closed_at = now
        reinspection_note = note.strip()[:1000]
    elif action == "resume":
        if new_due is None or new_due <= now:
            raise Invalid("due", _("请给出一个将来的新期限。"))
        order.due_at = new_due
        order.escalation_level = 0
        order.instructions = note.strip()[:1000]
        order.hold_kind, order.hold_reason = "", ""
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
        after={
            **_snapshot(order),
            **({"reinspection_note": reinspection_note} if reinspection_note else {}),
        },
    )
    if action == "fix" and actor.id != order.reported_by_id:
        _reinspection_due(order)
    elif action in ("fail", "resume"):
        announce(order, actor)
    _ticket_moves_on(order, action, actor)


def _record_fix(order: WorkOrder, note: str, after_photos, now: datetime, actor, **via) -> None:
    if not note.strip():
        raise Invalid("note", _("请填写处理情况。"))
    order.reply_note = note.strip()
    order.fixed_at = now
    order.hold_kind, order.hold_reason = "", ""
    for photo in after_photos:
        photos.attach(photo, "work_order", order.id, "after", actor, **via)


def _reinspection_due(order: WorkOrder) -> None:
    """The one who found it re-inspects: told now, and it waits on their home."""
    escalation.notify(
        [order.reported_by],
        kind="reinspect",
        key=f"{TARGET}:{order.id}:fixed:{order.reopen_count}",
        target_type=TARGET,
        target_id=order.id,
        estate_id=order.estate_id,
        title=f"{order.number} · {order.location}",
    )


# --- the department's link and its group --------------------------------------------------------


def department_link(order: WorkOrder) -> SignedLink | None:
    """The order's current link for its department (None when revoked and not renewed)."""
    return signedlinks.current(LINK, TARGET, order.id)


def department_url(link: SignedLink | None) -> str | None:
    if link is None:
        return None
    return external_url_if_known("deptlink.page", token=signedlinks.token_of(link))


def ensure_link(order: WorkOrder, actor: User | None) -> SignedLink:
    """A working link, valid until a week after the due time (made or extended as needed)."""
    until = order.due_at + LINK_GRACE
    link = department_link(order)
    if link is None:
        link = signedlinks.issue(
            LINK, TARGET, order.id, expires_at=until, estate_id=order.estate_id, actor=actor
        )
    else:
        signedlinks.extend(link, until)
    return link


def announce(order: WorkOrder, actor: User | None) -> None:
    """Post the work order to its department's group with its link (again after a failed
    re-inspection or a resumption: each round is one message)."""
    url = department_url(ensure_link(order, actor))
    zone = ZoneInfo(order.estate.timezone)
    with outbox.group_locale():
        heading = _("部门工作联系单") if not order.reopen_count else _("复查未通过，请重新处理")
        due = f"{order.due_at.astimezone(zone):%Y-%m-%d %H:%M}"
        lines = [
            f"**{heading} {order.number}**",
            "> " + _("项目：%(v)s", v=robots.plain(order.estate.name, 40)),
            "> " + _("位置：%(v)s", v=robots.plain(order.location, 120)),
            "> " + _("问题：%(v)s", v=robots.plain(order.description, 300)),
            "> " + _("期限：%(v)s", v=due),
        ]
        if order.instructions:
            lines.append("> " + _("客服说明：%(v)s", v=robots.plain(order.instructions, 300)))
        if url:
            lines.append("[" + _("打开工单，回复处理结果") + f"]({url})")
        title = _("工作联系单 %(number)s", number=order.number)
    outbox.post(
        order.estate_id,
        order.department,
        key=f"{TARGET}:{order.id}:dispatch:{order.reopen_count}:{order.due_at:%Y%m%d%H%M}",
        kind="work_order",
        title=title,
        body="\n".join(lines),
        target_type=TARGET,
        target_id=order.id,
    )


def revoke_link(order: WorkOrder, actor: User) -> None:
    link = department_link(order)
    if link is None:
        return
    signedlinks.revoke(link)
    audit.record(actor, "workorder.link_revoke", TARGET, order.id, estate_id=order.estate_id)


def renew_link(order: WorkOrder, actor: User) -> SignedLink:
    """A new link after the old one was revoked (or has expired): the old one stays dead."""
    link = department_link(order)
    if link is not None and not signedlinks.live(link):
        signedlinks.revoke(link)
        link = None
    if link is None:
        link = signedlinks.issue(
            LINK,
            TARGET,
            order.id,
            expires_at=max(order.due_at, clock.now()) + LINK_GRACE,
            estate_id=order.estate_id,
            actor=actor,
        )
        audit.record(actor, "workorder.link_issue", TARGET, order.id, estate_id=order.estate_id)
    return link


def by_link(token: str) -> WorkOrder | None:
    """The one work order a department link opens (None: unknown, expired or revoked)."""
    link = signedlinks.resolve(token, LINK)
    if link is None or link.target_type != TARGET:
        return None
    return db.session.get(WorkOrder, link.target_id)


def _link_step(order: WorkOrder, action: str):
    found = WORK_ORDER.by_action[action]
    if order.status not in found.sources:
        raise IllegalTransition(order, _("这张工单已经回复过了，无需再次提交。"))
    return found.target


def _via_link(order: WorkOrder, action: str, name: str, change: Callable[[str], None]) -> str:
    """One step taken through the department's link: checked, made, audited as "via department
    link" under the name the person gave; returns that name."""
    name = _name(name)
    target = _link_step(order, action)
    before = _snapshot(order)
    change(name)
    order.replied_by = name
    order.status = target
    db.session.flush()
    audit.record(
        None,
        f"workorder.{action}",
        TARGET,
        order.id,
        estate_id=order.estate_id,
        before=before,
        after=_snapshot(order),
        via=VIA_LINK,
        via_name=name,
    )
    return name


def reply_via_link(order: WorkOrder, *, name: str, note: str, uploads=()) -> None:
    """已修复, said by someone of the department through the link (no account: their name)."""

    def fixed(who: str) -> None:
        after_photos = photos.ingest_uploads(uploads, None)
        _record_fix(order, note, after_photos, clock.now(), None, via=VIA_LINK, via_name=who)

    _via_link(order, "fix", name, fixed)
    _reinspection_due(order)
    _ticket_moves_on(order, "fix", None)


def hold_via_link(order: WorkOrder, *, name: str, kind: str, reason: str) -> None:
    """无法处理 / 需配合, with the reason: customer service is told and sorts it out."""
    if kind not in HOLD_KINDS:
        raise Invalid("kind", _("请选择：无法处理，或需要配合。"))
    if not reason.strip():
        raise Invalid("reason", _("请写明原因。"))

    def held_back(_who: str) -> None:
        order.hold_kind, order.hold_reason = kind, reason.strip()[:1000]

    name = _via_link(order, "hold", name, held_back)
    title = f"{order.number} · {order.location}"
    escalation.notify(
        escalation.staff_of(order.estate_id, SUPERVISORS),
        kind="work_order_held",
        key=f"{TARGET}:{order.id}:held:{order.reopen_count}:{order.due_at:%Y%m%d%H%M}",
        target_type=TARGET,
        target_id=order.id,
        estate_id=order.estate_id,
        title=title,
    )
    with outbox.group_locale():
        lines = [
            _("部门：%(v)s", v=DEPARTMENT_LABELS.get(order.department, order.department)),
            f"{HOLD_KIND_LABELS[kind]}：{robots.plain(reason, 300)}",
            _("回复人：%(v)s", v=robots.plain(name, 40)),
        ]
    escalation.announce(
        order.estate_id,
        key=f"{TARGET}:{order.id}:held:{order.reopen_count}:{order.due_at:%Y%m%d%H%M}",
        kind="work_order_held",
        title=title,
        lines=lines,
        target_type=TARGET,
        target_id=order.id,
    )


def _name(name: str) -> str:
    name = " ".join((name or "").split())[:40]
    if not name:
        raise Invalid("name", _("请填写你的姓名。"))
    return name


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


# Open work orders by age (days since they were sent): the dashboard's buckets, and the list's
# filter behind each.
AGES = {"day": (0, 1), "days": (1, 3), "older": (3, None)}


def _narrowed(
    query: Select,
    *,
    department: str | None,
    estate_id: int | None,
    age: str | None,
    now: datetime,
) -> Select:
    if department:
        query = query.where(WorkOrder.department == department)
    if estate_id:
        query = query.where(WorkOrder.estate_id == estate_id)
    if age in AGES:
        low, high = AGES[age]
        query = query.where(WorkOrder.created_at <= now - timedelta(days=low))
        if high is not None:
            query = query.where(WorkOrder.created_at > now - timedelta(days=high))
    return query


def listing(
    user: User,
    *,
    status: str | None = None,
    department: str | None = None,
    overdue: bool = False,
    estate_id: int | None = None,
    age: str | None = None,
    size: int = 25,
    after: str | None = None,
) -> paging.Page[WorkOrder]:
    """Work orders of the person's estates, one page after the token `after`: open ones
    first, then those waiting for re-inspection, then closed; each by due time."""
    now = clock.now()
    query = _narrowed(
        visible_work_orders(user).options(joinedload(WorkOrder.reported_by)),
        department=department,
        estate_id=estate_id,
        age=age,
        now=now,
    )
    groups = [(s, WorkOrder.status == s) for s in STATUSES if not status or s == status]
    if overdue:
        groups = [g for g in groups if g[0] == OPEN]
        query = query.where(WorkOrder.due_at < now)
    return paging.read_groups(query, groups, BY_DUE, after, size)


def filtered(
    user: User,
    *,
    status: str | None = None,
    department: str | None = None,
    overdue: bool = False,
    estate_id: int | None = None,
    age: str | None = None,
) -> Select:
    """Every work order the list shows with these filters, unordered (the export, the
    dashboard's figures)."""
    now = clock.now()
    query = _narrowed(
        visible_work_orders(user), department=department, estate_id=estate_id, age=age, now=now
    )
    if status:
        query = query.where(WorkOrder.status == status)
    if overdue:
        query = query.where(WorkOrder.status == OPEN, WorkOrder.due_at < now)
    return query


def export(user: User, **filters):
    """Every work order the list shows with these filters, by due time, read in batches with
    their estates and finders (for the .xlsx export)."""
    query = filtered(user, **filters).options(
        joinedload(WorkOrder.reported_by), joinedload(WorkOrder.estate)
    )
    return db.session.scalars(
        query.order_by(WorkOrder.due_at, WorkOrder.id).execution_options(yield_per=500)
    )


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


def held(user: User, limit: int = 20) -> list[WorkOrder]:
    """Work orders a department held back (无法处理 / 需配合): customer service sorts them out."""
    query = visible_work_orders(user).where(WorkOrder.status == HELD)
    return list(db.session.scalars(query.order_by(WorkOrder.due_at, WorkOrder.id).limit(limit)))


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
    return _finding_of(get_or_404(visible_work_orders(user), WorkOrder, order_id))


def _finding_of(order: WorkOrder) -> Finding:
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
        # Outside a request (a service called from a job) there is no page to link to.
        url_for("workorders.detail", order_id=order.id) if has_request_context() else "",
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

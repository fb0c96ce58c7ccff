"""Shift handover (交接班): nobody leaves until the next person has taken over.

Rules (seed 000 篇3 2.3, 篇4 2.7): the outgoing person writes down the unfinished work, the
superiors' new instructions and the state of repairs, hands keys, radios and documents over face
to face, and both sign. A major event of the shift still unresolved blocks the handover. On
acceptance what was listed as open becomes the incoming person's, in each item's history; the
signed handover is locked.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp import audit, clock, escalation, signoff
from webapp.decoration import services as decoration
from webapp.duty import services as duty_log
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.i18n import format_when
from webapp.keys import services as key_register
from webapp.locks import check_version
from webapp.models import (
    Duty,
    DutyEvent,
    DutyStatus,
    EventKind,
    Handover,
    HandoverStatus,
    KeyLoan,
    Role,
    Signature,
    Ticket,
    User,
    WorkOrder,
)
from webapp.scoping import estate_ids_of, get_or_404
from webapp.tickets import lifecycle as tickets
from webapp.workflow import STAFF, Rule, Workflow, step
from webapp.workorders import services as workorders

TARGET = "handover"
PREPARED, ACCEPTED, REFUSED = (
    HandoverStatus.PREPARED,
    HandoverStatus.ACCEPTED,
    HandoverStatus.REFUSED,
)
# The open items are kept as data (numbers, names, times), never as words of one language: the
# record is read later in another. Notices due within this window are listed for the next shift.
NOTICES_WITHIN = timedelta(hours=24)
# A handover taken over later than this after it was prepared shows as late in the history.
LATE_AFTER = timedelta(minutes=30)
# What is handed over face to face (the rules name keys, radios and documents).
IN_PERSON = (
    ("keys", _l("钥匙")),
    ("radio", _l("对讲机")),
    ("documents", _l("文件资料")),
    ("log", _l("值班日志")),
)
IN_PERSON_NAMES = {key for key, _label in IN_PERSON}


NOT_THE_OUTGOING = Rule(
    lambda user, handover: user.id != handover.from_user_id, _l("不能自己接自己的班。")
)
HANDOVER = Workflow(
    "handover",
    Handover,
    [
        step(
            "accept",
            (PREPARED,),
            ACCEPTED,
            rules=[STAFF, NOT_THE_OUTGOING],
            holds=[duty_log.NO_MAJOR_OPEN],
        ),
        step("refuse", (PREPARED,), REFUSED, rules=[STAFF, NOT_THE_OUTGOING]),
        # Once taken over (or refused), the manager reviews it: an opinion, as on every record.
        signoff.sign_step(
            TARGET,
            (ACCEPTED, REFUSED),
            lambda h: h.from_user_id,
            _l("交接完成后才能签署意见。"),
        ),
    ],
    status_message=_l("这份交班记录已经处理过了，请刷新后查看。"),
)


# --- what a person may see -----------------------------------------------------------------------


def visible_handovers(user: User):
    return select(Handover).where(
        Handover.estate_id.in_(estate_ids_of(user) if user.is_staff else [])
    )


def get_or_404_for(user: User, handover_id: int) -> Handover:
    return get_or_404(
        visible_handovers(user).options(
            joinedload(Handover.duty).joinedload(Duty.estate),
            joinedload(Handover.from_user),
            joinedload(Handover.to_user),
        ),
        Handover,
        handover_id,
    )


def waiting_at(user: User, limit: int = 20) -> list[Handover]:
    """Handovers at this person's estates waiting for someone to take over (not their own)."""
    if not user.is_staff:
        return []
    return list(
        db.session.scalars(
            visible_handovers(user)
            .where(Handover.status == PREPARED, Handover.from_user_id != user.id)
            .options(joinedload(Handover.from_user))
            .order_by(Handover.prepared_at)
            .limit(limit)
        )
    )


def of_duties(duty_ids: list[int]) -> dict[int, list[Handover]]:
    """Each duty's handovers, oldest first (for lists of duties), in one statement."""
    if not duty_ids:
        return {}
    found: dict[int, list[Handover]] = {}
    for h in db.session.scalars(
        select(Handover)
        .where(Handover.duty_id.in_(duty_ids))
        .options(joinedload(Handover.to_user))
        .order_by(Handover.prepared_at, Handover.id)
    ):
        found.setdefault(h.duty_id, []).append(h)
    return found


@dataclass(frozen=True)
class Badge:
    """How a handover stands, in words and a tone (pages draw it; they do not read statuses)."""

    text: str
    tone: str  # "" on time, "warn" waiting or late, "danger" refused


def badge(handover: Handover) -> Badge:
    if handover.status == PREPARED:
        return Badge(_("等待接班"), "warn")
    who = handover.to_user.display_name if handover.to_user else ""
    if handover.status == REFUSED:
        return Badge(_("%(who)s 拒绝接班", who=who), "danger")
    if late(handover):
        return Badge(_("%(who)s 已接班 · 接班延迟", who=who), "warn")
    return Badge(_("%(who)s 已接班", who=who), "")


def late(handover: Handover) -> bool:
    return (
        handover.accepted_at is not None
        and handover.accepted_at - handover.prepared_at > LATE_AFTER
    )


# --- what is still open at the end of a shift ----------------------------------------------------


@dataclass
class OpenItem:
    type: str  # duty_event | ticket | work_order | rectification_notice | key_loan
    id: int
    title: str
    meta: str = ""

    @property
    def url(self) -> str:
        return _URLS[self.type](self.id)


_URLS = {
    "duty_event": lambda i: url_for("duty.event", event_id=i),
    "ticket": lambda i: url_for("tickets.detail", ticket_id=i),
    "work_order": lambda i: url_for("workorders.detail", order_id=i),
    "rectification_notice": lambda i: url_for("decoration.notice", notice_id=i),
    "key_loan": lambda i: url_for("keys.loan", loan_id=i),
}
GROUPS = (
    ("duty_event", _l("未处理完的值班事件")),
    ("ticket", _l("跟进中的投诉报修")),
    ("work_order", _l("待完成或待复查的工单")),
    ("rectification_notice", _l("24 小时内到期的整改通知")),
    ("key_loan", _l("未归还的钥匙")),
)


def open_items(duty: Duty) -> list[OpenItem]:
    """What the next shift inherits, read now: unresolved events (this shift's, and those the
    person took over before), tickets they answer for, work orders they found, notices due
    within a day, and keys still out."""
    person = duty.person
    items: list[OpenItem] = []
    events = db.session.scalars(
        select(DutyEvent)
        .where(
            DutyEvent.estate_id == duty.estate_id,
            DutyEvent.kind == EventKind.EVENT,
            DutyEvent.resolved_at.is_(None),
            (DutyEvent.duty_id == duty.id) | (DutyEvent.responsible_id == person.id),
        )
        .options(*duty_log.PLACE)
        .order_by(DutyEvent.happened_at)
        .limit(50)
    )
    for e in events:
        items.append(
            OpenItem(
                "duty_event",
                e.id,
                e.description[:60],
                " · ".join(p for p in (format_when(e.happened_at), e.where) if p),
            )
        )
    for t in tickets.owned_open(person, duty.estate_id):
        items.append(
            OpenItem("ticket", t.id, f"{t.number} · {t.description[:40]}", t.reporter_name)
        )
    for o in workorders.open_reported_by(person, duty.estate_id):
        items.append(OpenItem("work_order", o.id, f"{o.number} · {o.location}", o.description[:40]))
    for n in decoration.notices_due_within(duty.estate_id, NOTICES_WITHIN):
        items.append(
            OpenItem(
                "rectification_notice",
                n.id,
                f"{n.number or ''} · {n.unit.label}",
                format_when(n.deadline),
            )
        )
    for loan in key_register.out_at(duty.estate_id):
        items.append(
            OpenItem(
                "key_loan",
                loan.id,
                f"{loan.key.label} · {loan.borrower_name}",
                format_when(loan.due_at),
            )
        )
    return items


def in_person_labels(handover: Handover) -> list[str]:
    """What was handed over face to face, in the reader's language (free text as typed)."""
    names = dict(IN_PERSON)
    return [str(names.get(thing, thing)) for thing in handover.in_person or []]


def listed(handover: Handover) -> list[OpenItem]:
    """The open items as they were listed when the handover was prepared."""
    return [OpenItem(**item) for item in handover.open_items or []]


def added_since(handover: Handover) -> list[OpenItem]:
    """What became open after the outgoing person signed (a ticket taken, a key lent while the
    handover waited): it goes over with the rest, and the page says so before the takeover."""
    if handover.status != PREPARED:
        return []
    signed = {(item.type, item.id) for item in listed(handover)}
    return [item for item in open_items(handover.duty) if (item.type, item.id) not in signed]


# --- the three steps -----------------------------------------------------------------------------


def _snapshot(handover: Handover) -> dict:
    return {
        "instructions": handover.instructions,
        "notes": handover.notes,
        "in_person": list(handover.in_person or []),
        "open_items": list(handover.open_items or []),
    }


def sign_opinion(actor: User, handover: Handover, opinion: str, *, fresh: bool) -> None:
    """The manager's (or a supervisor's) review of a handover, after the two sides signed."""
    signoff.check(HANDOVER, actor, handover)
    signoff.sign(
        actor,
        TARGET,
        handover.id,
        estate_id=handover.estate_id,
        content={**_snapshot(handover), "status": handover.status},
        opinion=opinion,
        fresh=fresh,
    )


def awaiting_opinion(viewer: User, limit: int = 50) -> list[Handover]:
    """Handovers taken over or refused that this person has not reviewed, the oldest first
    (never one they handed over or took over: they signed it already)."""
    if not signoff.signs(viewer):
        return []
    signed = select(Signature.target_id).where(
        Signature.target_type == TARGET, Signature.signer_id == viewer.id
    )
    return list(
        db.session.scalars(
            visible_handovers(viewer)
            .where(
                Handover.status.in_([ACCEPTED, REFUSED]),
                Handover.from_user_id != viewer.id,
                Handover.id.not_in(signed),
            )
            .options(
                joinedload(Handover.from_user),
                joinedload(Handover.to_user),
                joinedload(Handover.duty).joinedload(Duty.estate),
            )
            .order_by(Handover.prepared_at, Handover.id)
            .limit(limit)
        )
    )


def prepare(
    actor: User,
    duty: Duty,
    *,
    instructions: str,
    notes: str,
    in_person: list[str],
    other_in_person: str = "",
    fresh: bool,
) -> Handover:
    """The outgoing person signs the handover: what is open (listed now), the instructions, what
    goes over face to face. Refused while a major event of the shift is unresolved."""
    duty_log.DUTY.check(actor, duty, "hand_over")
    if not fresh:
        raise Invalid("password", _("交班前请重新输入密码。"))
    unknown = [name for name in in_person if name not in IN_PERSON_NAMES]
    if unknown:
        raise Invalid("in_person", _("请从列出的物品中选择。"))
    # Kept as names (shown in the reader's language), the free text as typed.
    things = [key for key, _label in IN_PERSON if key in in_person]
    if other_in_person.strip():
        things.append(other_in_person.strip()[:100])
    now = clock.now()
    handover = Handover(
        duty_id=duty.id,
        estate_id=duty.estate_id,
        from_user_id=actor.id,
        status=PREPARED,
        instructions=(instructions or "").strip(),
        notes=(notes or "").strip(),
        in_person=things,
        open_items=[asdict(item) for item in open_items(duty)],
        prepared_at=now,
    )
    db.session.add(handover)
    db.session.flush()
    signoff.sign(
        actor,
        TARGET,
        handover.id,
        estate_id=duty.estate_id,
        content=_snapshot(handover),
        opinion="",
        fresh=True,
        kind="handover_out",
    )
    audit.record(
        actor,
        "handover.prepare",
        TARGET,
        handover.id,
        estate_id=duty.estate_id,
        after={"duty": duty.id, "items": len(handover.open_items)},
    )
    return handover


def accept(actor: User, handover: Handover, *, fresh: bool, version: int | None) -> Duty:
    """The incoming person takes over: signs, the outgoing duty ends, theirs begins (or goes on),
    and every listed item still open becomes theirs. Returns the incoming person's duty."""
    if version is not None:
        check_version(handover, version)
    HANDOVER.check(actor, handover, "accept")
    if not fresh:
        raise Invalid("password", _("接班前请重新输入密码。"))
    added = added_since(handover)
    now = clock.now()
    handover.status = ACCEPTED
    handover.accepted_at = now
    handover.to_user_id = actor.id
    outgoing = handover.duty
    outgoing.status = DutyStatus.CLOSED
    outgoing.ended_at = now
    db.session.flush()
    incoming = duty_log.current_duty(actor)
    if incoming is None:
        incoming = duty_log.start(actor, outgoing.estate)
    _move([*listed(handover), *added], actor)
    signoff.sign(
        actor,
        TARGET,
        handover.id,
        estate_id=handover.estate_id,
        content=_snapshot(handover),
        opinion="",
        fresh=True,
        kind="handover_in",
    )
    audit.record(
        actor,
        "handover.accept",
        TARGET,
        handover.id,
        estate_id=handover.estate_id,
        after={
            "from": handover.from_user.display_name,
            "to": actor.display_name,
            "items": len(handover.open_items) + len(added),
        },
    )
    audit.record(
        actor,
        "duty.end",
        duty_log.TARGET,
        outgoing.id,
        estate_id=outgoing.estate_id,
        after={"handover": handover.id},
    )
    return incoming


def _move(items: list[OpenItem], to: User) -> None:
    """Every listed item that is still open becomes the incoming person's (its history says so)."""
    ids: dict[str, list[int]] = {}
    for item in items:
        ids.setdefault(item.type, []).append(item.id)
    for event in db.session.scalars(
        select(DutyEvent).where(
            DutyEvent.id.in_(ids.get("duty_event", [])), DutyEvent.resolved_at.is_(None)
        )
    ):
        duty_log.hand_over(event, to)
    for ticket in db.session.scalars(select(Ticket).where(Ticket.id.in_(ids.get("ticket", [])))):
        tickets.hand_over(ticket, to, to)
    for order in db.session.scalars(
        select(WorkOrder).where(WorkOrder.id.in_(ids.get("work_order", [])))
    ):
        workorders.hand_over(order, to, to)
    key_register.hand_over(
        list(
            db.session.scalars(
                select(KeyLoan)
                .where(KeyLoan.id.in_(ids.get("key_loan", [])))
                .options(joinedload(KeyLoan.responsible))
            )
        ),
        to,
        to,
    )


def refuse(actor: User, handover: Handover, *, reason: str, version: int | None) -> None:
    """The incoming person will not take over as it stands (something missing, keys short …):
    the outgoing duty stays open; the outgoing person and the supervisors are told."""
    if version is not None:
        check_version(handover, version)
    HANDOVER.check(actor, handover, "refuse")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("reason", _("请写明不接班的原因。"))
    handover.status = REFUSED
    handover.refused_at = clock.now()
    handover.to_user_id = actor.id
    handover.refusal_reason = reason
    db.session.flush()
    audit.record(
        actor,
        "handover.refuse",
        TARGET,
        handover.id,
        estate_id=handover.estate_id,
        after={"reason": reason},
    )
    escalation.notify(
        [handover.from_user, *escalation.staff_of(handover.estate_id, [Role.SUPERVISOR])],
        kind="handover_refused",
        key=f"{TARGET}:{handover.id}:refused",
        to_group=True,
        target_type=TARGET,
        target_id=handover.id,
        estate_id=handover.estate_id,
        title=_(
            "%(who)s 的交班未被接收：%(why)s",
            who=handover.from_user.display_name,
            why=reason[:60],
        ),
    )

"""Decoration sites: the permit lifecycle, daily inspections against the rules, rectification
notices with deadlines (issued by supervisors, answered by owners, checked on site), completion."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from webapp import audit, clock, deadlines, escalation, paging, signoff
from webapp.errors import IllegalTransition, Invalid
from webapp.extensions import db
from webapp.locks import check_version
from webapp.models import (
    AuditEvent,
    DecorationInspection,
    DecorationPermit,
    DecorationResult,
    DecorationRule,
    NoticeStatus,
    PermitStatus,
    RectificationNotice,
    Signature,
    Ticket,
    Unit,
    UnitOwnership,
    User,
)
from webapp.numbering import next_number
from webapp.photos import services as photos
from webapp.scoping import estate_ids_of, get_or_404
from webapp.tickets.intake import Finding
from webapp.tickets.lifecycle import VIA_TRACKING
from webapp.workflow import STAFF, SUPERVISORS, Rule, Workflow, roles, step
from webapp.workorders import services as workorders

PERMIT = "decoration_permit"
INSPECTION = "decoration_inspection"
RESULT = "decoration_result"
NOTICE = "rectification_notice"

S = PermitStatus
N = NoticeStatus
ACTIVE = (S.IN_PROGRESS, S.SUSPENDED, S.COMPLETION_REQUESTED)
HEADS = roles(*SUPERVISORS, message=_l("这一步由客服主任或经理完成。"))

PERMIT_FLOW = Workflow(
    "decoration_permit",
    DecorationPermit,
    [
        step("approve", (S.APPLIED,), S.APPROVED, rules=[HEADS]),
        step("reject", (S.APPLIED,), S.REJECTED, rules=[HEADS]),
        step("start", (S.APPROVED,), S.IN_PROGRESS, rules=[STAFF]),
        step("suspend", (S.IN_PROGRESS,), S.SUSPENDED, rules=[HEADS]),
        step("resume", (S.SUSPENDED,), S.IN_PROGRESS, rules=[HEADS]),
        step("extend", (S.IN_PROGRESS, S.SUSPENDED), rules=[HEADS]),  # a new end date
        step("request_completion", (S.IN_PROGRESS,), S.COMPLETION_REQUESTED, rules=[STAFF]),
        # Inspections of the site: daily while it runs, and the completion acceptance.
        step("inspect", ACTIVE, rules=[STAFF]),
        step(
            "accept",
            (S.COMPLETION_REQUESTED,),
            rules=[roles(*SUPERVISORS, message=_l("竣工验收由客服主任或经理完成。"))],
        ),
    ],
    status_message=_l("装修申请当前状态不允许这个操作。"),
)
# The steps taken on the permit's own form (the others open an inspection).
PERMIT_STEPS = ("approve", "reject", "start", "suspend", "resume", "extend", "request_completion")
INSPECTION_STEP = {"daily": "inspect", "completion": "accept"}

# Who issues notices depends on the person only, so lists can ask it before reading any notice.
ISSUERS = roles(*SUPERVISORS, message=_l("整改通知由客服主任或经理签发。"))
NOTICE_FLOW = Workflow(
    "rectification_notice",
    RectificationNotice,
    [
        step("issue", (N.DRAFT,), N.ISSUED, rules=[ISSUERS]),
        # The owner says it is rectified; the next inspection checks it on site.
        step(
            "reply",
            (N.ISSUED, N.REPLIED),
            N.REPLIED,
            rules=[Rule(lambda user, _n: user.is_owner, _l("整改回复由业主提交。"))],
        ),
    ],
    status_message=_l("这份通知现在不能这样办理。"),
)
# An inspection, once recorded, is reviewed: the manager signs an opinion (a supervisor may
# sign off an assistant's), never the inspector on their own.
INSPECTION_FLOW = Workflow(
    INSPECTION,
    DecorationInspection,
    [
        signoff.sign_step(
            INSPECTION, ("recorded",), lambda i: i.inspector_id, _l("这次巡查还没有记录。")
        )
    ],
    status_of=lambda inspection: "recorded",
)
DEFAULT_DEADLINE_DAYS = 3

PERMIT_FIELDS = ("status", "end_date", "deposit_status", "status_note")


# --- scoping ---------------------------------------------------------------------------------

# The permits list: the newest registered first (the primary key's order).
NEWEST = paging.Order.of((DecorationPermit.id, "desc"))


def visible_permits(user: User) -> Select:
    if user.is_owner:
        mine = select(UnitOwnership.unit_id).where(UnitOwnership.user_id == user.id)
        return select(DecorationPermit).where(DecorationPermit.unit_id.in_(mine))
    return select(DecorationPermit).where(DecorationPermit.estate_id.in_(estate_ids_of(user)))


def visible_notices(user: User) -> Select:
    if user.is_owner:
        mine = select(UnitOwnership.unit_id).where(UnitOwnership.user_id == user.id)
        # Owners see notices once issued, never drafts.
        return select(RectificationNotice).where(
            RectificationNotice.unit_id.in_(mine), RectificationNotice.status != NoticeStatus.DRAFT
        )
    return select(RectificationNotice).where(RectificationNotice.estate_id.in_(estate_ids_of(user)))


def inspection_or_404(user: User, inspection_id: int) -> DecorationInspection:
    """An inspection of a renovation this person may see (404 otherwise)."""
    permits = visible_permits(user).with_only_columns(DecorationPermit.id)
    visible = select(DecorationInspection).where(DecorationInspection.permit_id.in_(permits))
    return get_or_404(visible, DecorationInspection, inspection_id)


def inspections_export(user: User) -> Iterator[DecorationInspection]:
    """Every inspection of this person's estates, the latest first, with its permit, unit,
    inspector and answers, read in batches (the .xlsx export)."""
    query = (
        select(DecorationInspection)
        .where(
            DecorationInspection.permit_id.in_(
                visible_permits(user).with_only_columns(DecorationPermit.id)
            )
        )
        .options(
            joinedload(DecorationInspection.permit)
            .joinedload(DecorationPermit.unit)
            .joinedload(Unit.building),
            joinedload(DecorationInspection.inspector),
            selectinload(DecorationInspection.results).joinedload(DecorationResult.rule),
        )
        .order_by(DecorationInspection.inspected_at.desc(), DecorationInspection.id.desc())
    )
    return db.session.scalars(query.execution_options(yield_per=200))


def inspection_content(inspection: DecorationInspection) -> dict:
    """What a signature on an inspection vouches for (its hash is kept with the signature)."""
    return {
        "inspection": inspection.id,
        "kind": inspection.kind,
        "inspector": inspection.inspector_id,
        "inspected_at": str(inspection.inspected_at),
        "verdict": inspection.verdict,
        "note": inspection.note,
        "results": sorted((r.rule_id, r.outcome, r.note) for r in inspection.results),
    }


def sign_inspection(
    actor: User, inspection: DecorationInspection, opinion: str, *, fresh: bool
) -> None:
    signoff.check(INSPECTION_FLOW, actor, inspection)
    signoff.sign(
        actor,
        INSPECTION,
        inspection.id,
        estate_id=inspection.permit.estate_id,
        content=inspection_content(inspection),
        opinion=opinion,
        fresh=fresh,
    )


def awaiting_opinion(viewer: User, limit: int = 50) -> list[tuple[DecorationInspection, int]]:
    """Inspections the manager reviews and this person has not signed, each with how many
    violations it found: every completion acceptance, and every inspection that found a
    violation; the oldest first (one statement)."""
    if not signoff.signs(viewer):
        return []
    signed = select(Signature.target_id).where(
        Signature.target_type == INSPECTION, Signature.signer_id == viewer.id
    )
    violations = (
        select(func.count())
        .where(
            DecorationResult.inspection_id == DecorationInspection.id,
            DecorationResult.outcome == "violation",
        )
        .correlate(DecorationInspection)
        .scalar_subquery()
    )
    permits = visible_permits(viewer).with_only_columns(DecorationPermit.id)
    rows = db.session.execute(
        select(DecorationInspection, violations)
        .where(
            DecorationInspection.permit_id.in_(permits),
            DecorationInspection.inspector_id != viewer.id,
            DecorationInspection.id.not_in(signed),
            (DecorationInspection.kind == "completion") | (violations > 0),
        )
        .options(
            joinedload(DecorationInspection.permit)
            .joinedload(DecorationPermit.unit)
            .joinedload(Unit.building),
            joinedload(DecorationInspection.inspector),
        )
        .order_by(DecorationInspection.inspected_at, DecorationInspection.id)
        .limit(limit)
    ).all()
    return [(i, n) for i, n in rows]


# The notices list's states: what is waiting on whom. `due` and `overdue` split the issued
# notices at their deadline (the owner's clock runs); `replied` waits for the next inspection.
NOTICE_STATES = ("due", "overdue", "replied", "draft", "all")
DUE_FIRST = paging.Order.of((RectificationNotice.deadline, "asc"), (RectificationNotice.id, "asc"))
NEWEST_NOTICE = paging.Order.of((RectificationNotice.id, "desc"))


def notices_filtered(
    user: User, *, state: str = "due", estate_id: int | None = None, now: datetime | None = None
) -> Select:
    """The notices of one state (see NOTICE_STATES) this person may see, of one estate or all:
    the list, its export and the dashboard's figures count with this one query."""
    now = now or clock.now()
    query = visible_notices(user)
    if estate_id is not None:
        query = query.where(RectificationNotice.estate_id == estate_id)
    issued = RectificationNotice.status == NoticeStatus.ISSUED
    if state == "due":
        query = query.where(issued, RectificationNotice.deadline >= now)
    elif state == "overdue":
        query = query.where(issued, RectificationNotice.deadline < now)
    elif state == "replied":
        query = query.where(RectificationNotice.status == NoticeStatus.REPLIED)
    elif state == "draft":
        query = query.where(RectificationNotice.status == NoticeStatus.DRAFT)
    return query


def notice_order(state: str) -> paging.Order:
    """Work still running soonest deadline first; the rest newest first."""
    return DUE_FIRST if state in ("due", "overdue") else NEWEST_NOTICE


def notices_export(user: User, **filters) -> Iterator[RectificationNotice]:
    """Every rectification notice the list shows with these filters (all of this person's
    estates without), the latest first, read in batches (the export)."""
    query = notices_filtered(user, **{"state": "all", **filters}).options(
        joinedload(RectificationNotice.unit).joinedload(Unit.building),
        joinedload(RectificationNotice.permit),
        joinedload(RectificationNotice.issued_by),
    )
    return db.session.scalars(
        query.order_by(
            RectificationNotice.created_at.desc(), RectificationNotice.id.desc()
        ).execution_options(yield_per=500)
    )


def visible_notice_ids(user: User, ids: list[int]) -> set[int]:
    return set(
        db.session.scalars(
            visible_notices(user)
            .where(RectificationNotice.id.in_(ids))
            .with_only_columns(RectificationNotice.id)
        )
    )


def visible_result_ids(user: User, ids: list[int]) -> set[int]:
    if not user.is_staff:
        return set()
    permits = visible_permits(user).with_only_columns(DecorationPermit.id)
    return set(
        db.session.scalars(
            select(DecorationResult.id)
            .join(DecorationInspection)
            .where(DecorationResult.id.in_(ids), DecorationInspection.permit_id.in_(permits))
        )
    )


def visible_permit_ids(user: User, ids: list[int]) -> set[int]:
    return set(
        db.session.scalars(
            visible_permits(user)
            .where(DecorationPermit.id.in_(ids))
            .with_only_columns(DecorationPermit.id)
        )
    )


# --- permits -----------------------------------------------------------------------------------


def register(actor: User, unit: Unit, **fields) -> DecorationPermit:
    if fields["end_date"] < fields["start_date"]:
        raise Invalid("end_date", _("结束日期不能早于开始日期。"))
    active = db.session.scalar(
        select(func.count()).where(
            DecorationPermit.unit_id == unit.id,
            DecorationPermit.status.in_([S.APPLIED, S.APPROVED, *ACTIVE]),
        )
    )
    if active:
        raise Invalid("number", _("这个房屋已有进行中的装修申请。"))
    estate = unit.building.estate
    permit = DecorationPermit(
        number=next_number("ZX", estate, clock.now()),
        estate_id=estate.id,
        unit_id=unit.id,
        status=S.APPLIED,
        created_by_id=actor.id,
        created_at=clock.now(),
        **fields,
    )
    db.session.add(permit)
    db.session.flush()
    audit.record(
        actor,
        "decoration.register",
        PERMIT,
        permit.id,
        estate_id=estate.id,
        after={"number": permit.number, "unit": unit.label, "status": permit.status},
    )
    return permit


def attach_plan(actor: User, permit: DecorationPermit, uploads) -> int:
    """Photos of the approved plan (and other papers) attached to the permit."""
    stored = photos.ingest_uploads(uploads, actor, limit=10)
    if not stored:
        raise Invalid("photos", _("请选择照片。"))
    for photo in stored:
        photos.attach(photo, PERMIT, permit.id, "plan", actor)
    return len(stored)


def permit_steps(user: User, permit: DecorationPermit) -> list[str]:
    """The steps of the permit's own form that this person may take now."""
    return [a for a in PERMIT_FLOW.allowed(user, permit) if a in PERMIT_STEPS]


def transition(
    permit: DecorationPermit,
    action: str,
    actor: User,
    *,
    version: int,
    note: str = "",
    new_end: date | None = None,
) -> None:
    check_version(permit, version)
    if action not in PERMIT_STEPS:
        raise IllegalTransition(permit, _("未知的操作。"))
    target = PERMIT_FLOW.check(actor, permit, action).target
    before = audit.snapshot(permit, PERMIT_FIELDS)
    if action == "extend":
        if new_end is None or new_end <= permit.end_date:
            raise Invalid("new_end", _("延期后的结束日期要晚于原结束日期。"))
        permit.end_date = new_end
    elif action in ("reject", "suspend") and not note.strip():
        raise Invalid("note", _("请写明原因。"))
    if target is not None:
        permit.status = target
    if note.strip():
        permit.status_note = note.strip()
    db.session.flush()
    audit.record(
        actor,
        f"decoration.{action}",
        PERMIT,
        permit.id,
        estate_id=permit.estate_id,
        before=before,
        after=audit.snapshot(permit, PERMIT_FIELDS),
    )


# --- rules -------------------------------------------------------------------------------------


ENGINEERING_DUE = timedelta(hours=48)


def to_engineering(actor: User, result: DecorationResult):
    """A building-quality problem found in the unit, sent to engineering as a work order."""
    permit = result.inspection.permit
    return workorders.dispatch(
        actor,
        estate=permit.estate,
        department="engineering",
        location=permit.unit.label,
        description=f"{result.rule.text}：{result.note}",
        due_at=clock.now() + ENGINEERING_DUE,
        origin_type=RESULT,
        origin_id=result.id,
    )


def rules(estate_id: int, kind: str) -> list[DecorationRule]:
    return list(
        db.session.scalars(
            select(DecorationRule)
            .where(
                DecorationRule.estate_id == estate_id,
                DecorationRule.kind == kind,
                DecorationRule.active.is_(True),
            )
            .order_by(DecorationRule.position, DecorationRule.id)
        )
    )


def set_rules(actor: User, estate_id: int, kind: str, text: str) -> None:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        raise Invalid("rules", _("至少填写一条。"))
    if any(len(line) > 200 for line in lines):
        raise Invalid("rules", _("每条最多 200 个字。"))
    existing = {
        r.text: r
        for r in db.session.scalars(
            select(DecorationRule).where(
                DecorationRule.estate_id == estate_id, DecorationRule.kind == kind
            )
        )
    }
    before = [r.text for r in existing.values() if r.active]
    for position, line in enumerate(lines):
        rule = existing.pop(line, None) or DecorationRule(estate_id=estate_id, kind=kind, text=line)
        rule.position, rule.active = position, True
        db.session.add(rule)
    for retired in existing.values():
        retired.active = False  # inspections that used it keep pointing at it
    db.session.flush()
    audit.record(
        actor,
        "decoration.rules",
        "estate",
        estate_id,
        estate_id=estate_id,
        before={kind: before},
        after={kind: lines},
    )


# --- inspections and notices ---------------------------------------------------------------------


@dataclass
class Answer:
    rule_id: int
    outcome: str
    note: str
    uploads: list


def inspect(
    actor: User,
    permit: DecorationPermit,
    answers: list[Answer],
    *,
    note: str,
    deadline_days: int,
    checked: dict[int, str],
    verdict: str | None = None,
    deposit_status: str | None = None,
    kind: str = "daily",
) -> DecorationInspection:
    """Record an inspection: each violation writes a notice; open notices are checked on site."""
    if kind not in INSPECTION_STEP:
        raise Invalid("kind", _("请选择一项。"))
    PERMIT_FLOW.check(actor, permit, INSPECTION_STEP[kind])
    rule_map = {r.id: r for r in rules(permit.estate_id, kind)}
    answered = {a.rule_id for a in answers if a.outcome in ("ok", "violation", "na")}
    if answered != set(rule_map) or len(answers) != len(rule_map):
        missing = [f"outcome-{rule_id}" for rule_id in rule_map if rule_id not in answered]
        raise Invalid(missing or "answers", _("请选择合规、违规或不适用。"))
    violations = [a for a in answers if a.outcome == "violation"]
    unexplained = [f"note-{a.rule_id}" for a in violations if not a.note.strip()]
    if unexplained:
        raise Invalid(unexplained, _("违规项要写明看到了什么。"))
    now = clock.now()
    inspection = DecorationInspection(
        permit_id=permit.id, kind=kind, inspector_id=actor.id, inspected_at=now, note=note.strip()
    )
    db.session.add(inspection)
    db.session.flush()
    for answer in answers:
        result = DecorationResult(
            inspection_id=inspection.id,
            rule_id=answer.rule_id,
            outcome=answer.outcome,
            note=answer.note.strip(),
        )
        db.session.add(result)
        db.session.flush()
        for photo in photos.ingest_uploads(answer.uploads, actor):
            photos.attach(photo, RESULT, result.id, "evidence", actor)
        if answer.outcome == "violation" and kind == "daily":
            write_notice(
                actor,
                permit,
                result,
                rule_map[answer.rule_id].text,
                answer.note,
                now + timedelta(days=deadline_days),
            )
    for notice_id, state in checked.items():
        notice = db.session.get(RectificationNotice, notice_id)
        if (
            notice is None
            or notice.permit_id != permit.id
            or notice.status not in (NoticeStatus.ISSUED, NoticeStatus.REPLIED)
        ):
            continue
        if state == "rectified":
            before = {"status": notice.status}
            notice.status = NoticeStatus.RECTIFIED
            notice.rectified_at = now
            audit.record(
                actor,
                "notice.rectified",
                NOTICE,
                notice.id,
                estate_id=notice.estate_id,
                before=before,
                after={"status": notice.status, "inspection": inspection.id},
            )
        elif state == "not_yet" and notice.status == NoticeStatus.REPLIED:
            notice.status = NoticeStatus.ISSUED  # the owner's reply did not hold up on site
            audit.record(
                actor,
                "notice.not_rectified",
                NOTICE,
                notice.id,
                estate_id=notice.estate_id,
                after={"inspection": inspection.id},
            )
    if kind == "completion":
        if verdict not in ("accepted", "rejected"):
            raise Invalid("verdict", _("请选择验收结论。"))
        if verdict == "rejected" and not note.strip():
            raise Invalid("note", _("不通过时请写明原因。"))
        inspection.verdict = verdict
        before = audit.snapshot(permit, PERMIT_FIELDS)
        permit.status = S.ACCEPTED if verdict == "accepted" else S.IN_PROGRESS
        permit.status_note = note.strip()
        if verdict == "accepted" and deposit_status in ("refund", "refunded", "withheld"):
            permit.deposit_status = deposit_status
        audit.record(
            actor,
            f"decoration.completion_{verdict}",
            PERMIT,
            permit.id,
            estate_id=permit.estate_id,
            before=before,
            after=audit.snapshot(permit, PERMIT_FIELDS),
        )
    db.session.flush()
    audit.record(
        actor,
        "decoration.inspect",
        PERMIT,
        permit.id,
        estate_id=permit.estate_id,
        after={"kind": kind, "violations": len(violations), "inspection": inspection.id},
    )
    return inspection


def write_notice(
    actor: User,
    permit: DecorationPermit,
    result: DecorationResult | None,
    rule_text: str,
    description: str,
    deadline: datetime,
) -> RectificationNotice:
    """A notice for a violation: supervisors issue it at once, an assistant's waits for approval."""
    notice = RectificationNotice(
        estate_id=permit.estate_id,
        permit_id=permit.id,
        unit_id=permit.unit_id,
        result_id=result.id if result else None,
        rule_text=rule_text,
        description=description.strip(),
        deadline=deadline,
        status=NoticeStatus.DRAFT,
        written_by_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(notice)
    db.session.flush()
    if result is not None:
        for link in photos.photos_for(RESULT, [result.id]).get(result.id, []):
            photos.attach(link.photo, NOTICE, notice.id, "before", actor)
    audit.record(
        actor,
        "notice.write",
        NOTICE,
        notice.id,
        estate_id=permit.estate_id,
        after={"rule": rule_text, "deadline": str(deadline)},
    )
    if NOTICE_FLOW.refusal(actor, notice, "issue") is None:  # a supervisor's own notice
        issue(actor, notice, version=notice.version)
    return notice


def issue(
    actor: User, notice: RectificationNotice, *, version: int, deadline: datetime | None = None
) -> None:
    check_version(notice, version)
    NOTICE_FLOW.check(actor, notice, "issue")
    now = clock.now()
    if deadline is not None:
        if deadline <= now:
            raise Invalid("deadline", _("整改期限要在将来。"))
        notice.deadline = deadline
    notice.status = NoticeStatus.ISSUED
    notice.issued_by_id = actor.id
    notice.issued_at = now
    notice.number = next_number("ZG", notice.permit.estate, now)
    db.session.flush()
    audit.record(
        actor,
        "notice.issue",
        NOTICE,
        notice.id,
        estate_id=notice.estate_id,
        after={"number": notice.number, "deadline": str(notice.deadline)},
    )
    # The unit's owners hear of it on their phones (their bell and their decoration page).
    escalation.notify(
        escalation.owners_of([notice.unit_id]),
        kind="notice_issued",
        key=f"{NOTICE}:{notice.id}:issued",
        target_type=NOTICE,
        target_id=notice.id,
        estate_id=notice.estate_id,
        title=f"{notice.number} · {notice.unit.label}",
    )


def owner_reply(
    owner: User, notice: RectificationNotice, *, text: str, uploads, via: str | None = None
) -> None:
    """The owner says it is rectified (with a photo); it waits for the next inspection.
    `via`: sent without logging in (the owner's tracking link of a ticket)."""
    NOTICE_FLOW.check(owner, notice, "reply")
    if not text.strip():
        raise Invalid("text", _("请说明整改情况。"))
    stored = photos.ingest_uploads(uploads, owner)
    if not stored:
        raise Invalid("photos", _("请附上整改后的照片。"))
    for photo in stored:
        photos.attach(photo, NOTICE, notice.id, "after", owner, via=via)
    notice.owner_reply = text.strip()
    notice.replied_at = clock.now()
    notice.status = NoticeStatus.REPLIED
    db.session.flush()
    audit.record(
        owner,
        "notice.reply",
        NOTICE,
        notice.id,
        estate_id=notice.estate_id,
        after={"reply": notice.owner_reply},
        via=via,
    )


def reply_via_link(ticket: Ticket, notice: RectificationNotice, *, text: str, uploads) -> None:
    """The owner's reply sent through their tracking link (phone checked), in their name."""
    owner_reply(ticket.owner, notice, text=text, uploads=uploads, via=VIA_TRACKING)


def notices_for_caller(ticket: Ticket) -> list[RectificationNotice]:
    """Notices waiting for a reply on the unit of a tracking link's caller: the ticket's unit,
    when the caller is that unit's owner on the roll (found by phone when it was reported)."""
    if ticket.unit_id is None or ticket.owner_id is None:
        return []
    link = db.session.get(UnitOwnership, (ticket.owner_id, ticket.unit_id))
    if link is None or link.relation != "owner":
        return []
    return list(
        db.session.scalars(
            select(RectificationNotice)
            .where(
                RectificationNotice.unit_id == ticket.unit_id,
                RectificationNotice.status.in_([NoticeStatus.ISSUED, NoticeStatus.REPLIED]),
            )
            .order_by(RectificationNotice.deadline)
        )
    )


def open_notices(permit_ids: list[int]) -> dict[int, list[RectificationNotice]]:
    out: dict[int, list[RectificationNotice]] = {p: [] for p in permit_ids}
    if not permit_ids:
        return out
    for n in db.session.scalars(
        select(RectificationNotice)
        .where(
            RectificationNotice.permit_id.in_(permit_ids),
            RectificationNotice.status.in_(
                [NoticeStatus.DRAFT, NoticeStatus.ISSUED, NoticeStatus.REPLIED]
            ),
        )
        .order_by(RectificationNotice.deadline)
    ):
        out[n.permit_id].append(n)
    return out


@dataclass
class Site:
    permit: DecorationPermit
    last_inspection: datetime | None
    inspected_today: bool
    notices: list[RectificationNotice]
    due: bool = False  # running and not yet inspected today


def active_sites(user: User, now: datetime | None = None) -> list[Site]:
    """Today's inspection round: active sites with their last inspection and open notices."""
    now = now or clock.now()
    permits = list(
        db.session.scalars(
            visible_permits(user)
            .where(DecorationPermit.status.in_(list(ACTIVE)))
            .options(
                joinedload(DecorationPermit.unit).joinedload(Unit.building),
                joinedload(DecorationPermit.estate),
            )
            .order_by(DecorationPermit.number)
        )
    )
    ids = [p.id for p in permits]
    last = (
        dict(
            db.session.execute(
                select(DecorationInspection.permit_id, func.max(DecorationInspection.inspected_at))
                .where(DecorationInspection.permit_id.in_(ids))
                .group_by(DecorationInspection.permit_id)
            ).all()
        )
        if ids
        else {}
    )
    notices = open_notices(ids)
    sites = []
    for p in permits:
        zone = ZoneInfo(p.estate.timezone)
        seen = last.get(p.id)
        today = seen is not None and seen.astimezone(zone).date() == now.astimezone(zone).date()
        sites.append(
            Site(p, seen, today, notices[p.id], due=not today and p.status == S.IN_PROGRESS)
        )
    return sites


def notice_running(notice: RectificationNotice) -> bool:
    """Its deadline runs from issue until the owner replies (or the site shows it rectified)."""
    return notice.status == NoticeStatus.ISSUED


def notice_line(notice: RectificationNotice, now: datetime) -> deadlines.Line:
    return deadlines.Line(
        f"{notice.unit.label} · {notice.rule_text}",
        url_for("decoration.notice", notice_id=notice.id),
        notice.number or "",
        deadlines.state_of(notice, now).css,
    )


def overdue_notices(user: User, now: datetime, limit: int = 20) -> list[RectificationNotice]:
    """Issued notices past their deadline at this person's level."""
    level = deadlines.level_for(user)
    return list(
        db.session.scalars(
            visible_notices(user)
            .where(
                RectificationNotice.status == NoticeStatus.ISSUED,
                RectificationNotice.deadline < deadlines.overdue_since(now, level),
            )
            .options(joinedload(RectificationNotice.unit).joinedload(Unit.building))
            .order_by(RectificationNotice.deadline)
            .limit(limit)
        )
    )


def drafts(user: User, limit: int = 20) -> list[RectificationNotice]:
    """Drafts waiting for this person's signature (none for those who do not issue notices)."""
    if not ISSUERS.test(user, None):
        return []  # no query on an assistant's every home and site round
    return list(
        db.session.scalars(
            visible_notices(user)
            .where(RectificationNotice.status == NoticeStatus.DRAFT)
            .options(joinedload(RectificationNotice.unit).joinedload(Unit.building))
            .order_by(RectificationNotice.created_at)
            .limit(limit)
        )
    )


def sweep(now: datetime) -> int:
    """Escalate overdue notices once per level and tell their people (safe to repeat)."""
    changed = 0
    for notice in db.session.scalars(
        select(RectificationNotice)
        .where(
            RectificationNotice.status == NoticeStatus.ISSUED, RectificationNotice.deadline < now
        )
        .options(joinedload(RectificationNotice.unit).joinedload(Unit.building))
    ):
        changed += escalation.escalate(
            notice,
            target_type=NOTICE,
            action="notice.escalate",
            level=deadlines.state(notice.deadline, now).level,
            due_at=notice.deadline,
            title=f"{notice.number or ''} · {notice.unit.label}",
        )
    db.session.flush()
    return changed


def unit_timeline(unit: Unit) -> list[AuditEvent]:
    """Everything that happened to the renovation of one unit, oldest first."""
    permits = select(DecorationPermit.id).where(DecorationPermit.unit_id == unit.id)
    notices = select(RectificationNotice.id).where(RectificationNotice.unit_id == unit.id)
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                ((AuditEvent.target_type == PERMIT) & AuditEvent.target_id.in_(permits))
                | ((AuditEvent.target_type == NOTICE) & AuditEvent.target_id.in_(notices))
            )
            .options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


def as_finding(user: User, notice_id: int) -> Finding:
    """A rectification notice as a ticket would start from it (404 unless one may see it)."""
    notice = get_or_404(visible_notices(user), RectificationNotice, notice_id)
    return Finding(
        NOTICE,
        notice,
        notice.number or "",
        notice.estate_id,
        notice.unit,
        "decoration",
        f"{notice.rule_text}：{notice.description}",
        notice.written_by,
        NOTICE,
        url_for("decoration.notice", notice_id=notice.id),
    )


def notices_due_within(estate_id: int, window: timedelta, limit: int = 50):
    """Issued notices of an estate whose deadline falls within `window` from now (or has passed):
    the next shift checks them."""
    return list(
        db.session.scalars(
            select(RectificationNotice)
            .where(
                RectificationNotice.estate_id == estate_id,
                RectificationNotice.status == NoticeStatus.ISSUED,
                RectificationNotice.deadline < clock.now() + window,
            )
            .options(joinedload(RectificationNotice.unit).joinedload(Unit.building))
            .order_by(RectificationNotice.deadline)
            .limit(limit)
        )
    )

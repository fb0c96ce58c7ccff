"""A ticket's lifecycle: its workflow table, replies and notes, its deadlines and their sweep."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from webapp import audit, clock, deadlines, escalation
from webapp.errors import IllegalTransition, Invalid
from webapp.extensions import db
from webapp.i18n import installation_locale
from webapp.labels import TICKET_KIND_LABELS
from webapp.locks import check_version
from webapp.models import Role, Ticket, TicketEntry, TicketStatus, User
from webapp.photos import services as photos
from webapp.workflow import STAFF, SUPERVISORS, Rule, Workflow, roles, step

TARGET = "ticket"
KINDS = ("complaint", "repair", "inquiry", "suggestion")
CHANNELS = ("phone", "visit", "written", "online", "patrol", "scan", "survey")
CATEGORIES = (
    "engineering",
    "cleaning",
    "landscaping",
    "security",
    "noise",
    "decoration",
    "parking",
    "fees",
    "attitude",
    "other",
)
SEVERITIES = ("normal", "major")
RATINGS = ("satisfied", "basic", "unsatisfied")
FOLLOW_UP = timedelta(hours=24)
INVESTIGATION = timedelta(hours=48)

T = TicketStatus
OPEN = (T.RECEIVED, T.ASSIGNED, T.IN_PROGRESS)
# Named, not "!= closed", so that an index on the status serves the condition.
NOT_CLOSED = (*OPEN, T.RESOLVED)
NOT_CLOSED = (*OPEN, T.RESOLVED)
FIELDS = ("status", "assignee_id", "department", "satisfaction", "reopen_count")

# First-contact responsibility: until it is assigned, the ticket is the taker's.
FIRST_CONTACT = Rule(
    lambda user, t: t.status != T.RECEIVED or user.id == t.taker_id or user.role in SUPERVISORS,
    _l("这张工单由受理人负责，派单后才能由他人处理。"),
)
# A major complaint stays on the manager's list until the investigation is written.
INVESTIGATED = Rule(
    lambda _user, t: t.severity != "major" or t.investigated_at is not None,
    _l("重大投诉须先由客服经理填写调查意见，才能办结。"),
)
MAJOR = Rule(lambda _user, t: t.severity == "major", _l("只有重大投诉需要调查意见。"))
# A report sent through a place's code by someone without an account may be junk.
SCANNED = Rule(lambda _user, t: t.channel == "scan", _l("只有扫码报修可以标为无效。"))
# The owner rates it on their phone, or staff record the answer of a phone call.
STAFF_OR_ITS_OWNER = Rule(
    lambda user, t: user.is_staff or (user.is_owner and t.owner_id == user.id),
    _l("不能进行这个操作。"),
)
ITS_OWNER = Rule(lambda user, t: user.is_owner and t.owner_id == user.id, _l("不能进行这个操作。"))

TICKET = Workflow(
    "ticket",
    Ticket,
    [
        step(
            "assign",
            OPEN,
            T.ASSIGNED,
            rules=[roles(*SUPERVISORS, message=_l("派单由客服主任或经理完成。"))],
        ),
        step("start", (T.RECEIVED, T.ASSIGNED), T.IN_PROGRESS, rules=[STAFF, FIRST_CONTACT]),
        step("resolve", OPEN, T.RESOLVED, rules=[STAFF, FIRST_CONTACT], holds=[INVESTIGATED]),
        # Closed, or back in progress when the owner is not satisfied.
        step("visit", (T.RESOLVED,), rules=[STAFF_OR_ITS_OWNER]),
        # 无效报修: a scanned report that is junk or abuse, closed without follow-up.
        step("spam", (T.RECEIVED,), T.CLOSED, rules=[STAFF, SCANNED]),
        # Entries: a public reply, an internal note, the investigation, the owner's information.
        step("reply", NOT_CLOSED, rules=[STAFF]),
        step("note", NOT_CLOSED, rules=[STAFF]),
        step(
            "investigation",
            NOT_CLOSED,
            rules=[roles(Role.MANAGER, message=_l("重大投诉的调查意见由客服经理填写。")), MAJOR],
        ),
        step("info", NOT_CLOSED, rules=[ITS_OWNER]),
    ],
    status_message=_l("工单当前状态不允许这个操作，请刷新后查看。"),
)
ENTRY_KINDS = {"reply": True, "note": False, "investigation": False, "info": True}  # -> public
STATUS_ACTIONS = ("assign", "start", "resolve", "visit", "spam")


def _entry(
    ticket: Ticket, actor: User | None, kind: str, body: str, *, public: bool
) -> TicketEntry:
    entry = TicketEntry(
        ticket_id=ticket.id,
        author_id=actor.id if actor else None,
        kind=kind,
        body=body.strip(),
        public=public,
        created_at=clock.now(),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _title(ticket: Ticket) -> str:
    return f"{ticket.number} · {ticket.reporter_name} · {ticket.description[:40]}"


def _followed_up(ticket: Ticket) -> None:
    now = clock.now()
    ticket.first_response_at = ticket.first_response_at or now
    ticket.next_follow_up_at = now + FOLLOW_UP if ticket.status in OPEN else None
    ticket.escalation_level = 0  # a new follow-up deadline starts a new escalation


def _appended(ticket: Ticket, *, investigated: bool) -> None:
    """What an appended entry moves on the ticket: its follow-up deadline (and the investigation).

    This is bookkeeping, not an edit of fields someone saw, so it is one UPDATE that neither
    checks nor bumps the ticket's version: two people adding notes at once never conflict.
    """
    now = clock.now()
    values = {
        "first_response_at": func.coalesce(Ticket.first_response_at, now),
        "next_follow_up_at": now + FOLLOW_UP if ticket.status in OPEN else None,
        "escalation_level": 0,
    }
    if investigated:
        values["investigated_at"] = func.coalesce(Ticket.investigated_at, now)
    db.session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(ticket, list(values))


def add_entry(ticket: Ticket, actor: User, kind: str, body: str, uploads=()) -> TicketEntry:
    """A public reply or internal note (staff), more information (the owner), an investigation."""
    if kind not in ENTRY_KINDS:
        raise Invalid("kind", _("请选择一项。"))
    TICKET.check(actor, ticket, kind)
    if not body.strip():
        raise Invalid("body", _("请填写内容。"))
    public = ENTRY_KINDS[kind]
    entry = _entry(ticket, actor, kind, body, public=public)
    for photo in photos.ingest_uploads(uploads, actor):
        photos.attach(photo, "ticket_entry", entry.id, "evidence", actor)
    if actor.is_staff:
        _appended(ticket, investigated=kind == "investigation")
    db.session.flush()
    audit.record(
        actor,
        f"ticket.{kind}",
        TARGET,
        ticket.id,
        estate_id=ticket.estate_id,
        after={"public": public},
    )
    if kind == "reply" and ticket.owner is not None:
        tell_owner(ticket, "ticket_reply", f"reply:{entry.id}")
    return entry


def tell_owner(ticket: Ticket, kind: str, event: str) -> None:
    """The owner who reported it hears of a reply or of its progress (their bell, their list)."""
    escalation.notify(
        [ticket.owner],
        kind=kind,
        key=f"{TARGET}:{ticket.id}:{event}",
        target_type=TARGET,
        target_id=ticket.id,
        estate_id=ticket.estate_id,
        title=f"{ticket.number} · {ticket.description[:60]}",
    )


def transition(
    ticket: Ticket,
    action: str,
    actor: User,
    *,
    version: int,
    assignee: User | None = None,
    department: str | None = None,
    reply: str = "",
    rating: str | None = None,
    comment: str = "",
) -> None:
    """Take one of the ticket's status steps (STATUS_ACTIONS) as this person."""
    check_version(ticket, version)
    if action not in STATUS_ACTIONS:
        raise IllegalTransition(ticket, _("未知的操作。"))
    target = TICKET.check(actor, ticket, action).target
    before = audit.snapshot(ticket, FIELDS)
    now = clock.now()
    if action == "assign":
        if assignee is None and not department:
            raise Invalid("assignee", _("请选择处理人或部门。"))
        if assignee is not None and (
            not assignee.is_staff
            or ticket.estate_id not in {m.estate_id for m in assignee.memberships}
        ):
            raise Invalid("assignee", _("处理人必须是本项目的员工。"))
        ticket.assignee_id = assignee.id if assignee else None
        ticket.department = department or None
        _entry(ticket, actor, "assigned", "", public=True)
    elif action == "start":
        _entry(ticket, actor, "started", "", public=True)
    elif action == "resolve":
        if not reply.strip():
            raise Invalid("reply", _("请填写给业主的书面回复。"))
        _entry(ticket, actor, "resolved", reply, public=True)
        ticket.resolved_at = now
        if ticket.owner is not None:  # a written answer: the owner is told, to rate it
            tell_owner(ticket, "ticket_reply", f"resolved:{ticket.reopen_count}")
    elif action == "visit":
        target = _rated(ticket, actor, rating, comment, now)
    elif action == "spam":
        if not reply.strip():
            raise Invalid("reply", _("请写明为什么无效。"))
        _entry(ticket, actor, "spam", reply, public=False)
        ticket.closed_at = ticket.invalid_at = now
    ticket.status = target
    if actor.is_staff:
        _followed_up(ticket)
    elif ticket.status in OPEN:
        ticket.next_follow_up_at = now + FOLLOW_UP
    if ticket.status not in OPEN:
        ticket.next_follow_up_at = None
    db.session.flush()
    audit.record(
        actor,
        f"ticket.{action}",
        TARGET,
        ticket.id,
        estate_id=ticket.estate_id,
        before=before,
        after=audit.snapshot(ticket, FIELDS),
    )


def _rated(ticket: Ticket, actor: User | None, rating: str | None, comment: str, now) -> str:
    """The return visit's answer (回访): 不满意 reopens the ticket, anything else closes it.
    Returns the status it goes to."""
    if rating not in RATINGS:
        raise Invalid("rating", _("请选择满意度。"))
    ticket.satisfaction = rating
    _entry(ticket, actor, "visit", f"{rating}:{comment.strip()[:500]}", public=True)
    if rating == "unsatisfied":
        ticket.reopen_count += 1
        ticket.resolved_at = None
        _entry(ticket, actor, "reopened", "", public=True)
        return T.IN_PROGRESS
    ticket.closed_at = now
    return T.CLOSED


# --- the caller's tracking link (no account): more information, the return visit -------------

VIA_TRACKING = "tracking_link"


def reveal_phone(viewer: User, ticket: Ticket) -> str:
    """The caller's whole number, for staff who tapped to call them back: audited."""
    audit.record(
        viewer,
        "ticket.phone_shown",
        TARGET,
        ticket.id,
        estate_id=ticket.estate_id,
        after={"number": ticket.number},
    )
    return ticket.reporter_phone


def awaits_visit(ticket: Ticket) -> bool:
    """Handled, waiting for the caller's return-visit answer."""
    return ticket.status == T.RESOLVED


def info_via_link(ticket: Ticket, body: str, uploads=()) -> TicketEntry:
    """More information (words, photos or both) from the caller through their tracking link."""
    if ticket.status not in NOT_CLOSED:
        raise IllegalTransition(ticket, _("这张单已关闭，如有新问题请重新报修。"))
    uploads = [u for u in uploads if getattr(u, "filename", "")]
    if not body.strip() and not uploads:
        raise Invalid("body", _("请填写内容或选择照片。"))
    entry = _entry(ticket, None, "info", body.strip(), public=True)
    for photo in photos.ingest_uploads(uploads, None):
        photos.attach(photo, "ticket_entry", entry.id, "evidence", None, via=VIA_TRACKING)
    audit.record(
        None,
        "ticket.info",
        TARGET,
        ticket.id,
        estate_id=ticket.estate_id,
        after={"public": True},
        via=VIA_TRACKING,
        via_name=ticket.reporter_name,
    )
    return entry


def visit_via_link(ticket: Ticket, *, version: int, rating: str | None, comment: str) -> None:
    """The caller answers the return visit through their tracking link."""
    check_version(ticket, version)
    if not awaits_visit(ticket):
        raise IllegalTransition(ticket, _("现在还不能评价：处理完成后才能评价。"))
    before = audit.snapshot(ticket, FIELDS)
    now = clock.now()
    ticket.status = _rated(ticket, None, rating, comment, now)
    ticket.next_follow_up_at = now + FOLLOW_UP if ticket.status in OPEN else None
    db.session.flush()
    audit.record(
        None,
        "ticket.visit",
        TARGET,
        ticket.id,
        estate_id=ticket.estate_id,
        before=before,
        after=audit.snapshot(ticket, FIELDS),
        via=VIA_TRACKING,
        via_name=ticket.reporter_name,
    )


# --- a repair's work order, as the ticket (and its owner) see it --------------------------------

# Public entries written by the work order of a repair: the owner reads them in their timeline.
PROGRESS_KINDS = ("work_dispatched", "work_fixed")
REPAIRED = _l("维修已完成，经复查合格。")


def progress(ticket: Ticket, kind: str, body: str, actor: User | None, event: str) -> None:
    """A step of the ticket's work order (sent to a department, fixed): a public line in its
    timeline in public wording, and the owner told."""
    if kind not in PROGRESS_KINDS:
        raise ValueError(kind)
    _entry(ticket, actor, kind, body, public=True)
    if ticket.owner is not None:
        tell_owner(ticket, "ticket_progress", event)


def repaired(ticket: Ticket, actor: User) -> bool:
    """The work order passed re-inspection: the ticket is resolved with that answer, where
    this person may resolve it (else its people are told to); the owner then rates it."""
    if TICKET.refusal(actor, ticket, "resolve") is not None:
        answerable = ticket.assignee or ticket.taker
        escalation.notify(
            [answerable] if answerable else escalation.staff_of(ticket.estate_id, SUPERVISORS),
            kind="ticket_repaired",
            key=f"{TARGET}:{ticket.id}:repaired:{ticket.reopen_count}",
            target_type=TARGET,
            target_id=ticket.id,
            estate_id=ticket.estate_id,
            title=_title(ticket),
        )
        return False
    with installation_locale():
        reply = str(REPAIRED)
    transition(ticket, "resolve", actor, version=ticket.version, reply=reply)
    return True


def timeline(ticket: Ticket, *, public_only: bool) -> list[TicketEntry]:
    query = (
        select(TicketEntry)
        .where(TicketEntry.ticket_id == ticket.id)
        .options(joinedload(TicketEntry.author))
        .order_by(TicketEntry.id)
    )
    if public_only:
        query = query.where(TicketEntry.public.is_(True))
    return list(db.session.scalars(query))


def follow_up_overdue(ticket: Ticket, now: datetime) -> bool:
    return (
        ticket.status in OPEN
        and ticket.next_follow_up_at is not None
        and ticket.next_follow_up_at < now
    )


def investigation_overdue(ticket: Ticket, now: datetime) -> bool:
    return (
        ticket.severity == "major"
        and ticket.investigated_at is None
        and ticket.investigation_due_at is not None
        and ticket.investigation_due_at < now
        and ticket.status != T.CLOSED
    )


def running(ticket: Ticket) -> bool:
    """The follow-up deadline runs while the ticket is open."""
    return ticket.status in OPEN


def home_line(ticket: Ticket, now: datetime) -> deadlines.Line:
    late = is_overdue(ticket, now)
    soon = (
        ticket.next_follow_up_at is not None
        and deadlines.state(ticket.next_follow_up_at, now).due_soon
    )
    kind = TICKET_KIND_LABELS.get(ticket.kind, ticket.kind)
    return deadlines.Line(
        f"{ticket.number} · {kind} · {ticket.reporter_name}",
        url_for("tickets.detail", ticket_id=ticket.id),
        ticket.description[:40],
        "overdue" if late else ("due-soon" if soon else ""),
    )


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    """Late in either way: the follow-up, or a major complaint's investigation."""
    return follow_up_overdue(ticket, now) or investigation_overdue(ticket, now)


# A ticket the figures count: not marked 无效报修 (a scanned report that was no report).
NOT_INVALID = Ticket.invalid_at.is_(None)


def late_follow_up(now: datetime, level: int = deadlines.SUPERVISOR):
    """SQL: an open ticket whose follow-up is late (for the manager's level, a day late)."""
    return (
        Ticket.status.in_(list(OPEN))
        & Ticket.next_follow_up_at.is_not(None)
        & (Ticket.next_follow_up_at < deadlines.overdue_since(now, level))
    )


def late_investigation(now: datetime):
    """SQL: a major complaint whose investigation is late."""
    return (
        (Ticket.severity == "major")
        & Ticket.investigated_at.is_(None)
        & (Ticket.investigation_due_at < now)
        & Ticket.status.in_(list(NOT_CLOSED))
    )


def _overdue_clause(now: datetime, level: int):
    late = late_follow_up(now, level)
    return late | late_investigation(now) if level >= deadlines.MANAGER else late


def sweep(now: datetime) -> int:
    """Escalate overdue tickets once per level and tell their people (run from cron)."""
    changed = 0
    query = (
        select(Ticket)
        .where(_overdue_clause(now, deadlines.MANAGER) | _overdue_clause(now, deadlines.SUPERVISOR))
        .options(joinedload(Ticket.assignee), joinedload(Ticket.taker))
    )
    for ticket in db.session.scalars(query):
        if follow_up_overdue(ticket, now):
            changed += escalation.escalate(
                ticket,
                target_type=TARGET,
                action="ticket.escalate",
                level=deadlines.state(ticket.next_follow_up_at, now).level,
                due_at=ticket.next_follow_up_at,
                title=_title(ticket),
                responsible=[ticket.assignee or ticket.taker],
            )
        if investigation_overdue(ticket, now):
            told = escalation.notify(
                escalation.staff_of(ticket.estate_id, [Role.MANAGER]),
                kind="investigation",
                key=f"{TARGET}:{ticket.id}:investigation",
                to_group=True,
                target_type=TARGET,
                target_id=ticket.id,
                estate_id=ticket.estate_id,
                title=_title(ticket),
            )
            if told:
                audit.record(
                    None,
                    "ticket.investigation_overdue",
                    TARGET,
                    ticket.id,
                    estate_id=ticket.estate_id,
                )
                changed += 1
    db.session.flush()
    return changed


def owned_open(user: User, estate_id: int, limit: int = 50) -> list[Ticket]:
    """Open tickets this person answers for at an estate: assigned to them, or taken by them and
    not yet assigned (首问责任制). What a shift handover passes on."""
    return list(
        db.session.scalars(
            select(Ticket)
            .where(
                Ticket.estate_id == estate_id,
                Ticket.status.in_(list(OPEN)),
                (Ticket.assignee_id == user.id)
                | (Ticket.assignee_id.is_(None) & (Ticket.taker_id == user.id)),
            )
            .order_by(Ticket.next_follow_up_at, Ticket.id)
            .limit(limit)
        )
    )


def hand_over(ticket: Ticket, to: User, actor: User) -> bool:
    """The incoming person of a shift takes the ticket over (assigned to them, recorded on its
    timeline and in its history). False when it is no longer open or already theirs."""
    if ticket.status not in OPEN or ticket.assignee_id == to.id:
        return False
    before = {"assignee": ticket.assignee.display_name if ticket.assignee else None}
    ticket.assignee_id = to.id
    if ticket.status == T.RECEIVED:
        ticket.status = T.ASSIGNED
    _entry(
        ticket, actor, "assigned", _("交接班：转由 %(who)s 跟进", who=to.display_name), public=True
    )
    db.session.flush()
    audit.record(
        actor,
        "ticket.handover",
        TARGET,
        ticket.id,
        estate_id=ticket.estate_id,
        before=before,
        after={"assignee": to.display_name},
    )
    return True

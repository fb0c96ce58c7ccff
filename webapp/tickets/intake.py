"""Tickets coming in: from staff by phone or at the desk, owners online, callers' tracking codes,
and the findings of patrols and inspections that a ticket starts from or is linked to."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, select

from webapp import audit, clock, escalation, phones
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.inputs import ascii_digits
from webapp.models import Estate, Role, Ticket, TicketEntry, TicketLink, Unit, UnitOwnership, User
from webapp.numbering import next_number
from webapp.photos import services as photos
from webapp.tickets.inbox import visible_tickets
from webapp.tickets.lifecycle import (
    CATEGORIES,
    CHANNELS,
    FOLLOW_UP,
    INVESTIGATION,
    KINDS,
    SEVERITIES,
    TARGET,
    T,
    _entry,
    _title,
)

# 64 random bits: the ticket number is predictable, so the code alone keeps a caller's ticket
# private (a guess per request at the tracking page's rate limit would take millennia).
TRACKING_CODE_BYTES = 8


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _check_choice(value: str, allowed, field: str) -> None:
    if value not in allowed:
        raise Invalid(field, _("请选择一项。"))


def create(
    actor: User,
    *,
    estate: Estate,
    unit: Unit | None,
    reporter_name: str,
    reporter_phone: str,
    kind: str,
    channel: str,
    category: str,
    severity: str,
    description: str,
    uploads=(),
    via: str | None = None,
) -> tuple[Ticket, str]:
    """Record a ticket; returns it with its tracking code (shown once). `actor` None: sent
    without an account through a link (`via`, e.g. a place's scan-to-report code)."""
    _check_choice(kind, KINDS, "kind")
    _check_choice(channel, CHANNELS, "channel")
    _check_choice(category, CATEGORIES, "category")
    _check_choice(severity, SEVERITIES, "severity")
    if not description.strip():
        raise Invalid("description", _("请描述问题。"))
    owner = None
    # A number we can read is kept in E.164 (and finds its owner however it was typed); anything
    # else ("前台转", an extension) is kept as the caller gave it.
    reporter_phone = phones.normalise_or_none(reporter_phone) or reporter_phone.strip()
    if actor is not None and actor.is_owner:
        if unit is None or not db.session.scalar(
            select(func.count()).where(
                UnitOwnership.user_id == actor.id, UnitOwnership.unit_id == unit.id
            )
        ):
            raise Invalid("unit", _("请选择你的房屋。"))
        owner, channel, severity = actor, "online", "normal"
        reporter_name, reporter_phone = actor.display_name, actor.phone or ""
    elif unit is not None:
        # The owner of the unit, when the caller is one we know by phone.
        owner = db.session.scalar(
            select(User)
            .join(UnitOwnership, UnitOwnership.user_id == User.id)
            .where(UnitOwnership.unit_id == unit.id, User.phone == reporter_phone)
        )
    if not reporter_name.strip():
        raise Invalid("reporter_name", _("请填写反映人。"))
    now = clock.now()
    code = secrets.token_hex(TRACKING_CODE_BYTES)
    ticket = Ticket(
        number=next_number("TS", estate, now),
        estate_id=estate.id,
        unit_id=unit.id if unit else None,
        owner_id=owner.id if owner else None,
        reporter_name=reporter_name.strip(),
        reporter_phone=reporter_phone.strip(),
        kind=kind,
        channel=channel,
        category=category,
        severity=severity,
        description=description.strip(),
        status=T.RECEIVED,
        taker_id=None if actor is None or actor.is_owner else actor.id,
        tracking_hash=_digest(code),
        next_follow_up_at=now + FOLLOW_UP,
        investigation_due_at=now + INVESTIGATION if severity == "major" else None,
        created_at=now,
    )
    db.session.add(ticket)
    db.session.flush()
    entry = _entry(ticket, actor, "received", "", public=True)
    for photo in photos.ingest_uploads(uploads, actor):
        photos.attach(photo, "ticket_entry", entry.id, "evidence", actor, via=via)
    audit.record(
        actor,
        "ticket.create",
        TARGET,
        ticket.id,
        estate_id=estate.id,
        after={"number": ticket.number, "kind": kind, "severity": severity, "channel": channel},
        via=via,
        via_name=reporter_name.strip()[:64] if via else None,
    )
    if severity == "major":
        # A major complaint goes to the manager at once.
        escalation.notify(
            escalation.staff_of(estate.id, [Role.MANAGER]),
            kind="major",
            key=f"{TARGET}:{ticket.id}:major",
            to_group=True,
            target_type=TARGET,
            target_id=ticket.id,
            estate_id=estate.id,
            title=_title(ticket),
        )
    return ticket, code


# A tracking link works while the ticket is open and for a month after it closes.
TRACKING_GRACE = timedelta(days=30)
# How long a phone check lets the caller add to their ticket on this device.
CHECKED_FOR = timedelta(hours=2)


def tracking_open(ticket: Ticket, now: datetime | None = None) -> bool:
    now = now or clock.now()
    return ticket.closed_at is None or now <= ticket.closed_at + TRACKING_GRACE


def phone_matches(ticket: Ticket, typed: str) -> bool:
    """The last four digits of the phone the ticket was reported with (a caller proves the
    link is theirs before adding to it)."""
    digits, known = ascii_digits(typed), ascii_digits(ticket.reporter_phone)
    if len(known) < 4 or len(digits) != 4:
        return False
    return hmac.compare_digest(known[-4:], digits)


def find_by_tracking(number: str, code: str) -> Ticket | None:
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None or not ticket.tracking_hash:
        _digest(code)  # the same work either way
        return None
    typed = "".join(ch for ch in (code or "").lower() if ch not in " -")  # read out in groups
    return ticket if hmac.compare_digest(ticket.tracking_hash, _digest(typed)) else None


@dataclass
class Finding:
    """A patrol finding (its work order), a decoration violation (its notice) or a line of the
    duty log (an event, a call, a visit), as a ticket would start from it."""

    target_type: str
    record: object
    number: str
    estate_id: int
    unit: Unit | None
    category: str
    description: str
    reporter: User
    photo_owner: str
    url: str
    ticket_kind: str = "complaint"  # the kind of ticket it starts
    channel: str = "patrol"  # how it reached us: found on a round, a call on duty, a visit
    # Who reported it, when not the staff member who wrote it down (a caller, a visitor).
    reporter_name: str | None = None
    reporter_phone: str = ""


# A finding's kind -> how a staff member finds one they may see (404 otherwise). The features
# that own findings register here (webapp.registry), so tickets need not know them.
_FINDERS: dict[str, Callable[[User, int], Finding]] = {}


def register_finding(target_type: str, find: Callable[[User, int], Finding]) -> None:
    _FINDERS[target_type] = find


def finding(user: User, target_type: str, target_id: int) -> Finding:
    """The finding if this staff member may see it (404 otherwise)."""
    find = _FINDERS.get(target_type)
    if find is None or not user.is_staff:
        abort(404)
    return find(user, target_id)


def link(ticket: Ticket, found: Finding, actor: User) -> bool:
    """Tie a ticket to a finding of the same estate (once); False when it already was."""
    if found.estate_id != ticket.estate_id:
        raise Invalid("number", _("只能关联同一项目的工单。"))
    exists = db.session.scalar(
        select(TicketLink.id).where(
            TicketLink.ticket_id == ticket.id,
            TicketLink.target_type == found.target_type,
            TicketLink.target_id == found.record.id,
        )
    )
    if exists:
        return False
    db.session.add(
        TicketLink(
            ticket_id=ticket.id,
            target_type=found.target_type,
            target_id=found.record.id,
            created_by_id=actor.id,
            created_at=clock.now(),
        )
    )
    db.session.flush()
    audit.record(
        actor,
        "ticket.link",
        TARGET,
        ticket.id,
        estate_id=ticket.estate_id,
        after={found.target_type: found.number},
    )
    return True


def create_from_finding(actor: User, found: Finding, **fields) -> tuple[Ticket, str]:
    """A ticket for a finding: linked to it, with its photos as the first evidence."""
    ticket, code = create(actor, estate=db.session.get(Estate, found.estate_id), **fields)
    link(ticket, found, actor)
    first = db.session.scalar(
        select(TicketEntry).where(TicketEntry.ticket_id == ticket.id).order_by(TicketEntry.id)
    )
    for item in photos.photos_for(found.photo_owner, [found.record.id]).get(found.record.id, []):
        photos.attach(item.photo, "ticket_entry", first.id, "evidence", actor)
    return ticket, code


def link_by_number(actor: User, found: Finding, number: str) -> Ticket:
    ticket = db.session.scalar(
        visible_tickets(actor).where(Ticket.number == number.strip().upper())
    )
    if ticket is None:
        raise Invalid("number", _("找不到这个工单号。"))
    link(ticket, found, actor)
    return ticket


def linked_tickets(target_type: str, target_id: int) -> list[Ticket]:
    return list(
        db.session.scalars(
            select(Ticket)
            .join(TicketLink, TicketLink.ticket_id == Ticket.id)
            .where(TicketLink.target_type == target_type, TicketLink.target_id == target_id)
            .order_by(Ticket.id)
        )
    )


def linked_findings(user: User, ticket: Ticket) -> list[Finding]:
    rows = db.session.execute(
        select(TicketLink.target_type, TicketLink.target_id)
        .where(TicketLink.ticket_id == ticket.id)
        .order_by(TicketLink.id)
    ).all()
    return [finding(user, target_type, target_id) for target_type, target_id in rows]


# --- the caller's own unit: notices waiting for their reply (a feature that issues them
# registers how to find and answer them; see webapp/registry.py) ----------------------------------

_caller_notices: dict[str, Callable] = {}


def register_caller_notices(find: Callable[[Ticket], list], reply: Callable[..., None]) -> None:
    """`find(ticket)`: the notices the tracking link's caller may reply to; `reply(ticket,
    notice, text=, uploads=)` records a reply sent through the link."""
    _caller_notices.update(find=find, reply=reply)


def caller_notices(ticket: Ticket) -> list:
    find = _caller_notices.get("find")
    return find(ticket) if find is not None else []


def reply_to_notice(ticket: Ticket, notice, *, text: str, uploads) -> None:
    _caller_notices["reply"](ticket, notice, text=text, uploads=uploads)

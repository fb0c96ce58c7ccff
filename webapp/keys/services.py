"""The key register (钥匙借(领)用登记): the estate's keys, lent and returned.

Rules (seed 002 3.5, 3.6; form 6.54): every key that leaves the desk is written down — who took
it (staff, a contractor, an owner, with a phone), when, why and until when — and its return, to
whom. A key out past its due time is overdue (the deadline registry escalates it); a key out past
the midnight after it was lent is out overnight, which the handover and the register show.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, select
from sqlalchemy.orm import joinedload

from webapp import audit, clock, deadlines, escalation, paging
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.i18n import format_when
from webapp.labels import BORROWER_KIND_LABELS, KEY_KIND_LABELS
from webapp.locks import check_version
from webapp.models import BorrowerKind, Building, Estate, Key, KeyLoan, Unit, User
from webapp.scoping import estate_ids_of, get_or_404
from webapp.workflow import STAFF, SUPERVISORS, Workflow, roles, step

TARGET = "key"
LOAN = "key_loan"
LONGEST_LOAN = timedelta(days=30)
DEFAULT_LOAN = timedelta(hours=2)
KEYS_SHOWN = 300  # an estate's keys on one page
BY_LENT = paging.Order.of((KeyLoan.lent_at, "desc"), (KeyLoan.id, "desc"))

KEY = Workflow(
    "key",
    Key,
    [
        step("lend", ("in",), rules=[STAFF]),
        step("edit", ("in", "out"), rules=[roles(*SUPERVISORS)]),
    ],
    status_message=_l("这把钥匙已经借出，请先登记归还。"),
    status_of=lambda key: "out" if getattr(key, "loan", None) is not None else "in",
)
LOAN_FLOW = Workflow(
    "key_loan",
    KeyLoan,
    [step("return", ("out",), rules=[STAFF])],
    status_message=_l("这把钥匙已经归还。"),
    status_of=lambda loan: "out" if loan.out else "returned",
)

# --- what a person may see -----------------------------------------------------------------------


def visible_keys(user: User) -> Select:
    if not user.is_staff:
        return select(Key).where(false())
    return select(Key).where(Key.estate_id.in_(estate_ids_of(user)))


def visible_loans(user: User) -> Select:
    if not user.is_staff:
        return select(KeyLoan).where(false())
    return select(KeyLoan).where(KeyLoan.estate_id.in_(estate_ids_of(user)))


def get_key_or_404(user: User, key_id: int) -> Key:
    key = get_or_404(
        visible_keys(user).options(joinedload(Key.unit).joinedload(Unit.building)), Key, key_id
    )
    key.loan = _open_loan(key.id)
    return key


def get_loan_or_404(user: User, loan_id: int) -> KeyLoan:
    return get_or_404(visible_loans(user).options(joinedload(KeyLoan.key)), KeyLoan, loan_id)


def current_loan(key: Key) -> KeyLoan | None:
    """The key's open loan, read again (after a refused change was rolled back)."""
    return _open_loan(key.id)


def _open_loan(key_id: int) -> KeyLoan | None:
    return db.session.scalar(
        select(KeyLoan).where(KeyLoan.key_id == key_id, KeyLoan.returned_at.is_(None))
    )


# --- the register --------------------------------------------------------------------------------


def keys(user: User) -> list[Key]:
    """Every active key of this person's estates, each with its open loan (`key.loan`)."""
    found = list(
        db.session.scalars(
            visible_keys(user)
            .where(Key.active.is_(True))
            .options(joinedload(Key.unit).joinedload(Unit.building), joinedload(Key.estate))
            .order_by(Key.estate_id, Key.label)
            .limit(KEYS_SHOWN)
        )
    )
    loans = {
        loan.key_id: loan
        for loan in db.session.scalars(
            select(KeyLoan).where(
                KeyLoan.key_id.in_([k.id for k in found]), KeyLoan.returned_at.is_(None)
            )
        )
    }
    for key in found:
        key.loan = loans.get(key.id)
    return found


def out(user: User, *, estate_id: int | None = None, limit: int = 200) -> list[KeyLoan]:
    """Keys out now at this person's estates (or one of them), the earliest due first."""
    query = visible_loans(user).where(KeyLoan.returned_at.is_(None))
    if estate_id is not None:
        query = query.where(KeyLoan.estate_id == estate_id)
    return list(
        db.session.scalars(
            query.options(joinedload(KeyLoan.key), joinedload(KeyLoan.responsible))
            .order_by(KeyLoan.due_at, KeyLoan.id)
            .limit(limit)
        )
    )


def out_at(estate_id: int, limit: int = 100) -> list[KeyLoan]:
    """Keys out now at one estate (a handover lists them), the earliest due first."""
    return list(
        db.session.scalars(
            select(KeyLoan)
            .where(KeyLoan.estate_id == estate_id, KeyLoan.returned_at.is_(None))
            .options(joinedload(KeyLoan.key))
            .order_by(KeyLoan.due_at, KeyLoan.id)
            .limit(limit)
        )
    )


def all_loans(user: User, *, out_only: bool = False):
    """Every loan of this person's estates, the latest first, read in batches (the workbook)."""
    query = visible_loans(user)
    if out_only:
        query = query.where(KeyLoan.returned_at.is_(None))
    return db.session.scalars(
        query.options(
            joinedload(KeyLoan.key),
            joinedload(KeyLoan.lent_by),
            joinedload(KeyLoan.returned_to),
        )
        .order_by(KeyLoan.lent_at.desc(), KeyLoan.id.desc())
        .execution_options(yield_per=500)
    )


def loans_of(key: Key, *, after: str | None = None, size: int = 30) -> paging.Page[KeyLoan]:
    """A key's loans, the latest first."""
    return paging.read(
        select(KeyLoan)
        .where(KeyLoan.key_id == key.id)
        .options(joinedload(KeyLoan.lent_by), joinedload(KeyLoan.returned_to)),
        BY_LENT,
        after,
        size,
    )


def overnight(loan: KeyLoan, now: datetime) -> bool:
    """Still out after the midnight that followed its lending, in the estate's zone."""
    if not loan.out:
        return False
    zone = ZoneInfo(loan.key.estate.timezone)
    day = loan.lent_at.astimezone(zone).date() + timedelta(days=1)
    return now >= datetime(day.year, day.month, day.day, tzinfo=zone)


def kind_choices() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in KEY_KIND_LABELS.items()]


def borrower_choices() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in BORROWER_KIND_LABELS.items()]


# --- changes -------------------------------------------------------------------------------------


def add_key(
    actor: User,
    estate: Estate,
    *,
    label: str,
    kind: str,
    building_id: int | None = None,
    unit_number: str = "",
    note: str = "",
) -> Key:
    """A new key in the register (supervisors and the manager keep it)."""
    if actor.role not in SUPERVISORS:
        raise Invalid("label", _("只有客服主任和客服经理可以登记钥匙。"))
    if estate.id not in estate_ids_of(actor):
        raise Invalid("estate", _("只能登记自己负责项目的钥匙。"))
    label = (label or "").strip()
    if not label:
        raise Invalid("label", _("请写明是哪把钥匙。"))
    if kind not in KEY_KIND_LABELS:
        raise Invalid("kind", _("请选择钥匙类型。"))
    unit = None
    if unit_number.strip():
        building = db.session.get(Building, building_id) if building_id else None
        if building is None or building.estate_id != estate.id:
            raise Invalid("building", _("填写房号时请选择楼栋。"))
        unit = db.session.scalar(
            select(Unit).where(Unit.building_id == building.id, Unit.number == unit_number.strip())
        )
        if unit is None:
            raise Invalid("unit", _("这个楼栋没有这个房号。"))
    if db.session.scalar(select(Key.id).where(Key.estate_id == estate.id, Key.label == label)):
        raise Invalid("label", _("这个项目已经有同名的钥匙。"))
    key = Key(
        estate_id=estate.id,
        label=label[:80],
        kind=kind,
        unit_id=unit.id if unit else None,
        note=note.strip()[:200],
    )
    db.session.add(key)
    db.session.flush()
    audit.record(
        actor,
        "key.create",
        TARGET,
        key.id,
        estate_id=estate.id,
        after={"name": key.label, "key_kind": kind},
    )
    return key


def lend(
    actor: User,
    key: Key,
    *,
    borrower_kind: str,
    borrower_name: str,
    borrower_phone: str,
    purpose: str,
    due_at: datetime | None,
) -> KeyLoan:
    """Lend a key that is in: who, why, until when (the register's one line)."""
    key.loan = getattr(key, "loan", None) or _open_loan(key.id)
    KEY.check(actor, key, "lend")
    if borrower_kind not in BORROWER_KIND_LABELS:
        raise Invalid("borrower_kind", _("请选择借用人身份。"))
    name = (borrower_name or "").strip()
    if not name:
        raise Invalid("borrower_name", _("请写借用人姓名。"))
    phone = (borrower_phone or "").strip()
    if borrower_kind != BorrowerKind.STAFF and not phone:
        raise Invalid("borrower_phone", _("非本部门人员借用，请留联系电话。"))
    if not (purpose or "").strip():
        raise Invalid("purpose", _("请写明借用事由。"))
    now = clock.now()
    if due_at is None or due_at <= now:
        raise Invalid("due", _("应还时间应晚于现在。"))
    if due_at - now > LONGEST_LOAN:
        raise Invalid("due", _("借用最长 30 天，更久请作为领用另行审批。"))
    loan = KeyLoan(
        key_id=key.id,
        estate_id=key.estate_id,
        borrower_kind=borrower_kind,
        borrower_name=name[:64],
        borrower_phone=phone[:20],
        purpose=purpose.strip()[:200],
        lent_at=now,
        due_at=due_at,
        lent_by_id=actor.id,
        responsible_id=actor.id,
    )
    db.session.add(loan)
    db.session.flush()
    key.loan = loan
    audit.record(
        actor,
        "key.lend",
        TARGET,
        key.id,
        estate_id=key.estate_id,
        after={"borrower": name, "due_at": format_when(due_at), "purpose": loan.purpose},
    )
    return loan


def give_back(actor: User, loan: KeyLoan, *, note: str = "", version: int | None = None) -> None:
    """The key is back at the desk, received by `actor`."""
    if version is not None:
        check_version(loan, version)
    LOAN_FLOW.check(actor, loan, "return")
    loan.returned_at = clock.now()
    loan.returned_to_id = actor.id
    loan.return_note = (note or "").strip()[:200]
    db.session.flush()
    audit.record(
        actor,
        "key.return",
        TARGET,
        loan.key_id,
        estate_id=loan.estate_id,
        after={"borrower": loan.borrower_name, "note": loan.return_note},
    )


def hand_over(loans: list[KeyLoan], to: User, actor: User) -> None:
    """Keys still out become the incoming person's to chase (a shift handover)."""
    for loan in loans:
        if loan.out and loan.responsible_id != to.id:
            before = {"responsible": loan.responsible.display_name}
            loan.responsible_id = to.id
            audit.record(
                actor,
                "key.handover",
                TARGET,
                loan.key_id,
                estate_id=loan.estate_id,
                before=before,
                after={"responsible": to.display_name},
            )
    db.session.flush()


# --- a loan's deadline, registered once (webapp.registry) ----------------------------------------


def running(loan: KeyLoan) -> bool:
    return loan.out


def _title(loan: KeyLoan) -> str:
    return f"{loan.key.label} · {loan.borrower_name}"


def sweep(now: datetime) -> int:
    """Escalate keys out past their due time, once per level (safe to repeat)."""
    changed = 0
    for loan in db.session.scalars(
        select(KeyLoan)
        .where(KeyLoan.returned_at.is_(None), KeyLoan.due_at < now)
        .options(joinedload(KeyLoan.key), joinedload(KeyLoan.responsible))
    ):
        changed += escalation.escalate(
            loan,
            target_type=LOAN,
            action="key.escalate",
            level=deadlines.state(loan.due_at, now).level,
            due_at=loan.due_at,
            title=_("钥匙逾期未还：%(t)s", t=_title(loan)),
            responsible=[loan.responsible],
        )
    db.session.flush()
    return changed


def overdue_loans(user: User, now: datetime, limit: int = 20) -> list[KeyLoan]:
    level = deadlines.level_for(user)
    return list(
        db.session.scalars(
            visible_loans(user)
            .where(
                KeyLoan.returned_at.is_(None),
                KeyLoan.due_at < deadlines.overdue_since(now, level),
            )
            .options(joinedload(KeyLoan.key))
            .order_by(KeyLoan.due_at)
            .limit(limit)
        )
    )


def loan_line(loan: KeyLoan, now: datetime) -> deadlines.Line:
    return deadlines.Line(
        _("钥匙 · %(t)s", t=_title(loan)),
        url_for("keys.key", key_id=loan.key_id),
        _("应还 %(when)s", when=format_when(loan.due_at)),
        deadlines.state(loan.due_at, now, done=not loan.out).css,
    )

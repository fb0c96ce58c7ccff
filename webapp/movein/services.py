"""The move-in inspection (收楼验房) and its defects (工程遗留问题).

An assistant walks the unit with its owner through the estate's checklist (rooms × items). Each
item is 合格 or 不合格; every 不合格 is a defect sent to engineering as a work order of the shared
mechanism, its description carrying the warranty period, and re-inspected through it. The keys
and documents handed over are recorded (keys of the register given to the owner leave it), and
the owner signs on the phone: the unit is received and the record locked. The estate's handover
progress counts units and open defects, each figure linked to the list behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import joinedload

from webapp import audit, clock, escalation, paging, phones, signoff
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.keys import services as keys
from webapp.models import (
    Building,
    Estate,
    Key,
    MoveIn,
    MoveInItem,
    MoveInResult,
    MoveInStatus,
    Unit,
    UnitOwnership,
    User,
    WorkOrder,
    WorkOrderStatus,
)
from webapp.numbering import next_number
from webapp.owners import services as owners
from webapp.phones import normalise_or_none
from webapp.photos import services as photos
from webapp.scoping import estate_ids_of
from webapp.workflow import Rule, Workflow, step
from webapp.workorders import services as workorders

TARGET = "move_in"
RESULT = "move_in_result"
SIGNING, SIGNED = MoveInStatus.SIGNING, MoveInStatus.SIGNED
# Engineering's time to fix a defect found at move-in (the owner is waiting to move in).
DEFECT_DUE = timedelta(days=7)
MAX_ITEMS = 200
MAX_YEARS = 10

# Keys handed to the owner, counted; documents handed over (业主收楼物品资料签收单).
KEY_KINDS = ("door", "mailbox", "meter_box", "other")
MAX_KEYS = 20
DOCUMENTS = (
    "quality_guarantee",  # 住宅质量保证书
    "user_manual",  # 住宅使用说明书
    "owner_handbook",  # 业主手册
    "management_rules",  # 管理规约
    "decoration_guide",  # 装修指引
)

# A new estate's checklist until a supervisor changes it: "room | item | warranty years". The
# warranty years follow the minimums of the Regulations on the Quality Management of
# Construction Projects (art. 40): five years against leaks, two for pipes, wiring and fittings.
DEFAULT_CHECKLIST = """入户门 | 门体、门锁开关顺畅，无划伤变形 | 2
客厅 | 墙面、天花无裂缝、空鼓、渗水 | 2
客厅 | 地面平整，无空鼓、起砂 | 2
客厅 | 窗户开关顺畅，玻璃无破损，密封良好 | 2
卧室 | 墙面、天花无裂缝、空鼓、渗水 | 2
卧室 | 窗户开关顺畅，玻璃无破损 | 2
厨房 | 给排水管无渗漏，阀门开关正常 | 2
厨房 | 燃气管道及表具完好 | 2
卫生间 | 地面防水无渗漏（闭水试验） | 5
卫生间 | 排水通畅，地漏坡度正确 | 2
阳台 | 地面排水通畅，栏杆牢固 | 2
电气 | 开关、插座通电正常，配电箱标识清楚 | 2"""


def _owns(user: User, unit_id: int) -> bool:
    """An owner (not a tenant or household member) of this unit."""
    if not user.is_owner:
        return False
    link = db.session.get(UnitOwnership, (user.id, unit_id))
    return link is not None and link.relation == "owner"


# Staff hand their phone to the owner, or the owner signs on their own account.
SIGNER = Rule(
    lambda user, move_in: user.is_staff or _owns(user, move_in.unit_id),
    _l("只有业主本人或客服人员可以办理签字。"),
)
MOVE_IN = Workflow(
    "move_in",
    MoveIn,
    [step("sign", (SIGNING,), SIGNED, rules=[SIGNER])],
    status_message=_l("业主已签字，收楼记录已锁定。"),
)


# --- who sees what -----------------------------------------------------------------------------


def visible_move_ins(user: User) -> Select:
    """Staff: their estates' move-ins; an owner: their own units' (tenants' too: they live
    there and follow the defects)."""
    if user.is_owner:
        mine = select(UnitOwnership.unit_id).where(UnitOwnership.user_id == user.id)
        return select(MoveIn).where(MoveIn.unit_id.in_(mine))
    return select(MoveIn).where(MoveIn.estate_id.in_(estate_ids_of(user)))


def visible_result_ids(user: User, ids: list[int]) -> set[int]:
    """Results whose photos this person may see (those of the move-ins they may see)."""
    seen = visible_move_ins(user).with_only_columns(MoveIn.id)
    return set(
        db.session.scalars(
            select(MoveInResult.id).where(
                MoveInResult.id.in_(ids), MoveInResult.move_in_id.in_(seen)
            )
        )
    )


def visible_ids(user: User, ids: list[int]) -> set[int]:
    """Move-ins (their signature) this person may see."""
    return set(
        db.session.scalars(
            visible_move_ins(user).where(MoveIn.id.in_(ids)).with_only_columns(MoveIn.id)
        )
    )


def of_unit(user: User, unit_id: int) -> MoveIn | None:
    """The unit's move-in, if this person may see it."""
    return db.session.scalar(visible_move_ins(user).where(MoveIn.unit_id == unit_id))


# --- the checklist ----------------------------------------------------------------------------


def checklist(estate_id: int) -> list[MoveInItem]:
    return list(
        db.session.scalars(
            select(MoveInItem)
            .where(MoveInItem.estate_id == estate_id, MoveInItem.active.is_(True))
            .order_by(MoveInItem.position, MoveInItem.id)
        )
    )


def checklist_text(items: list[MoveInItem]) -> str:
    """The checklist as the form edits it (the default for an estate that has none)."""
    if not items:
        return DEFAULT_CHECKLIST
    return "\n".join(f"{i.room} | {i.text} | {i.warranty_years}" for i in items)


def _parse(line: str, number: int) -> tuple[str, str, int]:
    parts = [p.strip() for p in line.replace("｜", "|").split("|")]
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise Invalid("checklist", _("第 %(n)d 行：请写成「房间 | 检查项 | 保修年数」。", n=number))
    room, text = parts[0], parts[1]
    if len(room) > 40 or len(text) > 200:
        raise Invalid("checklist", _("第 %(n)d 行：房间最多 40 字，检查项最多 200 字。", n=number))
    years = 2
    if len(parts) == 3 and parts[2]:
        if not parts[2].isdigit() or not 0 <= int(parts[2]) <= MAX_YEARS:
            raise Invalid(
                "checklist",
                _("第 %(n)d 行：保修年数应为 0 到 %(max)d 的整数。", n=number, max=MAX_YEARS),
            )
        years = int(parts[2])
    return room, text, years


def set_checklist(actor: User, estate_id: int, text: str) -> None:
    """Replace the estate's checklist; items no longer listed are retired (records keep theirs)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        raise Invalid("checklist", _("至少填写一条。"))
    if len(lines) > MAX_ITEMS:
        raise Invalid("checklist", _("最多 %(n)d 条。", n=MAX_ITEMS))
    parsed = [_parse(line, n) for n, line in enumerate(lines, 1)]
    first_at: dict[tuple[str, str], int] = {}
    for n, (room, text_, _years) in enumerate(parsed, 1):
        if (room, text_) in first_at:
            raise Invalid(
                "checklist",
                _("第 %(n)d 行与第 %(m)d 行重复。", n=n, m=first_at[(room, text_)]),
            )
        first_at[(room, text_)] = n
    existing: dict[tuple[str, str], list[MoveInItem]] = {}
    for item in db.session.scalars(
        select(MoveInItem).where(MoveInItem.estate_id == estate_id).order_by(MoveInItem.id)
    ):
        existing.setdefault((item.room, item.text), []).append(item)
    before = [
        f"{i.room} | {i.text} | {i.warranty_years}"
        for same in existing.values()
        for i in same
        if i.active
    ]
    for position, (room, text_, years) in enumerate(parsed):
        same = existing.get((room, text_))
        item = same.pop(0) if same else MoveInItem(estate_id=estate_id, room=room, text=text_)
        item.position, item.warranty_years, item.active = position, years, True
        db.session.add(item)
    for same in existing.values():
        for retired in same:
            retired.active = False  # records that used it keep their own copy of the words
    db.session.flush()
    audit.record(
        actor,
        "movein.checklist",
        "estate",
        estate_id,
        estate_id=estate_id,
        before={"checklist": before},
        after={"checklist": [f"{r} | {t} | {y}" for r, t, y in parsed]},
    )


# --- the inspection ---------------------------------------------------------------------------


@dataclass
class Answer:
    item_id: int
    outcome: str  # ok | defect
    note: str
    uploads: list = field(default_factory=list)


def _local_day(estate: Estate, when: datetime) -> date:
    return when.astimezone(ZoneInfo(estate.timezone or "Asia/Shanghai")).date()


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def register_keys(user: User, unit: Unit) -> list[Key]:
    """The unit's keys in the register (空置房钥匙) that can be handed to its owner."""
    return list(
        db.session.scalars(
            select(Key)
            .where(Key.unit_id == unit.id, Key.active.is_(True))
            .where(Key.estate_id.in_(estate_ids_of(user)))
            .order_by(Key.label)
        )
    )


def inspect(
    actor: User,
    unit: Unit,
    answers: list[Answer],
    *,
    owner_name: str,
    owner_phone: str,
    note: str,
    keys_handed: dict[str, int],
    documents: list[str],
    register_key_ids: list[int],
) -> MoveIn:
    """Record the move-in inspection of a unit; each defect goes to engineering at once."""
    estate = unit.building.estate
    if db.session.scalar(select(MoveIn.id).where(MoveIn.unit_id == unit.id)) is not None:
        raise Invalid("unit", _("这户已经办理过收楼验房；遗留问题在原记录里复查。"))
    items = {i.id: i for i in checklist(estate.id)}
    if not items:
        raise Invalid("answers", _("这个项目还没有收楼验房检查项，请先让客服主任设置。"))
    given = {a.item_id: a for a in answers if a.item_id in items}
    missing = [
        f"outcome-{i}"
        for i in items
        if given.get(i) is None or given[i].outcome not in ("ok", "defect")
    ]
    if missing:
        raise Invalid(missing, _("请选择合格或不合格。"))
    unexplained = [
        f"note-{a.item_id}" for a in given.values() if a.outcome == "defect" and not a.note.strip()
    ]
    if unexplained:
        raise Invalid(unexplained, _("不合格项要写明问题。"))
    phone = ""
    if owner_phone.strip():
        phone = normalise_or_none(owner_phone)
        if phone is None:
            raise Invalid("owner_phone", _("电话号码不正确。"))
    handed = {k: int(n) for k, n in keys_handed.items() if k in KEY_KINDS and n}
    if any(not 0 <= n <= MAX_KEYS for n in handed.values()):
        raise Invalid("keys", _("钥匙数量应为 0 到 %(n)d。", n=MAX_KEYS))
    now = clock.now()
    move_in = MoveIn(
        number=next_number("SF", estate, now),
        estate_id=estate.id,
        unit_id=unit.id,
        inspector_id=actor.id,
        owner_name=owner_name.strip()[:64],
        owner_phone=phone,
        inspected_at=now,
        note=note.strip(),
        keys_handed=handed,
        documents=[d for d in DOCUMENTS if d in documents],
        status=SIGNING,
        created_at=now,
    )
    db.session.add(move_in)
    db.session.flush()
    handed_keys = _hand_over_keys(actor, unit, register_key_ids, move_in)
    registered = _register_owner(actor, unit, move_in)
    today = _local_day(estate, now)
    defects = 0
    for position, item in enumerate(items.values()):
        answer = given[item.id]
        result = MoveInResult(
            move_in_id=move_in.id,
            item_id=item.id,
            position=position,
            room=item.room,
            text=item.text,
            outcome=answer.outcome,
            note=answer.note.strip()[:1000],
            warranty_until=_years_later(today, item.warranty_years)
            if answer.outcome == "defect" and item.warranty_years
            else None,
        )
        db.session.add(result)
        db.session.flush()
        try:
            found = photos.ingest_uploads(answer.uploads, actor)
        except photos.PhotoRejected as refused:
            raise Invalid(f"photos-{item.id}", refused.message) from None
        for photo in found:
            photos.attach(photo, RESULT, result.id, "evidence", actor)
        if result.defect:
            defects += 1
            order = workorders.dispatch(
                actor,
                estate=estate,
                department="engineering",
                location=f"{unit.label} {result.room}",
                description=_defect_text(result),
                due_at=now + DEFECT_DUE,
                origin_type=TARGET,
                origin_id=move_in.id,
            )
            for photo in found:
                photos.attach(photo, "work_order", order.id, "before", actor)
            result.work_order_id = order.id
    audit.record(
        actor,
        "movein.inspect",
        TARGET,
        move_in.id,
        estate_id=estate.id,
        after={
            "unit": unit.label,
            "number": move_in.number,
            "defects": defects,
            "keys": handed,
            "documents": move_in.documents,
            "register_keys": [k.label for k in handed_keys],
            "owner_registered": registered,
        },
    )
    # The unit's owners hear that the record waits for their signature (done on the spot, the
    # notification is settled with it).
    escalation.notify(
        escalation.owners_of([unit.id]),
        kind="movein_sign",
        key=_signature_key(move_in),
        target_type=TARGET,
        target_id=move_in.id,
        estate_id=estate.id,
        title=f"{move_in.number} · {unit.label}",
    )
    return move_in


def _signature_key(move_in: MoveIn) -> str:
    return f"{TARGET}:{move_in.id}:sign"


def _register_owner(actor: User, unit: Unit, move_in: MoveIn) -> bool:
    """A unit handed over without an owner on record gets the one who received it (业主资料
    登记): the person with that phone if the roll has them, else a new owner (who can be
    invited to log in). Nothing changes where the unit has an owner or no phone was given."""
    if not move_in.owner_phone or any(o.relation == "owner" for o in unit.ownerships):
        return False
    person = db.session.scalar(
        select(User).where(User.username.in_(phones.login_forms(move_in.owner_phone)))
    ) or db.session.scalar(select(User).where(User.phone == move_in.owner_phone))
    if person is None:
        owners.create_owner(
            actor,
            display_name=move_in.owner_name,
            phone=move_in.owner_phone,
            unit=unit,
            relation="owner",
        )
        return True
    if not person.is_owner or any(o.unit_id == unit.id for o in person.ownerships):
        return False  # a staff member's phone is not made an owner; a resident stays as is
    owners.link_unit(actor, person, unit, "owner")
    return True


def _defect_text(result: MoveInResult) -> str:
    text = f"【{_('收楼遗留问题')}】{result.room} · {result.text}：{result.note.strip()}"
    if result.warranty_until:
        text += _("（保修期至 %(day)s）", day=result.warranty_until.isoformat())
    return text


def _hand_over_keys(actor: User, unit: Unit, key_ids: list[int], move_in: MoveIn) -> list[Key]:
    """The register's keys of this unit given to its owner: they leave the register (a key
    that is lent out cannot be handed over until it is back)."""
    chosen = [k for k in register_keys(actor, unit) if k.id in set(key_ids)]
    for key in chosen:
        if keys.current_loan(key) is not None:
            raise Invalid(
                "register_keys",
                _("钥匙「%(label)s」借出未还，收回后才能交给业主。", label=key.label),
            )
        key.active = False
        audit.record(
            actor,
            "key.handed_to_owner",
            keys.TARGET,
            key.id,
            estate_id=key.estate_id,
            after={"move_in": move_in.number, "owner": move_in.owner_name},
        )
    return chosen


# --- the owner's signature --------------------------------------------------------------------


def content(move_in: MoveIn) -> dict:
    """What the owner signs: the findings, keys and documents (its hash is kept)."""
    return {
        "number": move_in.number,
        "unit": move_in.unit_id,
        "owner": move_in.owner_name,
        "results": [[r.room, r.text, r.outcome, r.note] for r in move_in.results],
        "keys": move_in.keys_handed,
        "documents": move_in.documents,
    }


def sign(actor: User, move_in: MoveIn, *, name: str, drawn=None) -> None:
    """The owner signs (on the staff member's phone or their own): the unit is received and the
    record locked. The typed name is the signature; a drawn one is kept beside it."""
    MOVE_IN.check(actor, move_in, "sign")
    name = (name or "").strip()
    if not name:
        raise Invalid("name", _("请业主写下自己的姓名。"))
    if drawn is not None and getattr(drawn, "filename", ""):
        try:
            kept = photos.ingest_uploads([drawn], actor, limit=1)
        except photos.PhotoRejected as refused:
            raise Invalid("drawing", refused.message) from None
        for photo in kept:
            photos.attach(photo, TARGET, move_in.id, "signature", actor)
    now = clock.now()
    move_in.status = SIGNED
    move_in.signed_name = name[:64]
    move_in.signed_at = now
    move_in.signed_via_id = actor.id
    move_in.content_hash = signoff.content_hash(content(move_in))
    db.session.flush()
    audit.record(
        actor,
        "movein.sign",
        TARGET,
        move_in.id,
        estate_id=move_in.estate_id,
        after={"name": move_in.signed_name, "hash": move_in.content_hash},
    )
    escalation.settle(_signature_key(move_in))


# --- defects and progress ---------------------------------------------------------------------

DEFECT_STATES = ("open", "fixed", "closed", "all")
_STATE_OF = {
    "open": (WorkOrderStatus.OPEN, WorkOrderStatus.HELD),
    "fixed": (WorkOrderStatus.FIXED,),
    "closed": (WorkOrderStatus.CLOSED,),
}
NEWEST = paging.Order.of((MoveInResult.id, "desc"))


def defects(
    user: User,
    *,
    estate_id: int | None = None,
    state: str = "open",
    room: str | None = None,
    age: str | None = None,
    now: datetime | None = None,
) -> Select:
    """Defects of move-ins this person may see, by where their work order stands (open: sent
    or held; fixed: waiting for re-inspection; closed: passed) and, open ones, by age."""
    now = now or clock.now()
    seen = visible_move_ins(user).with_only_columns(MoveIn.id)
    query = (
        select(MoveInResult)
        .join(MoveIn, MoveIn.id == MoveInResult.move_in_id)
        .join(WorkOrder, WorkOrder.id == MoveInResult.work_order_id)
        .where(MoveInResult.outcome == "defect", MoveInResult.move_in_id.in_(seen))
    )
    if estate_id:
        query = query.where(MoveIn.estate_id == estate_id)
    if state in _STATE_OF:
        query = query.where(WorkOrder.status.in_(_STATE_OF[state]))
    if room:
        query = query.where(MoveInResult.room == room)
    if age in workorders.AGES:
        low, high = workorders.AGES[age]
        query = query.where(WorkOrder.created_at <= now - timedelta(days=low))
        if high is not None:
            query = query.where(WorkOrder.created_at > now - timedelta(days=high))
    return query


def open_defect_counts(move_in_ids: list[int]) -> dict[int, int]:
    """{move-in id: defects still being repaired} for these records, in one statement."""
    if not move_in_ids:
        return {}
    return dict(
        db.session.execute(
            select(MoveInResult.move_in_id, func.count())
            .join(WorkOrder, WorkOrder.id == MoveInResult.work_order_id)
            .where(
                MoveInResult.move_in_id.in_(move_in_ids),
                MoveInResult.outcome == "defect",
                WorkOrder.status.in_(_STATE_OF["open"]),
            )
            .group_by(MoveInResult.move_in_id)
        ).all()
    )


def defect_page(user: User, *, after: str | None, size: int = 30, **filters) -> paging.Page:
    query = defects(user, **filters).options(
        joinedload(MoveInResult.move_in).joinedload(MoveIn.unit).joinedload(Unit.building),
        joinedload(MoveInResult.work_order),
    )
    return paging.read(query, NEWEST, after, size)


def defects_export(user: User, **filters):
    query = defects(user, **filters).options(
        joinedload(MoveInResult.move_in).joinedload(MoveIn.unit).joinedload(Unit.building),
        joinedload(MoveInResult.work_order),
    )
    return db.session.scalars(query.order_by(MoveInResult.id).execution_options(yield_per=500))


UNIT_STATES = ("pending", "signing", "received")


def buildings_of(estate_id: int) -> list[Building]:
    return list(
        db.session.scalars(
            select(Building).where(Building.estate_id == estate_id).order_by(Building.name)
        )
    )


def units(
    user: User,
    estate_id: int,
    *,
    state: str,
    building_id: int | None = None,
    number: str = "",
) -> Select:
    """The estate's units by where their handover stands: no inspection yet, waiting for the
    owner's signature, received."""
    query = (
        select(Unit)
        .join(Building, Building.id == Unit.building_id)
        .outerjoin(MoveIn, MoveIn.unit_id == Unit.id)
        .where(Building.estate_id == estate_id, Building.estate_id.in_(estate_ids_of(user)))
    )
    if building_id:
        query = query.where(Unit.building_id == building_id)
    if number:
        query = query.where(Unit.number.contains(number, autoescape=True))
    if state == "pending":
        query = query.where(MoveIn.id.is_(None))
    elif state == "signing":
        query = query.where(MoveIn.status == SIGNING)
    elif state == "received":
        query = query.where(MoveIn.status == SIGNED)
    return query


UNIT_ORDER = paging.Order.of(Unit.id)


def move_ins_of(unit_ids: list[int]) -> dict[int, MoveIn]:
    if not unit_ids:
        return {}
    return {
        m.unit_id: m for m in db.session.scalars(select(MoveIn).where(MoveIn.unit_id.in_(unit_ids)))
    }


@dataclass
class BuildingRow:
    id: int
    name: str
    units: int = 0
    signing: int = 0
    received: int = 0

    @property
    def pending(self) -> int:
        return self.units - self.signing - self.received


@dataclass
class Progress:
    estate: Estate
    buildings: list[BuildingRow]
    by_room: list[tuple[str, int]]
    by_age: dict[str, int]
    fixed: int
    closed: int

    @property
    def units(self) -> int:
        return sum(b.units for b in self.buildings)

    @property
    def received(self) -> int:
        return sum(b.received for b in self.buildings)

    @property
    def signing(self) -> int:
        return sum(b.signing for b in self.buildings)

    @property
    def pending(self) -> int:
        return sum(b.pending for b in self.buildings)

    @property
    def open(self) -> int:
        return sum(self.by_age.values())


def progress(user: User, estate: Estate, now: datetime | None = None) -> Progress:
    """The estate's handover in four statements: units per building and how many are received
    or waiting for a signature; open defects by room; defects by state and open ones by age."""
    now = now or clock.now()
    rows = {
        b.id: BuildingRow(b.id, b.name, n)
        for b, n in db.session.execute(
            select(Building, func.count(Unit.id))
            .outerjoin(Unit, Unit.building_id == Building.id)
            .where(Building.estate_id == estate.id)
            .group_by(Building.id)
            .order_by(Building.name, Building.id)
        )
    }
    for building_id, status, n in db.session.execute(
        select(Unit.building_id, MoveIn.status, func.count())
        .join(MoveIn, MoveIn.unit_id == Unit.id)
        .where(MoveIn.estate_id == estate.id)
        .group_by(Unit.building_id, MoveIn.status)
    ):
        row = rows.get(building_id)
        if row is not None:
            setattr(row, "received" if status == SIGNED else "signing", n)
    open_ones = defects(user, estate_id=estate.id, state="open", now=now).subquery()
    by_room = [
        (room, n)
        for room, n in db.session.execute(
            select(open_ones.c.room, func.count())
            .group_by(open_ones.c.room)
            .order_by(func.count().desc(), open_ones.c.room)
        )
    ]
    all_ones = (
        defects(user, estate_id=estate.id, state="all", now=now)
        .with_only_columns(WorkOrder.status, WorkOrder.created_at)
        .subquery()
    )
    is_open = all_ones.c.status.in_(_STATE_OF["open"])
    counts = {}
    for age, (low, high) in workorders.AGES.items():
        window = all_ones.c.created_at <= now - timedelta(days=low)
        if high is not None:
            window = and_(window, all_ones.c.created_at > now - timedelta(days=high))
        counts[age] = func.count(case((and_(is_open, window), 1)))
    figures = db.session.execute(
        select(
            *(c.label(a) for a, c in counts.items()),
            func.count(case((all_ones.c.status == WorkOrderStatus.FIXED, 1))).label("fixed"),
            func.count(case((all_ones.c.status == WorkOrderStatus.CLOSED, 1))).label("closed"),
        )
    ).one()
    return Progress(
        estate,
        list(rows.values()),
        by_room,
        {age: getattr(figures, age) for age in workorders.AGES},
        figures.fixed,
        figures.closed,
    )

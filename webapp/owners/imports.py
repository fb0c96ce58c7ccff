"""Owner and unit records (业户档案) from a workbook: a template to fill in, a preview of what
an upload would create, change and refuse (each refusal with its row, cell and reason), and the
import applied in one transaction.

The workbook has two sheets. 楼栋 lists buildings to create; 房屋与住户 has a row per unit and
person: building, unit number, name, phone, relation (a row without a name and phone is the unit
alone). A building that neither exists nor is listed is refused, as are bad phones and a row that
repeats an earlier one. People are known by their phone (E.164): the same file imported again
changes nothing, an edited file changes names and relations in place, and nobody is removed
(a person missing from the file keeps their account and units).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp import audit, clock, phones
from webapp.errors import IllegalTransition, Invalid
from webapp.extensions import db
from webapp.inputs import clean_text
from webapp.labels import RELATION_LABELS
from webapp.models import Building, Estate, RecordImport, Role, Unit, UnitOwnership, User
from webapp.models.places import natural_key
from webapp.scoping import estate_ids_of
from webapp.scoping import get_or_404 as get_or_404_in

MAX_ROWS = 20_000  # per sheet: an estate's records, not a data dump
MAX_UNPACKED = 60 * 1024 * 1024  # the workbook's parts once unzipped (a zip bomb stops here)
BATCH = 1000  # values per IN (...) when looking up what exists
SHOWN = 200  # rows of each kind listed on the preview page; the counts are always whole

RELATIONS = RELATION_LABELS
# Each column by the headers it may carry besides the template's own in either language.
RESIDENT_COLUMNS = {
    "building": ("building",),
    "number": ("unit", "room", "房间"),
    "name": (),
    "phone": ("手机号", "手机", "phone number", "mobile"),
    "relation": (),
}
HEADERS = {
    "building": _l("楼栋"),
    "number": _l("房号"),
    "name": _l("姓名"),
    "phone": _l("电话"),
    "relation": _l("身份"),
}
SHEET_BUILDINGS = _lp("sheet", "楼栋")
SHEET_RESIDENTS = _l("房屋与住户")
SHEET_NOTES = _l("填写说明")


@dataclass(frozen=True)
class Refusal:
    sheet: str
    row: int
    cell: str  # e.g. D17
    reason: str


class Relink(NamedTuple):
    """A person's relation to a unit that the file changes."""

    user_id: int
    unit_id: int
    before: str
    after: str
    name: str
    label: str  # the unit, e.g. 3栋-1201


@dataclass
class Plan:
    """What applying the workbook would do, against the records as they are now."""

    buildings: list[str] = field(default_factory=list)  # to create
    units: list[tuple[str, str]] = field(default_factory=list)  # (building, number) to create
    people: list[tuple[str, str]] = field(default_factory=list)  # (name, E.164) to create
    renamed: list[tuple[int, str, str]] = field(default_factory=list)  # (user id, from, to)
    links: list[tuple[str, str, str, str]] = field(default_factory=list)  # phone, bldg, no, rel
    relinked: list[Relink] = field(default_factory=list)
    unchanged: int = 0
    refused: list[Refusal] = field(default_factory=list)
    rows: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "buildings": len(self.buildings),
            "units": len(self.units),
            "people": len(self.people),
            "renamed": len(self.renamed),
            "links": len(self.links),
            "relinked": len(self.relinked),
            "unchanged": self.unchanged,
            "refused": len(self.refused),
            "rows": self.rows,
        }

    @property
    def changes(self) -> int:
        c = self.counts()
        return sum(c[k] for k in ("buildings", "units", "people", "renamed", "links", "relinked"))


# --- the template -----------------------------------------------------------------------------


def template() -> bytes:
    """The workbook to fill in: the two sheets with their headers only (the reader's language),
    and a third sheet of instructions with an example row, which is never imported (an example
    left in a data sheet would have become a real person)."""
    book = Workbook()
    bold = Font(bold=True)
    first = book.active
    first.title = str(SHEET_BUILDINGS)
    _header(first, [HEADERS["building"]], bold)
    residents = book.create_sheet(str(SHEET_RESIDENTS))
    _header(residents, [HEADERS[k] for k in RESIDENT_COLUMNS], bold)
    residents.column_dimensions["D"].width = 18
    for sheet in (first, residents):
        sheet.freeze_panes = "A2"
    notes = book.create_sheet(str(SHEET_NOTES))
    notes.column_dimensions["A"].width = 90
    for line in (
        _("填写说明（这张表不会导入）"),
        _("“楼栋”表：每行一个要新建的楼栋；已有的楼栋不用列出。"),
        _("“房屋与住户”表：每行一户一人。楼栋须已存在或列在“楼栋”表中；只填楼栋和房号则只建房屋。"),
        _("电话：手机号或带区号的座机；港澳台及境外号码请加国家或地区代码，如 +852。"),
        _("身份：业主、租户或家属；不填即为业主。"),
        "",
        _("例如（在“房屋与住户”表中这样填写一行）："),
    ):
        notes.append([line])
    notes["A1"].font = bold
    notes.append([str(HEADERS[k]) for k in RESIDENT_COLUMNS])
    notes.append([_("3栋"), "1201", _("陈志强"), "139 1234 5678", str(RELATIONS["owner"])])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _header(sheet, headers, bold) -> None:
    sheet.append([str(h) for h in headers])
    for index in range(len(headers)):
        sheet.cell(row=1, column=index + 1).font = bold
        sheet.column_dimensions[get_column_letter(index + 1)].width = 14


# --- reading ----------------------------------------------------------------------------------


def _text(value) -> str:
    """A cell as text: numbers typed into Excel (a phone, a unit 1201) without a trailing .0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(str(value)).strip()


@dataclass
class _Sheet:
    title: str
    columns: dict[str, int]  # key -> 0-based column
    rows: Iterator[tuple[int, tuple]]


def _open(content: bytes):
    """The workbook, read-only; Invalid when it is not one we can read."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise Invalid("file", _("文件解压后过大。"))
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Invalid:
        raise
    except Exception:  # noqa: BLE001 - whatever a broken or foreign file raises
        raise Invalid("file", _("无法读取这个文件：请上传用模板填写的 .xlsx 工作簿。")) from None


def _accepted(key: str) -> set[str]:
    """The headers that name column `key`: the template's in Chinese and in English, and the
    other usual names."""
    labels = set(RESIDENT_COLUMNS[key])
    for locale in ("zh_CN", "en"):
        with force_locale(locale):
            labels.add(str(HEADERS[key]).lower())
    return labels


def _find_columns(header: tuple) -> dict[str, int]:
    names = [_text(h).lower() for h in header]
    found = {}
    for key in RESIDENT_COLUMNS:
        labels = _accepted(key)
        for index, name in enumerate(names):
            if name in labels:
                found[key] = index
                break
    return found


def _sheets(book) -> tuple[_Sheet | None, _Sheet]:
    """The buildings sheet (if any) and the residents sheet, told apart by their headers."""
    buildings = residents = None
    for sheet in book.worksheets:
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        columns = _find_columns(header)
        numbered = ((n, row) for n, row in enumerate(rows, start=2))
        if {"building", "number"} <= columns.keys():
            if residents is None:
                residents = _Sheet(sheet.title, columns, numbered)
        elif "building" in columns and buildings is None:
            buildings = _Sheet(sheet.title, {"building": columns["building"]}, numbered)
    if residents is None:
        raise Invalid(
            "file", _("找不到“房屋与住户”表：它的第一行须有“楼栋”“房号”两列。请用模板填写。")
        )
    return buildings, residents


def _cell(sheet: _Sheet, key: str, row: int) -> str:
    column = sheet.columns.get(key)
    return f"{get_column_letter(column + 1)}{row}" if column is not None else f"A{row}"


def _value(sheet: _Sheet, key: str, values: tuple) -> str:
    column = sheet.columns.get(key)
    if column is None or column >= len(values):
        return ""
    return _text(values[column])


def _relations() -> dict[str, str]:
    """What a relation cell may say (the code, or its label in either language) -> the code;
    empty means owner. Built once per workbook, not per row."""
    known = {"": "owner"}
    for code, label in RELATIONS.items():
        known[code] = code
        for locale in ("zh_CN", "en"):
            with force_locale(locale):
                known[str(label).lower()] = code
    return known


# --- planning ---------------------------------------------------------------------------------


def _chunks(values: list) -> Iterator[list]:
    for start in range(0, len(values), BATCH):
        yield values[start : start + BATCH]


def plan(estate: Estate, content: bytes) -> Plan:
    """What the workbook would do to this estate's records now (nothing is written)."""
    book = _open(content)
    try:
        return _plan(estate, book)
    finally:
        book.close()


def _plan(estate: Estate, book) -> Plan:
    out = Plan()
    building_sheet, residents = _sheets(book)
    existing = {
        b.name: b
        for b in db.session.scalars(select(Building).where(Building.estate_id == estate.id))
    }
    listed: set[str] = set()
    if building_sheet is not None:
        for row, values in building_sheet.rows:
            if row > MAX_ROWS + 1:
                raise Invalid("file", _("每张表最多 %(n)d 行。", n=MAX_ROWS))
            name = _value(building_sheet, "building", values)
            if not name:
                continue
            out.rows += 1
            cell = _cell(building_sheet, "building", row)
            if len(name) > 40:
                out.refused.append(
                    Refusal(building_sheet.title, row, cell, _("楼栋名称超过 40 个字。"))
                )
            elif name in listed:
                out.refused.append(Refusal(building_sheet.title, row, cell, _("楼栋重复。")))
            else:
                listed.add(name)
                if name in existing:
                    out.unchanged += 1
                else:
                    out.buildings.append(name)
    rows = _resident_rows(residents, out, known=set(existing) | listed)
    _plan_people(estate, existing, rows, out, residents.title)
    # In the workbook's order: the buildings sheet's first, then row by row.
    out.refused.sort(key=lambda r: (r.sheet == residents.title, r.row))
    return out


@dataclass
class _Row:
    row: int
    building: str
    number: str
    name: str
    phone: str  # E.164, or "" for a unit alone
    relation: str
    phone_cell: str


def _resident_rows(sheet: _Sheet, out: Plan, known: set[str]) -> list[_Row]:
    """The residents sheet's rows that can be applied; the others refused with their reason."""
    relations = _relations()
    rows: list[_Row] = []
    seen: dict[tuple, int] = {}  # (building, number, phone) -> row
    named: dict[str, tuple[str, int]] = {}  # phone -> (name, row)
    for row, values in sheet.rows:
        if row > MAX_ROWS + 1:
            raise Invalid("file", _("每张表最多 %(n)d 行。", n=MAX_ROWS))
        v = {key: _value(sheet, key, values) for key in RESIDENT_COLUMNS}
        if not any(v.values()):
            continue
        out.rows += 1

        def refuse(key: str, reason: str, row=row) -> None:
            out.refused.append(Refusal(sheet.title, row, _cell(sheet, key, row), reason))

        if not v["building"]:
            refuse("building", _("缺少楼栋。"))
            continue
        if v["building"] not in known:
            refuse("building", _("楼栋“%(b)s”不存在，也不在“楼栋”表中。", b=v["building"][:40]))
            continue
        if not v["number"]:
            refuse("number", _("缺少房号。"))
            continue
        if len(v["number"]) > 20:
            refuse("number", _("房号超过 20 个字。"))
            continue
        if bool(v["name"]) != bool(v["phone"]):
            refuse(
                "name" if not v["name"] else "phone",
                _("姓名和电话须同时填写（只建房屋则都不填）。"),
            )
            continue
        if len(v["name"]) > 64:
            refuse("name", _("姓名超过 64 个字。"))
            continue
        phone = ""
        if v["phone"]:
            phone = phones.normalise_or_none(v["phone"])
            if phone is None:
                refuse("phone", _("电话号码无效：%(p)s", p=v["phone"][:30]))
                continue
        relation = relations.get(v["relation"].lower())
        if relation is None:
            refuse("relation", _("身份须是 业主、租户 或 家属（也可不填：业主）。"))
            continue
        key = (v["building"], v["number"], phone)
        if key in seen:
            refuse("phone" if phone else "number", _("与第 %(n)d 行重复。", n=seen[key]))
            continue
        if phone and phone in named and named[phone][0] != v["name"]:
            earlier, at = named[phone]
            refuse("name", _("同一电话在第 %(n)d 行的姓名是“%(name)s”。", n=at, name=earlier))
            continue
        seen[key] = row
        if phone:
            named.setdefault(phone, (v["name"], row))
        cell = _cell(sheet, "phone", row)
        rows.append(_Row(row, v["building"], v["number"], v["name"], phone, relation, cell))
    return rows


def _plan_people(
    estate: Estate, existing: dict[str, Building], rows: list[_Row], out: Plan, title: str
) -> None:
    building_ids = [b.id for b in existing.values()]
    units: dict[tuple[str, str], Unit] = {}
    by_id = {b.id: b.name for b in existing.values()}
    for ids in _chunks(building_ids):
        for unit in db.session.scalars(select(Unit).where(Unit.building_id.in_(ids))):
            units[by_id[unit.building_id], unit.number] = unit
    wanted = sorted({r.phone for r in rows if r.phone})
    people: dict[str, User] = {}
    logins: dict[str, User] = {}
    for chunk in _chunks(wanted):
        found = db.session.scalars(
            select(User).where(User.phone.in_(chunk) | User.username.in_(chunk)).order_by(User.id)
        )
        for user in found:
            if user.phone in chunk:
                people.setdefault(user.phone, user)
            if user.username in chunk:
                logins[user.username] = user
    links: dict[tuple[int, int], str] = {}
    user_ids = [u.id for u in people.values()]
    for chunk in _chunks(user_ids):
        for link in db.session.scalars(
            select(UnitOwnership).where(UnitOwnership.user_id.in_(chunk))
        ):
            links[link.user_id, link.unit_id] = link.relation
    new_units: set[tuple[str, str]] = set()
    new_people: dict[str, str] = {}
    renamed: set[int] = set()
    for r in rows:
        unit = units.get((r.building, r.number))
        if unit is None and (r.building, r.number) not in new_units:
            new_units.add((r.building, r.number))
            out.units.append((r.building, r.number))
        if not r.phone:
            if unit is not None:
                out.unchanged += 1
            continue
        person = people.get(r.phone)
        if person is not None and person.role != Role.OWNER:
            out.refused.append(
                Refusal(title, r.row, r.phone_cell, _("这个电话是员工账号的，不能登记为住户。"))
            )
            continue
        if person is None:
            holder = logins.get(r.phone)
            if holder is not None:
                reason = _("这个电话已是另一个账号（%(n)s）的登录名。", n=holder.display_name)
                out.refused.append(Refusal(title, r.row, r.phone_cell, reason))
                continue
            if r.phone not in new_people:
                new_people[r.phone] = r.name
                out.people.append((r.name, r.phone))
            out.links.append((r.phone, r.building, r.number, r.relation))
            continue
        if person.display_name != r.name and person.id not in renamed:
            renamed.add(person.id)
            out.renamed.append((person.id, person.display_name, r.name))
        relation = links.get((person.id, unit.id)) if unit is not None else None
        if relation is None:
            out.links.append((r.phone, r.building, r.number, r.relation))
        elif relation != r.relation:
            label = f"{r.building}-{r.number}"
            out.relinked.append(
                Relink(person.id, unit.id, relation, r.relation, person.display_name, label)
            )
        elif person.id not in renamed:
            out.unchanged += 1


# --- keeping the upload, applying it ------------------------------------------------------------


def upload(actor: User, estate: Estate, filename: str, content: bytes) -> tuple[RecordImport, Plan]:
    """Keep the workbook and what it would do; nothing else is written."""
    found = plan(estate, content)
    record = RecordImport(
        estate_id=estate.id,
        uploaded_by_id=actor.id,
        filename=clean_text(filename or "")[:120] or "import.xlsx",
        digest=hashlib.sha256(content).hexdigest(),
        content=content,
        plan=found.counts(),
    )
    db.session.add(record)
    db.session.flush()
    return record, found


def apply(actor: User, record: RecordImport) -> Plan:
    """Apply a previewed workbook in one transaction, if the records still give the counts the
    preview showed (otherwise IllegalTransition: preview again)."""
    if record.applied_at is not None:
        raise IllegalTransition(record, _("这份文件已导入。"))
    estate = record.estate
    found = plan(estate, record.content)
    if found.counts() != record.plan:
        raise IllegalTransition(record, _("档案在预览后有变动：请重新上传预览。"))
    buildings = {
        b.name: b
        for b in db.session.scalars(select(Building).where(Building.estate_id == estate.id))
    }
    for name in found.buildings:
        buildings[name] = Building(estate_id=estate.id, name=name, sort_key=natural_key(name))
        db.session.add(buildings[name])
    db.session.flush()
    units: dict[tuple[str, str], Unit] = {}
    by_id = {b.id: name for name, b in buildings.items()}
    for ids in _chunks(list(by_id)):
        for unit in db.session.scalars(select(Unit).where(Unit.building_id.in_(ids))):
            units[by_id[unit.building_id], unit.number] = unit
    for building, number in found.units:
        unit = Unit(building_id=buildings[building].id, number=number, sort_key=natural_key(number))
        units[building, number] = unit
        db.session.add(unit)
    people: dict[str, User] = {}
    for name, phone in found.people:
        people[phone] = User(
            username=phone, display_name=name, phone=phone, role=Role.OWNER, active=True
        )
        db.session.add(people[phone])
    db.session.flush()
    phones_needed = sorted({p for p, *_rest in found.links} - people.keys())
    for chunk in _chunks(phones_needed):
        for user in db.session.scalars(
            select(User).where(User.phone.in_(chunk), User.role == Role.OWNER).order_by(User.id)
        ):
            people.setdefault(user.phone, user)
    renamed = {user_id: new for user_id, _old, new in found.renamed}
    for chunk in _chunks(list(renamed)):
        for user in db.session.scalars(select(User).where(User.id.in_(chunk))):
            user.display_name = renamed[user.id]
    db.session.add_all(
        UnitOwnership(user_id=people[phone].id, unit_id=units[b, n].id, relation=relation)
        for phone, b, n, relation in found.links
    )
    for change in found.relinked:
        link = db.session.get(UnitOwnership, (change.user_id, change.unit_id))
        link.relation = change.after
    record.applied_at = clock.now()
    record.applied_by_id = actor.id
    db.session.flush()
    audit.record(
        actor,
        "owners.import",
        "record_import",
        record.id,
        estate_id=estate.id,
        after={"file": record.filename, "digest": record.digest, **found.counts()},
    )
    return found


def _visible(viewer: User):
    return select(RecordImport).where(RecordImport.estate_id.in_(estate_ids_of(viewer)))


def get_or_404(viewer: User, import_id: int) -> RecordImport:
    return get_or_404_in(_visible(viewer), RecordImport, import_id)


def recent(viewer: User, limit: int = 10) -> list[RecordImport]:
    """The latest uploads of the viewer's estates, with who uploaded them."""
    return list(
        db.session.scalars(
            _visible(viewer)
            .options(joinedload(RecordImport.estate), joinedload(RecordImport.uploaded_by))
            .order_by(RecordImport.created_at.desc(), RecordImport.id.desc())
            .limit(limit)
        )
    )

"""Managing people and places. Every change is audited; edits check the record's version."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from webapp import audit, clock, outbox, phones, robots
from webapp.auth import services as auth_services
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.locks import check_version
from webapp.models import (
    STAFF_ROLES,
    Building,
    Department,
    Estate,
    EstateDepartment,
    EstateMembership,
    PublicArea,
    Unit,
    UnitOwnership,
    User,
)
from webapp.models.places import natural_key
from webapp.scoping import visible_people

ESTATE_FIELDS = ("name", "code", "address", "timezone")
AREA_FIELDS = ("name", "kind", "active")


def _staff_phone(raw: str | None) -> str | None:
    """A staff member's phone in E.164 (optional), like everyone's."""
    if not (raw or "").strip():
        return None
    try:
        return phones.normalise(raw)
    except phones.NotAPhone:
        message = _("电话号码无效：港澳台及境外号码请加国家或地区代码，如 +852。")
        raise Invalid("phone", message) from None


def _user_snapshot(user: User) -> dict:
    data = audit.snapshot(user, ("username", "display_name", "role", "active"))
    data["phone"] = user.phone
    data["estates"] = sorted(db.session.get(Estate, m.estate_id).name for m in user.memberships)
    return data


# --- people -----------------------------------------------------------------------------------


def staff_list(viewer: User, role: str | None = None) -> list[User]:
    query = (
        visible_people(viewer)
        .where(User.role.in_([str(r) for r in STAFF_ROLES]))
        .options(selectinload(User.memberships).selectinload(EstateMembership.estate))
        .order_by(User.active.desc(), User.role, User.username)
    )
    if role:
        query = query.where(User.role == role)
    return list(db.session.scalars(query))


def _allowed_estates(actor: User, estate_ids: list[int]) -> list[int]:
    mine = {e.id for e in actor.estates}
    if not estate_ids:
        raise Invalid("estates", _("至少选择一个项目。"))
    if not set(estate_ids) <= mine:
        raise Invalid("estates", _("只能分配你所在的项目。"))
    return sorted(set(estate_ids))


def create_staff(
    actor: User,
    *,
    username: str,
    display_name: str,
    phone: str | None,
    role: str,
    estate_ids: list[int],
) -> User:
    if role not in STAFF_ROLES:
        raise Invalid("role", _("请选择一个员工角色。"))
    if auth_services.username_taken(username):
        raise Invalid("username", _("这个用户名已被使用。"))
    estate_ids = _allowed_estates(actor, estate_ids)
    user = User(
        username=username.lower(),
        display_name=display_name,
        phone=_staff_phone(phone),
        role=role,
        active=True,
    )
    user.memberships = [EstateMembership(estate_id=i) for i in estate_ids]
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id, after=_user_snapshot(user))
    return user


def update_staff(
    actor: User,
    user: User,
    *,
    version: int,
    display_name: str,
    phone: str | None,
    role: str,
    estate_ids: list[int],
) -> None:
    check_version(user, version)
    phone = _staff_phone(phone)
    if role not in STAFF_ROLES:
        raise Invalid("role", _("请选择一个员工角色。"))
    if user.id == actor.id and role != user.role:
        raise Invalid("role", _("不能修改自己的角色。"))
    # Estates outside the manager's own stay as they are; those inside follow the form.
    mine = {e.id for e in actor.estates}
    wanted = set(_allowed_estates(actor, estate_ids))
    if user.id == actor.id and not wanted:
        raise Invalid("estates", _("至少选择一个项目。"))
    before = _user_snapshot(user)
    keep = {m.estate_id for m in user.memberships if m.estate_id not in mine}
    target = keep | wanted
    user.memberships = [m for m in user.memberships if m.estate_id in target] + [
        EstateMembership(estate_id=i)
        for i in sorted(target - {m.estate_id for m in user.memberships})
    ]
    role_changed = role != user.role
    user.display_name = display_name
    user.phone = phone
    user.role = role
    if role_changed:
        auth_services.end_all_sessions(user)
    db.session.flush()
    audit.record(actor, "user.update", "user", user.id, before=before, after=_user_snapshot(user))


def set_active(actor: User, user: User, *, active: bool, version: int) -> None:
    check_version(user, version)
    if user.id == actor.id:
        raise Invalid("active", _("不能停用自己的账号。"))
    if user.active == active:
        return
    user.active = active
    if not active:
        auth_services.end_all_sessions(user)
    audit.record(
        actor,
        "user.enable" if active else "user.disable",
        "user",
        user.id,
        before={"active": not active},
        after={"active": active},
    )


# --- places -----------------------------------------------------------------------------------


def create_estate(actor: User, *, name: str, code: str, address: str, timezone: str) -> Estate:
    if db.session.scalar(select(func.count()).where(Estate.name == name)):
        raise Invalid("name", _("已有同名项目。"))
    if db.session.scalar(select(func.count()).where(Estate.code == code.upper())):
        raise Invalid("code", _("这个编码已被其他项目使用。"))
    estate = Estate(name=name, code=code.upper(), address=address, timezone=timezone)
    db.session.add(estate)
    db.session.flush()
    # Whoever creates an estate works on it.
    db.session.add(EstateMembership(user_id=actor.id, estate_id=estate.id))
    audit.record(
        actor,
        "estate.create",
        "estate",
        estate.id,
        estate_id=estate.id,
        after=audit.snapshot(estate, ESTATE_FIELDS),
    )
    return estate


def update_estate(
    actor: User, estate: Estate, *, version: int, name: str, code: str, address: str, timezone: str
) -> None:
    check_version(estate, version)
    clash = db.session.scalar(
        select(func.count()).where(
            Estate.id != estate.id, (Estate.name == name) | (Estate.code == code.upper())
        )
    )
    if clash:
        raise Invalid("name", _("名称或编码已被其他项目使用。"))
    before = audit.snapshot(estate, ESTATE_FIELDS)
    estate.name, estate.code, estate.address, estate.timezone = (
        name,
        code.upper(),
        address,
        timezone,
    )
    db.session.flush()
    audit.record(
        actor,
        "estate.update",
        "estate",
        estate.id,
        estate_id=estate.id,
        before=before,
        after=audit.snapshot(estate, ESTATE_FIELDS),
    )


@dataclass
class BuildingRow:
    building: Building
    units: int
    owners: int


def building_rows(estate: Estate) -> list[BuildingRow]:
    units = dict(
        db.session.execute(
            select(Unit.building_id, func.count(Unit.id))
            .join(Building, Building.id == Unit.building_id)
            .where(Building.estate_id == estate.id)
            .group_by(Unit.building_id)
        ).all()
    )
    owners = dict(
        db.session.execute(
            select(Unit.building_id, func.count(func.distinct(UnitOwnership.user_id)))
            .join(UnitOwnership, UnitOwnership.unit_id == Unit.id)
            .join(Building, Building.id == Unit.building_id)
            .where(Building.estate_id == estate.id)
            .group_by(Unit.building_id)
        ).all()
    )
    buildings = db.session.scalars(
        select(Building).where(Building.estate_id == estate.id).order_by(Building.sort_key)
    )
    return [BuildingRow(b, units.get(b.id, 0), owners.get(b.id, 0)) for b in buildings]


def unit_numbers(floors_from: int, floors_to: int, per_floor: int) -> list[str]:
    """1201 style numbers: floor, then a two-digit position."""
    return [
        f"{floor}{pos:02d}"
        for floor in range(floors_from, floors_to + 1)
        for pos in range(1, per_floor + 1)
    ]


def create_building(
    actor: User,
    estate: Estate,
    *,
    name: str,
    floors: int | None = None,
    per_floor: int | None = None,
) -> Building:
    if db.session.scalar(
        select(func.count()).where(Building.estate_id == estate.id, Building.name == name)
    ):
        raise Invalid("name", _("这个项目里已有同名楼栋。"))
    building = Building(estate_id=estate.id, name=name, sort_key=natural_key(name))
    db.session.add(building)
    db.session.flush()
    numbers = unit_numbers(1, floors, per_floor) if floors and per_floor else []
    db.session.add_all(
        Unit(building_id=building.id, number=n, sort_key=natural_key(n)) for n in numbers
    )
    audit.record(
        actor,
        "building.create",
        "building",
        building.id,
        estate_id=estate.id,
        after={"name": name, "units": len(numbers)},
    )
    return building


def rename_building(actor: User, building: Building, *, version: int, name: str) -> None:
    check_version(building, version)
    if db.session.scalar(
        select(func.count()).where(
            Building.estate_id == building.estate_id,
            Building.name == name,
            Building.id != building.id,
        )
    ):
        raise Invalid("name", _("这个项目里已有同名楼栋。"))
    before = {"name": building.name}
    building.name, building.sort_key = name, natural_key(name)
    db.session.flush()
    audit.record(
        actor,
        "building.update",
        "building",
        building.id,
        estate_id=building.estate_id,
        before=before,
        after={"name": name},
    )


def add_units(actor: User, building: Building, numbers: list[str]) -> list[Unit]:
    existing = set(db.session.scalars(select(Unit.number).where(Unit.building_id == building.id)))
    clash = sorted(set(numbers) & existing)
    if clash:
        raise Invalid("numbers", _("这些房号已存在：%(n)s", n="、".join(clash[:10])))
    units = [Unit(building_id=building.id, number=n, sort_key=natural_key(n)) for n in numbers]
    db.session.add_all(units)
    db.session.flush()
    audit.record(
        actor,
        "building.add_units",
        "building",
        building.id,
        estate_id=building.estate_id,
        after={"units": numbers},
    )
    return units


def create_area(actor: User, estate: Estate, *, name: str, kind: str) -> PublicArea:
    if db.session.scalar(
        select(func.count()).where(PublicArea.estate_id == estate.id, PublicArea.name == name)
    ):
        raise Invalid("name", _("已有同名的公共区域。"))
    area = PublicArea(estate_id=estate.id, name=name, kind=kind, active=True)
    db.session.add(area)
    db.session.flush()
    audit.record(
        actor,
        "area.create",
        "area",
        area.id,
        estate_id=estate.id,
        after=audit.snapshot(area, AREA_FIELDS),
    )
    return area


def update_area(
    actor: User, area: PublicArea, *, version: int, name: str, kind: str, active: bool
) -> None:
    check_version(area, version)
    if db.session.scalar(
        select(func.count()).where(
            PublicArea.estate_id == area.estate_id,
            PublicArea.name == name,
            PublicArea.id != area.id,
        )
    ):
        raise Invalid("name", _("已有同名的公共区域。"))
    before = audit.snapshot(area, AREA_FIELDS)
    area.name, area.kind, area.active = name, kind, active
    db.session.flush()
    audit.record(
        actor,
        "area.update",
        "area",
        area.id,
        estate_id=area.estate_id,
        before=before,
        after=audit.snapshot(area, AREA_FIELDS),
    )


def areas_of(estate: Estate) -> list[PublicArea]:
    return list(
        db.session.scalars(
            select(PublicArea)
            .where(PublicArea.estate_id == estate.id)
            .order_by(PublicArea.active.desc(), PublicArea.name)
        )
    )


# --- departments and their group robots ---------------------------------------------------------

DEPARTMENTS = tuple(d.value for d in Department)


def departments_of(estate: Estate) -> list[tuple[str, EstateDepartment | None]]:
    """Every department of the estate, with its settings where some were saved."""
    saved = {
        d.department: d
        for d in db.session.scalars(
            select(EstateDepartment).where(EstateDepartment.estate_id == estate.id)
        )
    }
    return [(code, saved.get(code)) for code in DEPARTMENTS]


def department_of(estate: Estate, code: str) -> EstateDepartment | None:
    return db.session.scalar(
        select(EstateDepartment).where(
            EstateDepartment.estate_id == estate.id, EstateDepartment.department == code
        )
    )


def _department_snapshot(dept: EstateDepartment) -> dict:
    # The webhook masked, the secret only as "set": the audit trail must not leak either.
    return {
        "name": dept.name,
        "phone": dept.phone,
        "robot_kind": dept.robot_kind,
        "webhook": robots.mask(dept.webhook_url),
        "secret": bool(dept.robot_secret),
    }


def update_department(
    actor: User,
    estate: Estate,
    code: str,
    *,
    version: int | None,
    name: str,
    phone: str,
    robot_kind: str,
    webhook_url: str,
    robot_secret: str,
) -> EstateDepartment:
    """Save a department's contact and robot; a blank URL or secret keeps the one saved."""
    if code not in DEPARTMENTS:
        raise Invalid("name", _("没有这个部门。"))
    dept = department_of(estate, code)
    if dept is None:
        dept = EstateDepartment(estate_id=estate.id, department=code)
        db.session.add(dept)
        before: dict = {}
    else:
        check_version(dept, version)
        before = _department_snapshot(dept)
    if robot_kind and robot_kind not in robots.KINDS:
        raise Invalid("robot_kind", _("请选择群机器人的类型。"))
    if webhook_url:
        problem = robots.url_problem(webhook_url)
        if problem == "https":
            if current_app.config.get("ROBOT_ALLOW_HTTP"):
                raise Invalid("webhook_url", _("Webhook 地址必须以 http:// 或 https:// 开头。"))
            raise Invalid("webhook_url", _("Webhook 地址必须以 https:// 开头。"))
        if problem:
            raise Invalid(
                "webhook_url",
                _(
                    "只能使用企业微信或钉钉的机器人地址（%(hosts)s）。",
                    hosts="、".join(robots.allowed_hosts()),
                ),
            )
        dept.webhook_url = webhook_url
    if robot_secret:
        dept.robot_secret = robot_secret
    dept.name, dept.phone, dept.robot_kind = name, phone, robot_kind
    if not robot_kind:
        dept.webhook_url, dept.robot_secret = "", ""
    elif not dept.webhook_url:
        raise Invalid("webhook_url", _("请填写群机器人的 Webhook 地址。"))
    if robot_kind != robots.DINGTALK:
        dept.robot_secret = ""
    db.session.flush()
    audit.record(
        actor,
        "department.update",
        "estate",
        estate.id,
        estate_id=estate.id,
        before=before,
        after=_department_snapshot(dept),
    )
    return dept


def send_test(actor: User, estate: Estate, code: str) -> bool:
    """A test message to the department's group (through the outbox, like every other)."""
    with outbox.group_locale():
        body = _(
            "**PropDesk 测试消息**\n> %(estate)s · %(who)s",
            estate=estate.name,
            who=actor.display_name,
        )
        title = _("PropDesk 测试消息")
    found = outbox.post(
        estate.id,
        code,
        key=f"test:{clock.now().isoformat()}:{actor.id}",
        kind="test",
        title=title,
        body=body,
    )
    return found is not None

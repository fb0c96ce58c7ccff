"""Owners: registered by staff for a unit; they set their own password through a one-time link."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from webapp import audit, paging, phones
from webapp.auth.services import username_taken
from webapp.errors import IllegalTransition, Invalid
from webapp.extensions import db
from webapp.locks import check_version
from webapp.models import Building, Role, Unit, UnitOwnership, User
from webapp.scoping import estate_ids_of

PAGE_SIZE = 50


def normalise_phone(raw: str) -> str:
    """The owner's phone in E.164, or Invalid with what to type."""
    try:
        return phones.normalise(raw)
    except phones.NotAPhone:
        raise Invalid(
            "phone",
            _(
                "请输入有效的电话号码：手机号或带区号的座机；"
                "港澳台及境外号码请加国家或地区代码，如 +852。"
            ),
        ) from None


BY_NAME = paging.Order.of(User.display_name, User.id)


def _snapshot(owner: User) -> dict:
    return {"display_name": owner.display_name, "phone": owner.phone, "active": owner.active}


def owners_in_my_estates(
    viewer: User, q: str = "", size: int = PAGE_SIZE, after: str | None = None
) -> paging.Page[User]:
    """Owners with a unit in the viewer's estates, searchable by name, phone or unit (3栋-1201),
    by name: one page after the token `after`."""
    mine = estate_ids_of(viewer)
    matching = (
        select(UnitOwnership.user_id)
        .join(Unit, Unit.id == UnitOwnership.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(Building.estate_id.in_(mine))
    )
    q = (q or "").strip()
    query = select(User).where(User.role == Role.OWNER, User.id.in_(matching))
    if q:
        # % and _ typed in the box are characters, not wildcards.
        unit_hit = matching.where(
            or_(
                (Building.name + "-" + Unit.number).icontains(q, autoescape=True),
                Unit.number.icontains(q, autoescape=True),
            )
        )
        query = query.where(
            or_(
                User.display_name.icontains(q, autoescape=True),
                User.phone.icontains(q, autoescape=True),
                User.id.in_(unit_hit),
            )
        )
    query = query.options(
        selectinload(User.ownerships).selectinload(UnitOwnership.unit).selectinload(Unit.building)
    )
    return paging.read(query, BY_NAME, after, size)


def create_owner(actor: User, *, display_name: str, phone: str, unit: Unit, relation: str) -> User:
    phone = normalise_phone(phone)
    if username_taken(phone):
        raise Invalid("phone", _("这个手机号已登记。请在业主列表中找到此人，再关联房屋。"))
    owner = User(
        username=phone, display_name=display_name, phone=phone, role=Role.OWNER, active=True
    )
    owner.ownerships = [UnitOwnership(unit_id=unit.id, relation=relation)]
    db.session.add(owner)
    db.session.flush()
    audit.record(
        actor,
        "owner.create",
        "user",
        owner.id,
        estate_id=unit.building.estate_id,
        after={**_snapshot(owner), "unit": unit.label, "relation": relation},
    )
    return owner


def update_owner(actor: User, owner: User, *, version: int, display_name: str, phone: str) -> None:
    check_version(owner, version)
    phone = normalise_phone(phone)
    if phone != owner.phone and username_taken(phone, except_id=owner.id):
        raise Invalid("phone", _("这个手机号已登记。"))
    before = _snapshot(owner)
    owner.display_name = display_name
    # The login stays as it was: moving it to the new number is its own step (change_login),
    # so that nobody is locked out of their account by an edit of their contact details.
    owner.phone = phone
    db.session.flush()
    audit.record(actor, "owner.update", "user", owner.id, before=before, after=_snapshot(owner))


# Who may move an owner's login, or hand out a link that replaces a password they already set.
ACCOUNT_KEEPERS = (Role.SUPERVISOR, Role.MANAGER)


def may_keep_account(actor: User) -> bool:
    return actor.role in ACCOUNT_KEEPERS


def login_differs(owner: User) -> bool:
    """The owner's phone was changed but they still log in with the old number."""
    return bool(owner.phone) and owner.username != owner.phone


def change_login(actor: User, owner: User, *, version: int) -> None:
    """Owners log in with their phone number: after a new number, the login follows on purpose."""
    check_version(owner, version)
    if not may_keep_account(actor):
        raise IllegalTransition(owner, _("登录名由客服主任或经理修改。"))
    if not login_differs(owner):
        raise IllegalTransition(owner, _("登录名已是现在的手机号。"))
    if username_taken(owner.phone, except_id=owner.id):
        raise IllegalTransition(owner, _("这个手机号已是另一个账号的登录名。"))
    before = owner.username
    owner.username = owner.phone
    db.session.flush()
    audit.record(
        actor,
        "owner.login_change",
        "user",
        owner.id,
        before={"username": before},
        after={"username": owner.username},
    )


def link_purpose(actor: User, owner: User) -> str:
    """An invite for an owner without a password; a reset otherwise, by account keepers only."""
    if owner.password_hash is None:
        return "invite"
    if not may_keep_account(actor):
        raise IllegalTransition(owner, _("业主已设置密码：重设链接由客服主任或经理生成。"))
    return "reset"


def link_unit(actor: User, owner: User, unit: Unit, relation: str) -> None:
    if any(o.unit_id == unit.id for o in owner.ownerships):
        raise Invalid("number", _("已关联这个房屋。"))
    owner.ownerships.append(UnitOwnership(unit_id=unit.id, relation=relation))
    db.session.flush()
    audit.record(
        actor,
        "owner.link_unit",
        "user",
        owner.id,
        estate_id=unit.building.estate_id,
        after={"unit": unit.label, "relation": relation},
    )


def unlink_unit(actor: User, owner: User, unit: Unit) -> None:
    if len(owner.ownerships) <= 1:
        raise Invalid("unit", _("业主至少要关联一个房屋。要停止其访问，请停用账号。"))
    link = next((o for o in owner.ownerships if o.unit_id == unit.id), None)
    if link is None:
        raise Invalid("unit", _("没有关联这个房屋。"))
    owner.ownerships.remove(link)
    db.session.flush()
    audit.record(
        actor,
        "owner.unlink_unit",
        "user",
        owner.id,
        estate_id=unit.building.estate_id,
        before={"unit": unit.label},
    )


def count_owners(viewer: User) -> int:
    mine = estate_ids_of(viewer)
    return (
        db.session.scalar(
            select(func.count(func.distinct(UnitOwnership.user_id)))
            .join(Unit, Unit.id == UnitOwnership.unit_id)
            .join(Building, Building.id == Unit.building_id)
            .where(Building.estate_id.in_(mine))
        )
        or 0
    )

"""Object-level access: every query for a place or a person goes through these helpers.

Staff see only the estates they belong to; owners only their own units. Anything else is a 404,
so that a curious user cannot even learn that a record exists.
"""

from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _
from sqlalchemy import Select, exists, select

from webapp.errors import Invalid
from webapp.extensions import db
from webapp.models import (
    Building,
    Estate,
    EstateMembership,
    PublicArea,
    Role,
    Unit,
    UnitOwnership,
    User,
)
from webapp.requestcache import per_request


def get_or_404(visible: Select, model, record_id: int):
    """The record with this id among those a `visible_<things>(user)` query allows, or 404."""
    found = db.session.scalar(visible.where(model.id == record_id))
    return found or abort(404)


def estate_ids_of(user: User) -> list[int]:
    """The ids of the estates `user` may see, looked up once per request.

    A list of numbers, not a subquery: `estate_id IN (1, 2)` is served by the indexes that lead
    with estate_id, where `IN (SELECT ...)` made SQLite build a temporary B-tree per query.
    """
    cache = per_request("estate_ids")
    key = (user.id, user.role)
    if key not in cache:
        if user.is_owner:
            query = (
                select(Building.estate_id)
                .join(Unit, Unit.building_id == Building.id)
                .join(UnitOwnership, UnitOwnership.unit_id == Unit.id)
                .where(UnitOwnership.user_id == user.id)
                .distinct()
            )
            cache[key] = sorted(db.session.scalars(query))
        else:  # staff: their memberships, which the request loads anyway (time zone, estates)
            cache[key] = sorted(m.estate_id for m in user.memberships)
    return cache[key]


def visible_estates(user: User) -> Select:
    return select(Estate).where(Estate.id.in_(estate_ids_of(user))).order_by(Estate.name)


def visible_estate(user: User, estate_id: int | None) -> Estate | None:
    """One of the person's estates (from their session: no statement), or None."""
    if not estate_id or estate_id not in estate_ids_of(user):
        return None
    return next((e for e in user.estates if e.id == estate_id), None)


def asked_estate(user: User) -> Estate:
    """The estate a page is asked about (?estate=), else the person's first; 404 for one that
    is not theirs."""
    asked = request.args.get("estate", type=int)
    if asked is None:
        if not user.estates:
            abort(404)
        return user.estates[0]
    return visible_estate(user, asked) or abort(404)


def buildings_of(estate: Estate, building_ids) -> list[int]:
    """Chosen buildings, checked to be the estate's (sorted ids; none chosen: [])."""
    ids = sorted({int(b) for b in building_ids or ()})
    if not ids:
        return []
    found = set(
        db.session.scalars(
            select(Building.id).where(Building.estate_id == estate.id, Building.id.in_(ids))
        )
    )
    if found != set(ids):
        raise Invalid("buildings", _("请选择这个项目的楼栋。"))
    return ids


def building_names(estate_id: int) -> list[tuple[int, str]]:
    """The estate's buildings in their natural order: (id, name), for a form's choices."""
    return list(
        db.session.execute(
            select(Building.id, Building.name)
            .where(Building.estate_id == estate_id)
            .order_by(Building.sort_key)
        ).all()
    )


def get_estate_or_404(user: User, estate_id: int) -> Estate:
    estate = db.session.scalar(visible_estates(user).where(Estate.id == estate_id))
    return estate or abort(404)


def get_building_or_404(user: User, building_id: int) -> Building:
    building = db.session.scalar(
        select(Building).where(
            Building.id == building_id, Building.estate_id.in_(estate_ids_of(user))
        )
    )
    return building or abort(404)


def visible_units(user: User) -> Select:
    query = select(Unit).join(Building, Unit.building_id == Building.id)
    if user.is_owner:
        return query.join(UnitOwnership, UnitOwnership.unit_id == Unit.id).where(
            UnitOwnership.user_id == user.id
        )
    return query.where(Building.estate_id.in_(estate_ids_of(user)))


def get_unit_or_404(user: User, unit_id: int) -> Unit:
    unit = db.session.scalar(visible_units(user).where(Unit.id == unit_id))
    return unit or abort(404)


def get_area_or_404(user: User, area_id: int) -> PublicArea:
    area = db.session.scalar(
        select(PublicArea).where(
            PublicArea.id == area_id, PublicArea.estate_id.in_(estate_ids_of(user))
        )
    )
    return area or abort(404)


def visible_people(user: User) -> Select:
    """Users a staff member may see: staff sharing an estate, owners of units in their estates."""
    if not user.is_staff:
        return select(User).where(User.id == user.id)
    mine = estate_ids_of(user)
    shares_estate = exists().where(
        EstateMembership.user_id == User.id, EstateMembership.estate_id.in_(mine)
    )
    owns_unit_here = exists().where(
        UnitOwnership.user_id == User.id,
        UnitOwnership.unit_id == Unit.id,
        Unit.building_id == Building.id,
        Building.estate_id.in_(mine),
    )
    return select(User).where(shares_estate | owns_unit_here)


def get_person_or_404(user: User, person_id: int) -> User:
    person = db.session.scalar(visible_people(user).where(User.id == person_id))
    return person or abort(404)


def get_staff_or_404(user: User, person_id: int) -> User:
    person = get_person_or_404(user, person_id)
    return person if person.role != Role.OWNER else abort(404)


def get_owner_or_404(user: User, person_id: int) -> User:
    person = get_person_or_404(user, person_id)
    return person if person.role == Role.OWNER else abort(404)


def building_choices(viewer: User) -> list[tuple[int, str]]:
    """Buildings of the viewer's estates for a select (prefixed with the estate when several)."""
    buildings = db.session.execute(
        select(Building.id, Building.name, Building.estate_id)
        .where(Building.estate_id.in_(estate_ids_of(viewer)))
        .order_by(Building.estate_id, Building.sort_key)
    ).all()
    several = len({b.estate_id for b in buildings}) > 1
    names = {e.id: e.name for e in viewer.estates} if several else {}
    return [(b.id, f"{names[b.estate_id]} · {b.name}" if several else b.name) for b in buildings]


def find_unit(viewer: User, building_id: int, number: str) -> Unit:
    unit = db.session.scalar(
        select(Unit)
        .join(Building, Building.id == Unit.building_id)
        .where(
            Unit.building_id == building_id,
            Unit.number == number.strip(),
            Building.estate_id.in_(estate_ids_of(viewer)),
        )
    )
    if unit is None:
        raise Invalid("number", _("这栋楼没有这个房号。"))
    return unit

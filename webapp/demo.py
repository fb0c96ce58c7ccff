"""Demo data: one realistic estate and one account per role. Loaded only on purpose.

Every demo account uses the password DEMO_PASSWORD, stated in the README.
"""

from __future__ import annotations

from sqlalchemy import select

from webapp import audit
from webapp.admin.services import natural_key, unit_numbers
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
from webapp.models.places import AreaKind
from webapp.passwords import hash_password

DEMO_PASSWORD = "propdesk-demo"  # noqa: S105 - public demo password, stated in the README

ESTATE = {"name": "翠湖花园", "code": "CH", "address": "上海市浦东新区翠湖路 88 号"}
BUILDINGS = (("1栋", 18, 4), ("2栋", 18, 4), ("3栋", 24, 4))
AREAS = (
    ("1栋大堂", AreaKind.LOBBY),
    ("2栋大堂", AreaKind.LOBBY),
    ("3栋大堂", AreaKind.LOBBY),
    ("各栋走廊及楼梯间", AreaKind.STAIRWELL),
    ("1–3栋电梯", AreaKind.ELEVATOR),
    ("消防通道", AreaKind.FIRE_EXIT),
    ("地下停车场", AreaKind.PARKING),
    ("中心花园", AreaKind.LANDSCAPING),
    ("会所", AreaKind.CLUBHOUSE),
    ("样板间", AreaKind.SHOW_FLAT),
    ("售楼处", AreaKind.SALES_OFFICE),
    ("银行网点", AreaKind.BANK),
)
STAFF = (
    ("assistant", "王小丽", "13611110001", Role.ASSISTANT),
    ("supervisor", "李建国", "13611110002", Role.SUPERVISOR),
    ("manager", "张敏", "13611110003", Role.MANAGER),
)
OWNER = ("owner", "陈志强", "13912345678", "3栋", "1201")


def load() -> list[str]:
    """Create whatever part of the demo data is missing; returns what was created."""
    created: list[str] = []
    estate = db.session.scalar(select(Estate).where(Estate.code == ESTATE["code"]))
    if estate is None:
        estate = Estate(**ESTATE)
        db.session.add(estate)
        db.session.flush()
        for name, floors, per_floor in BUILDINGS:
            building = Building(estate_id=estate.id, name=name, sort_key=natural_key(name))
            db.session.add(building)
            db.session.flush()
            db.session.add_all(
                Unit(building_id=building.id, number=n, sort_key=natural_key(n))
                for n in unit_numbers(1, floors, per_floor)
            )
        db.session.add_all(PublicArea(estate_id=estate.id, name=n, kind=k) for n, k in AREAS)
        audit.record(
            None,
            "estate.create",
            "estate",
            estate.id,
            estate_id=estate.id,
            after={"name": estate.name, "source": "demo"},
        )
        created.append(f"estate {estate.name}")

    password_hash = None
    for username, name, phone, role in STAFF:
        if db.session.scalar(select(User.id).where(User.username == username)):
            continue
        password_hash = password_hash or hash_password(DEMO_PASSWORD)
        user = User(
            username=username,
            display_name=name,
            phone=phone,
            role=role,
            password_hash=password_hash,
            active=True,
        )
        user.memberships = [EstateMembership(estate_id=estate.id)]
        db.session.add(user)
        db.session.flush()
        audit.record(
            None, "user.create", "user", user.id, after={"username": username, "source": "demo"}
        )
        created.append(username)

    username, name, phone, building_name, number = OWNER
    if not db.session.scalar(select(User.id).where(User.username == username)):
        unit = db.session.scalar(
            select(Unit)
            .join(Building)
            .where(
                Building.estate_id == estate.id,
                Building.name == building_name,
                Unit.number == number,
            )
        )
        owner = User(
            username=username,
            display_name=name,
            phone=phone,
            role=Role.OWNER,
            password_hash=password_hash or hash_password(DEMO_PASSWORD),
            active=True,
        )
        owner.ownerships = [UnitOwnership(unit_id=unit.id, relation="owner")]
        db.session.add(owner)
        db.session.flush()
        audit.record(
            None,
            "owner.create",
            "user",
            owner.id,
            estate_id=estate.id,
            after={"username": username, "unit": unit.label, "source": "demo"},
        )
        created.append(username)
    return created

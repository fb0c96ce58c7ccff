"""What each role has to do today. Later features add their sections here."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from webapp.extensions import db
from webapp.models import Building, Estate, Role, Unit, UnitOwnership, User
from webapp.scoping import visible_estates, visible_units


@dataclass
class Section:
    """One block of today's duties: a title, its items, and what to say when there are none."""

    key: str
    title: str
    empty: str
    items: list = field(default_factory=list)


@dataclass
class EstateSummary:
    estate: Estate
    buildings: int
    units: int
    owners: int


_SECTIONS = {
    Role.ASSISTANT: [
        ("patrols", _l("今日巡查"), _l("今天没有待完成的巡查。")),
        ("decoration", _l("装修巡查"), _l("今天没有需要巡查的装修现场。")),
        ("tickets", _l("我跟进的投诉报修"), _l("没有需要你跟进的工单。")),
        ("handover", _l("值班与交接班"), _l("还没有值班记录。")),
    ],
    Role.SUPERVISOR: [
        ("patrols", _l("今日巡查（每天至少两次）"), _l("今天没有待完成的巡查。")),
        ("signoff", _l("待签核的记录"), _l("没有等待你签核的记录。")),
        ("assign", _l("待派单"), _l("没有等待派单的投诉报修。")),
        ("overdue", _l("逾期事项"), _l("没有逾期事项。")),
    ],
    Role.MANAGER: [
        ("opinions", _l("待签署意见"), _l("没有等待你签署意见的记录。")),
        ("major", _l("重大投诉（48 小时内调查）"), _l("没有未处理的重大投诉。")),
        ("overdue", _l("逾期与上报事项"), _l("没有逾期或上报的事项。")),
        ("compliance", _l("巡查完成情况"), _l("今天还没有巡查数据。")),
    ],
    Role.OWNER: [
        ("tickets", _l("我的报修与投诉"), _l("你还没有提交过报修或投诉。")),
        ("notices", _l("整改通知"), _l("没有发给你的整改通知。")),
    ],
}


def duties_for(user: User) -> list[Section]:
    return [
        Section(key, str(title), str(empty)) for key, title, empty in _SECTIONS[Role(user.role)]
    ]


def estate_summaries(user: User) -> list[EstateSummary]:
    """The staff member's estates with their size, in a fixed number of queries."""
    estates = list(db.session.scalars(visible_estates(user)))
    ids = [e.id for e in estates]
    if not ids:
        return []
    buildings = dict(
        db.session.execute(
            select(Building.estate_id, func.count(Building.id))
            .where(Building.estate_id.in_(ids))
            .group_by(Building.estate_id)
        ).all()
    )
    units = dict(
        db.session.execute(
            select(Building.estate_id, func.count(Unit.id))
            .join(Unit, Unit.building_id == Building.id)
            .where(Building.estate_id.in_(ids))
            .group_by(Building.estate_id)
        ).all()
    )
    owners = dict(
        db.session.execute(
            select(Building.estate_id, func.count(func.distinct(UnitOwnership.user_id)))
            .join(Unit, Unit.building_id == Building.id)
            .join(UnitOwnership, UnitOwnership.unit_id == Unit.id)
            .where(Building.estate_id.in_(ids))
            .group_by(Building.estate_id)
        ).all()
    )
    return [
        EstateSummary(e, buildings.get(e.id, 0), units.get(e.id, 0), owners.get(e.id, 0))
        for e in estates
    ]


def owner_units(user: User) -> list[Unit]:
    """The owner's own units, with building and estate loaded."""
    return list(
        db.session.scalars(
            visible_units(user)
            .options(selectinload(Unit.building).selectinload(Building.estate))
            .order_by(Unit.sort_key)
        )
    )

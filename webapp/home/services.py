"""What each role has to do today, gathered from the features' services."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from webapp import clock, deadlines
from webapp.extensions import db
from webapp.labels import PERIOD_LABELS
from webapp.models import Building, Estate, Role, Unit, UnitOwnership, User
from webapp.scoping import visible_estates, visible_units


@dataclass
class Entry:
    """One line of a duty list: what, where it leads, a detail, and a tone (overdue, due-soon)."""

    title: str
    url: str
    meta: str = ""
    tone: str = ""


@dataclass
class Section:
    """One block of today's duties: a title, its entries, and what to say when there are none."""

    key: str
    title: str
    empty: str
    items: list[Entry] = field(default_factory=list)
    more_url: str | None = None


@dataclass
class EstateSummary:
    estate: Estate
    buildings: int
    units: int
    owners: int


_SECTIONS = {
    Role.ASSISTANT: [
        ("patrols", _l("今日巡查"), _l("今天没有待完成的巡查。")),
        ("reinspect", _l("待我复查的工单"), _l("没有等你复查的工单。")),
        ("decoration", _l("装修巡查"), _l("今天没有需要巡查的装修现场。")),
        ("tickets", _l("我跟进的投诉报修"), _l("没有需要你跟进的工单。")),
        ("handover", _l("值班与交接班"), _l("还没有值班记录。")),
    ],
    Role.SUPERVISOR: [
        ("patrols", _l("今日巡查（每天至少两次）"), _l("今天没有待完成的巡查。")),
        ("signoff", _l("待签核的记录"), _l("没有等待你签核的记录。")),
        ("decoration", _l("装修现场与整改通知"), _l("今天没有需要处理的装修事项。")),
        ("overdue", _l("逾期事项"), _l("没有逾期事项。")),
        ("reinspect", _l("待复查的工单"), _l("没有等待复查的工单。")),
        ("assign", _l("待派单"), _l("没有等待派单的投诉报修。")),
    ],
    Role.MANAGER: [
        ("opinions", _l("待签署意见"), _l("没有等待你签署意见的记录。")),
        ("major", _l("重大投诉（48 小时内调查）"), _l("没有未处理的重大投诉。")),
        ("overdue", _l("逾期与上报事项"), _l("没有逾期或上报的事项。")),
        ("compliance", _l("巡查完成情况"), _l("今天还没有巡查数据。")),
        ("patrols", _l("今日巡查"), _l("今天没有待完成的巡查。")),
    ],
    Role.OWNER: [
        ("tickets", _l("我的报修与投诉"), _l("你还没有提交过报修或投诉。")),
        ("notices", _l("整改通知"), _l("没有发给你的整改通知。")),
    ],
}


def _patrol_entries(user: User) -> list[Entry]:
    from webapp.patrols import services as patrols

    entries = []
    for due in patrols.due_today(user):
        if due.running is not None:
            entries.append(
                Entry(
                    due.template.name,
                    url_for("patrols.round", round_id=due.running.id),
                    _("进行中，点此继续"),
                    "due-soon",
                )
            )
        elif due.remaining:
            entries.append(
                Entry(
                    due.template.name,
                    url_for("patrols.index"),
                    _(
                        "%(period)s %(times)d 次，还差 %(n)d 次",
                        period=PERIOD_LABELS[due.period],
                        times=due.required,
                        n=due.remaining,
                    ),
                )
            )
    for day, template, short in patrols.missed(user):
        entries.append(
            Entry(
                template.name,
                url_for("patrols.history"),
                _("%(day)s 少巡 %(n)d 次", day=format_date(day, "MM-dd"), n=short),
                "overdue",
            )
        )
    return entries


def _order_entries(orders) -> list[Entry]:
    from webapp.labels import DEPARTMENT_LABELS

    now = clock.now()
    out = []
    for o in orders:
        state = deadlines.state(o.due_at, now, done=o.status != "open")
        out.append(
            Entry(
                f"{o.number} · {o.location}",
                url_for("workorders.detail", order_id=o.id),
                f"{DEPARTMENT_LABELS.get(o.department, o.department)} · {o.description[:40]}",
                state.css,
            )
        )
    return out


def _signature_entries(user: User) -> list[Entry]:
    from webapp.i18n import format_when
    from webapp.patrols import services as patrols

    return [
        Entry(
            f"{r.template.name} · {r.patroller.display_name}",
            url_for("patrols.round", round_id=r.id),
            format_when(r.finished_at),
        )
        for r in patrols.awaiting_signature(user)
    ]


def _compliance_entries(user: User) -> list[Entry]:
    from webapp.patrols import services as patrols

    days, rows = patrols.compliance(user, days=2)
    yesterday = days[0]
    out = []
    for row in rows:
        _day, done, required = row.days[0]
        if required and done < required:
            out.append(
                Entry(
                    row.person.display_name,
                    url_for("patrols.compliance"),
                    _(
                        "%(day)s 完成 %(done)d / %(required)d 次",
                        day=format_date(yesterday, "MM-dd"),
                        done=done,
                        required=required,
                    ),
                    "overdue",
                )
            )
    return out


def _decoration_entries(user: User) -> list[Entry]:
    from webapp.decoration import services as decoration

    entries = []
    if user.role in (Role.SUPERVISOR, Role.MANAGER):
        for n in decoration.drafts(user):
            entries.append(
                Entry(
                    f"{n.unit.label} · {n.rule_text}",
                    url_for("decoration.notice", notice_id=n.id),
                    _("待签发"),
                    "due-soon",
                )
            )
    for site in decoration.active_sites(user):
        if not site.inspected_today and site.permit.status == "in_progress":
            entries.append(
                Entry(
                    site.permit.unit.label,
                    url_for("decoration.inspect", permit_id=site.permit.id),
                    _("今日未巡查 · %(c)s", c=site.permit.contractor),
                )
            )
    return entries


def _notice_entries(notices) -> list[Entry]:
    now = clock.now()
    return [
        Entry(
            f"{n.unit.label} · {n.rule_text}",
            url_for("decoration.notice", notice_id=n.id),
            n.number or "",
            deadlines.state(n.deadline, now, done=n.status != "issued").css,
        )
        for n in notices
    ]


def _owner_ticket_entries(user: User) -> list[Entry]:
    from webapp.models import Ticket
    from webapp.tickets import services as ticket_services
    from webapp.tickets.forms import STATUS_LABELS

    found = db.session.scalars(
        ticket_services.visible_tickets(user)
        .where(Ticket.status != "closed")
        .order_by(Ticket.created_at.desc())
        .limit(10)
    )
    return [
        Entry(
            f"{t.number} · {t.description[:30]}",
            url_for("tickets.mine_detail", ticket_id=t.id),
            str(STATUS_LABELS.get(t.status, t.status)),
            "due-soon" if t.status == "resolved" else "",
        )
        for t in found
    ]


def _owner_notice_entries(user: User) -> list[Entry]:
    from webapp.decoration import services as decoration
    from webapp.models import RectificationNotice

    notices = db.session.scalars(
        decoration.visible_notices(user)
        .where(RectificationNotice.status.in_(["issued", "replied"]))
        .order_by(RectificationNotice.deadline)
    ).all()
    return _notice_entries(notices)


def _ticket_entries(tickets) -> list[Entry]:
    from webapp.tickets import services as ticket_services
    from webapp.tickets.forms import KIND_LABELS

    now = clock.now()
    out = []
    for t in tickets:
        late = ticket_services.is_overdue(t, now)
        soon = (
            t.next_follow_up_at is not None and deadlines.state(t.next_follow_up_at, now).due_soon
        )
        out.append(
            Entry(
                f"{t.number} · {KIND_LABELS.get(t.kind, t.kind)} · {t.reporter_name}",
                url_for("tickets.detail", ticket_id=t.id),
                t.description[:40],
                "overdue" if late else ("due-soon" if soon else ""),
            )
        )
    return out


def _major_entries(user: User) -> list[Entry]:
    from webapp.i18n import format_when
    from webapp.tickets import services as ticket_services

    now = clock.now()
    out = []
    for t in ticket_services.major_open(user):
        if t.investigated_at is not None:
            meta, tone = _("已调查"), ""
        elif ticket_services.investigation_overdue(t, now):
            meta, tone = (
                _("调查已逾期（应于 %(at)s 前）", at=format_when(t.investigation_due_at)),
                "overdue",
            )
        else:
            meta, tone = _("请于 %(at)s 前调查", at=format_when(t.investigation_due_at)), "due-soon"
        out.append(
            Entry(
                f"{t.number} · {t.reporter_name}",
                url_for("tickets.detail", ticket_id=t.id),
                f"{meta} · {t.description[:30]}",
                tone,
            )
        )
    return out


def duties_for(user: User) -> list[Section]:
    from webapp.decoration import services as decoration
    from webapp.tickets import services as tickets
    from webapp.workorders import services as workorders

    level = deadlines.MANAGER if user.role == Role.MANAGER else deadlines.SUPERVISOR

    fillers = {
        "patrols": lambda: _patrol_entries(user),
        "signoff": lambda: _signature_entries(user),
        "opinions": lambda: _signature_entries(user),
        "overdue": lambda: (
            _ticket_entries(tickets.escalated_to(user, clock.now()))
            + _order_entries(workorders.escalated_to(user, clock.now()))
            + _notice_entries(decoration.overdue_notices(user, clock.now(), level))
        ),
        "major": lambda: _major_entries(user),
        "assign": lambda: _ticket_entries(tickets.inbox(user, tab="received", limit=20)),
        "decoration": lambda: _decoration_entries(user),
        "notices": lambda: _owner_notice_entries(user),
        "reinspect": lambda: _order_entries(workorders.waiting_reinspection(user)),
        "compliance": lambda: _compliance_entries(user),
    }
    if user.role == Role.ASSISTANT:
        fillers["tickets"] = lambda: _ticket_entries(
            tickets.inbox(user, tab="open", mine=True, limit=20)
        )
    else:
        fillers["tickets"] = lambda: _owner_ticket_entries(user)
    sections = []
    for key, title, empty in _SECTIONS[Role(user.role)]:
        section = Section(key, str(title), str(empty))
        if key in fillers:
            section.items = fillers[key]()
        sections.append(section)
    return sections


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

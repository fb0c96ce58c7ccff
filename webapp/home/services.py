"""What each role has to do today, gathered from the features' services."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from webapp import clock, deadlines
from webapp.announcements import services as announcements
from webapp.dashboard import review
from webapp.decoration import services as decoration
from webapp.duty import handover
from webapp.duty import services as duty
from webapp.extensions import db
from webapp.i18n import format_when, listing
from webapp.labels import (
    PERIOD_LABELS,
    TICKET_STATUS_LABELS,
)
from webapp.models import (
    Building,
    Estate,
    MoveIn,
    MoveInStatus,
    NoticeStatus,
    RectificationNotice,
    Role,
    Ticket,
    TicketStatus,
    Unit,
    UnitOwnership,
    User,
    VisitPlan,
)
from webapp.movein import services as movein
from webapp.patrols import compliance
from webapp.scoping import visible_units
from webapp.surveys import services as surveys
from webapp.tickets import inbox as tickets
from webapp.tickets import lifecycle
from webapp.visits import services as visits
from webapp.workorders import services as workorders

Entry = deadlines.Line  # one line of a duty list


@dataclass
class Section:
    """One block of today's duties: a title, its entries, and what to say when there are none."""

    key: str
    title: str
    empty: str
    items: list[Entry] = field(default_factory=list)
    more_url: str | None = None  # the whole list, where the app has one
    action: tuple[str, str] | None = None  # (label, url): the section's one button
    count: int | None = None  # what the badge counts when not the entries (households due)

    @property
    def badge(self) -> int:
        return len(self.items) if self.count is None else self.count

    @property
    def capped(self) -> bool:
        """It shows as many as a home shows: there may be more (the badge says "20+")."""
        return len(self.items) >= SHOWN


# What a home's list shows at most (its service's default limit).
SHOWN = 20
# The whole list behind a section: (endpoint, arguments).
_WHOLE_LIST = {
    "assign": ("tickets.inbox", {"tab": "received"}),
    "tickets": ("tickets.inbox", {"mine": 1}),
    "reinspect": ("workorders.index", {"status": "fixed"}),
    "held": ("workorders.index", {"status": "held"}),
    "opinions": ("dashboard.review_queue", {}),
}


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
        ("shift", _l("值班与交接班"), _l("你现在没有在值班。")),
        ("visits", _l("本季度走访"), _l("没有待走访的住户。")),
    ],
    Role.SUPERVISOR: [
        ("patrols", _l("今日巡查（每天至少两次）"), _l("今天没有待完成的巡查。")),
        ("signoff", _l("待签核的记录"), _l("没有等待你签核的记录。")),
        ("decoration", _l("装修现场与整改通知"), _l("今天没有需要处理的装修事项。")),
        ("overdue", _l("逾期事项"), _l("没有逾期事项。")),
        ("reinspect", _l("待复查的工单"), _l("没有等待复查的工单。")),
        ("held", _l("部门暂缓的工单（需协调后重新派单）"), _l("没有部门暂缓的工单。")),
        ("assign", _l("待派单"), _l("没有等待派单的投诉报修。")),
        ("shift", _l("值班"), _l("现在没有人在值班。")),
        ("visits", _l("走访进度"), _l("还没有走访分区。")),
    ],
    Role.MANAGER: [
        ("opinions", _l("待签署意见"), _l("没有等待你签署意见的记录。")),
        ("major", _l("重大投诉（48 小时内调查）"), _l("没有未处理的重大投诉。")),
        ("shift", _l("值班重大事件书面报告"), _l("没有待交的重大事件报告。")),
        ("overdue", _l("逾期与上报事项"), _l("没有逾期或上报的事项。")),
        ("compliance", _l("巡查完成情况"), _l("今天还没有巡查数据。")),
        ("patrols", _l("今日巡查"), _l("今天没有待完成的巡查。")),
    ],
    Role.OWNER: [
        ("announcements", _l("小区公告"), _l("现在没有公告。")),
        ("tickets", _l("我的报修与投诉"), _l("你还没有提交过报修或投诉。")),
        ("notices", _l("整改通知"), _l("没有发给你的整改通知。")),
        ("movein", _l("收楼验房"), _l("没有收楼验房记录。")),
        ("surveys", _l("满意度调查"), _l("没有待填写的调查。")),
    ],
}


def _patrol_entries(user: User) -> list[Entry]:

    entries = []
    for due in compliance.due_today(user):
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
    for day, template, short in compliance.missed(user):
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
    now = clock.now()
    return [workorders.home_line(o, now) for o in orders]


def _signature_entries(user: User) -> list[Entry]:

    return [
        Entry(
            f"{r.template.name} · {r.patroller.display_name}",
            url_for("patrols.round", round_id=r.id),
            format_when(r.finished_at),
        )
        for r in compliance.awaiting_signature(user)
    ]


def _opinion_entries(user: User) -> list[Entry]:
    """The manager's review queue: rounds, inspections, handovers waiting for an opinion."""
    return [
        Entry(
            f"{review.REVIEWABLE[e.kind].label} · {e.title}",
            url_for("dashboard.review_queue", at=e.key),
            f"{e.who} · {format_when(e.at)}",
            "due-soon" if e.problems else "",
        )
        for e in review.queue(user)[:SHOWN]
    ]


def _compliance_entries(user: User) -> list[Entry]:

    days, rows = compliance.compliance(user, days=2)
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

    entries = []
    for n in decoration.drafts(user):  # none for those who do not issue notices
        entries.append(
            Entry(
                f"{n.unit.label} · {n.rule_text}",
                url_for("decoration.notice", notice_id=n.id),
                _("待签发"),
                "due-soon",
            )
        )
    for site in decoration.active_sites(user):
        if site.due:
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
    return [decoration.notice_line(n, now) for n in notices]


def _owner_ticket_entries(user: User) -> list[Entry]:

    found = db.session.scalars(
        tickets.visible_tickets(user)
        .where(Ticket.status != TicketStatus.CLOSED)
        .order_by(Ticket.created_at.desc())
        .limit(10)
    )
    return [
        Entry(
            f"{t.number} · {t.description[:30]}",
            url_for("tickets.mine_detail", ticket_id=t.id),
            str(TICKET_STATUS_LABELS.get(t.status, t.status)),
            "due-soon" if lifecycle.TICKET.refusal(user, t, "visit") is None else "",
        )
        for t in found
    ]


def _owner_notice_entries(user: User) -> list[Entry]:

    notices = db.session.scalars(
        decoration.visible_notices(user)
        .where(RectificationNotice.status.in_([NoticeStatus.ISSUED, NoticeStatus.REPLIED]))
        .order_by(RectificationNotice.deadline)
    ).all()
    return _notice_entries(notices)


def _owner_move_in_entries(user: User) -> list[Entry]:
    """The owner's move-in records: one waiting for their signature first, then each with the
    defects still being repaired."""
    found = db.session.scalars(
        movein.visible_move_ins(user)
        .options(joinedload(MoveIn.unit))
        .order_by(MoveIn.status != MoveInStatus.SIGNING, MoveIn.id)
    ).all()
    open_by_record = movein.open_defect_counts([m.id for m in found])
    out = []
    for m in found:
        if not m.signed:
            meta, tone = _("待你签字"), "due-soon"
        elif open_by_record.get(m.id):
            meta, tone = _("遗留问题维修中：%(n)d 项", n=open_by_record[m.id]), ""
        else:
            meta, tone = _("已收楼"), ""
        out.append(
            Entry(
                f"{m.unit.label} · {m.number}",
                url_for("movein.record", move_in_id=m.id),
                meta,
                tone,
            )
        )
    return out


def _visit_section(user: User, section: Section) -> None:
    """An assistant: their area's buildings with households still due this quarter. A
    supervisor: each area's progress this quarter and their own year's, per estate. The badge
    counts the households still due in the person's own plan."""
    out, due = [], 0
    for estate in sorted(user.estates, key=lambda e: e.name):
        url = url_for("visits.index", estate=estate.id)
        if visits.plan_of(user) == VisitPlan.AREA:
            for p in visits.progress(estate, VisitPlan.AREA, visits.buildings_for(user, estate)):
                due += p.due
                if p.due:
                    out.append(
                        Entry(
                            f"{estate.name} {p.building.name}",
                            url_for("visits.index", estate=estate.id, building=p.building.id),
                            _("待走访 %(n)d 户", n=p.due),
                            "due-soon",
                        )
                    )
            continue
        for a in visits.area_progress(estate):
            out.append(
                Entry(
                    f"{a.person.display_name} · {listing(a.buildings)}",
                    url,
                    _("已走访 %(n)d / %(m)d 户", n=a.visited, m=a.units),
                )
            )
        mine = visits.progress(estate, VisitPlan.SUPERVISOR, visits.buildings_for(user, estate))
        due += sum(p.due for p in mine)
        out.append(
            Entry(
                _("%(estate)s · 我的年度走访", estate=estate.name),
                url,
                _(
                    "已走访 %(n)d / %(m)d 户",
                    n=sum(p.visited for p in mine),
                    m=sum(p.units for p in mine),
                ),
            )
        )
    section.items, section.count = out, due


def _owner_announcement_entries(user: User) -> list[Entry]:
    """Announcements showing now for the owner's buildings, unread first (marked 新)."""
    return [
        Entry(
            a.title,
            url_for("announcements.read", announcement_id=a.id),
            format_when(a.starts_at, "MM-dd") if read else _("未读"),
            "" if read else "due-soon",
        )
        for a, read in announcements.for_owner(user)
    ]


def _owner_survey_entries(user: User) -> list[Entry]:
    """Surveys waiting for the owner's answer, a line per unit of theirs each one asks."""
    return [
        Entry(
            f"{s.title} · {u.label}",
            url_for("surveys.answer", survey_id=s.id, unit_id=u.id),
            _("待填写"),
            "due-soon",
        )
        for s, u in surveys.open_for_owner(user)
    ]


def _ticket_entries(rows) -> list[Entry]:
    now = clock.now()
    return [lifecycle.home_line(t, now) for t in rows]


def _major_entries(user: User) -> list[Entry]:

    now = clock.now()
    out = []
    for t in tickets.major_open(user):
        if t.investigated_at is not None:
            meta, tone = _("已调查"), ""
        elif lifecycle.investigation_overdue(t, now):
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


def _duty_section(user: User, section: Section) -> None:
    """The assistant: their duty, a handover waiting for them, the reports they owe. A
    supervisor: who is on duty now, and who has handed over without anyone taking over. The
    manager: every major event whose written report is still due."""
    now = clock.now()
    if user.role == Role.SUPERVISOR:
        current = duty.on_duty(user)
        waiting = {
            h.duty_id: h
            for hs in handover.of_duties([d.id for d in current]).values()
            for h in hs
            if h.status == "prepared"
        }
        section.items = [
            Entry(
                d.person.display_name,
                url_for("duty.handover_page", handover_id=waiting[d.id].id)
                if d.id in waiting
                else url_for("duty.show", duty_id=d.id),
                _("已签字交班，等待接班")
                if d.id in waiting
                else _("值班中 · 自 %(when)s", when=format_when(d.started_at)),
                "due-soon" if d.id in waiting else "",
            )
            for d in current
        ]
        section.action = (_("值班记录"), url_for("duty.history"))
        return
    if user.role == Role.MANAGER:
        section.items = [duty.report_line(e, now) for e in duty.reports_due(user, mine=False)]
        section.more_url = url_for("duty.history")
        return
    current = duty.current_duty(user)
    if current is not None:
        section.items.append(
            Entry(
                _("值班中 · %(estate)s", estate=current.estate.name),
                url_for("duty.index"),
                _("自 %(when)s", when=format_when(current.started_at)),
                "due-soon",
            )
        )
    section.items += [
        Entry(
            _("%(who)s 的交班", who=h.from_user.display_name),
            url_for("duty.handover_page", handover_id=h.id),
            _("待接班 · %(when)s", when=format_when(h.prepared_at)),
            "due-soon",
        )
        for h in handover.waiting_at(user)
    ]
    section.items += [duty.report_line(e, now) for e in duty.reports_due(user)]
    section.action = (
        (_("写值班记录"), url_for("duty.index"))
        if current is not None
        else (_("开始值班"), url_for("duty.index"))
    )


def duties_for(user: User) -> list[Section]:

    fillers = {
        "patrols": lambda: _patrol_entries(user),
        "signoff": lambda: _signature_entries(user),
        "opinions": lambda: _opinion_entries(user),
        "overdue": lambda: deadlines.escalated_lines(user, clock.now()),
        "major": lambda: _major_entries(user),
        "assign": lambda: _ticket_entries(tickets.inbox(user, tab="received", size=SHOWN).rows),
        "decoration": lambda: _decoration_entries(user),
        "notices": lambda: _owner_notice_entries(user),
        "movein": lambda: _owner_move_in_entries(user),
        "surveys": lambda: _owner_survey_entries(user),
        "announcements": lambda: _owner_announcement_entries(user),
        "reinspect": lambda: _order_entries(workorders.waiting_reinspection(user)),
        "held": lambda: _order_entries(workorders.held(user)),
        "compliance": lambda: _compliance_entries(user),
    }
    if user.role == Role.ASSISTANT:
        fillers["tickets"] = lambda: _ticket_entries(
            tickets.inbox(user, tab="open", mine=True, size=SHOWN).rows
        )
    else:
        fillers["tickets"] = lambda: _owner_ticket_entries(user)
    sections = []
    for key, title, empty in _SECTIONS[Role(user.role)]:
        section = Section(key, str(title), str(empty))
        if key in fillers:
            section.items = fillers[key]()
        elif key == "shift":
            _duty_section(user, section)
        elif key == "visits":
            _visit_section(user, section)
        if user.is_owner and key == "tickets":
            section.more_url = url_for("tickets.mine")
        elif key in _WHOLE_LIST:
            endpoint, arguments = _WHOLE_LIST[key]
            section.more_url = url_for(endpoint, **arguments)
        sections.append(section)
    return sections


def estate_summaries(user: User) -> list[EstateSummary]:
    """The staff member's estates with their size, in a fixed number of queries (the estates
    themselves came with the person's session: webapp.auth.services.load_session)."""
    estates = sorted(user.estates, key=lambda e: e.name)
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

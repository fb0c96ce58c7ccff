"""Demo data: one realistic estate and one account per role. Loaded only on purpose.

Every demo account uses the password DEMO_PASSWORD, stated in the README.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from webapp import audit, clock, phones
from webapp.admin.services import natural_key, unit_numbers
from webapp.announcements import services as announcements
from webapp.extensions import db
from webapp.models import (
    Announcement,
    Building,
    CheckItem,
    Checkpoint,
    DecorationPermit,
    DecorationRule,
    Estate,
    EstateDepartment,
    EstateMembership,
    Key,
    KeyKind,
    PatrolRequirement,
    PatrolRound,
    PatrolTemplate,
    PublicArea,
    Role,
    Survey,
    Ticket,
    Unit,
    UnitOwnership,
    User,
)
from webapp.models.patrols import Outcome
from webapp.models.places import AreaKind
from webapp.movein import services as movein
from webapp.numbering import next_number
from webapp.passwords import hash_password
from webapp.patrols import rounds
from webapp.surveys import services as surveys
from webapp.tickets import intake
from webapp.visits import services as visits

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

# Patrol templates after the department's rules (巡查制度 2.2–2.7): what each checkpoint checks.
_LOBBY = ["地面、墙面、玻璃门卫生状况", "公共标识完好、清晰", "照明正常", "值岗人员着装与劳动纪律"]
_CORRIDOR = [
    "走廊、楼梯间卫生状况",
    "消防通道畅通，无杂物堆放",
    "应急照明与疏散指示正常",
    "墙面、地面、门窗完好",
]
_LIFT = ["电梯运行正常、无异响", "轿厢清洁，紧急呼叫可用", "电梯内公告与标识完好"]
_PARKING = ["照明正常", "消防设施完好", "车辆停放有序，无占用消防通道", "地面无积水、无油污"]
_GARDEN = ["绿化养护良好，无枯死、缺株", "景观照明按时开启", "休闲设施完好、安全"]
_CLUB = ["会所卫生状况", "设施设备运行正常", "工作人员着装与服务态度"]
_SHOWROOM = ["样板间、售楼处卫生状况", "物业完好程度", "银行网点门前秩序与卫生"]
# Where a finding on each item usually goes (suggested on the card, changeable there).
_SUGGESTED = {
    "地面、墙面、玻璃门卫生状况": "cleaning",
    "公共标识完好、清晰": "engineering",
    "照明正常": "engineering",
    "值岗人员着装与劳动纪律": "security",
    "走廊、楼梯间卫生状况": "cleaning",
    "消防通道畅通，无杂物堆放": "security",
    "应急照明与疏散指示正常": "engineering",
    "墙面、地面、门窗完好": "engineering",
    "电梯运行正常、无异响": "engineering",
    "轿厢清洁，紧急呼叫可用": "engineering",
    "电梯内公告与标识完好": "service",
    "消防设施完好": "engineering",
    "车辆停放有序，无占用消防通道": "security",
    "地面无积水、无油污": "cleaning",
    "绿化养护良好，无枯死、缺株": "landscaping",
    "景观照明按时开启": "engineering",
    "休闲设施完好、安全": "engineering",
    "会所卫生状况": "cleaning",
    "设施设备运行正常": "engineering",
    "工作人员着装与服务态度": "service",
    "样板间、售楼处卫生状况": "cleaning",
    "物业完好程度": "engineering",
    "银行网点门前秩序与卫生": "security",
    "室内维修进度按计划推进": "engineering",
}
PATROL_TEMPLATES = (
    (
        "日常巡楼",
        "客服助理每班巡视公共区域、样板间、售楼处、银行、会所和绿化（巡查制度 2.2）。",
        [
            ("1栋大堂", _LOBBY),
            ("各栋走廊及楼梯间", _CORRIDOR),
            ("1–3栋电梯", _LIFT),
            ("地下停车场", _PARKING),
            ("中心花园", _GARDEN),
            ("会所", _CLUB),
            ("样板间", _SHOWROOM),
        ],
        [("assistant", "day", 1)],
    ),
    (
        "主任巡查",
        "客服主任每天至少巡查两次，记录问题并通知相关部门（巡查制度 2.4）。",
        [
            ("1栋大堂", _LOBBY),
            ("各栋走廊及楼梯间", _CORRIDOR),
            ("地下停车场", _PARKING),
            ("中心花园", _GARDEN + ["室内维修进度按计划推进"]),
        ],
        [("supervisor", "day", 2)],
    ),
    (
        "整体巡楼",
        "客服经理定期对整个大厦整体巡视（巡查制度 2.6）。",
        [
            ("1栋大堂", _LOBBY),
            ("2栋大堂", _LOBBY),
            ("3栋大堂", _LOBBY),
            ("各栋走廊及楼梯间", _CORRIDOR),
            ("1–3栋电梯", _LIFT),
            ("地下停车场", _PARKING),
            ("中心花园", _GARDEN),
            ("会所", _CLUB),
        ],
        [("manager", "week", 1)],
    ),
)


# 装修管理规定: what every active site is checked for each day, and at completion.
DECORATION_DAILY = (
    "不得拆改承重墙、梁、柱等主体结构",
    "不得改变外立面、外窗及阳台外观",
    "卫生间、厨房防水施工后做 48 小时闭水试验",
    "动火作业须持动火证，并配备看火人",
    "施工时间与噪音符合规定（午休及夜间不得施工）",
    "装修垃圾袋装并及时清运，公共区域做好成品保护",
    "现场配备有效灭火器",
    "施工人员佩戴出入证",
    "电线穿管敷设，不得私拉乱接",
    "不得违章搭建、占用公共部位",
)
DECORATION_COMPLETION = (
    "主体结构、外立面无改动",
    "闭水试验记录齐全，无渗漏",
    "公共部位及设施完好，无损坏",
    "装修垃圾已全部清运",
    "水电燃气改动符合规范",
)
DEMO_SITES = (
    (
        "3栋",
        "1201",
        "陈志强",
        "13912345678",
        "安居家装有限公司",
        "刘师傅",
        "13700001111",
        "水电改造、防水、墙地面",
        4,
        3000,
    ),
    (
        "2栋",
        "801",
        "周丽",
        "13812340801",
        "匠心装饰工程部",
        "赵工",
        "13700002222",
        "吊顶、门窗、空调安装",
        3,
        2000,
    ),
)


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
            phone=phones.normalise(phone),  # kept in E.164, as every form keeps it
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
        unit = _unit(estate, building_name, number)
        owner = User(
            username=username,
            display_name=name,
            phone=phones.normalise(phone),
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
    created += _load_patrol_templates(estate)
    created += _load_rounds(estate)
    created += _load_decoration(estate)
    created += _load_tickets(estate)
    created += _load_keys(estate)
    created += _load_departments(estate)
    created += _load_move_in_checklist(estate)
    created += _load_survey(estate)
    created += _load_announcement(estate)
    created += _load_visit_areas(estate)
    return created


def _load_visit_areas(estate: Estate) -> list[str]:
    """The assistant's area for home visits (走访): 1栋 and 2栋; 3栋 is left for the
    supervisor to give (管理 → 走访计划 → 分区)."""
    if visits.areas(estate):
        return []
    assistant = db.session.scalar(select(User).where(User.username == "assistant"))
    supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
    chosen = {b.id: assistant.id for b in estate.buildings if b.name in ("1栋", "2栋")}
    visits.set_areas(supervisor, estate, chosen)
    return ["visit areas"]


def _load_announcement(estate: Estate) -> list[str]:
    """One announcement to the whole estate, showing now."""
    if db.session.scalar(select(Announcement.id).where(Announcement.estate_id == estate.id)):
        return []
    supervisor = db.session.scalar(select(User).where(User.role == Role.SUPERVISOR).limit(1))
    announcements.publish(
        supervisor,
        estate,
        title="二次供水水箱清洗通知",
        body="本周六 9:00–15:00 清洗二次供水水箱，期间 1–3 栋高区可能水压偏低，"
        "请提前储水。如有问题请致电客服中心 021-5881 2300。",
    )
    return ["announcement"]


def _load_survey(estate: Estate) -> list[str]:
    """The year's satisfaction survey, sent: the demo owner finds it on their home."""
    if db.session.scalar(select(Survey.id).where(Survey.estate_id == estate.id)):
        return []
    manager = db.session.scalar(select(User).where(User.role == Role.MANAGER).limit(1))
    survey = surveys.create(
        manager, estate, title="年度业主满意度调查", intro="感谢你抽空填写，约一分钟。"
    )
    for kind, text, options in (
        ("scale", "你对客服中心的服务是否满意？", ""),
        ("scale", "你对小区的保洁是否满意？", ""),
        ("choice", "你最常用的报修方式是？", "电话\n扫码报修\n业主 App\n到前台"),
        ("text", "你还有什么意见和建议？", ""),
    ):
        surveys.add_question(manager, survey, kind=kind, text=text, options=options)
    db.session.flush()
    surveys.send(manager, survey)
    return ["satisfaction survey"]


# The departments customer service works with: names and phones; their group robots are left to
# whoever tries the demo (管理 → the estate → 部门与群机器人).
DEPARTMENTS = (
    ("engineering", "工程部", "021-5881 2301"),
    ("cleaning", "保洁", "021-5881 2302"),
    ("landscaping", "绿化", "021-5881 2303"),
    ("security", "秩序/保安", "021-5881 2304"),
    ("service", "客服", "021-5881 2300"),
)


def _load_departments(estate: Estate) -> list[str]:
    if db.session.scalar(
        select(EstateDepartment.id).where(EstateDepartment.estate_id == estate.id)
    ):
        return []
    for code, name, phone in DEPARTMENTS:
        db.session.add(
            EstateDepartment(estate_id=estate.id, department=code, name=name, phone=phone)
        )
    return [f"{len(DEPARTMENTS)} departments"]


def _load_move_in_checklist(estate: Estate) -> list[str]:
    """The suggested move-in checklist (收楼验房), so units can be inspected at once."""
    if movein.checklist(estate.id):
        return []
    movein.set_checklist(None, estate.id, movein.DEFAULT_CHECKLIST)
    return ["move-in checklist"]


# The desk's keys (钥匙借(领)用登记): a plant room, the show flat, an empty unit's.
KEYS = (
    ("3栋水泵房", KeyKind.PLANT_ROOM, None),
    ("样板间", KeyKind.SHOW_FLAT, None),
    ("2栋-0501 空置房", KeyKind.VACANT_UNIT, ("2栋", "501")),
)


def _load_keys(estate: Estate) -> list[str]:
    if db.session.scalar(select(Key.id).where(Key.estate_id == estate.id)):
        return []
    for label, kind, place in KEYS:
        unit = _unit(estate, *place) if place else None
        key = Key(estate_id=estate.id, label=label, kind=kind, unit_id=unit.id if unit else None)
        db.session.add(key)
        db.session.flush()
        audit.record(
            None,
            "key.create",
            "key",
            key.id,
            estate_id=estate.id,
            after={"name": label, "key_kind": str(kind), "source": "demo"},
        )
    return [f"{len(KEYS)} keys"]


# A morning's tickets, so that a first look at the inbox, the homes and the search has something
# to show: (reporter's account or None for the desk, building, unit, kind, channel, category,
# severity, reporter, phone, description).
TICKETS = (
    (
        "owner",
        "3栋",
        "1201",
        "repair",
        "online",
        "engineering",
        "normal",
        "陈志强",
        "13912345678",
        "厨房水管漏水，楼下天花板有水印",
    ),
    (
        None,
        "1栋",
        "302",
        "complaint",
        "phone",
        "noise",
        "normal",
        "刘女士",
        "13700001111",
        "楼上夜间装修噪音，晚上十点后还在电钻",
    ),
    (
        None,
        "2栋",
        "1503",
        "complaint",
        "visit",
        "attitude",
        "major",
        "赵先生",
        "13500002222",
        "门岗保安态度恶劣，与业主发生争执",
    ),
    (
        None,
        None,
        None,
        "repair",
        "phone",
        "engineering",
        "normal",
        "孙阿姨",
        "13600003333",
        "2栋2号电梯门关不上，楼层按钮失灵",
    ),
)


def _unit(estate: Estate, building: str, number: str) -> Unit | None:
    return db.session.scalar(
        select(Unit)
        .join(Building)
        .where(Building.estate_id == estate.id, Building.name == building, Unit.number == number)
    )


def _load_tickets(estate: Estate) -> list[str]:
    if db.session.scalar(select(Ticket.id).where(Ticket.estate_id == estate.id).limit(1)):
        return []
    desk = db.session.scalar(select(User).where(User.username == STAFF[0][0]))
    created = []
    for account, building, number, kind, channel, category, severity, name, phone, text in TICKETS:
        actor = desk
        if account:
            actor = db.session.scalar(select(User).where(User.username == account))
        unit = _unit(estate, building, number) if building else None
        ticket, _code = intake.create(
            actor,
            estate=estate,
            unit=unit,
            reporter_name=name,
            reporter_phone=phones.normalise(phone),
            kind=kind,
            channel=channel,
            category=category,
            severity=severity,
            description=text,
        )
        created.append(f"ticket {ticket.number}")
    return created


def _load_decoration(estate: Estate) -> list[str]:
    created = []
    if not db.session.scalar(
        select(DecorationRule.id).where(DecorationRule.estate_id == estate.id)
    ):
        for kind, lines in (("daily", DECORATION_DAILY), ("completion", DECORATION_COMPLETION)):
            db.session.add_all(
                DecorationRule(estate_id=estate.id, kind=kind, position=i, text=t)
                for i, t in enumerate(lines)
            )
        created.append("decoration rules")
    creator = db.session.scalar(select(User).where(User.username == "supervisor"))
    today = clock.now().date()
    for (
        building,
        number,
        owner,
        phone,
        contractor,
        lead,
        lead_phone,
        scope,
        workers,
        deposit,
    ) in DEMO_SITES:
        unit = db.session.scalar(
            select(Unit)
            .join(Building)
            .where(
                Building.estate_id == estate.id, Building.name == building, Unit.number == number
            )
        )
        if unit is None or db.session.scalar(
            select(DecorationPermit.id).where(DecorationPermit.unit_id == unit.id)
        ):
            continue
        db.session.add(
            DecorationPermit(
                number=next_number("ZX", estate, clock.now()),
                estate_id=estate.id,
                unit_id=unit.id,
                owner_name=owner,
                owner_phone=phone,
                contractor=contractor,
                site_lead=lead,
                site_lead_phone=lead_phone,
                scope=scope,
                start_date=today - timedelta(days=10),
                end_date=today + timedelta(days=50),
                workers=workers,
                deposit=deposit,
                status="in_progress",
                created_by_id=creator.id,
            )
        )
        created.append(f"renovation {unit.label}")
    db.session.flush()
    return created


# Yesterday's rounds, so that the manager's review queue and dashboard have something to show:
# the assistant found a lamp out in the car park (a work order to 工程部), the supervisor found
# nothing. Today's patrols are still to do.
DEMO_ROUNDS = (
    ("assistant", "日常巡楼", "地下停车场", "B2 区 3 盏灯不亮"),
    ("supervisor", "主任巡查", None, None),
)


def _load_rounds(estate: Estate) -> list[str]:
    if db.session.scalar(select(PatrolRound.id).where(PatrolRound.estate_id == estate.id)):
        return []
    created = []
    clock.travel(timedelta(days=-1))
    try:
        for username, template_name, issue_at, issue_note in DEMO_ROUNDS:
            actor = db.session.scalar(select(User).where(User.username == username))
            template = db.session.scalar(
                select(PatrolTemplate).where(
                    PatrolTemplate.estate_id == estate.id, PatrolTemplate.name == template_name
                )
            )
            if actor is None or template is None:
                continue
            patrol_round = rounds.start_round(actor, template)
            items = db.session.execute(
                select(CheckItem.id, Checkpoint.name)
                .join(Checkpoint)
                .where(Checkpoint.template_id == template.id)
                .order_by(Checkpoint.position, CheckItem.position)
            ).all()
            found = False
            for item_id, place in items:
                if place == issue_at and not found:
                    found = True
                    rounds.record(
                        actor,
                        patrol_round,
                        item_id,
                        outcome=Outcome.ISSUE,
                        note=issue_note,
                        department="engineering",
                    )
                else:
                    rounds.record(
                        actor, patrol_round, item_id, outcome=Outcome.OK, note=None, department=None
                    )
            rounds.finish(actor, patrol_round)
            created.append(f"round {template_name}")
    finally:
        clock.travel(timedelta(days=1))
    return created


def _load_patrol_templates(estate: Estate) -> list[str]:
    created = []
    areas = {
        a.name: a.id
        for a in db.session.scalars(select(PublicArea).where(PublicArea.estate_id == estate.id))
    }
    for name, description, checkpoints, requirements in PATROL_TEMPLATES:
        exists = db.session.scalar(
            select(PatrolTemplate.id).where(
                PatrolTemplate.estate_id == estate.id, PatrolTemplate.name == name
            )
        )
        if exists:
            continue
        template = PatrolTemplate(
            estate_id=estate.id, name=name, description=description, active=True
        )
        db.session.add(template)
        db.session.flush()
        for position, (cp_name, items) in enumerate(checkpoints, start=1):
            checkpoint = Checkpoint(
                template_id=template.id,
                position=position,
                name=cp_name,
                area_id=areas.get(cp_name),
                qr_token=secrets.token_urlsafe(16),
            )
            db.session.add(checkpoint)
            db.session.flush()
            db.session.add_all(
                CheckItem(
                    checkpoint_id=checkpoint.id, position=i, text=t, department=_SUGGESTED.get(t)
                )
                for i, t in enumerate(items)
            )
        db.session.add_all(
            PatrolRequirement(template_id=template.id, role=r, period=p, times=n)
            for r, p, n in requirements
        )
        created.append(f"patrol template {name}")
    return created

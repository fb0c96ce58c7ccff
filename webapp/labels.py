"""Display names of coded values, in the viewer's language."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from webapp import robots
from webapp.i18n import format_when, listing, locale_name
from webapp.models import STAFF_ROLES, Role
from webapp.models.places import AreaKind

ROLE_LABELS = {
    Role.ASSISTANT: _l("客服助理"),
    Role.SUPERVISOR: _l("客服主任"),
    Role.MANAGER: _l("客服经理"),
    Role.OWNER: _l("业主"),
}

AREA_KIND_LABELS = {
    AreaKind.LOBBY: _l("大堂"),
    AreaKind.CORRIDOR: _l("走廊"),
    AreaKind.STAIRWELL: _l("楼梯间"),
    AreaKind.SHOW_FLAT: _l("样板间"),
    AreaKind.SALES_OFFICE: _l("售楼处"),
    AreaKind.BANK: _l("银行"),
    AreaKind.CLUBHOUSE: _l("会所"),
    AreaKind.LANDSCAPING: _l("绿化"),
    AreaKind.PARKING: _l("停车场"),
    AreaKind.ELEVATOR: _l("电梯"),
    AreaKind.FIRE_EXIT: _l("消防通道"),
    AreaKind.OTHER: _l("其他"),
}

DEPARTMENT_LABELS = {
    "engineering": _l("工程部"),
    "cleaning": _l("保洁"),
    "landscaping": _l("绿化"),
    "security": _l("秩序/保安"),
    "service": _l("客服"),
}

OUTCOME_LABELS = {"ok": _l("正常"), "issue": _l("异常"), "na": _l("不适用")}

RULE_OUTCOME_LABELS = {"ok": _l("符合"), "violation": _l("违规"), "na": _l("不适用")}

WORK_ORDER_STATUS_LABELS = {
    "open": _l("待处理"),
    "held": _l("部门暂缓"),
    "fixed": _l("待复查"),
    "closed": _l("已关闭"),
}

# The move-in inspection (收楼验房).
MOVE_IN_STATUS_LABELS = {"signing": _l("待业主签字"), "signed": _l("已收楼")}
MOVE_IN_UNIT_STATE_LABELS = {
    "pending": _l("未验房"),
    "signing": _l("待业主签字"),
    "received": _l("已收楼"),
}
MOVE_IN_OUTCOME_LABELS = {"ok": _l("合格"), "defect": _l("不合格")}
HANDED_KEY_LABELS = {
    "door": _l("入户门钥匙"),
    "mailbox": _l("信报箱钥匙"),
    "meter_box": _l("水电表箱钥匙"),
    "other": _l("其他钥匙"),
}
DOCUMENT_LABELS = {
    "quality_guarantee": _l("住宅质量保证书"),
    "user_manual": _l("住宅使用说明书"),
    "owner_handbook": _l("业主手册"),
    "management_rules": _l("管理规约"),
    "decoration_guide": _l("装修指引"),
}
# A defect as its work order stands, in words an owner follows.
DEFECT_STATE_LABELS = {
    "open": _l("维修中"),
    "held": _l("维修中"),
    "fixed": _l("已维修，待复查"),
    "closed": _l("已修复"),
    "all": _l("全部"),
}

HOLD_KIND_LABELS = {"cannot": _l("无法处理"), "needs_help": _l("需配合")}

VIA_LABELS = {
    "department_link": _l("经部门链接"),
    "scan_link": _l("扫码报修"),
    "survey_link": _l("经调查链接"),
}

SURVEY_STATUS_LABELS = {"draft": _l("草稿"), "open": _l("进行中"), "closed": _l("已结束")}
QUESTION_KIND_LABELS = {
    "scale": _l("满意度评分（1–5 分）"),
    "choice": _l("单选题"),
    "text": _l("填空（意见建议）"),
}
SCALE_LABELS = {
    1: _lp("score", "很不满意"),
    2: _lp("score", "不满意"),
    3: _lp("score", "一般"),
    4: _lp("score", "满意"),
    5: _lp("score", "很满意"),
}
ANNOUNCEMENT_STATE_LABELS = {
    "current": _l("显示中"),
    "scheduled": _l("未开始"),
    "ended": _l("已结束"),
    "withdrawn": _l("已撤下"),
}
VISIT_OUTCOME_LABELS = {"visited": _l("已走访"), "not_home": _l("不在家")}
VISIT_PLAN_LABELS = {"supervisor": _l("年度走访"), "area": _l("区域季度走访")}
SURVEY_VIA_LABELS = {"account": _l("业主账号"), "link": _l("链接或二维码")}

ROBOT_KIND_LABELS = {"wecom": _l("企业微信群机器人"), "dingtalk": _l("钉钉群机器人")}

OUTBOX_STATUS_LABELS = {"pending": _l("待发送"), "sent": _l("已发送"), "failed": _l("发送失败")}

PERIOD_LABELS = {"day": _l("每天"), "week": _l("每周")}

PERMIT_STATUS_LABELS = {
    "applied": _l("已申请"),
    "approved": _l("已批准"),
    "in_progress": _l("施工中"),
    "suspended": _l("停工"),
    "completion_requested": _l("申请竣工"),
    "accepted": _l("竣工验收通过"),
    "rejected": _l("未批准"),
}

PERMIT_ACTION_LABELS = {
    "approve": _l("批准"),
    "reject": _l("不批准"),
    "start": _l("开工"),
    "suspend": _l("停工"),
    "resume": _l("复工"),
    "extend": _l("延期"),
    "request_completion": _l("申请竣工验收"),
}

NOTICE_STATUS_LABELS = {
    "draft": _l("待签发"),
    "issued": _l("整改中"),
    "replied": _l("业主已回复，待复核"),
    "rectified": _l("已整改"),
}

# The notices list's tabs (webapp.decoration.services.NOTICE_STATES).
NOTICE_STATE_LABELS = {
    "due": _l("整改中"),
    "overdue": _l("已逾期"),
    "replied": _l("待复核"),
    "draft": _l("待签发"),
    "all": _l("全部"),
}

# The duty history's narrower views (webapp.duty.services.SHOWS).
# How a person lives in a unit (业户档案).
RELATION_LABELS = {
    "owner": _lp("relation", "业主"),
    "tenant": _lp("relation", "租户"),
    "family": _lp("relation", "家属"),
}

DUTY_SHOW_LABELS = {
    "major": _l("有重大事件"),
    "refused": _l("交接被拒"),
}

DEPOSIT_STATUS_LABELS = {
    "held": _l("暂存"),
    "refund": _l("待退还"),
    "refunded": _l("已退还"),
    "withheld": _l("扣除"),
}

ENTRY_KIND_LABELS = {
    "received": _l("已受理"),
    "assigned": _l("已派单"),
    "started": _l("开始处理"),
    "reply": _l("回复"),
    "note": _l("内部备注"),
    "info": _l("报修人补充"),
    "investigation": _l("调查意见"),
    "resolved": _l("已处理"),
    "visit": _l("回访"),
    "reopened": _l("重新打开"),
    "spam": _l("标为无效报修"),
    "work_dispatched": _l("已派部门维修"),
    "work_fixed": _l("已修复，待复查"),
}

# The figures the department is judged by (webapp.tickets.summary.TARGETS).
RATE_LABELS = {
    "handling": _l("处理率"),
    "on_time": _l("24 小时内跟进率"),
    "return_visit": _l("回访率"),
    "satisfaction": _l("满意率"),
    "effective_complaints": _l("有效投诉率"),
}

# What a signature is (webapp.signoff): a supervisor's sign-off, the manager's opinion, the two
# sides of a shift handover.
SIGNATURE_KIND_LABELS = {
    "signoff": _l("签核"),
    "opinion": _l("签署意见"),
    "handover_out": _l("交班"),
    "handover_in": _l("接班"),
}

# The dashboard's periods (webapp.periods).
SPAN_LABELS = {"today": _l("今天"), "week": _l("本周"), "month": _l("本月")}

# How long an open work order has been with its department (webapp.workorders.services.AGES).
WORK_ORDER_AGE_LABELS = {
    "day": _l("1 天内"),
    "days": _l("1–3 天"),
    "older": _l("3 天以上"),
}

TICKET_TAB_LABELS = {
    "open": _l("待办"),
    "overdue": _l("逾期"),
    "received": _l("已受理"),
    "assigned": _l("已派单"),
    "in_progress": _l("处理中"),
    "resolved": _l("待回访"),
    "closed": _l("已关闭"),
    "all": _l("全部"),
    "handled": _l("已处理"),
}

NOTIFICATION_KIND_LABELS = {
    "overdue": _l("已逾期"),
    "escalated": _l("逾期超过 24 小时，已上报经理"),
    "major": _l("新的重大投诉，请于 48 小时内调查"),
    "investigation": _l("重大投诉调查已逾期"),
    "major_event": _l("值班重大事件，请即处理"),
    "major_event_report": _l("重大事件书面报告已提交"),
    "handover_refused": _l("交班未被接收"),
    "reinspect": _l("部门已修复，请复查"),
    "ticket_repaired": _l("维修已复查合格，请回复业主并办结"),
    "ticket_reply": _l("物业回复了你的报修"),
    "ticket_progress": _l("你的报修有新进展"),
    "notice_issued": _l("你的房屋收到装修整改通知"),
    "survey_sent": _l("请填写满意度调查"),
    "movein_sign": _l("收楼验房记录待你签字"),
    "announcement": _l("小区新公告"),
    "work_order_held": _l("部门暂缓处理工单"),
}

AUDIT_ACTION_LABELS = {
    "ticket.create": _l("受理"),
    "ticket.assign": _l("派单"),
    "ticket.start": _l("开始处理"),
    "ticket.resolve": _l("已处理"),
    "ticket.visit": _l("回访"),
    "ticket.spam": _l("标为无效报修"),
    "ticket.reply": _l("回复业主"),
    "ticket.note": _l("内部备注"),
    "ticket.info": _l("报修人补充"),
    "ticket.investigation": _l("调查意见"),
    "ticket.escalate": _l("逾期上报"),
    "ticket.investigation_overdue": _l("调查逾期上报"),
    "ticket.link": _l("关联巡查或装修记录"),
    "decoration.register": _l("登记装修"),
    "decoration.approve": _l("批准装修"),
    "decoration.reject": _l("不批准装修"),
    "decoration.start": _l("开工"),
    "decoration.suspend": _l("停工"),
    "decoration.resume": _l("复工"),
    "decoration.extend": _l("延期"),
    "decoration.request_completion": _l("申请竣工验收"),
    "decoration.completion_accepted": _l("竣工验收通过"),
    "decoration.completion_rejected": _l("竣工验收不通过"),
    "decoration.inspect": _l("装修巡查"),
    "decoration.rules": _l("修改装修规定"),
    "notice.write": _l("填写整改通知"),
    "notice.issue": _l("签发整改通知"),
    "notice.reply": _l("业主回复已整改"),
    "notice.rectified": _l("复核：已整改"),
    "notice.not_rectified": _l("复核：未整改"),
    "notice.escalate": _l("整改逾期上报"),
    "patrol_round.start": _l("开始巡查"),
    "patrol_round.scan": _l("扫码到达巡查点"),
    "patrol_round.finish": _l("结束巡查"),
    "patrol_round.sign": _l("签核"),
    "patrol_result.amend": _l("更正"),
    "patrol_template.create": _l("创建巡查表"),
    "patrol_template.update": _l("修改巡查表"),
    "patrol_template.checkpoint": _l("修改巡查点"),
    "patrol_template.requirement": _l("修改巡查频次"),
    "workorder.dispatch": _l("派发工单"),
    "workorder.fix": _l("回复已处理"),
    "workorder.pass": _l("复查通过"),
    "workorder.fail": _l("复查未通过"),
    "workorder.escalate": _l("逾期上报"),
    "workorder.hold": _l("部门暂缓处理"),
    "workorder.resume": _l("重新派单"),
    "workorder.link_revoke": _l("作废部门链接"),
    "workorder.link_issue": _l("生成部门链接"),
    "department.update": _l("修改部门联系方式"),
    "outbox.retry": _l("重新发送消息"),
    "photo.attach": _l("添加照片"),
    "user.create": _l("创建账号"),
    "user.update": _l("修改账号"),
    "user.enable": _l("启用账号"),
    "user.disable": _l("停用账号"),
    "user.invite_link": _l("生成邀请链接"),
    "user.reset_link": _l("生成重设密码链接"),
    "user.password_set": _l("设置密码"),
    "owner.create": _l("登记业主"),
    "owner.update": _l("修改业主信息"),
    "owner.link_unit": _l("关联房屋"),
    "owner.unlink_unit": _l("解除房屋关联"),
    "estate.create": _l("创建项目"),
    "estate.update": _l("修改项目"),
    "building.create": _l("新增楼栋"),
    "building.update": _l("修改楼栋"),
    "building.add_units": _l("新增房号"),
    "area.create": _l("新增公共区域"),
    "area.update": _l("修改公共区域"),
    "duty.start": _l("开始值班"),
    "duty.event": _l("记录值班事件"),
    "duty.call": _l("登记来电"),
    "duty.visit": _l("登记来访"),
    "duty.resolve": _l("处理完毕"),
    "duty.report": _l("提交书面报告"),
    "duty.dispatch": _l("派发工单"),
    "duty.check": _l("值班检查"),
    "duty.escalate": _l("书面报告逾期上报"),
    "key.create": _l("登记钥匙"),
    "key.handed_to_owner": _l("钥匙交给业主"),
    "movein.checklist": _l("修改收楼验房检查项"),
    "scan.codes": _l("生成扫码报修二维码"),
    "scan.replace": _l("更换扫码报修二维码"),
    "visit.record": _l("走访业主"),
    "visit.areas": _l("调整走访分区"),
    "visit.withdraw": _l("撤销走访记录"),
    "announcement.publish": _l("发布公告"),
    "announcement.withdraw": _l("撤下公告"),
    "announcement.boards": _l("生成公告栏二维码"),
    "ticket.phone_shown": _l("查看反映人电话"),
    "survey.create": _l("新建满意度调查"),
    "survey.update": _l("修改满意度调查"),
    "survey.question": _l("添加调查问题"),
    "survey.question_removed": _l("删除调查问题"),
    "survey.question_edited": _l("修改调查问题"),
    "survey.question_moved": _l("调整问题顺序"),
    "survey.send": _l("发出满意度调查"),
    "survey.close": _l("结束满意度调查"),
    "survey.answer": _l("填写满意度调查"),
    "survey.follow_up": _l("低分转为工单"),
    "movein.inspect": _l("收楼验房"),
    "movein.sign": _l("业主签字收楼"),
    "key.lend": _l("借出钥匙"),
    "key.return": _l("归还钥匙"),
    "key.handover": _l("交接班移交"),
    "key.escalate": _l("钥匙逾期上报"),
    "duty.end": _l("值班结束"),
    "duty.handover": _l("交接班移交"),
    "ticket.handover": _l("交接班移交"),
    "workorder.handover": _l("交接班移交"),
    "handover.prepare": _l("交班签字"),
    "handover.accept": _l("接班签字"),
    "handover.refuse": _l("拒绝接班"),
    "handover.sign": _l("签字"),
}


FIELD_LABELS = {
    "username": _l("用户名"),
    "display_name": _l("姓名"),
    "phone": _l("手机号"),
    "role": _l("角色"),
    "active": _l("启用"),
    "estates": _l("所在项目"),
    "name": _l("名称"),
    "code": _l("项目编码"),
    "address": _l("地址"),
    "timezone": _l("时区"),
    "kind": _l("类型"),
    "units": _l("房号"),
    "unit": _l("房屋"),
    "relation": _l("身份"),
    "expires": _l("有效期至"),
    "status": _l("状态"),
    "due_at": _l("期限"),
    "reply_note": _l("处理情况"),
    "replied_by": _l("维修人"),
    "reinspection_note": _l("复查说明"),
    "instructions": _l("客服说明"),
    "hold_kind": _l("暂缓原因类别"),
    "hold_reason": _l("暂缓原因"),
    "webhook": _l("群机器人地址"),
    "robot_kind": _l("群机器人"),
    "reopen_count": _l("退回次数"),
    "escalation_level": _l("上报级别"),
    "department": _l("部门"),
    "number": _l("编号"),
    "template": _l("巡查表"),
    "checkpoint": _l("巡查点"),
    "answered": _l("已检查项"),
    "findings": _l("发现问题"),
    "outcome": _l("结果"),
    "note": _l("说明"),
    "reason": _l("原因"),
    "opinion": _l("意见"),
    "items": _l("检查项"),
    "times": _l("次数"),
    "period": _l("周期"),
    "photo": _l("照片"),
    "purpose": _l("用途"),
    "end_date": _l("完工日期"),
    "deposit_status": _l("保证金"),
    "status_note": _l("说明"),
    "violations": _l("违规项"),
    "inspection": _l("检查"),
    "rule": _l("违反条款"),
    "deadline": _l("整改期限"),
    "reply": _l("业主回复"),
    "daily": _l("日常巡查项目"),
    "completion": _l("竣工验收项目"),
    "source": _l("来源"),
    "shift": _l("班次"),
    "duty": _l("值班"),
    "major": _l("重大事件"),
    "resolved": _l("已处理完毕"),
    "handling": _l("处理情况"),
    "resolved_at": _l("处理完毕时间"),
    "report": _l("书面报告"),
    "report_written_at": _l("报告提交时间"),
    "work_order": _l("工单"),
    "check": _l("检查项"),
    "key_kind": _l("钥匙类型"),
    "borrower": _l("借用人"),
    "responsible": _l("负责人"),
    "assignee": _l("处理人"),
    "reported_by": _l("复查人"),
    "from": _l("交班人"),
    "to": _l("接班人"),
}


DUTY_KIND_LABELS = {
    "event": _l("值班事件"),
    "call": _l("来电"),
    "visit": _l("来访"),
}
DUTY_OUTCOME_LABELS = {
    "answered": _l("已答复"),
    "passed_on": _l("已转交"),
}
KEY_KIND_LABELS = {
    "show_flat": _l("样板间"),
    "plant_room": _l("设备房"),
    "vacant_unit": _l("空置房"),
    "public_area": _l("公共区域"),
    "other": _l("其他"),
}
BORROWER_KIND_LABELS = {
    "staff": _l("员工"),
    "contractor": _l("施工方或外单位"),
    "owner": _l("业主或住户"),
}
# Where a work order came from, as its page names it.
ORIGIN_LABELS = {
    "move_in": _l("收楼验房"),
    "duty_event": _l("值班记录"),
    "ticket": _l("投诉报修单"),
    "rectification_notice": _l("整改通知"),
}
# The shift's timed checks the rules name (seed 000 篇4 1.4, 1.5).
DUTY_CHECK_LABELS = {
    "lights_on": _l("景观灯、效果照明按时开启"),
    "lights_off": _l("景观灯、效果照明按时关闭"),
    "areas": _l("巡视公共区域、售楼处、银行、会所与绿化"),
    "posts": _l("检查各岗位的工作质量与劳动纪律"),
}
SHIFT_LABELS = {
    "day": _l("白班"),
    "middle": _l("中班"),
    "night": _l("夜班"),
}

TICKET_KIND_LABELS = {
    "complaint": _l("投诉"),
    "repair": _l("报修"),
    "inquiry": _l("咨询"),
    "suggestion": _l("建议"),
}
CHANNEL_LABELS = {
    "phone": _l("电话"),
    "visit": _l("来访"),
    "written": _l("书面"),
    "online": _l("线上"),
    "patrol": _lp("ticket channel", "巡查"),
    "scan": _l("扫码"),
    "survey": _lp("ticket channel", "满意度调查"),
}
CATEGORY_LABELS = {
    "engineering": _l("工程维修"),
    "cleaning": _l("保洁"),
    "landscaping": _l("绿化"),
    "security": _l("秩序安全"),
    "noise": _l("噪音"),
    "decoration": _l("装修"),
    "parking": _l("停车"),
    "fees": _l("收费"),
    "attitude": _l("服务态度"),
    "other": _l("其他"),
}
SEVERITY_LABELS = {"normal": _l("一般"), "major": _l("重大")}
RATING_LABELS = {"satisfied": _l("满意"), "basic": _l("基本满意"), "unsatisfied": _l("不满意")}
TICKET_STATUS_LABELS = {
    "received": _l("已受理"),
    "assigned": _l("已派单"),
    "in_progress": _l("处理中"),
    "resolved": _l("已处理"),
    "closed": _l("已关闭"),
}


def field_label(key: str) -> str:
    return str(FIELD_LABELS.get(key, key))


PHOTO_PURPOSE_LABELS = {
    "before": _l("处理前"),
    "after": _l("处理后"),
    "evidence": _l("现场照片"),
    "plan": _l("施工图纸"),
}
_STATUS_TABLES = (
    WORK_ORDER_STATUS_LABELS,
    TICKET_STATUS_LABELS,
    PERMIT_STATUS_LABELS,
    NOTICE_STATUS_LABELS,
    OUTBOX_STATUS_LABELS,
)


def audit_value(key: str, value) -> str:
    """An audited value as a person reads it."""
    if value is None or value == "":
        return "—"
    if key == "role":
        return role_label(value)
    if key == "kind":
        return area_kind_label(value)
    if key == "key_kind":
        return _label(KEY_KIND_LABELS, value)
    if key == "shift":
        return _label(SHIFT_LABELS, value)
    if key == "check":
        return _label(DUTY_CHECK_LABELS, value)
    if key == "hold_kind":
        return _label(HOLD_KIND_LABELS, value)
    if key == "department":
        return _label(DEPARTMENT_LABELS, value)
    if key == "purpose":
        return _label(PHOTO_PURPOSE_LABELS, value)
    if key == "status":
        # The status of whichever record it is: each table names its own values.
        for table in _STATUS_TABLES:
            if value in table:
                return _label(table, value)
    if key == "robot_kind":
        return _label(ROBOT_KIND_LABELS, value)
    if key.endswith("_at") and isinstance(value, str):
        # Times are audited as ISO strings in UTC; shown like every other time, where one is.
        try:
            return format_when(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, bool):
        return str(_l("是") if value else _l("否"))
    if isinstance(value, list):
        return listing(value) if value else "—"
    return str(value)


# Labels translated once per language and value: a list page shows hundreds of them, and each
# lazy string would look its translation up again.
_translated: dict[tuple[str, int, object], str] = {}


def _label(table: dict, value) -> str:
    if value not in table:
        return str(value or "")
    key = (locale_name(), id(table), value)
    found = _translated.get(key)
    if found is None:
        found = _translated[key] = str(table[value])
    return found


def label(table: dict, value) -> str:
    """A coded value's name in the reader's language (exports name their cells with it)."""
    return _label(table, value)


def percent(value: float | None) -> str:
    """A rate as people read it: 97.5%; a dash where nothing was measured."""
    return "—" if value is None else f"{value * 100:.1f}%"


def department_choices() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in DEPARTMENT_LABELS.items()]


def entry_heading(entry) -> str:
    """A ticket timeline line's heading: 「已派工程部」 names the department it went to."""
    if entry.kind == "work_dispatched":
        return str(_l("已派%(department)s", department=_label(DEPARTMENT_LABELS, entry.body)))
    return _label(ENTRY_KIND_LABELS, entry.kind)


def role_label(role: str) -> str:
    return _label(ROLE_LABELS, role)


def area_kind_label(kind: str) -> str:
    return _label(AREA_KIND_LABELS, kind)


def action_label(action: str) -> str:
    return _label(AUDIT_ACTION_LABELS, action)


def staff_role_choices() -> list[tuple[str, str]]:
    return [(str(r), role_label(r)) for r in STAFF_ROLES]


def area_kind_choices() -> list[tuple[str, str]]:
    return [(str(k), area_kind_label(k)) for k in AreaKind]


def init_app(app) -> None:
    app.jinja_env.filters.update(
        role=role_label,
        area_kind=area_kind_label,
        action=action_label,
        field=field_label,
        department=lambda v: _label(DEPARTMENT_LABELS, v),
        outcome=lambda v: _label(OUTCOME_LABELS, v),
        rule_outcome=lambda v: _label(RULE_OUTCOME_LABELS, v),
        wo_status=lambda v: _label(WORK_ORDER_STATUS_LABELS, v),
        wo_age=lambda v: _label(WORK_ORDER_AGE_LABELS, v),
        rate_name=lambda v: _label(RATE_LABELS, v),
        signature_kind=lambda v: _label(SIGNATURE_KIND_LABELS, v),
        period_name=lambda v: _label(SPAN_LABELS, v),
        percent=percent,
        hold_kind=lambda v: _label(HOLD_KIND_LABELS, v),
        via=lambda v: _label(VIA_LABELS, v),
        survey_status=lambda v: _label(SURVEY_STATUS_LABELS, v),
        announcement_state=lambda v: _label(ANNOUNCEMENT_STATE_LABELS, v),
        visit_outcome=lambda v: _label(VISIT_OUTCOME_LABELS, v),
        visit_plan=lambda v: _label(VISIT_PLAN_LABELS, v),
        question_kind=lambda v: _label(QUESTION_KIND_LABELS, v),
        survey_via=lambda v: _label(SURVEY_VIA_LABELS, v),
        robot_kind=lambda v: _label(ROBOT_KIND_LABELS, v),
        masked=robots.mask,
        outbox_status=lambda v: _label(OUTBOX_STATUS_LABELS, v),
        period=lambda v: _label(PERIOD_LABELS, v),
        permit_status=lambda v: _label(PERMIT_STATUS_LABELS, v),
        permit_action=lambda v: _label(PERMIT_ACTION_LABELS, v),
        notice_status=lambda v: _label(NOTICE_STATUS_LABELS, v),
        notice_state=lambda v: _label(NOTICE_STATE_LABELS, v),
        duty_show=lambda v: _label(DUTY_SHOW_LABELS, v),
        relation=lambda v: _label(RELATION_LABELS, v),
        deposit_status=lambda v: _label(DEPOSIT_STATUS_LABELS, v),
        entry_kind=lambda v: _label(ENTRY_KIND_LABELS, v),
        entry_heading=entry_heading,
        ticket_tab=lambda v: _label(TICKET_TAB_LABELS, v),
        notification_kind=lambda v: _label(NOTIFICATION_KIND_LABELS, v),
        ticket_kind=lambda v: _label(TICKET_KIND_LABELS, v),
        ticket_status=lambda v: _label(TICKET_STATUS_LABELS, v),
        category=lambda v: _label(CATEGORY_LABELS, v),
        channel=lambda v: _label(CHANNEL_LABELS, v),
        rating=lambda v: _label(RATING_LABELS, v),
        duty_kind=lambda v: _label(DUTY_KIND_LABELS, v),
        duty_outcome=lambda v: _label(DUTY_OUTCOME_LABELS, v),
        shift=lambda v: _label(SHIFT_LABELS, v),
        key_kind=lambda v: _label(KEY_KIND_LABELS, v),
        origin_kind=lambda v: _label(ORIGIN_LABELS, v),
        borrower_kind=lambda v: _label(BORROWER_KIND_LABELS, v),
        move_in_status=lambda v: _label(MOVE_IN_STATUS_LABELS, v),
        move_in_unit_state=lambda v: _label(MOVE_IN_UNIT_STATE_LABELS, v),
        move_in_outcome=lambda v: _label(MOVE_IN_OUTCOME_LABELS, v),
        handed_key=lambda v: _label(HANDED_KEY_LABELS, v),
        document=lambda v: _label(DOCUMENT_LABELS, v),
        defect_state=lambda v: _label(DEFECT_STATE_LABELS, v),
    )
    app.jinja_env.globals.update(audit_value=audit_value, department_options=department_choices)

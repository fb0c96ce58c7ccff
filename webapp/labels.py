"""Display names of coded values, in the viewer's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.i18n import listing
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

AUDIT_ACTION_LABELS = {
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
    "source": _l("来源"),
}


def field_label(key: str) -> str:
    return str(FIELD_LABELS.get(key, key))


def audit_value(key: str, value) -> str:
    """An audited value as a person reads it."""
    if value is None or value == "":
        return "—"
    if key == "role":
        return role_label(value)
    if key == "kind":
        return area_kind_label(value)
    if isinstance(value, bool):
        return str(_l("是") if value else _l("否"))
    if isinstance(value, list):
        return listing(value) if value else "—"
    return str(value)


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def area_kind_label(kind: str) -> str:
    return str(AREA_KIND_LABELS.get(kind, kind))


def action_label(action: str) -> str:
    return str(AUDIT_ACTION_LABELS.get(action, action))


def staff_role_choices() -> list[tuple[str, str]]:
    return [(str(r), role_label(r)) for r in STAFF_ROLES]


def area_kind_choices() -> list[tuple[str, str]]:
    return [(str(k), area_kind_label(k)) for k in AreaKind]


def init_app(app) -> None:
    app.jinja_env.filters.update(
        role=role_label, area_kind=area_kind_label, action=action_label, field=field_label
    )
    app.jinja_env.globals.update(audit_value=audit_value)

from __future__ import annotations

import re
import zoneinfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from webapp.forms import (
    MultiCheckboxField,
    VersionedForm,
    choices,
    count_field,
    name_field,
    strip,
)

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
PHONE = r"^[0-9+\- ]{5,20}$"


class StaffFields:
    display_name = name_field(_l("姓名"), 64)
    phone = StringField(
        _l("手机号"),
        validators=[Optional(), Length(max=20), Regexp(PHONE, message=_l("手机号格式不正确。"))],
        filters=[strip],
    )
    role = SelectField(_l("角色"), validators=[DataRequired(_l("请选择角色。"))])
    estates = MultiCheckboxField(_l("所在项目"), coerce=int)


class StaffCreateForm(StaffFields, FlaskForm):
    username = StringField(
        _l("用户名"),
        validators=[DataRequired(_l("必填。")), Length(max=32)],
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
        description=_l("小写字母、数字、点、横线，2–32 位，登录时使用。"),
    )

    def validate_username(self, field):
        if not USERNAME.match(field.data or ""):
            raise ValidationError(_l("只能使用小写字母、数字、点和横线，2–32 位。"))


class StaffEditForm(StaffFields, VersionedForm):
    pass


class ActiveForm(VersionedForm):
    active = HiddenField(validators=[DataRequired()])


def _valid_timezone(form, field):
    if field.data not in zoneinfo.available_timezones():
        raise ValidationError(_l("未知的时区。"))


class EstateFields:
    name = name_field(_l("项目名称"), 80)
    code = StringField(
        _l("项目编码"),
        validators=[
            DataRequired(_l("必填。")),
            Length(max=8),
            Regexp(r"^[A-Za-z0-9]{2,8}$", message=_l("2–8 位字母或数字。")),
        ],
        filters=[strip],
        description=_l("用于单据编号，例如 CH。"),
    )
    address = StringField(_l("地址"), validators=[Length(max=200)], filters=[strip])
    timezone = StringField(
        _l("时区"),
        default="Asia/Shanghai",
        validators=[DataRequired(), Length(max=64), _valid_timezone],
        filters=[strip],
    )


class EstateCreateForm(EstateFields, FlaskForm):
    pass


class EstateEditForm(EstateFields, VersionedForm):
    pass


class BuildingCreateForm(FlaskForm):
    name = name_field(_l("楼栋名称"), 40)
    floors = count_field(_l("楼层数"), 99)
    per_floor = count_field(_l("每层户数"), 20)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # Checked here, not in validate_per_floor: Optional() skips inline validators when empty.
        if ok and bool(self.floors.data) != bool(self.per_floor.data):
            self.per_floor.errors = [
                *self.per_floor.errors,
                _l("楼层数和每层户数要一起填写，或都不填。"),
            ]
            return False
        return ok


class BuildingEditForm(VersionedForm):
    name = name_field(_l("楼栋名称"), 40)


class UnitsAddForm(FlaskForm):
    numbers = StringField(
        _l("房号（可多个）"),
        validators=[DataRequired(_l("必填。")), Length(max=500)],
        description=_l("多个房号用空格或逗号分隔，例如 101 102 201。"),
    )

    def parsed(self) -> list[str]:
        parts = re.split(r"[\s,，、]+", self.numbers.data or "")
        return list(dict.fromkeys(p for p in parts if p))

    def validate_numbers(self, field):
        numbers = self.parsed()
        if not numbers:
            raise ValidationError(_l("请输入房号。"))
        if len(numbers) > 200:
            raise ValidationError(_l("一次最多添加 200 个房号。"))
        bad = [n for n in numbers if not re.match(r"^[0-9A-Za-z-]{1,20}$", n)]
        if bad:
            raise ValidationError(_l("房号只能包含字母、数字和横线。"))


class AreaFields:
    name = name_field(_l("区域名称"), 60)
    kind = SelectField(_l("类型"))


class AreaCreateForm(AreaFields, FlaskForm):
    pass


class AreaEditForm(AreaFields, VersionedForm):
    active = BooleanField(_l("启用"))


class DepartmentForm(VersionedForm):
    """A department of an estate: who to call, and the group robot that reaches its people."""

    name = StringField(_l("名称"), validators=[Optional(), Length(max=40)], filters=[strip])
    phone = StringField(
        _l("联系电话"),
        validators=[Optional(), Length(max=20), Regexp(PHONE, message=_l("电话格式不正确。"))],
        filters=[strip],
    )
    robot_kind = SelectField(
        _l("群机器人"),
        choices=choices(
            [
                ("", _l("不使用")),
                ("wecom", _l("企业微信群机器人")),
                ("dingtalk", _l("钉钉群机器人")),
            ]
        ),
        validators=[Optional()],
    )
    webhook_url = StringField(
        _l("Webhook 地址"),
        validators=[Optional(), Length(max=500)],
        filters=[strip],
        description=_l("在群设置 → 群机器人中复制。留空则保留原地址。"),
    )
    robot_secret = StringField(
        _l("加签密钥（钉钉）"),
        validators=[Optional(), Length(max=200)],
        filters=[strip],
        description=_l("钉钉机器人开启“加签”时填写，以 SEC 开头。留空则保留原密钥。"),
    )

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from webapp.forms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    MultiCheckboxField,
    VersionedForm,
    choices,
    name_field,
    strip,
)

# Stored as written in Chinese (the department's own terms); shown in the viewer's language.
SCOPES = (
    ("水电改造", _l("水电改造")),
    ("防水", _l("防水")),
    ("墙地面", _l("墙地面")),
    ("吊顶", _l("吊顶")),
    ("门窗", _l("门窗")),
    ("空调安装", _l("空调安装")),
    ("橱柜洁具", _l("橱柜洁具")),
    ("其他", _l("其他")),
)
PHONE = r"^[0-9+\- ]{7,20}$"


class PermitForm(FlaskForm):
    building = SelectField(_l("楼栋"), coerce=int, validators=[DataRequired(_l("请选择楼栋。"))])
    number = StringField(
        _l("房号"), validators=[DataRequired(_l("必填。")), Length(max=20)], filters=[strip]
    )
    owner_name = name_field(_l("业主姓名"), 64)
    owner_phone = StringField(
        _l("业主电话"),
        validators=[
            DataRequired(_l("必填。")),
            Length(max=20),
            Regexp(PHONE, message=_l("电话格式不正确。")),
        ],
        filters=[strip],
    )
    contractor = name_field(_l("施工单位"), 100)
    site_lead = name_field(_l("现场负责人"), 64)
    site_lead_phone = StringField(
        _l("负责人电话"),
        validators=[
            DataRequired(_l("必填。")),
            Length(max=20),
            Regexp(PHONE, message=_l("电话格式不正确。")),
        ],
        filters=[strip],
    )
    scope = MultiCheckboxField(
        _l("施工内容"),
        choices=choices(SCOPES),
        validators=[DataRequired(_l("至少选择一项。"))],
    )
    start_date = DateField(_l("开工日期"), validators=[InputRequired(_l("请填写日期。"))])
    end_date = DateField(_l("完工日期"), validators=[InputRequired(_l("请填写日期。"))])
    workers = IntegerField(_l("施工人数"), validators=[InputRequired(), NumberRange(1, 50)])
    deposit = IntegerField(
        _l("装修保证金（元）"), validators=[InputRequired(), NumberRange(0, 1_000_000)]
    )


class TransitionForm(VersionedForm):
    action = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("说明"), validators=[Length(max=500)])
    new_end = DateField(_l("延期至"), validators=[Optional()])


class InspectionForm(FlaskForm):
    """General fields; the answer per rule comes as outcome-<id>, note-<id>, photos-<id>."""

    note = TextAreaField(_l("总体情况"), validators=[Length(max=1000)])
    deadline_days = IntegerField(
        _l("整改期限（天）"), default=3, validators=[Optional(), NumberRange(1, 30)]
    )
    verdict = SelectField(
        _l("验收结论"),
        choices=choices([("", "—"), ("accepted", _l("验收通过")), ("rejected", _l("不通过"))]),
        validators=[Optional()],
    )
    deposit_status = SelectField(
        _l("保证金"),
        choices=choices(
            [
                ("held", _l("暂存")),
                ("refund", _l("待退还")),
                ("refunded", _l("已退还")),
                ("withheld", _l("扣除")),
            ]
        ),
        validators=[Optional()],
    )


class IssueForm(VersionedForm):
    deadline = DateTimeLocalField(_l("整改期限"), format="%Y-%m-%dT%H:%M", validators=[Optional()])


class ReplyForm(FlaskForm):
    text = TextAreaField(
        _l("整改情况"), validators=[DataRequired(_l("请说明整改情况。")), Length(max=1000)]
    )
    photos = MultipleFileField(_l("整改后照片"))


class RulesForm(FlaskForm):
    estate = SelectField(_l("项目"), coerce=int)
    daily = TextAreaField(
        _l("日常巡查项目"), validators=[DataRequired(_l("至少填写一条。")), Length(max=8000)]
    )
    completion = TextAreaField(
        _l("竣工验收项目"), validators=[DataRequired(_l("至少填写一条。")), Length(max=8000)]
    )

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    MultipleFileField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from webapp.forms import (
    DateTimeLocalField,
    MultiCheckboxField,
    VersionedForm,
    choices,
    optional_id,
    strip,
)
from webapp.labels import DUTY_OUTCOME_LABELS


class StartForm(FlaskForm):
    estate = SelectField(_l("项目"), coerce=optional_id, validators=[DataRequired(_l("必填。"))])
    shift = SelectField(_l("班次"), validators=[Optional()])


class _Place(FlaskForm):
    """When and where, shared by events and calls."""

    happened_at = DateTimeLocalField(
        _l("时间（不填即现在）"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    building = SelectField(_l("楼栋"), coerce=optional_id, validators=[Optional()])
    unit = StringField(_l("房号"), validators=[Optional(), Length(max=20)], filters=[strip])


class EventForm(_Place):
    area = SelectField(_l("公共区域"), coerce=optional_id, validators=[Optional()])
    place = StringField(_l("其他地点"), validators=[Optional(), Length(max=120)], filters=[strip])
    description = TextAreaField(
        _l("发生了什么"), validators=[DataRequired(_l("请写明发生了什么。")), Length(max=2000)]
    )
    handling = TextAreaField(_l("如何处理"), validators=[Length(max=2000)])
    resolved = BooleanField(_l("已处理完毕"))
    major = BooleanField(_l("重大事件（立即报告经理，次日交书面报告）"))
    photos = MultipleFileField(_l("照片"))


class CallForm(_Place):
    kind = RadioField(
        _l("类型"),
        choices=choices([("call", _l("来电")), ("visit", _l("来访"))]),
        default="call",
        validators=[DataRequired(_l("请选择来电或来访。"))],
    )
    contact_name = StringField(
        _l("来电来访人"), validators=[Optional(), Length(max=64)], filters=[strip]
    )
    contact_phone = StringField(
        _l("联系电话"), validators=[Optional(), Length(max=20)], filters=[strip]
    )
    description = TextAreaField(
        _l("事由"), validators=[DataRequired(_l("请写明来电来访的事由。")), Length(max=2000)]
    )
    handling = TextAreaField(_l("答复或转交情况"), validators=[Length(max=2000)])
    outcome = RadioField(
        _l("结果"),
        choices=choices(DUTY_OUTCOME_LABELS.items()),
        default="answered",
        validators=[DataRequired(_l("请选择已答复或已转交。"))],
    )


class ResolveForm(VersionedForm):
    handling = TextAreaField(
        _l("处理结果"), validators=[DataRequired(_l("请写明处理结果。")), Length(max=2000)]
    )


class ReportForm(VersionedForm):
    report = TextAreaField(
        _l("书面报告：经过、处理、结果与建议"),
        validators=[DataRequired(_l("请写书面报告。")), Length(max=5000)],
    )


class DispatchForm(FlaskForm):
    department = SelectField(_l("交由部门"), validators=[DataRequired(_l("请选择部门。"))])
    due = DateTimeLocalField(
        _l("期限"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("请填写期限。"))]
    )


class HandoverForm(FlaskForm):
    instructions = TextAreaField(_l("领导下达的工作指令"), validators=[Length(max=2000)])
    notes = TextAreaField(_l("其他交代（公共区域维修情况等）"), validators=[Length(max=2000)])
    in_person = MultiCheckboxField(_l("当面交接的物品"))
    other_in_person = StringField(
        _l("其他物品"), validators=[Optional(), Length(max=100)], filters=[strip]
    )
    password = PasswordField(_l("密码（确认本人交班）"))


class AcceptForm(VersionedForm):
    password = PasswordField(_l("密码（确认本人接班）"))


class RefuseForm(VersionedForm):
    reason = TextAreaField(
        _l("不接班的原因"),
        validators=[DataRequired(_l("请写明不接班的原因。")), Length(max=1000)],
    )

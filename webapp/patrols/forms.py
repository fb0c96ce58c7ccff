from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    PasswordField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from webapp.forms import IntegerField, VersionedForm, name_field


class RecordForm(FlaskForm):
    """One tap on an item: any of outcome, note, department (the others stay as they were)."""

    outcome = HiddenField()
    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=1000)])
    department = SelectField(_l("交由部门"), validators=[Optional()])


class FinishForm(FlaskForm):
    """End the round; with items unchecked, only when the patroller ticks that they know."""

    unchecked_confirmed = BooleanField(_l("仍要完成（未检查的项目留空）"))


class RestOkForm(FlaskForm):
    """「其余正常」 for one checkpoint, or for the whole round when `checkpoint` is empty."""

    checkpoint = IntegerField(validators=[Optional()])


class PhotoForm(FlaskForm):
    photos = MultipleFileField(_l("照片"))


class SignForm(FlaskForm):
    opinion = TextAreaField(_l("意见"), validators=[Length(max=1000)])
    password = PasswordField(_l("密码（确认本人签核）"))


class AmendForm(FlaskForm):
    outcome = SelectField(_l("更正为"), validators=[DataRequired()])
    note = TextAreaField(_l("说明"), validators=[Length(max=1000)])
    reason = TextAreaField(
        _l("更正原因"), validators=[DataRequired(_l("请写明更正原因。")), Length(max=500)]
    )


class TemplateCreateForm(FlaskForm):
    name = name_field(_l("巡查表名称"), 80)
    description = TextAreaField(_l("说明"), validators=[Length(max=1000)])
    estate = SelectField(_l("项目"), coerce=int)


class TemplateEditForm(VersionedForm):
    name = name_field(_l("巡查表名称"), 80)
    description = TextAreaField(_l("说明"), validators=[Length(max=1000)])
    active = BooleanField(_l("启用"))


class CheckpointForm(FlaskForm):
    name = name_field(_l("巡查点"), 80)
    area = SelectField(
        _l("对应公共区域"), coerce=lambda v: int(v) if v not in (None, "", "None") else None
    )
    position = IntegerField(
        _l("顺序"), default=1, validators=[InputRequired(), NumberRange(0, 999)]
    )
    items = TextAreaField(
        _l("检查项"),
        validators=[DataRequired(_l("至少填写一个检查项。")), Length(max=8000)],
        description=_l("每行一项，按巡查顺序填写。"),
    )


class RequirementForm(FlaskForm):
    role = SelectField(_l("角色"), validators=[DataRequired()])
    period = SelectField(_l("周期"), validators=[DataRequired()])
    times = IntegerField(
        _l("次数"),
        validators=[InputRequired(), NumberRange(0, 20)],
        description=_l("填 0 表示不要求。"),
    )

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from webapp.forms import DateTimeLocalField, VersionedForm, choices, name_field, strip


class FixForm(VersionedForm):
    note = TextAreaField(
        _l("处理情况"), validators=[DataRequired(_l("请填写处理情况。")), Length(max=1000)]
    )
    photos = MultipleFileField(_l("处理后照片"))


class ReinspectForm(VersionedForm):
    result = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("复查说明"), validators=[Length(max=1000)])
    due = DateTimeLocalField(_l("新的期限"), format="%Y-%m-%dT%H:%M", validators=[Optional()])


class ResumeForm(VersionedForm):
    """Customer service sorted out what held the department back: send it again."""

    due = DateTimeLocalField(
        _l("新的期限"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("请填写新的期限。"))]
    )
    note = TextAreaField(_l("说明（部门会看到）"), validators=[Length(max=1000)], filters=[strip])


class LinkFixForm(FlaskForm):
    """The department's reply through its link: fixed."""

    name = name_field(_l("你的姓名"), max_length=40)
    note = TextAreaField(
        _l("处理情况"),
        validators=[DataRequired(_l("请填写处理情况。")), Length(max=1000)],
        filters=[strip],
    )
    photos = MultipleFileField(_l("处理后照片"))


class LinkHoldForm(FlaskForm):
    """The department's reply through its link: cannot do it, or needs someone else first."""

    name = name_field(_l("你的姓名"), max_length=40)
    kind = RadioField(
        _l("情况"),
        choices=choices([("cannot", _l("无法处理")), ("needs_help", _l("需配合"))]),
        validators=[InputRequired(_l("请选择：无法处理，或需要配合。"))],
    )
    reason = TextAreaField(
        _l("原因"), validators=[DataRequired(_l("请写明原因。")), Length(max=1000)], filters=[strip]
    )


class DispatchForm(FlaskForm):
    """A repair ticket sends a work order (维修单) to the department that fixes it."""

    department = SelectField(_l("交由部门"), validators=[DataRequired(_l("请选择部门。"))])
    location = StringField(
        _l("位置"), validators=[Length(max=120, message=_l("太长了。"))], filters=[strip]
    )
    description = TextAreaField(
        _l("问题"),
        validators=[DataRequired(_l("请描述问题。")), Length(max=1000)],
        filters=[strip],
    )
    due = DateTimeLocalField(
        _l("期限"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("请填写期限。"))]
    )

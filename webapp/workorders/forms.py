from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, MultipleFileField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from webapp.forms import DateTimeLocalField, VersionedForm


class FixForm(VersionedForm):
    note = TextAreaField(
        _l("处理情况"), validators=[DataRequired(_l("请填写处理情况。")), Length(max=1000)]
    )
    photos = MultipleFileField(_l("处理后照片"))


class ReinspectForm(VersionedForm):
    result = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("复查说明"), validators=[Length(max=1000)])
    due = DateTimeLocalField(_l("新的期限"), format="%Y-%m-%dT%H:%M", validators=[Optional()])

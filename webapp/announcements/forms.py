from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from webapp.forms import DateTimeLocalField, MultiCheckboxField, strip


class AnnouncementForm(FlaskForm):
    title = StringField(
        _l("标题"),
        validators=[DataRequired(_l("请填写标题。")), Length(max=100)],
        filters=[strip],
        description=_l("如：3栋 12 月 10 日停水通知"),
    )
    body = TextAreaField(
        _l("内容"),
        validators=[DataRequired(_l("请填写内容。")), Length(max=5000)],
        filters=[strip],
        render_kw={"rows": 8},
    )
    photos = MultipleFileField(_l("图片（可选）"))
    buildings = MultiCheckboxField(_l("发给哪些楼栋（不选即全小区）"), coerce=int)
    starts_at = DateTimeLocalField(
        _l("开始显示（不填即现在）"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    ends_at = DateTimeLocalField(
        _l("结束显示（可选）"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )

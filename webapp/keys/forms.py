from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from webapp.forms import DateTimeLocalField, VersionedForm, optional_id, strip


class KeyForm(FlaskForm):
    estate = SelectField(_l("项目"), coerce=int, validators=[DataRequired(_l("必填。"))])
    label = StringField(
        _l("钥匙名称"),
        validators=[DataRequired(_l("请写明是哪把钥匙。")), Length(max=80)],
        filters=[strip],
        description=_l("例如：3栋水泵房、1栋-0301 空置房"),
    )
    kind = SelectField(_l("类型"), validators=[DataRequired()])
    building = SelectField(
        _l("楼栋（房屋钥匙）"),
        coerce=optional_id,
        validators=[Optional()],
    )
    unit = StringField(_l("房号"), validators=[Optional(), Length(max=20)], filters=[strip])
    note = StringField(_l("备注"), validators=[Optional(), Length(max=200)], filters=[strip])


class LendForm(FlaskForm):
    borrower_kind = SelectField(_l("借用人身份"), validators=[DataRequired()])
    borrower_name = StringField(
        _l("借用人"),
        validators=[DataRequired(_l("请写借用人姓名。")), Length(max=64)],
        filters=[strip],
    )
    borrower_phone = StringField(
        _l("联系电话"), validators=[Optional(), Length(max=20)], filters=[strip]
    )
    purpose = StringField(
        _l("借用事由"),
        validators=[DataRequired(_l("请写明借用事由。")), Length(max=200)],
        filters=[strip],
    )
    due = DateTimeLocalField(
        _l("应还时间"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("请填写归还时间。"))]
    )


class ReturnForm(VersionedForm):
    note = StringField(_l("归还备注"), validators=[Optional(), Length(max=200)], filters=[strip])

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from webapp.forms import VersionedForm, choices, name_field, strip

RELATIONS = choices([("owner", _l("业主")), ("tenant", _l("租户")), ("family", _l("家属"))])


class UnitPickFields:
    building = SelectField(_l("楼栋"), coerce=int, validators=[DataRequired(_l("请选择楼栋。"))])
    number = StringField(
        _l("房号"),
        validators=[DataRequired(_l("必填。")), Length(max=20)],
        filters=[strip],
        description=_l("例如 1201"),
    )
    relation = SelectField(_l("身份"), choices=RELATIONS, default="owner")


class OwnerCreateForm(UnitPickFields, FlaskForm):
    display_name = name_field(_l("姓名"), 64)
    phone = StringField(
        _l("手机号"),
        validators=[DataRequired(_l("必填。")), Length(max=20)],
        filters=[strip],
        description=_l("业主用手机号登录。"),
    )


class OwnerEditForm(VersionedForm):
    display_name = name_field(_l("姓名"), 64)
    phone = StringField(
        _l("手机号"), validators=[DataRequired(_l("必填。")), Length(max=20)], filters=[strip]
    )


class LinkUnitForm(UnitPickFields, FlaskForm):
    pass

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from webapp.forms import VersionedForm, choices, name_field, optional_id, strip
from webapp.labels import RELATION_LABELS

RELATIONS = choices(RELATION_LABELS.items())


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
        description=_l("业主用这个号码登录。港澳台及境外号码请加国家或地区代码，如 +852。"),
    )


class OwnerEditForm(VersionedForm):
    display_name = name_field(_l("姓名"), 64)
    phone = StringField(
        _l("手机号"), validators=[DataRequired(_l("必填。")), Length(max=20)], filters=[strip]
    )


class LinkUnitForm(UnitPickFields, FlaskForm):
    pass


class ImportForm(FlaskForm):
    estate = SelectField(_l("项目"), coerce=int, validators=[DataRequired(_l("请选择项目。"))])
    file = FileField(
        _l("工作簿（.xlsx）"),
        validators=[FileRequired(_l("请选择文件。"))],
        description=_l("用下面的模板填写：“楼栋”表列出要新建的楼栋，“房屋与住户”表每行一户一人。"),
    )


class InviteBatchForm(FlaskForm):
    estate = SelectField(_l("项目"), coerce=int, validators=[DataRequired(_l("请选择项目。"))])
    building = SelectField(_l("楼栋"), coerce=optional_id, validators=[Optional()])
    replace = BooleanField(_l("之前发出、还没用过的邀请将失效，我已知悉"))

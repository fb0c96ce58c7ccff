from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FileField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from webapp.forms import IntegerField, MultiCheckboxField, choices, name_field, strip
from webapp.labels import DOCUMENT_LABELS, HANDED_KEY_LABELS
from webapp.movein.services import DOCUMENTS, KEY_KINDS, MAX_KEYS


class ChecklistForm(FlaskForm):
    estate = SelectField(_l("项目"), coerce=int, validators=[DataRequired(_l("请选择项目。"))])
    checklist = TextAreaField(
        _l("检查项"),
        validators=[DataRequired(_l("至少填写一条。")), Length(max=20000)],
        render_kw={"rows": 14},
    )


def _key_count(kind: str) -> IntegerField:
    return IntegerField(
        HANDED_KEY_LABELS[kind],
        validators=[
            Optional(),
            NumberRange(0, MAX_KEYS, _l("请输入 0 到 %(max)s 之间的数字。")),
        ],
    )


class InspectionForm(FlaskForm):
    owner_name = name_field(_l("业主姓名"), 64)
    owner_phone = StringField(
        _l("业主电话"), validators=[Optional(), Length(max=30)], filters=[strip]
    )
    keys_door = _key_count("door")
    keys_mailbox = _key_count("mailbox")
    keys_meter_box = _key_count("meter_box")
    keys_other = _key_count("other")
    documents = MultiCheckboxField(
        _l("交付资料"),
        choices=choices((d, DOCUMENT_LABELS[d]) for d in DOCUMENTS),
        validate_choice=False,
    )
    register_keys = MultiCheckboxField(_l("钥匙柜里这户的钥匙（交给业主）"), coerce=int)
    note = TextAreaField(_l("备注（如水电表读数）"), validators=[Length(max=1000)])

    def keys_handed(self) -> dict[str, int]:
        return {k: getattr(self, f"keys_{k}").data or 0 for k in KEY_KINDS}


class SignForm(FlaskForm):
    name = name_field(_l("业主签名（写下姓名）"), 64)
    agree = BooleanField(
        _l("我已和客服一起验房，以上记录属实，已收到所列钥匙和资料。"),
        validators=[DataRequired(_l("请先确认。"))],
    )
    drawing = FileField(_l("手写签名"))

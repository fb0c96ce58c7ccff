from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from webapp.forms import VersionedForm, choices

KIND_LABELS = {
    "complaint": _l("投诉"),
    "repair": _l("报修"),
    "inquiry": _l("咨询"),
    "suggestion": _l("建议"),
}
CHANNEL_LABELS = {
    "phone": _l("电话"),
    "visit": _l("来访"),
    "written": _l("书面"),
    "online": _l("线上"),
    "patrol": _lp("ticket channel", "巡查"),
}
CATEGORY_LABELS = {
    "engineering": _l("工程维修"),
    "cleaning": _l("保洁"),
    "landscaping": _l("绿化"),
    "security": _l("秩序安全"),
    "noise": _l("噪音"),
    "decoration": _l("装修"),
    "parking": _l("停车"),
    "fees": _l("收费"),
    "attitude": _l("服务态度"),
    "other": _l("其他"),
}
SEVERITY_LABELS = {"normal": _l("一般"), "major": _l("重大")}
RATING_LABELS = {"satisfied": _l("满意"), "basic": _l("基本满意"), "unsatisfied": _l("不满意")}
STATUS_LABELS = {
    "received": _l("已受理"),
    "assigned": _l("已派单"),
    "in_progress": _l("处理中"),
    "resolved": _l("已处理"),
    "closed": _l("已关闭"),
}


def _strip(v):
    return v.strip() if isinstance(v, str) else v


class TicketForm(FlaskForm):
    kind = SelectField(
        _l("类型"), choices=choices(KIND_LABELS.items()), validators=[DataRequired()]
    )
    category = SelectField(
        _l("类别"), choices=choices(CATEGORY_LABELS.items()), validators=[DataRequired()]
    )
    description = TextAreaField(
        _l("问题描述"), validators=[DataRequired(_l("请描述问题。")), Length(max=2000)]
    )
    photos = MultipleFileField(_l("照片"))


class StaffTicketForm(TicketForm):
    channel = SelectField(
        _l("来源"), choices=choices((k, v) for k, v in CHANNEL_LABELS.items() if k != "online")
    )
    severity = SelectField(_l("程度"), choices=choices(SEVERITY_LABELS.items()))
    building = SelectField(
        _l("楼栋"), coerce=lambda v: int(v) if v not in (None, "", "None") else None
    )
    number = StringField(_l("房号"), validators=[Optional(), Length(max=20)], filters=[_strip])
    reporter_name = StringField(
        _l("反映人"), validators=[DataRequired(_l("必填。")), Length(max=64)], filters=[_strip]
    )
    reporter_phone = StringField(
        _l("联系电话"), validators=[Optional(), Length(max=20)], filters=[_strip]
    )
    origin = HiddenField()  # "work_order:12" when the ticket starts from a finding


class LinkForm(FlaskForm):
    origin = HiddenField(validators=[DataRequired()])
    number = StringField(
        _l("工单号"), validators=[DataRequired(_l("必填。")), Length(max=32)], filters=[_strip]
    )


class OwnerTicketForm(TicketForm):
    unit = SelectField(_l("房屋"), coerce=int)


class ActionForm(VersionedForm):
    action = HiddenField(validators=[DataRequired()])
    assignee = SelectField(
        _l("处理人"),
        coerce=lambda v: int(v) if v not in (None, "", "None") else None,
        validators=[Optional()],
    )
    department = SelectField(_l("部门"), validators=[Optional()])
    reply = TextAreaField(_l("给业主的书面回复"), validators=[Length(max=2000)])
    rating = HiddenField()
    comment = TextAreaField(_l("回访意见"), validators=[Length(max=500)])


class EntryForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired()])
    body = TextAreaField(
        _l("内容"), validators=[DataRequired(_l("请填写内容。")), Length(max=2000)]
    )
    photos = MultipleFileField(_l("照片"))

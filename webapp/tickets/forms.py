from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from webapp import phones
from webapp.forms import VersionedForm, choices, strip
from webapp.labels import CATEGORY_LABELS, CHANNEL_LABELS, SEVERITY_LABELS
from webapp.labels import TICKET_KIND_LABELS as KIND_LABELS


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
        _l("来源"),
        choices=choices((k, v) for k, v in CHANNEL_LABELS.items() if k not in ("online", "scan")),
    )
    severity = SelectField(_l("程度"), choices=choices(SEVERITY_LABELS.items()))
    building = SelectField(
        _l("楼栋"), coerce=lambda v: int(v) if v not in (None, "", "None") else None
    )
    number = StringField(_l("房号"), validators=[Optional(), Length(max=20)], filters=[strip])
    reporter_name = StringField(
        _l("反映人"), validators=[DataRequired(_l("必填。")), Length(max=64)], filters=[strip]
    )
    reporter_phone = StringField(
        _l("联系电话"), validators=[Optional(), Length(max=20)], filters=[strip]
    )
    origin = HiddenField()  # "work_order:12" when the ticket starts from a finding


class LinkForm(FlaskForm):
    origin = HiddenField(validators=[DataRequired()])
    number = StringField(
        _l("工单号"), validators=[DataRequired(_l("必填。")), Length(max=32)], filters=[strip]
    )


class OwnerTicketForm(TicketForm):
    """What an owner reports from the phone: most often a repair (报修), so that comes first."""

    kind = SelectField(
        _l("类型"),
        choices=choices(KIND_LABELS.items()),
        default="repair",
        validators=[DataRequired()],
    )
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


class CallerInfoForm(EntryForm):
    """What a caller adds through the tracking link: words, photos, or both."""

    body = TextAreaField(_l("内容"), validators=[Optional(), Length(max=2000)])


SCAN_KINDS = ("repair", "complaint", "suggestion", "inquiry")


def _reachable(_form, field) -> None:
    """A number we can call back (shown with the other fields' errors, all at once)."""
    if field.data and phones.normalise_or_none(field.data) is None:
        raise ValidationError(_l("请填写能联系到你的电话号码。"))


class ScanReportForm(FlaskForm):
    """扫码报修: what someone without an account reports at a place (the place is the code's)."""

    kind = SelectField(
        _l("类型"),
        choices=choices(
            (k, KIND_LABELS[k]) for k in ("repair", "complaint", "suggestion", "inquiry")
        ),
        default="repair",
        validators=[DataRequired()],
    )
    description = TextAreaField(
        _l("问题描述"), validators=[DataRequired(_l("请描述问题。")), Length(max=1000)]
    )
    photos = MultipleFileField(_l("照片"))
    name = StringField(
        _l("你的称呼"), validators=[DataRequired(_l("必填。")), Length(max=64)], filters=[strip]
    )
    phone = StringField(
        _l("联系电话"),
        validators=[DataRequired(_l("必填。")), Length(max=30), _reachable],
        filters=[strip],
    )
    # Left empty by people (it is hidden from them); filled by form-filling robots.
    website = StringField(_l("网址"), validators=[Length(max=200)])


class NoticeReplyForm(FlaskForm):
    """An owner's reply to a rectification notice of their unit, through their tracking link."""

    text = TextAreaField(
        _l("整改情况"), validators=[DataRequired(_l("请说明整改情况。")), Length(max=1000)]
    )
    photos = MultipleFileField(_l("整改后照片"))

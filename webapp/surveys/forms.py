from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from webapp.forms import DateField, MultiCheckboxField, choices, optional_id, strip
from webapp.labels import QUESTION_KIND_LABELS, SCALE_LABELS
from webapp.models import QuestionKind, SurveyQuestion
from webapp.surveys.services import KINDS, SCALE, Given


class SurveyForm(FlaskForm):
    title = StringField(
        _l("标题"),
        validators=[DataRequired(_l("请填写标题。")), Length(max=100)],
        filters=[strip],
        description=_l("如：2026 年度业主满意度调查"),
    )
    intro = TextAreaField(
        _l("致业主（开头的话）"), validators=[Length(max=2000)], render_kw={"rows": 3}
    )
    buildings = MultiCheckboxField(_l("调查楼栋（不选即全部楼栋）"), coerce=int)
    closes_on = DateField(_l("截止日期（可选）"), validators=[Optional()])


class QuestionForm(FlaskForm):
    kind = SelectField(
        _l("题型"),
        choices=choices((k, QUESTION_KIND_LABELS[k]) for k in KINDS),
        default=QuestionKind.SCALE,
        validators=[DataRequired(_l("请选择题型。"))],
    )
    text = StringField(
        _lp("survey", "问题"),
        validators=[DataRequired(_l("请填写问题。")), Length(max=200)],
        filters=[strip],
    )
    options = TextAreaField(
        _l("选项（单选题，每行一个）"), validators=[Length(max=1000)], render_kw={"rows": 4}
    )


class CopyForm(FlaskForm):
    """Start a new survey with an earlier one's questions."""

    title = StringField(
        _l("新调查的标题"),
        validators=[DataRequired(_l("请填写标题。")), Length(max=100)],
        filters=[strip],
    )


def _question_field(q: SurveyQuestion, n: int):
    text = f"{n}. {q.text}"
    if q.kind == QuestionKind.CHOICE:
        return RadioField(
            text,
            choices=choices((str(i), o) for i, o in enumerate(q.options)),
            validators=[DataRequired(_l("请回答这一题。"))],
        )
    if q.kind == QuestionKind.SCALE:
        return RadioField(
            text,
            choices=choices((str(s), SCALE_LABELS[s]) for s in SCALE),
            validators=[DataRequired(_l("请回答这一题。"))],
        )
    return TextAreaField(
        text, validators=[Length(max=1000)], filters=[strip], render_kw={"rows": 3}
    )


class _AnswerBase(FlaskForm):
    def given(self, questions: list[SurveyQuestion]) -> list[Given]:
        out = []
        for q in questions:
            data = getattr(self, f"q{q.id}").data
            if q.kind == QuestionKind.CHOICE:
                out.append(Given(q, choice=int(data) if data not in (None, "") else None))
            elif q.kind == QuestionKind.SCALE:
                out.append(Given(q, score=int(data) if data not in (None, "") else None))
            else:
                out.append(Given(q, text=data or ""))
        return out

    def question_fields(self, questions: list[SurveyQuestion]):
        return [(q, getattr(self, f"q{q.id}")) for q in questions]


class _PublicBase(_AnswerBase):
    """Who answers through the link: their unit and the phone the owner roll has for it."""

    building = SelectField(
        _l("楼栋"), coerce=optional_id, validators=[DataRequired(_l("请选择楼栋。"))]
    )
    number = StringField(
        _l("房号"),
        validators=[DataRequired(_l("请填写房号。")), Length(max=20)],
        filters=[strip],
        description=_l("如 1201"),
    )
    phone = StringField(
        _l("业主登记的手机号"),
        validators=[DataRequired(_l("必填。")), Length(max=30)],
        filters=[strip],
    )
    # Left empty by people (it is hidden from them); filled by form-filling robots.
    website = StringField(_l("网址"), validators=[Length(max=200)])


def answer_form(questions: list[SurveyQuestion], *, public: bool = False, **kwargs):
    """The questionnaire as a form: one field per question, named q<id>."""
    fields = {f"q{q.id}": _question_field(q, n) for n, q in enumerate(questions, 1)}
    form_class = type("AnswerForm", (_PublicBase if public else _AnswerBase,), fields)
    return form_class(**kwargs)

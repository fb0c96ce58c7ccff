"""The review queue's form: an opinion (typed, or one of the usual ones) and, when the login is
not recent, the password again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, TextAreaField
from wtforms.validators import Length

from webapp.forms import choices

# The opinions a manager writes most; one tap instead of typing on a phone.
PHRASES = (
    _l("已阅，同意。"),
    _l("已阅，请跟进整改并复查。"),
    _l("已阅，请按规定处理并回访。"),
)


class ReviewForm(FlaskForm):
    phrase = SelectField(_l("常用意见"), validate_choice=False)
    opinion = TextAreaField(_l("意见"), validators=[Length(max=1000)])
    password = PasswordField(_l("密码（确认本人签核）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.phrase.choices = choices([("", _l("— 自己填写 —")), *((str(p), p) for p in PHRASES)])

    def written(self) -> str:
        """The opinion: what was typed, else the usual one chosen (only those offered)."""
        typed = (self.opinion.data or "").strip()
        if typed:
            return typed
        offered = {str(p) for p in PHRASES}
        return self.phrase.data if self.phrase.data in offered else ""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from webapp.passwords import MAX_LENGTH, policy_problem


class LoginForm(FlaskForm):
    username = StringField(
        _l("用户名"), validators=[DataRequired(_l("请输入用户名。")), Length(max=64)]
    )
    password = PasswordField(
        _l("密码"), validators=[DataRequired(_l("请输入密码。")), Length(max=MAX_LENGTH)]
    )
    next = HiddenField()


class SetPasswordForm(FlaskForm):
    """Used by the one-time link and by "change my password"."""

    password = PasswordField(
        _l("新密码"), validators=[DataRequired(_l("请输入新密码。")), Length(max=MAX_LENGTH)]
    )
    confirm = PasswordField(
        _l("再输一次"),
        validators=[
            DataRequired(_l("请再输一次新密码。")),
            EqualTo("password", _l("两次输入的密码不一致。")),
            Length(max=MAX_LENGTH),
        ],
    )

    def __init__(self, *args, username: str = "", phone: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._username = username
        self._phone = phone

    def validate_password(self, field):
        problem = policy_problem(field.data or "", username=self._username, phone=self._phone)
        if problem:
            raise ValidationError(problem)


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(
        _l("当前密码"),
        validators=[DataRequired(_l("请输入当前密码。")), Length(max=MAX_LENGTH)],
    )


class LocaleForm(FlaskForm):
    locale = HiddenField(validators=[DataRequired()])
    next = HiddenField()

"""Form pieces shared by every feature."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField, StringField, widgets
from wtforms import fields as wtf_fields
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from webapp.errors import Conflict, Invalid
from webapp.extensions import db
from webapp.inputs import MAX_ID, MAX_YEAR, MIN_YEAR


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (a multiple select is hard to use on a phone)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


# --- fields with the bounds every database and the calendar code can hold --------------------


class IntegerField(wtf_fields.IntegerField):
    """A whole number that fits an INTEGER column (a larger one is an input error, not a 500)."""

    def pre_validate(self, form):
        if self.data is not None and not -MAX_ID <= self.data <= MAX_ID:
            self.data = None
            raise StopValidation(_l("这个数字太大了。"))


class _BoundedYears:
    def pre_validate(self, form):
        if self.data is not None and not MIN_YEAR <= self.data.year <= MAX_YEAR:
            self.data = None
            raise StopValidation(
                _l("请填写 %(low)s 到 %(high)s 年之间的日期。", low=MIN_YEAR, high=MAX_YEAR)
            )


class DateField(_BoundedYears, wtf_fields.DateField):
    """A date in the years the app works with (9999-12-31 would overflow its deadline sums)."""


class DateTimeLocalField(_BoundedYears, wtf_fields.DateTimeLocalField):
    """A local date and time in the years the app works with."""


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class VersionedForm(FlaskForm):
    """An edit form for a record with optimistic locking."""

    version = HiddenField(validators=[InputRequired()])

    def version_value(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class ActionForm(FlaskForm):
    """An empty form: a one-button POST that carries only the CSRF token."""


@dataclass
class Outcome:
    """What became of a save: `ok`, the service's result, and the HTTP status to answer with."""

    ok: bool
    value: Any = None
    status: int = 200


def save(
    form: FlaskForm,
    action: Callable[[], Any],
    refill: Callable[[Any], None] | None = None,
    *,
    keep_loaded: bool = False,
):
    """Run one service call and commit; on a refusal roll back, so nothing is written.

    A domain rule (Invalid) is shown beside its field: 422. A stale edit (Conflict) refills the
    form with what is stored now, says why: 409. `refill(record)` fills fields that `obj=` cannot.
    `keep_loaded`: the answer draws what was just written, so it is not read back after commit.
    """
    try:
        value = action()
        session = db.session()
        expire = session.expire_on_commit
        session.expire_on_commit = expire and not keep_loaded
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire
        return Outcome(True, value)
    except Invalid as err:
        db.session.rollback()
        apply_invalid(form, err)
        return Outcome(False, status=422)
    except Conflict as err:
        db.session.rollback()
        record = err.record
        if record is not None and hasattr(form, "version"):
            db.session.refresh(record)
            form.process(formdata=None, obj=record)
            if refill is not None:
                refill(record)
            form.version.data = record.version
        form.form_errors.append(err.message)
        return Outcome(False, status=409)


def apply_invalid(form: FlaskForm, err: Invalid) -> None:
    """Show a domain rule's refusal beside the field(s) it concerns.

    Fields that the form class does not declare (an inspection's per-rule answers, named like
    `note-12`) get theirs in `form.named_errors`, which the template shows beside them.
    """
    placed = False
    for name in err.fields:
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, err.message]
            placed = True
        elif name:
            named = form.__dict__.setdefault("named_errors", {})
            named.setdefault(name, []).append(err.message)
            placed = True
    if not placed:
        form.form_errors.append(err.message)


def strip(value):
    """A field filter: the text without the spaces around it (other values as they are)."""
    return value.strip() if isinstance(value, str) else value


def optional_id(value):
    """A select's coerce for an id, or None for "none chosen"; anything else, an out-of-range
    number included, is not a choice (ValueError, which WTForms shows as such)."""
    if value in (None, "", "None"):
        return None
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError("out of range")
    return number


def name_field(label, max_length: int = 60) -> StringField:
    return StringField(
        label,
        validators=[DataRequired(_l("必填。")), Length(max=max_length, message=_l("太长了。"))],
        filters=[strip],
    )


def count_field(label, maximum: int) -> IntegerField:
    return IntegerField(
        label,
        validators=[Optional(), NumberRange(1, maximum, _l("请输入 1 到 %(max)s 之间的数字。"))],
    )

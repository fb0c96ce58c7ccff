from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from webapp.forms import choices, optional_id, strip
from webapp.visits.services import OUTCOMES


class VisitForm(FlaskForm):
    """The household's row: a note if there is one, and the button saying how it went."""

    note = TextAreaField(
        _l("走访记录（可选）"),
        validators=[Length(max=1000)],
        filters=[strip],
        render_kw={"rows": 2},
    )
    outcome = StringField(
        validators=[
            DataRequired(_l("请选择走访结果。")),
            AnyOf(OUTCOMES, message=_l("请选择走访结果。")),
        ]
    )


class _AreasBase(FlaskForm):
    def chosen(self, buildings) -> dict[int, int | None]:
        return {b.id: getattr(self, f"building-{b.id}").data for b in buildings}

    def building_fields(self, buildings):
        return [(b, getattr(self, f"building-{b.id}")) for b in buildings]


def areas_form(buildings, people, current: dict, **kwargs):
    """One select a building: the assistant whose area it is."""
    options = choices([("", "—"), *((p.id, p.display_name) for p in people)])
    fields = {
        f"building-{b.id}": SelectField(
            b.name,
            choices=options,
            coerce=optional_id,
            default=current[b.id].id if b.id in current else None,
        )
        for b in buildings
    }
    return type("AreasForm", (_AreasBase,), fields)(**kwargs)

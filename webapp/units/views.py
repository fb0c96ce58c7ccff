"""The unit page (业户档案): staff of its estate, and the unit's own owners (their view)."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from webapp.access import AUTHENTICATED, STAFF, allow
from webapp.extensions import db
from webapp.forms import ActionForm
from webapp.scoping import get_unit_or_404
from webapp.units import services
from webapp.web import render

bp = Blueprint("units", __name__, url_prefix="/units")


def _context(unit, shown=None) -> dict:
    return {
        "record": services.record(current_user, unit),
        "shown": shown,
        "form": ActionForm(formdata=None),
        "shown_limit": services.SHOWN,
    }


@bp.get("/<int:unit_id>")
@allow(AUTHENTICATED)
def unit(unit_id: int):
    """Everything about one unit; an owner sees their own unit's, without staff matters."""
    return render("units/unit.html", **_context(get_unit_or_404(current_user, unit_id)))


@bp.post("/<int:unit_id>/people/<int:person_id>/phone")
@allow(STAFF)
def phone(unit_id: int, person_id: int):
    """One resident's whole number (masked until tapped; the tap is audited): the number for
    htmx, the page with it shown otherwise."""
    unit = get_unit_or_404(current_user, unit_id)
    if not ActionForm().validate_on_submit():
        return render("units/unit.html", status=422, **_context(unit))
    person = services.reveal_phone(current_user, unit, person_id)
    if person is None:
        abort(404)
    db.session.commit()
    context = _context(unit, person.id)
    return render("units/unit.html", "units/_phone.html", person=person, **context)

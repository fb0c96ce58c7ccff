"""Return-visit plans: who is due in the person's plan, a visit in two taps, the areas the
supervisor gives each assistant and every area's progress."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.access import STAFF, SUPERVISOR_UP, allow
from webapp.forms import ActionForm, save
from webapp.labels import VISIT_OUTCOME_LABELS, label
from webapp.models import HomeVisit, VisitPlan
from webapp.scoping import asked_estate, get_or_404, get_unit_or_404
from webapp.visits import forms, services
from webapp.web import render, see_other

bp = Blueprint("visits", __name__, url_prefix="/visits")


@bp.get("")
@allow(STAFF)
def index():
    """The person's plan this period: progress per building, the chosen building's households
    still due, and what they recorded last."""
    estate = asked_estate(current_user)
    plan = services.plan_of(current_user)
    buildings = services.buildings_for(current_user, estate)
    counted = services.progress(estate, plan, buildings)
    asked = request.args.get("building", type=int)
    chosen = next((p.building for p in counted if p.building.id == asked), None) or next(
        (p.building for p in counted if p.due), counted[0].building if counted else None
    )
    due = services.due(estate, plan, chosen) if chosen else []
    supervising = plan == VisitPlan.SUPERVISOR
    recent = services.mine(current_user, estate)
    return render(
        "visits/index.html",
        estate=estate,
        estates=current_user.estates,
        plan=plan,
        span=services.span(plan, estate),
        counted=counted,
        chosen=chosen,
        due=due,
        last=services.last_visits([u.id for u in due]),
        recent=recent,
        withdrawable={v.id for v in recent if services.may_withdraw(current_user, v)},
        supervising=supervising,
        areas=services.area_progress(estate) if supervising else [],
        unassigned=services.unassigned(estate) if supervising else 0,
        form=forms.VisitForm(formdata=None),
    )


@bp.post("/units/<int:unit_id>")
@allow(STAFF)
def record(unit_id: int):
    """A household visited (or nobody in), with a note: back to the building's list."""
    unit = get_unit_or_404(current_user, unit_id)
    form = forms.VisitForm()
    back = url_for(
        "visits.index", estate=unit.building.estate_id, building=unit.building_id, _anchor="due"
    )
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for e in errors:
                flash(e, "error")
        return see_other(back)
    outcome = save(
        form,
        lambda: services.record(
            current_user, unit, outcome=form.outcome.data, note=form.note.data or ""
        ),
    )
    if outcome.ok:
        flash(
            _(
                "已记录 %(unit)s：%(outcome)s",
                unit=unit.label,
                outcome=label(VISIT_OUTCOME_LABELS, form.outcome.data),
            ),
            "success",
        )
    return see_other(back)


@bp.post("/<int:visit_id>/withdraw")
@allow(STAFF)
def withdraw(visit_id: int):
    """Take back a visit recorded by mistake (the visitor, the same day): it stays, marked."""
    visit = get_or_404(services.visible_visits(current_user), HomeVisit, visit_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = save(form, lambda: services.withdraw(current_user, visit))
    if outcome.ok:
        flash(_("已撤销 %(unit)s 的走访记录。", unit=visit.unit.label), "success")
    else:
        for message in form.form_errors:
            flash(message, "error")
    # The top of the page: the message, and the household due again in its building's list.
    return see_other(
        url_for("visits.index", estate=visit.estate_id, building=visit.unit.building_id)
    )


@bp.route("/areas", methods=["GET", "POST"])
@allow(SUPERVISOR_UP)
def areas():
    """Which assistant visits which buildings (分区)."""
    estate = asked_estate(current_user)
    buildings = services.buildings_for(current_user, estate)
    people = services.assistants(estate)
    form = forms.areas_form(buildings, people, services.areas(estate))
    if request.method == "POST":
        if not form.validate_on_submit():
            return render(
                "visits/areas.html", status=422, estate=estate, form=form, buildings=buildings
            )
        outcome = save(
            form, lambda: services.set_areas(current_user, estate, form.chosen(buildings))
        )
        if outcome.ok:
            flash(_("已保存分区。"), "success")
            return see_other(url_for("visits.index", estate=estate.id))
        abort(400)
    return render("visits/areas.html", estate=estate, form=form, buildings=buildings)

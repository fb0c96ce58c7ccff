"""The duty log: going on duty, the shift's events, calls and visits, its checks, and a major
event's written report."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import clock, deadlines
from webapp.access import STAFF, allow
from webapp.duty import forms, services
from webapp.forms import ActionForm, choices, save
from webapp.labels import department_choices
from webapp.models import Duty, DutyEvent
from webapp.photos import services as photos
from webapp.scoping import get_estate_or_404
from webapp.tickets import intake as tickets
from webapp.web import render, see_other

bp = Blueprint("duty", __name__, url_prefix="/duty")
CALL = "call"


def _local(form_value, estate):
    """A datetime-local field's value, read in the estate's zone (None stays None)."""
    return form_value.replace(tzinfo=ZoneInfo(estate.timezone)) if form_value else None


def _event_form(duty: Duty, form=None):
    form = form or forms.EventForm(formdata=None)
    buildings, areas = services.place_choices(duty)
    form.building.choices = choices([("", "—"), *buildings])
    form.area.choices = choices([("", "—"), *areas])
    return form


def _call_form(duty: Duty, form=None):
    # Its own prefix: the two forms of the page share field names, and ids must differ.
    form = form or forms.CallForm(formdata=None, prefix=CALL)
    buildings, _areas = services.place_choices(duty)
    form.building.choices = choices([("", "—"), *buildings])
    return form


def _start_form(form=None):
    form = form or forms.StartForm(formdata=None)
    form.estate.choices = choices((e.id, e.name) for e in current_user.estates)
    form.shift.choices = choices(services.shift_choices())
    return form


def _duty_page(duty: Duty, status: int = 200, event_form=None, call_form=None):
    lines = services.log(duty)
    return render(
        "duty/duty.html",
        status=status,
        duty=duty,
        lines=lines,
        photos_of=photos.photos_for(services.EVENT, [e.id for e in lines]),
        checks=services.CHECKS,
        done=services.checks_of(duty),
        event_form=_event_form(duty, event_form),
        call_form=_call_form(duty, call_form),
        own=duty.user_id == current_user.id,
    )


def _back_to(duty: Duty) -> str:
    if duty.user_id == current_user.id and duty.is_open:
        return url_for("duty.index")
    return url_for("duty.show", duty_id=duty.id)


@bp.get("")
@allow(STAFF)
def index():
    """My duty: the log of the shift I am on, or the form that starts one."""
    duty = services.current_duty(current_user)
    if duty is not None:
        return _duty_page(duty)
    return render(
        "duty/start.html",
        form=_start_form(),
        on_duty=services.on_duty(current_user),
    )


@bp.post("/start")
@allow(STAFF)
def start():
    """Go on duty (值班开始): who, where, which shift, from now."""
    form = _start_form(forms.StartForm())
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.start(
                current_user,
                get_estate_or_404(current_user, form.estate.data),
                form.shift.data or "",
            ),
        )
        if outcome.ok:
            flash(_("已开始值班。"), "success")
            return see_other(url_for("duty.index"))
        status = outcome.status
    else:
        status = 422
    return render(
        "duty/start.html",
        status=status,
        form=form,
        on_duty=services.on_duty(current_user),
    )


@bp.get("/history")
@allow(STAFF)
def history():
    """Every duty of my estates, the latest first (值班记录)."""
    page = services.history(current_user, after=request.args.get("after"))
    return render(
        "duty/history.html",
        "duty/_history_list.html",
        rows_fragment="duty/_history_rows.html",
        duties=page,
        counts=services.event_counts([d.id for d in page]),
    )


@bp.get("/<int:duty_id>")
@allow(STAFF)
def show(duty_id: int):
    """One duty's log, printable as the 值班记录表."""
    return _duty_page(services.get_duty_or_404(current_user, duty_id))


@bp.post("/<int:duty_id>/events")
@allow(STAFF)
def log_event(duty_id: int):
    """Write an event of the shift into the log (offline-capable: the queue replays it once)."""
    duty = services.get_duty_or_404(current_user, duty_id)
    form = _event_form(duty, forms.EventForm())
    if form.validate_on_submit():
        uploads = request.files.getlist("photos")
        outcome = save(
            form,
            lambda: services.record_event(
                current_user,
                duty,
                kind="event",
                happened_at=_local(form.happened_at.data, duty.estate),
                description=form.description.data,
                handling=form.handling.data or "",
                building_id=form.building.data,
                unit_number=form.unit.data or "",
                area_id=form.area.data,
                place=form.place.data or "",
                major=form.major.data,
                resolved=form.resolved.data,
                uploads=uploads,
            ),
        )
        if outcome.ok:
            event = outcome.value
            flash(
                _("已记录重大事件，已通知经理；请于次日提交书面报告。")
                if event.major
                else _("已记入值班记录。"),
                "success",
            )
            return see_other(_back_to(duty))
        return _duty_page(duty, status=outcome.status, event_form=form)
    return _duty_page(duty, status=422, event_form=form)


@bp.post("/<int:duty_id>/calls")
@allow(STAFF)
def log_call(duty_id: int):
    """Register a call or a visit that is not a ticket (来电来访登记)."""
    duty = services.get_duty_or_404(current_user, duty_id)
    form = _call_form(duty, forms.CallForm(prefix=CALL))
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.record_event(
                current_user,
                duty,
                kind=form.kind.data,
                happened_at=_local(form.happened_at.data, duty.estate),
                description=form.description.data,
                handling=form.handling.data or "",
                building_id=form.building.data,
                unit_number=form.unit.data or "",
                contact_name=form.contact_name.data or "",
                contact_phone=form.contact_phone.data or "",
                outcome=form.outcome.data,
            ),
        )
        if outcome.ok:
            flash(_("已登记来电来访。"), "success")
            return see_other(_back_to(duty))
        return _duty_page(duty, status=outcome.status, call_form=form)
    return _duty_page(duty, status=422, call_form=form)


@bp.post("/<int:duty_id>/checks/<item>")
@allow(STAFF)
def tick(duty_id: int, item: str):
    """A timed check of the shift done (the feature lighting switched on, …)."""
    duty = services.get_duty_or_404(current_user, duty_id)
    if item not in services.CHECK_NAMES:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        outcome = save(form, lambda: services.tick(current_user, duty, item))
        if outcome.ok:
            return see_other(_back_to(duty))
        for message in form.form_errors:
            flash(message, "error")
        return _duty_page(duty, status=outcome.status)
    return _duty_page(duty, status=400)


def _event_page(event: DutyEvent, status: int = 200, **event_forms):
    resolve_form = event_forms.get("resolve_form") or forms.ResolveForm(formdata=None)
    report_form = event_forms.get("report_form") or forms.ReportForm(formdata=None)
    for form in (resolve_form, report_form):
        form.version.data = event.version
    if "resolve_form" not in event_forms:
        resolve_form.handling.data = event.handling
    dispatch_form = event_forms.get("dispatch_form") or forms.DispatchForm(formdata=None)
    dispatch_form.department.choices = choices([("", "—"), *department_choices()])
    now = clock.now()
    if dispatch_form.due.data is None and "dispatch_form" not in event_forms:
        zone = ZoneInfo(event.duty.estate.timezone)
        dispatch_form.due.data = (
            (now + services.DEFAULT_ORDER_DUE)
            .astimezone(zone)
            .replace(tzinfo=None, second=0, microsecond=0)
        )
    return render(
        "duty/event.html",
        status=status,
        event=event,
        photo_links=photos.photos_for(services.EVENT, [event.id]).get(event.id, []),
        report_state=deadlines.state(event.report_due_at, now, done=not event.report_pending)
        if event.report_due_at
        else None,
        orders=services.orders_of(event),
        ticket_links=tickets.linked_tickets(services.EVENT, event.id),
        resolve_form=resolve_form,
        report_form=report_form,
        dispatch_form=dispatch_form,
    )


@bp.get("/events/<int:event_id>")
@allow(STAFF)
def event(event_id: int):
    """One line of the log: its place, photos, handling, report, tickets and work orders."""
    return _event_page(services.get_event_or_404(current_user, event_id))


@bp.post("/events/<int:event_id>/resolve")
@allow(STAFF)
def resolve(event_id: int):
    """The event is dealt with: how, in writing."""
    item = services.get_event_or_404(current_user, event_id)
    form = forms.ResolveForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.resolve(
                current_user, item, handling=form.handling.data, version=form.version_value()
            ),
        )
        if outcome.ok:
            flash(_("已记录处理结果。"), "success")
            return see_other(url_for("duty.event", event_id=item.id))
        return _event_page(item, status=outcome.status, resolve_form=form)
    return _event_page(item, status=422, resolve_form=form)


@bp.post("/events/<int:event_id>/report")
@allow(STAFF)
def report(event_id: int):
    """The written report of a major event, for the manager."""
    item = services.get_event_or_404(current_user, event_id)
    form = forms.ReportForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.write_report(
                current_user, item, report=form.report.data, version=form.version_value()
            ),
        )
        if outcome.ok:
            flash(_("书面报告已提交，经理已收到通知。"), "success")
            return see_other(url_for("duty.event", event_id=item.id))
        return _event_page(item, status=outcome.status, report_form=form)
    return _event_page(item, status=422, report_form=form)


@bp.post("/events/<int:event_id>/dispatch")
@allow(STAFF)
def dispatch(event_id: int):
    """Send what the event found to a department as a work order, its photos included."""
    item = services.get_event_or_404(current_user, event_id)
    form = forms.DispatchForm()
    form.department.choices = choices([("", "—"), *department_choices()])
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.dispatch(
                current_user,
                item,
                department=form.department.data,
                due_at=_local(form.due.data, item.duty.estate),
            ),
        )
        if outcome.ok:
            flash(_("已派发工单 %(n)s。", n=outcome.value.number), "success")
            return see_other(url_for("workorders.detail", order_id=outcome.value.id))
        return _event_page(item, status=outcome.status, dispatch_form=form)
    return _event_page(item, status=422, dispatch_form=form)

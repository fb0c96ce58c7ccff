"""The duty log: going on duty, the shift's events, calls and visits, its checks, a major event's
written report, and the shift handover."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp import clock, deadlines, periods, signoff
from webapp.access import STAFF, allow
from webapp.auth import services as auth_services
from webapp.duty import forms, handover, services
from webapp.exports import Column, xlsx_response
from webapp.extensions import db
from webapp.forms import ActionForm, choices, save
from webapp.i18n import zone
from webapp.inputs import MAX_YEAR, MIN_YEAR, parse_date
from webapp.labels import (
    DUTY_KIND_LABELS,
    DUTY_OUTCOME_LABELS,
    SHIFT_LABELS,
    department_choices,
)
from webapp.models import Duty, DutyEvent
from webapp.photos import services as photos
from webapp.scoping import get_estate_or_404, visible_estate
from webapp.tickets import intake as tickets
from webapp.web import render, see_other

bp = Blueprint("duty", __name__, url_prefix="/duty")
CALL = "call"


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
    own = duty.user_id == current_user.id
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
        own=own,
        handovers=handover.of_duties([duty.id]).get(duty.id, []),
        badge=handover.badge,
        carried=services.carried_over(current_user, duty) if own and duty.is_open else [],
        to_take_over=handover.waiting_at(current_user) if own else [],
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
        to_take_over=handover.waiting_at(current_user),
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
        to_take_over=handover.waiting_at(current_user),
    )


def _month() -> tuple[datetime, datetime, str]:
    """The month asked for ("2026-12"; this month when missing or malformed), as the start and
    end of it in the viewer's zone, and its name."""
    today = clock.now().astimezone(zone())
    year, month = today.year, today.month
    match = re.fullmatch(r"(\d{4})-(\d{2})", request.args.get("month", ""))
    if match and MIN_YEAR <= int(match[1]) <= MAX_YEAR - 1 and 1 <= int(match[2]) <= 12:
        year, month = int(match[1]), int(match[2])
    start = datetime(year, month, 1, tzinfo=zone())
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone())
    return start, end, f"{year:04d}-{month:02d}"


def _history_filters() -> dict:
    """The history's filters from the address (the dashboard's figures link with them)."""
    args = request.args
    estate = visible_estate(current_user, args.get("estate", type=int))
    return {
        "estate_id": estate.id if estate else None,
        "since": parse_date(args.get("since")),
        "until": parse_date(args.get("until")),
        "show": args.get("show") if args.get("show") in services.SHOWS else None,
    }


@bp.get("/history")
@allow(STAFF)
def history():
    """Every duty of my estates, the latest first (值班记录)."""
    filters = _history_filters()
    page = services.history(current_user, after=request.args.get("after"), **filters)
    return render(
        "duty/history.html",
        "duty/_history_list.html",
        rows_fragment="duty/_history_rows.html",
        duties=page,
        filters=filters,
        estate=visible_estate(current_user, filters["estate_id"]),
        counts=services.event_counts([d.id for d in page]),
        handovers=handover.of_duties([d.id for d in page]),
        badge=handover.badge,
        month=_month()[2],
    )


LOG_COLUMNS = [
    Column(_l("时间"), lambda e: e.happened_at, 17),
    Column(_l("值班人"), lambda e: e.duty.person.display_name, 10),
    Column(_l("班次"), lambda e: str(SHIFT_LABELS.get(e.duty.shift, "")), 8),
    Column(_l("类型"), lambda e: str(DUTY_KIND_LABELS.get(e.kind, e.kind)), 8),
    Column(_l("地点"), lambda e: e.where, 18),
    Column(_l("来电来访人"), lambda e: e.contact_name, 10),
    Column(_l("联系电话"), lambda e: e.contact_phone, 14),
    Column(_l("情况或事由"), lambda e: e.description, 40),
    Column(_l("处理情况"), lambda e: e.handling, 30),
    Column(
        _l("结果"),
        lambda e: str(
            DUTY_OUTCOME_LABELS.get(e.outcome)
            or (_l("已处理完毕") if e.resolved_at else _l("未处理完"))
        ),
        10,
    ),
    Column(_l("重大事件"), lambda e: str(_l("是")) if e.major else "", 8),
    Column(_l("报告提交时间"), lambda e: e.report_written_at, 17),
]


@bp.get("/history.xlsx")
@allow(STAFF)
def history_xlsx():
    """One month of the duty logs of my estates, line by line, as an Excel workbook."""
    start, end, name = _month()
    return xlsx_response(
        f"duty-log-{name}.xlsx",
        f"{_('值班记录')} {name}",
        LOG_COLUMNS,
        services.lines_between(current_user, start, end),
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
                happened_at=periods.at_estate(form.happened_at.data, duty.estate.timezone),
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
                happened_at=periods.at_estate(form.happened_at.data, duty.estate.timezone),
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
                due_at=periods.at_estate(form.due.data, item.duty.estate.timezone),
            ),
        )
        if outcome.ok:
            flash(_("已派发工单 %(n)s。", n=outcome.value.number), "success")
            return see_other(url_for("workorders.detail", order_id=outcome.value.id))
        return _event_page(item, status=outcome.status, dispatch_form=form)
    return _event_page(item, status=422, dispatch_form=form)


# --- shift handover ------------------------------------------------------------------------------


def _handover_form(form=None):
    form = form or forms.HandoverForm(formdata=None)
    form.in_person.choices = choices((k, str(v)) for k, v in handover.IN_PERSON)
    return form


def _prepare_page(duty: Duty, status: int = 200, form=None):
    return render(
        "duty/handover_new.html",
        status=status,
        duty=duty,
        items=handover.open_items(duty),
        groups=handover.GROUPS,
        form=_handover_form(form),
        fresh=auth_services.fresh_now(),
    )


@bp.get("/<int:duty_id>/handover")
@allow(STAFF)
def prepare(duty_id: int):
    """The handover, prefilled with what is still open; refused while a major event is open."""
    return _prepare_page(services.get_duty_or_404(current_user, duty_id))


@bp.post("/<int:duty_id>/handover")
@allow(STAFF)
def prepare_post(duty_id: int):
    """Sign the handover (交班): it waits for the next person to take over."""
    duty = services.get_duty_or_404(current_user, duty_id)
    form = _handover_form(forms.HandoverForm())
    if form.validate_on_submit():
        fresh = auth_services.confirmed(form)
        if not form.password.errors:
            outcome = save(
                form,
                lambda: handover.prepare(
                    current_user,
                    duty,
                    instructions=form.instructions.data or "",
                    notes=form.notes.data or "",
                    in_person=form.in_person.data or [],
                    other_in_person=form.other_in_person.data or "",
                    fresh=fresh,
                ),
            )
            if outcome.ok:
                flash(_("已交班签字，等待接班人确认。"), "success")
                return see_other(url_for("duty.handover_page", handover_id=outcome.value.id))
            db.session.commit()  # keep a successful re-authentication
            return _prepare_page(duty, outcome.status, form)
    return _prepare_page(duty, 422, form)


def _handover_page(item, status: int = 200, accept_form=None, refuse_form=None):
    accept_form = accept_form or forms.AcceptForm(formdata=None)
    refuse_form = refuse_form or forms.RefuseForm(formdata=None)
    for form in (accept_form, refuse_form):
        form.version.data = item.version
    return render(
        "duty/handover.html",
        status=status,
        handover=item,
        items=handover.listed(item),
        added=handover.added_since(item),
        in_person=handover.in_person_labels(item),
        groups=handover.GROUPS,
        signatures=signoff.signatures(handover.TARGET, item.id),
        badge=handover.badge,
        accept_form=accept_form,
        refuse_form=refuse_form,
        fresh=auth_services.fresh_now(),
    )


@bp.get("/handovers/<int:handover_id>")
@allow(STAFF)
def handover_page(handover_id: int):
    """One handover, printable as the 交接班记录; the next person takes over or refuses here."""
    return _handover_page(handover.get_or_404_for(current_user, handover_id))


@bp.post("/handovers/<int:handover_id>/accept")
@allow(STAFF)
def accept(handover_id: int):
    """Take over (接班): sign under my own login; the listed open items become mine."""
    item = handover.get_or_404_for(current_user, handover_id)
    form = forms.AcceptForm()
    if form.validate_on_submit():
        fresh = auth_services.confirmed(form)
        if not form.password.errors:
            outcome = save(
                form,
                lambda: handover.accept(
                    current_user, item, fresh=fresh, version=form.version_value()
                ),
            )
            if outcome.ok:
                flash(_("已接班。未完成事项已转到你的名下。"), "success")
                return see_other(url_for("duty.index"))
            db.session.commit()
            return _handover_page(item, outcome.status, accept_form=form)
    return _handover_page(item, 422, accept_form=form)


@bp.post("/handovers/<int:handover_id>/refuse")
@allow(STAFF)
def refuse(handover_id: int):
    """Refuse to take over as it stands, saying why; the outgoing duty stays open."""
    item = handover.get_or_404_for(current_user, handover_id)
    form = forms.RefuseForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: handover.refuse(
                current_user, item, reason=form.reason.data, version=form.version_value()
            ),
        )
        if outcome.ok:
            flash(_("已拒绝接班，交班人和客服主任已收到通知。"), "success")
            return see_other(url_for("duty.handover_page", handover_id=item.id))
        return _handover_page(item, outcome.status, refuse_form=form)
    return _handover_page(item, 422, refuse_form=form)

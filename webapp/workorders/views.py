"""Work orders: the list, a printable 工作联系单, the department's reply, re-inspection."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import clock, deadlines, escalation
from webapp.access import STAFF, allow
from webapp.forms import save
from webapp.labels import department_choices
from webapp.models import WorkOrder
from webapp.photos import services as photos
from webapp.scoping import get_or_404
from webapp.tickets import intake as tickets
from webapp.web import render, see_other
from webapp.workorders import forms, services

bp = Blueprint("workorders", __name__, url_prefix="/workorders")


def _order_or_404(order_id: int) -> WorkOrder:
    return get_or_404(services.visible_work_orders(current_user), WorkOrder, order_id)


@bp.get("")
@allow(STAFF)
def index():
    """Work orders of my estates: open, waiting for re-inspection, closed; overdue first."""
    status = request.args.get("status")
    status = status if status in ("open", "fixed", "closed") else None
    department = request.args.get("department") or None
    overdue = request.args.get("overdue") == "1"
    orders = services.listing(
        current_user,
        status=status,
        department=department,
        overdue=overdue,
        after=request.args.get("after"),
    )
    now = clock.now()
    return render(
        "workorders/index.html",
        "workorders/_list.html",
        rows_fragment="workorders/_rows.html",
        orders=orders,
        states={o.id: deadlines.state_of(o, now) for o in orders},
        # Not `status`: that is render()'s HTTP status.
        chosen_status=status,
        department=department,
        overdue=overdue,
        departments=department_choices(),
    )


def _page(order: WorkOrder, status: int = 200, fix_form=None, reinspect_form=None):
    links = photos.photos_for("work_order", [order.id]).get(order.id, [])
    if fix_form is None:
        fix_form = forms.FixForm(formdata=None)
        fix_form.version.data = order.version
    if reinspect_form is None:
        reinspect_form = forms.ReinspectForm(formdata=None)
        reinspect_form.version.data = order.version
    return render(
        "workorders/detail.html",
        status=status,
        order=order,
        state=deadlines.state_of(order, clock.now()),
        before=[link for link in links if link.purpose == "before"],
        after=[link for link in links if link.purpose == "after"],
        fix_form=fix_form,
        reinspect_form=reinspect_form,
        ticket_links=tickets.linked_tickets(services.TARGET, order.id),
        # Where it came from, when that record has a page of its own (a duty event …).
        origin_url=escalation.url_of(order.origin_type, order.origin_id),
    )


@bp.get("/<int:order_id>")
@allow(STAFF)
def detail(order_id: int):
    """One work order, printable as a 部门工作联系单."""
    return _page(_order_or_404(order_id))


@bp.post("/<int:order_id>/fix")
@allow(STAFF)
def fix(order_id: int):
    """Record the department's reply: fixed, with a note and an "after" photo."""
    order = _order_or_404(order_id)
    form = forms.FixForm()
    if form.validate_on_submit():
        uploads = request.files.getlist("photos")

        def reply():
            after = photos.ingest_uploads(uploads, current_user)
            services.transition(
                order,
                "fix",
                current_user,
                version=form.version_value(),
                note=form.note.data,
                after_photos=after,
            )

        outcome = save(form, reply)
        if outcome.ok:
            flash(_("已记录处理结果，等待复查。"), "success")
            return see_other(url_for("workorders.detail", order_id=order.id))
        return _page(order, status=outcome.status, fix_form=form)
    return _page(order, status=422, fix_form=form)


@bp.post("/<int:order_id>/reinspect")
@allow(STAFF)
def reinspect(order_id: int):
    """Re-inspect (复查): pass closes the work order, fail reopens it with a new due time."""
    order = _order_or_404(order_id)
    form = forms.ReinspectForm()
    if form.validate_on_submit() and form.result.data in ("pass", "fail"):
        new_due = None
        if form.due.data:
            new_due = form.due.data.replace(tzinfo=ZoneInfo(order.estate.timezone))

        outcome = save(
            form,
            lambda: services.transition(
                order,
                form.result.data,
                current_user,
                version=form.version_value(),
                note=form.note.data or "",
                new_due=new_due,
            ),
        )
        if outcome.ok:
            flash(
                _("复查通过，工单已关闭。") if order.closed_at else _("复查未通过，工单已退回。"),
                "success",
            )
            return see_other(url_for("workorders.detail", order_id=order.id))
        return _page(order, status=outcome.status, reinspect_form=form)
    return _page(order, status=422, reinspect_form=form)

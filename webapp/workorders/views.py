"""Work orders: the list, a printable 工作联系单, the department's reply, re-inspection."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp import clock, deadlines, escalation, signedlinks
from webapp.access import PUBLIC, STAFF, SUPERVISOR_UP, allow
from webapp.exports import Column, xlsx_response
from webapp.extensions import db, limiter
from webapp.forms import choices, save
from webapp.labels import (
    DEPARTMENT_LABELS,
    WORK_ORDER_STATUS_LABELS,
    department_choices,
    label,
)
from webapp.models import WorkOrder
from webapp.photos import services as photos
from webapp.scoping import get_or_404, visible_estates
from webapp.tickets import intake as tickets
from webapp.web import render, render_form, see_other
from webapp.workorders import forms, services

bp = Blueprint("workorders", __name__, url_prefix="/workorders")
# The department's link: one work order, no account (short, as it travels in a group chat).
link_bp = Blueprint("deptlink", __name__, url_prefix="/d")


def _order_or_404(order_id: int) -> WorkOrder:
    return get_or_404(services.visible_work_orders(current_user), WorkOrder, order_id)


def _list_filters() -> dict:
    """The list's filters from the address (the page and its export share them)."""
    args = request.args
    status = args.get("status")
    return {
        "status": status if status in ("held", "open", "fixed", "closed") else None,
        "department": args.get("department") or None,
        "overdue": args.get("overdue") == "1",
        # From the dashboard's figures: one estate, open for so many days.
        "estate_id": args.get("estate", type=int),
        "age": args.get("age") if args.get("age") in services.AGES else None,
    }


def _list_args(filters: dict) -> dict:
    """The filters as the address carries them."""
    return {
        "status": filters["status"],
        "department": filters["department"],
        "overdue": "1" if filters["overdue"] else None,
        "estate": filters["estate_id"],
        "age": filters["age"],
    }


@bp.get("")
@allow(STAFF)
def index():
    """Work orders of my estates: open, waiting for re-inspection, closed; overdue first."""
    filters = _list_filters()
    orders = services.listing(current_user, **filters, after=request.args.get("after"))
    now = clock.now()
    return render(
        "workorders/index.html",
        "workorders/_list.html",
        rows_fragment="workorders/_rows.html",
        orders=orders,
        states={o.id: deadlines.state_of(o, now) for o in orders},
        filters=filters,
        # Not `status`: that is render()'s HTTP status.
        chosen_status=filters["status"],
        departments=department_choices(),
        page_context=lambda: {"estates": db.session.scalars(visible_estates(current_user)).all()},
        # The same filters, every row, as a workbook.
        export_url=url_for("workorders.index_xlsx", **_list_args(filters)),
    )


ORDER_COLUMNS = [
    Column(_l("编号"), lambda o: o.number, 22),
    Column(_l("项目"), lambda o: o.estate.name, 12),
    Column(_l("交由部门"), lambda o: label(DEPARTMENT_LABELS, o.department), 10),
    Column(_l("位置"), lambda o: o.location, 14),
    Column(_l("问题"), lambda o: o.description, 40),
    Column(_l("状态"), lambda o: label(WORK_ORDER_STATUS_LABELS, o.status), 10),
    Column(_l("期限"), lambda o: o.due_at, 17),
    Column(_l("发现人"), lambda o: o.reported_by.display_name, 10),
    Column(_l("派发时间"), lambda o: o.created_at, 17),
    Column(_l("回复人"), lambda o: o.replied_by, 10),
    Column(_l("处理情况"), lambda o: o.reply_note, 30),
    Column(_l("修复时间"), lambda o: o.fixed_at, 17),
    Column(_l("退回次数"), lambda o: o.reopen_count, 8),
    Column(_l("复查通过"), lambda o: o.closed_at, 17),
]


@bp.get("/export.xlsx")
@allow(STAFF)
def index_xlsx():
    """The work orders with the list's current filters as an Excel workbook (every row)."""
    return xlsx_response(
        "work-orders.xlsx",
        _("工单"),
        ORDER_COLUMNS,
        services.export(current_user, **_list_filters()),
    )


def _page(
    order: WorkOrder, status: int = 200, fix_form=None, reinspect_form=None, resume_form=None
):
    links = photos.photos_for("work_order", [order.id]).get(order.id, [])
    if fix_form is None:
        fix_form = forms.FixForm(formdata=None)
        fix_form.version.data = order.version
    if reinspect_form is None:
        reinspect_form = forms.ReinspectForm(formdata=None)
        reinspect_form.version.data = order.version
    if resume_form is None:
        resume_form = forms.ResumeForm(formdata=None, prefix="resume")
        resume_form.version.data = order.version
    link = services.department_link(order)
    return render(
        "workorders/detail.html",
        status=status,
        order=order,
        state=deadlines.state_of(order, clock.now()),
        before=[link for link in links if link.purpose == "before"],
        after=[link for link in links if link.purpose == "after"],
        fix_form=fix_form,
        reinspect_form=reinspect_form,
        resume_form=resume_form,
        link=link,
        link_live=signedlinks.live(link),
        link_url=services.department_url(link) if signedlinks.live(link) else None,
        ticket_links=tickets.linked_tickets(services.TARGET, order.id),
        # Where it came from, when that record has a page of its own (a duty event …).
        origin_url=escalation.url_of(order.origin_type, order.origin_id),
    )


@bp.route("/new", methods=["GET", "POST"])
@allow(STAFF)
def new():
    """派维修单: a repair ticket sends a work order to its department (?ticket=<id>)."""
    ticket_id = request.args.get("ticket", type=int)  # bounded by the request class
    if not ticket_id:
        abort(404)
    ticket = services.repair_ticket(current_user, ticket_id)
    zone = ZoneInfo(ticket.estate.timezone)
    if request.method == "GET":
        form = forms.DispatchForm(
            formdata=None,
            department=ticket.department or ticket.category,
            location=ticket.unit.label if ticket.unit else "",
            description=ticket.description[:1000],
            due=(clock.now() + services.DEFAULT_DUE).astimezone(zone).replace(tzinfo=None),
        )
    else:
        form = forms.DispatchForm()
    form.department.choices = choices(department_choices())
    if request.method == "POST" and form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.dispatch_for_ticket(
                current_user,
                ticket,
                department=form.department.data,
                location=form.location.data or "",
                description=form.description.data,
                due_at=form.due.data.replace(tzinfo=zone),
            ),
        )
        if outcome.ok:
            flash(_("维修单已派出：%(number)s。", number=outcome.value.number), "success")
            return see_other(url_for("workorders.detail", order_id=outcome.value.id))
    return render_form("workorders/new.html", None, form, ticket=ticket)


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


@bp.post("/<int:order_id>/resume")
@allow(SUPERVISOR_UP)
def resume(order_id: int):
    """Send a work order the department held back again, with a new due time."""
    order = _order_or_404(order_id)
    form = forms.ResumeForm(prefix="resume")  # beside the fix form: ids of its own
    if form.validate_on_submit():
        new_due = form.due.data.replace(tzinfo=ZoneInfo(order.estate.timezone))
        outcome = save(
            form,
            lambda: services.transition(
                order,
                "resume",
                current_user,
                version=form.version_value(),
                note=form.note.data or "",
                new_due=new_due,
            ),
        )
        if outcome.ok:
            flash(_("已重新派单，部门群会收到通知。"), "success")
            return see_other(url_for("workorders.detail", order_id=order.id))
        return _page(order, status=outcome.status, resume_form=form)
    return _page(order, status=422, resume_form=form)


@bp.post("/<int:order_id>/link/revoke")
@allow(SUPERVISOR_UP)
def link_revoke(order_id: int):
    """Stop the department's link from working (sent to the wrong group, say)."""
    return _change_link(order_id, services.revoke_link, _("部门链接已作废。"))


@bp.post("/<int:order_id>/link/renew")
@allow(SUPERVISOR_UP)
def link_renew(order_id: int):
    """A new department link in place of a revoked or expired one."""
    return _change_link(order_id, services.renew_link, _("已生成新的部门链接。"))


def _change_link(order_id: int, change, done: str):
    order = _order_or_404(order_id)
    change(order, current_user)
    db.session.commit()
    flash(done, "success")
    return see_other(url_for("workorders.detail", order_id=order.id) + "#dept-link")


# --- the department's link (no account) ---------------------------------------------------------

NAME_COOKIE = "propdesk_dept_name"


def _link_limit() -> str:
    return current_app.config.get("DEPT_LINK_LIMIT", "60/minute")


def _by_token_or_404(token: str) -> WorkOrder:
    order = services.by_link(token)
    if order is None:
        # Said plainly to someone outside the app: not the staff's "page not found, log in".
        gone = make_response(render("workorders/link_gone.html", status=404))
        gone.headers["Cache-Control"] = "no-store"
        gone.headers["Referrer-Policy"] = "no-referrer"
        abort(gone)
    return order


def _link_page(token: str, order: WorkOrder, status: int = 200, fix_form=None, hold_form=None):
    name = (request.cookies.get(NAME_COOKIE) or "")[:40]
    if fix_form is None:
        fix_form = forms.LinkFixForm(formdata=None, name=name)
    if hold_form is None:
        hold_form = forms.LinkHoldForm(formdata=None, name=name, prefix="hold")
    links = photos.photos_for("work_order", [order.id]).get(order.id, [])
    response = make_response(
        render(
            "workorders/link.html",
            status=status,
            token=token,
            order=order,
            state=deadlines.state_of(order, clock.now()),
            before=[link for link in links if link.purpose == "before"],
            after=[link for link in links if link.purpose == "after"],
            may_fix=order.status in services.WORK_ORDER.by_action["fix"].sources,
            may_hold=order.status in services.WORK_ORDER.by_action["hold"].sources,
            fix_form=fix_form,
            hold_form=hold_form,
        )
    )
    # The link is the key to this page: never kept by a shared cache, never sent on as a referrer.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _remember_name(response, name: str):
    response.set_cookie(
        NAME_COOKIE,
        name,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        path="/d/",
    )
    return response


@link_bp.get("/<token>")
@allow(PUBLIC)
@limiter.limit(_link_limit)
def page(token: str):
    """One work order for its department: what and where, the before-photos, and the reply."""
    return _link_page(token, _by_token_or_404(token))


def _reply(token: str, order: WorkOrder, form, action, form_key: str, done: str):
    if not form.validate_on_submit():
        return _link_page(token, order, status=422, **{form_key: form})
    # A second reply (a double tap, a colleague with the same link) is refused with 409.
    outcome = save(form, action)
    if not outcome.ok:
        return _link_page(token, order, status=outcome.status, **{form_key: form})
    flash(done, "success")
    return _remember_name(see_other(url_for("deptlink.page", token=token)), form.name.data)


@link_bp.post("/<token>/fix")
@allow(PUBLIC)
@limiter.limit(_link_limit)
def link_fix(token: str):
    """已修复, with a note and after-photos."""
    order = _by_token_or_404(token)
    form = forms.LinkFixForm()

    def reply():
        services.reply_via_link(
            order,
            name=form.name.data,
            note=form.note.data,
            uploads=request.files.getlist("photos"),
        )

    done = _("已提交：已修复。谢谢！发现人会来复查。")
    return _reply(token, order, form, reply, "fix_form", done)


@link_bp.post("/<token>/hold")
@allow(PUBLIC)
@limiter.limit(_link_limit)
def link_hold(token: str):
    """无法处理 / 需配合, with the reason."""
    order = _by_token_or_404(token)
    form = forms.LinkHoldForm(prefix="hold")

    def reply():
        services.hold_via_link(
            order, name=form.name.data, kind=form.kind.data, reason=form.reason.data
        )

    return _reply(token, order, form, reply, "hold_form", _("已提交，客服中心会尽快联系协调。"))


@link_bp.get("/<token>/photos/<int:photo_id>")
@allow(PUBLIC)
@limiter.limit(_link_limit)
def link_photo(token: str, photo_id: int):
    """A photo of this one work order (and of no other record)."""
    order = _by_token_or_404(token)
    photo = photos.attached_photo(services.TARGET, order.id, photo_id)
    if photo is None:
        abort(404)
    thumb = request.args.get("size") == "thumb"
    return photos.send_photo(photo, photos.thumb_key if thumb else photos.original_key)

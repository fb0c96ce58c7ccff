"""Tickets: the staff inbox and intake, a ticket's page with its actions, the owner's tickets,
and the public tracking page (number + code, no login)."""

from __future__ import annotations

import re
from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlalchemy import select

from webapp import clock, paging
from webapp.access import OWNER, PUBLIC, STAFF, SUPERVISOR_UP, allow
from webapp.exports import Column, xlsx_response
from webapp.extensions import db, limiter
from webapp.forms import ActionForm, choices, save
from webapp.i18n import mask_phone
from webapp.inputs import fold_width, parse_date
from webapp.labels import (
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    DEPARTMENT_LABELS,
    RATING_LABELS,
    TICKET_KIND_LABELS,
    TICKET_STATUS_LABELS,
    department_choices,
    label,
)
from webapp.links import external_url, qr_data_uri
from webapp.models import Building, EstateMembership, Ticket, Unit, User
from webapp.photos import services as photos
from webapp.scoping import (
    asked_estate,
    building_choices,
    estate_ids_of,
    find_unit,
    get_building_or_404,
    get_estate_or_404,
    get_or_404,
    visible_estates,
    visible_units,
)
from webapp.tickets import forms, intake, lifecycle, scan
from webapp.tickets import inbox as lists
from webapp.tickets import summary as monthly
from webapp.web import no_store, render, render_form, see_other

bp = Blueprint("tickets", __name__)


def _ticket_or_404(ticket_id: int) -> Ticket:
    return get_or_404(lists.visible_tickets(current_user), Ticket, ticket_id)


def _page(
    ticket: Ticket,
    *,
    public_only: bool,
    template: str,
    status: int = 200,
    fragment: str | None = None,
    **extra,
):
    entries = lifecycle.timeline(ticket, public_only=public_only)
    now = clock.now()
    if not public_only:
        extra["findings"] = intake.linked_findings(current_user, ticket)
    return render(
        template,
        fragment,
        status=status,
        ticket=ticket,
        entries=entries,
        entry_photos=photos.photos_for("ticket_entry", [e.id for e in entries]),
        follow_up_overdue=lifecycle.follow_up_overdue(ticket, now),
        investigation_overdue=lifecycle.investigation_overdue(ticket, now),
        **extra,
    )


# --- staff --------------------------------------------------------------------------------------


@bp.get("/tickets")
@allow(STAFF)
def inbox():
    """The inbox: tabs with counts, filters, search; most urgent first."""
    filters = _inbox_filters()
    args = _inbox_args(filters)
    now = clock.now()
    found = lists.inbox(current_user, **filters, after=request.args.get("after"))
    return render(
        "tickets/inbox.html",
        "tickets/_list.html",
        rows_fragment="tickets/_rows.html",
        tickets=found,
        filters=filters,
        # The filters without the tab, for the tabs' links.
        filter_args={k: v for k, v in args.items() if k != "tab"},
        # The same tab and filters, every row, as a workbook.
        export_url=url_for("tickets.inbox_xlsx", **args),
        overdue={t.id for t in found if lifecycle.is_overdue(t, now)},
        page_context=lambda: {
            "counts": lists.tab_counts(current_user),
            "estates": db.session.scalars(visible_estates(current_user)).all(),
            "assignees": lists.assignees(current_user),
            "channels": lifecycle.CHANNELS,
            # The chips naming the unit or building the list is narrowed to (of my estates).
            "unit": _visible_or_none(visible_units(current_user), Unit, filters["unit_id"]),
            "building": _visible_or_none(
                select(Building).where(Building.estate_id.in_(estate_ids_of(current_user))),
                Building,
                filters["building_id"],
            ),
        },
    )


def _visible_or_none(visible, model, record_id: int | None):
    return db.session.scalar(visible.where(model.id == record_id)) if record_id else None


def _inbox_filters() -> dict:
    """The inbox's tab and filters from the address (the page and its export share them)."""
    args = request.args
    tabs = (*lists.TABS, *lists.HIDDEN_TABS)
    return {
        "tab": args.get("tab") if args.get("tab") in tabs else "open",
        "kind": args.get("kind", ""),
        "category": args.get("category", ""),
        "channel": args.get("channel", ""),
        "q": (args.get("q") or "")[:60],
        "mine": args.get("mine") == "1",
        "estate_id": args.get("estate", type=int),
        "assignee_id": args.get("assignee", type=int),
        # From the dashboard's figures: received on these days, major only, waiting for the
        # investigation, one unit.
        "since": parse_date(args.get("since")),
        "until": parse_date(args.get("until")),
        "severity": args.get("severity") if args.get("severity") in ("major", "normal") else "",
        "awaiting": args.get("awaiting") if args.get("awaiting") in lists.AWAITING else "",
        "unit_id": args.get("unit", type=int),
        "building_id": args.get("building", type=int),
        # The figures' own lists: without the reports marked invalid.
        "counted": args.get("counted") == "1",
    }


def _inbox_args(filters: dict) -> dict:
    """The filters as the address carries them (tabs, export, dashboard links)."""
    return {
        "tab": filters["tab"],
        "kind": filters["kind"] or None,
        "category": filters["category"] or None,
        "channel": filters["channel"] or None,
        "q": filters["q"] or None,
        "mine": "1" if filters["mine"] else None,
        "estate": filters["estate_id"],
        "assignee": filters["assignee_id"],
        "since": filters["since"].isoformat() if filters["since"] else None,
        "until": filters["until"].isoformat() if filters["until"] else None,
        "severity": filters["severity"] or None,
        "awaiting": filters["awaiting"] or None,
        "unit": filters["unit_id"],
        "building": filters["building_id"],
        "counted": "1" if filters["counted"] else None,
    }


TICKET_COLUMNS = [
    Column(_l("编号"), lambda t: t.number, 22),
    Column(_l("受理时间"), lambda t: t.created_at, 17),
    Column(_l("类型"), lambda t: label(TICKET_KIND_LABELS, t.kind), 8),
    Column(_l("类别"), lambda t: label(CATEGORY_LABELS, t.category), 10),
    Column(_l("重大"), lambda t: str(_l("是")) if t.severity == "major" else "", 6),
    Column(_l("状态"), lambda t: label(TICKET_STATUS_LABELS, t.status), 10),
    Column(_l("渠道"), lambda t: label(CHANNEL_LABELS, t.channel), 8),
    Column(_l("房屋"), lambda t: t.unit.label if t.unit else "", 12),
    Column(_l("反映人"), lambda t: t.reporter_name, 10),
    Column(_l("电话"), lambda t: mask_phone(t.reporter_phone), 14),
    Column(_l("问题描述"), lambda t: t.description, 40),
    Column(_l("受理人"), lambda t: t.taker.display_name if t.taker else "", 10),
    Column(_l("处理人"), lambda t: t.assignee.display_name if t.assignee else "", 10),
    Column(_l("部门"), lambda t: label(DEPARTMENT_LABELS, t.department) if t.department else ""),
    Column(_l("下次跟进"), lambda t: t.next_follow_up_at, 17),
    Column(_l("办结时间"), lambda t: t.closed_at, 17),
    Column(_l("满意度"), lambda t: label(RATING_LABELS, t.satisfaction) if t.satisfaction else ""),
]


@bp.get("/tickets.xlsx")
@allow(STAFF)
def inbox_xlsx():
    """The inbox with its current tab and filters as an Excel workbook (every row, not a page)."""
    filters = _inbox_filters()
    return xlsx_response(
        f"tickets-{filters['tab']}.xlsx",
        _("投诉报修"),
        TICKET_COLUMNS,
        lists.export(current_user, **filters),
    )


def _staff_form():
    form = forms.StaffTicketForm()
    form.building.choices = choices([("", "—"), *building_choices(current_user)])
    return form


def _finding(origin: str | None):
    """The finding named by "type:id" (a patrol's work order, a decoration notice), or None."""
    if not origin:
        return None
    target_type, _sep, target_id = origin.partition(":")
    if not target_id.isdigit():
        abort(404)
    return intake.finding(current_user, target_type, int(target_id))


def _prefill(form, found) -> None:
    form.origin.data = f"{found.target_type}:{found.record.id}"
    form.kind.data = found.ticket_kind
    form.channel.data = found.channel
    form.category.data = found.category
    form.description.data = found.description
    form.reporter_name.data = found.reporter_name or found.reporter.display_name
    form.reporter_phone.data = found.reporter_phone
    if found.unit is not None:
        form.building.data = found.unit.building_id
        form.number.data = found.unit.number


@bp.route("/tickets/new", methods=["GET", "POST"])
@allow(STAFF)
def create():
    """Take a ticket by phone or at the desk (or from a patrol or decoration finding); the taker
    owns it until it is assigned."""
    form = _staff_form()
    found = _finding(form.origin.data if request.method == "POST" else request.args.get("from"))
    if request.method == "GET" and found is not None:
        _prefill(form, found)
    if form.validate_on_submit():
        uploads = request.files.getlist("photos")

        def take():
            unit = None
            if form.building.data:
                building = get_building_or_404(current_user, form.building.data)
                if form.number.data:
                    unit = find_unit(current_user, building.id, form.number.data)
            fields = dict(
                unit=unit,
                reporter_name=form.reporter_name.data,
                reporter_phone=form.reporter_phone.data or "",
                kind=form.kind.data,
                channel=form.channel.data,
                category=form.category.data,
                severity=form.severity.data,
                description=form.description.data,
                uploads=uploads,
            )
            if found is not None:
                return intake.create_from_finding(current_user, found, **fields)
            estate = unit.building.estate if unit else current_user.estates[0]
            return intake.create(current_user, estate=estate, **fields)

        outcome = save(form, take)
        if outcome.ok:
            ticket, code = outcome.value
            link = external_url("tickets.track", number=ticket.number, code=code)
            return render("tickets/created.html", ticket=ticket, code=code, link=link)
    return render_form("tickets/new.html", None, form, found=found)


@bp.post("/tickets/link")
@allow(STAFF)
def link():
    """Tie a patrol or decoration finding to a ticket that already exists, by its number."""
    form = forms.LinkForm()
    found = _finding(form.origin.data)
    if found is None:
        abort(404)
    if form.validate_on_submit():
        outcome = save(form, lambda: intake.link_by_number(current_user, found, form.number.data))
        if outcome.ok:
            flash(_("已关联工单 %(n)s。", n=outcome.value.number), "success")
            return see_other(found.url)
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")
    for message in form.form_errors:
        flash(message, "error")
    return see_other(found.url)


def _action_form(ticket, **kwargs):
    form = forms.ActionForm(**kwargs)
    staff = db.session.scalars(
        select(User)
        .join(EstateMembership, EstateMembership.user_id == User.id)
        .where(EstateMembership.estate_id == ticket.estate_id, User.active.is_(True))
        .order_by(User.display_name)
    ).all()
    form.assignee.choices = choices([("", "—"), *((u.id, u.display_name) for u in staff)])
    form.department.choices = choices([("", "—"), *department_choices()])
    form.version.data = ticket.version
    if kwargs.get("formdata", True) is None:  # a fresh page shows who has it now
        form.assignee.data = ticket.assignee_id
        form.department.data = ticket.department or ""
    return form


@bp.get("/tickets/<int:ticket_id>")
@allow(STAFF)
def detail(ticket_id: int):
    """A ticket: who, what, the whole timeline (public and internal), and what to do next."""
    ticket = _ticket_or_404(ticket_id)
    return _page(
        ticket,
        public_only=False,
        template="tickets/detail.html",
        action_form=_action_form(ticket, formdata=None),
        entry_form=forms.EntryForm(formdata=None),
    )


@bp.post("/tickets/<int:ticket_id>/phone")
@allow(STAFF)
def phone(ticket_id: int):
    """The caller's whole number (masked until tapped; the tap is audited), to call them back:
    the number for htmx, the page with it shown otherwise."""
    ticket = _ticket_or_404(ticket_id)
    if not ActionForm().validate_on_submit() or not ticket.reporter_phone:
        abort(400)
    lifecycle.reveal_phone(current_user, ticket)
    db.session.commit()
    return _page(
        ticket,
        public_only=False,
        template="tickets/detail.html",
        fragment="tickets/_phone.html",
        phone_shown=True,
        action_form=_action_form(ticket, formdata=None),
        entry_form=forms.EntryForm(formdata=None),
    )


def _keep_typed(form, ticket: Ticket) -> None:
    """After a conflict the form shows what is stored now, but keeps what the person wrote."""
    form.assignee.data = ticket.assignee_id
    form.department.data = ticket.department or ""
    form.reply.data = request.form.get("reply", "")
    form.comment.data = request.form.get("comment", "")


def _current_state(ticket: Ticket) -> str:
    who = [ticket.assignee.display_name] if ticket.assignee else []
    if ticket.department:
        who.append(str(DEPARTMENT_LABELS.get(ticket.department, ticket.department)))
    return _(
        "现在的状态：%(status)s；处理人：%(who)s。",
        status=TICKET_STATUS_LABELS.get(ticket.status, ticket.status),
        who=" · ".join(who) or _("未派单"),
    )


@bp.post("/tickets/<int:ticket_id>/act")
@allow(STAFF)
def act(ticket_id: int):
    """Assign, start, resolve (with the written reply), or record the phone return visit."""
    ticket = _ticket_or_404(ticket_id)
    form = _action_form(ticket)
    form.version.data = request.form.get("version")
    status = 422
    if form.validate_on_submit():
        assignee = db.session.get(User, form.assignee.data) if form.assignee.data else None
        outcome = save(
            form,
            lambda: lifecycle.transition(
                ticket,
                form.action.data,
                current_user,
                version=form.version_value(),
                assignee=assignee,
                department=form.department.data or None,
                reply=form.reply.data or "",
                rating=request.form.get("rating") or None,
                comment=form.comment.data or "",
            ),
            refill=lambda record: _keep_typed(form, record),
        )
        if outcome.ok:
            flash(_("已更新工单。"), "success")
            return see_other(url_for("tickets.detail", ticket_id=ticket.id))
        status = outcome.status
        if status == 409:
            form.form_errors.append(_current_state(ticket))
    return _page(
        ticket,
        public_only=False,
        template="tickets/detail.html",
        status=status,
        action_form=form,
        entry_form=forms.EntryForm(formdata=None),
    )


@bp.post("/tickets/<int:ticket_id>/entries")
@allow(STAFF)
def entry(ticket_id: int):
    """A public reply, an internal note, or the manager's investigation of a major complaint."""
    ticket = _ticket_or_404(ticket_id)
    form = forms.EntryForm()
    status = 422
    if form.validate_on_submit():
        uploads = request.files.getlist("photos")
        outcome = save(
            form,
            lambda: lifecycle.add_entry(
                ticket, current_user, form.kind.data, form.body.data, uploads
            ),
        )
        if outcome.ok:
            flash(_("已记录。"), "success")
            return see_other(url_for("tickets.detail", ticket_id=ticket.id) + "#timeline")
        status = outcome.status
    return _page(
        ticket,
        public_only=False,
        template="tickets/detail.html",
        status=status,
        action_form=_action_form(ticket, formdata=None),
        entry_form=form,
    )


# --- the monthly summary -------------------------------------------------------------------------


def _summary_args():
    """The estate (one of mine) and month ("2026-11"; this month when missing or malformed)."""
    estates = db.session.scalars(visible_estates(current_user)).all()
    if not estates:
        abort(404)
    wanted = request.args.get("estate", type=int)
    estate = get_estate_or_404(current_user, wanted) if wanted else estates[0]
    month = monthly.this_month(estate)
    match = re.fullmatch(r"(\d{4})-(\d{2})", request.args.get("month", ""))
    if match and 2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12:
        month = date(int(match[1]), int(match[2]), 1)
    return estates, estate, month


@bp.get("/tickets/summary")
@allow(SUPERVISOR_UP)
def summary():
    """投诉处理汇总表: one estate, one month, computed from the tickets; printable."""
    estates, estate, month = _summary_args()
    return render(
        "tickets/summary.html",
        estates=estates,
        summary=monthly.monthly(estate, month),
    )


@bp.get("/tickets/visits")
@allow(SUPERVISOR_UP)
def visits():
    """回访记录表: one estate's return visits of one month, printable (A4)."""
    estates, estate, month = _summary_args()
    return render(
        "tickets/visits.html",
        estates=estates,
        estate=estate,
        month=month,
        visits=monthly.visits(estate, month),
    )


@bp.get("/tickets/<int:ticket_id>/print")
@allow(STAFF)
def print_form(ticket_id: int):
    """The ticket as the department's paper 投诉受理单 (A4): intake, handling, return visit."""
    ticket = _ticket_or_404(ticket_id)
    return render(
        "tickets/print.html",
        ticket=ticket,
        entries=lifecycle.timeline(ticket, public_only=False),
    )


@bp.get("/tickets/summary.xlsx")
@allow(SUPERVISOR_UP)
def summary_xlsx():
    """The same summary as an Excel workbook."""
    _estates, estate, month = _summary_args()
    data = monthly.workbook(monthly.monthly(estate, month))
    response = make_response(data)
    response.headers["Content-Type"] = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"complaints-{estate.code}-{month:%Y-%m}.xlsx"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- owners ---------------------------------------------------------------------------------------


@bp.get("/my/tickets")
@allow(OWNER)
def mine():
    """My repairs and complaints, the newest first."""
    found = paging.read(
        lists.visible_tickets(current_user), lists.RECENT, request.args.get("after"), lists.PAGE
    )
    return render("tickets/mine.html", rows_fragment="tickets/_mine_rows.html", tickets=found)


@bp.route("/my/tickets/new", methods=["GET", "POST"])
@allow(OWNER)
def report():
    """Report a problem from my phone, with photos."""
    form = forms.OwnerTicketForm()
    units = db.session.scalars(visible_units(current_user).order_by(Unit.sort_key)).all()
    form.unit.choices = choices((u.id, u.label) for u in units)
    if form.validate_on_submit():
        uploads = request.files.getlist("photos")
        unit = next((u for u in units if u.id == form.unit.data), None)
        outcome = save(
            form,
            lambda: intake.create(
                current_user,
                estate=unit.building.estate if unit else units[0].building.estate,
                unit=unit,
                reporter_name="",
                reporter_phone="",
                kind=form.kind.data,
                channel="online",
                category=form.category.data,
                severity="normal",
                description=form.description.data,
                uploads=uploads,
            ),
        )
        if outcome.ok:
            flash(_("已提交，我们会在 24 小时内跟进。"), "success")
            return see_other(url_for("tickets.mine_detail", ticket_id=outcome.value[0].id))
    return render_form("tickets/report.html", None, form)


@bp.get("/my/tickets/<int:ticket_id>")
@allow(OWNER)
def mine_detail(ticket_id: int):
    """My ticket: status, public replies, what happens next; add information; rate the result."""
    ticket = _ticket_or_404(ticket_id)
    return _page(
        ticket,
        public_only=True,
        template="tickets/mine_detail.html",
        entry_form=forms.EntryForm(formdata=None),
        version=ticket.version,
    )


@bp.post("/my/tickets/<int:ticket_id>/info")
@allow(OWNER)
def add_info(ticket_id: int):
    """Add information or photos to my ticket."""
    ticket = _ticket_or_404(ticket_id)
    form = forms.EntryForm()
    status = 422
    if form.validate_on_submit():
        uploads = request.files.getlist("photos")
        outcome = save(
            form, lambda: lifecycle.add_entry(ticket, current_user, "info", form.body.data, uploads)
        )
        if outcome.ok:
            flash(_("已补充。"), "success")
            return see_other(url_for("tickets.mine_detail", ticket_id=ticket.id))
        status = outcome.status
    return _page(
        ticket,
        public_only=True,
        template="tickets/mine_detail.html",
        status=status,
        entry_form=form,
        version=ticket.version,
    )


@bp.post("/my/tickets/<int:ticket_id>/visit")
@allow(OWNER)
def visit(ticket_id: int):
    """The return visit: rate the result; 不满意 reopens the ticket."""
    ticket = _ticket_or_404(ticket_id)
    form = forms.EntryForm(formdata=None)
    outcome = save(
        form,
        lambda: lifecycle.transition(
            ticket,
            "visit",
            current_user,
            version=request.form.get("version", type=int) or -1,
            rating=request.form.get("rating"),
            comment=request.form.get("comment", ""),
        ),
    )
    if outcome.ok:
        flash(
            _("谢谢你的评价。") if ticket.closed_at else _("已重新打开，我们会继续处理。"),
            "success",
        )
        return see_other(url_for("tickets.mine_detail", ticket_id=ticket.id))
    return _page(
        ticket,
        public_only=True,
        template="tickets/mine_detail.html",
        status=outcome.status,
        entry_form=forms.EntryForm(formdata=None),
        version=ticket.version,
        visit_errors=form.form_errors,
    )


# --- the public tracking link --------------------------------------------------------------------


def _tracked(number: str, code: str) -> Ticket:
    """The ticket of a tracking link (number + secret code), while the link works."""
    ticket = intake.find_by_tracking(number[:32], (code or "")[:32])
    if ticket is None or not intake.tracking_open(ticket):
        abort(404)
    return ticket


def _checked(ticket: Ticket) -> bool:
    """This device proved the link is the caller's (the phone's last four digits), lately."""
    until = (session.get("tracked") or {}).get(str(ticket.id))
    return isinstance(until, (int, float)) and until > clock.now().timestamp()


def _track_url(ticket: Ticket, code: str) -> str:
    return url_for("tickets.track", number=ticket.number, code=code)


def _track_page(ticket: Ticket, code: str, status: int = 200, **extra):
    checked = _checked(ticket)
    notices = intake.caller_notices(ticket)
    entries = lifecycle.timeline(ticket, public_only=True)
    # The caller's own additions say how many photos arrived (the pictures stay with staff).
    sent = photos.photos_for("ticket_entry", [e.id for e in entries if e.from_caller])
    response = render(
        "tickets/track.html",
        status=status,
        ticket=ticket,
        code=code,
        entries=entries,
        photo_counts={entry_id: len(links) for entry_id, links in sent.items()},
        checked=checked,
        awaits_visit=lifecycle.awaits_visit(ticket),
        entry_form=extra.pop("entry_form", None) or forms.CallerInfoForm(formdata=None),
        # The unit's rectification notices, to its owner once the phone is checked.
        has_notices=bool(notices),
        notices=notices if checked else [],
        reply_forms=extra.pop("reply_forms", {}),
        **extra,
    )
    return no_store(response)


def _tracking_key() -> str:
    """Phone checks are counted per client and ticket (guessing four digits takes many)."""
    number = (request.view_args or {}).get("number", "")[:32]
    return f"track-check:{get_remote_address()}:{number}"


@bp.get("/t/<number>")
@allow(PUBLIC)
@limiter.limit(lambda: current_app.config.get("TRACKING_LIMIT", "30/minute"))
def track(number: str):
    """One ticket's public status, for a caller without an account (number + secret code);
    after a phone check, the caller adds information and answers the return visit here."""
    code = request.args.get("code") or ""
    return _track_page(_tracked(number, code), code)


@bp.post("/t/<number>/check")
@allow(PUBLIC)
@limiter.limit(
    lambda: current_app.config.get("TRACKING_CHECK_LIMIT", "5/15 minutes"),
    key_func=_tracking_key,
    deduct_when=lambda _response: bool(g.get("tracking_try")),
)
def track_check(number: str):
    """The caller proves the link is theirs: the last four digits of their phone (only a try
    of four digits counts against the limit)."""
    code = request.form.get("code") or ""
    ticket = _tracked(number, code)
    typed = fold_width(request.form.get("digits")).strip()  # １２３４ as typed in Chinese too
    if not (len(typed) == 4 and typed.isascii() and typed.isdigit()):
        return _track_page(ticket, code, 422, check_error=_("请输入 4 位数字。"))
    g.tracking_try = True
    if not intake.phone_matches(ticket, typed):
        return _track_page(ticket, code, 422, check_error=_("电话号码后四位不对。"))
    tracked = {
        k: v
        for k, v in (session.get("tracked") or {}).items()
        if isinstance(v, (int, float)) and v > clock.now().timestamp()
    }
    tracked[str(ticket.id)] = (clock.now() + intake.CHECKED_FOR).timestamp()
    session["tracked"] = dict(list(tracked.items())[-5:])
    return see_other(_track_url(ticket, code))


@bp.post("/t/<number>/info")
@allow(PUBLIC)
@limiter.limit(lambda: current_app.config.get("TRACKING_LIMIT", "30/minute"))
def track_info(number: str):
    """More information and photos from the caller (after the phone check)."""
    code = request.form.get("code") or ""
    ticket = _tracked(number, code)
    if not _checked(ticket):
        return _track_page(ticket, code, 403, check_error=_("请先核对电话号码后四位。"))
    form = forms.CallerInfoForm()
    if not form.validate_on_submit():
        return _track_page(ticket, code, 422, entry_form=form)
    outcome = save(
        form,
        lambda: lifecycle.info_via_link(
            ticket, form.body.data or "", request.files.getlist("photos")
        ),
    )
    if outcome.ok:
        flash(_("已补充。"), "success")
        return see_other(_track_url(ticket, code))
    return _track_page(ticket, code, outcome.status, entry_form=form)


@bp.post("/t/<number>/notices/<int:notice_id>/reply")
@allow(PUBLIC)
@limiter.limit(lambda: current_app.config.get("TRACKING_LIMIT", "30/minute"))
def track_notice_reply(number: str, notice_id: int):
    """The owner replies to a rectification notice of their unit (after the phone check):
    what was put right, with photos, as on their own account."""
    code = request.form.get("code") or ""
    ticket = _tracked(number, code)
    if not _checked(ticket):
        return _track_page(ticket, code, 403, check_error=_("请先核对电话号码后四位。"))
    notice = next((n for n in intake.caller_notices(ticket) if n.id == notice_id), None)
    if notice is None:
        abort(404)
    form = forms.NoticeReplyForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: intake.reply_to_notice(
                ticket, notice, text=form.text.data, uploads=request.files.getlist("photos")
            ),
        )
        if outcome.ok:
            flash(_("已提交，物业会在下次巡查时复核。"), "success")
            return see_other(_track_url(ticket, code) + f"#notice-{notice.id}")
    return _track_page(ticket, code, 422, reply_forms={notice.id: form})


@bp.post("/t/<number>/visit")
@allow(PUBLIC)
@limiter.limit(lambda: current_app.config.get("TRACKING_LIMIT", "30/minute"))
def track_visit(number: str):
    """The caller answers the return visit: 不满意 reopens the ticket."""
    code = request.form.get("code") or ""
    ticket = _tracked(number, code)
    if not _checked(ticket):
        return _track_page(ticket, code, 403, check_error=_("请先核对电话号码后四位。"))
    form = forms.EntryForm(formdata=None)
    outcome = save(
        form,
        lambda: lifecycle.visit_via_link(
            ticket,
            version=request.form.get("version", type=int) or -1,
            rating=request.form.get("rating"),
            comment=request.form.get("comment", "")[:500],
        ),
    )
    if outcome.ok:
        flash(
            _("谢谢你的评价。") if ticket.closed_at else _("已重新打开，我们会继续处理。"),
            "success",
        )
        return see_other(_track_url(ticket, code))
    return _track_page(ticket, code, outcome.status, visit_errors=form.form_errors)


# --- 扫码报修: a place's QR code, a report without an account ------------------------------------

scan_bp = Blueprint("scan", __name__)


@scan_bp.get("/scan-codes")
@allow(SUPERVISOR_UP)
def scan_codes():
    """The estate's scan-to-report codes, one per building and public area, to print (A4)."""
    estate = _scan_estate()
    found = scan.places(estate)
    return render(
        "tickets/scan_codes.html",
        estate=estate,
        estates=current_user.estates,
        codes=[(p, scan.url_of(p.link)) for p in found if p.link],
        qr=qr_data_uri,
        missing=sum(1 for p in found if p.link is None),
        form=ActionForm(formdata=None),
    )


@scan_bp.post("/scan-codes")
@allow(SUPERVISOR_UP)
def scan_codes_issue():
    """Make the codes of the places that have none."""
    estate = _scan_estate()
    if not ActionForm().validate_on_submit():
        abort(400)
    made = scan.issue_missing(current_user, estate)
    db.session.commit()
    flash(_("已生成 %(n)d 个二维码。", n=made), "success")
    return see_other(url_for("scan.scan_codes", estate=estate.id))


@scan_bp.post("/scan-codes/replace")
@allow(SUPERVISOR_UP)
def scan_code_replace():
    """A new code for one place (a printed one was misused): the old one stops working."""
    estate = _scan_estate()
    kind, _sep, record_id = (request.form.get("place") or "").partition("-")
    if not ActionForm().validate_on_submit() or kind not in scan.PLACE_TYPES:
        abort(400)
    if not record_id.isdigit() or len(record_id) > 10:
        abort(404)
    outcome = save(
        ActionForm(formdata=None),
        lambda: scan.replace(current_user, estate, kind, int(record_id)),
    )
    if not outcome.ok:
        abort(404)
    flash(_("已更换这个位置的二维码，旧的已失效。请打印新的张贴。"), "success")
    return see_other(url_for("scan.scan_codes", estate=estate.id))


def _scan_estate():
    return asked_estate(current_user)


def _scan_place_key() -> str:
    """The place of the code, for its own rate limit (many people, one misused sheet)."""
    return f"scan-place:{(request.view_args or {}).get('token', '')[:80]}"


def _report_taken(response) -> bool:
    """Only a report taken counts against the limits (a refused form costs nothing)."""
    return bool(g.get("scan_reported"))


def _scan_refused(_limit):
    """Too many reports (from this network, or at this place): the form comes back as it was
    typed, saying why and what to do, rather than an error page that loses the report."""
    place = scan.place_of((request.view_args or {}).get("token", ""))
    if place is None:
        return no_store(_gone_code())
    form = forms.ScanReportForm()
    form.form_errors.append(
        _(
            "提交太频繁，请过一会儿再提交。你填写的内容还在，照片需要重新选择；"
            "紧急情况请直接联系物业客服中心。"
        )
    )
    return _scan_form(form, place, 429)


@scan_bp.route("/s/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(
    lambda: current_app.config.get("SCAN_LIMIT", "5/hour"),
    methods=["POST"],
    per_method=True,
    deduct_when=_report_taken,
    on_breach=_scan_refused,
)
@limiter.limit(
    lambda: current_app.config.get("SCAN_PLACE_LIMIT", "30/hour"),
    methods=["POST"],
    key_func=_scan_place_key,
    deduct_when=_report_taken,
    on_breach=_scan_refused,
)
def report_at(token: str):
    """The report form a place's QR code opens: no account, the place filled in."""
    place = scan.place_of(token)
    if place is None:
        return no_store(_gone_code())
    form = forms.ScanReportForm()
    if request.method == "POST" and form.validate_on_submit():
        if form.website.data:  # a robot filled the hidden field: thank it, keep nothing
            return no_store(render("tickets/scan_done.html", place=place, track_url=None))
        outcome = save(
            form,
            lambda: scan.report(
                place,
                kind=form.kind.data,
                description=form.description.data,
                name=form.name.data,
                phone=form.phone.data,
                uploads=request.files.getlist("photos"),
            ),
        )
        if outcome.ok:
            ticket, code = outcome.value
            g.scan_reported = True
            # The code is shown once, on the page after this one (a reload there sends nothing).
            session["scan_done"] = [ticket.number, code]
            return see_other(url_for("scan.report_done", token=token))
        return _scan_form(form, place, outcome.status)
    return _scan_form(form, place, 422 if form.errors else 200)


def _scan_form(form, place, status: int):
    return no_store(render("tickets/scan_report.html", status=status, form=form, place=place))


@scan_bp.get("/s/<token>/done")
@allow(PUBLIC)
def report_done(token: str):
    """What the reporter keeps: the ticket's number and its tracking link."""
    place = scan.place_of(token)
    if place is None:
        return no_store(_gone_code())
    done = session.get("scan_done")
    ticket = None
    if isinstance(done, list) and len(done) == 2:
        ticket = intake.find_by_tracking(str(done[0])[:32], str(done[1])[:32])
    if ticket is None:
        return see_other(url_for("scan.report_at", token=token))
    track_url = external_url("tickets.track", number=ticket.number, code=done[1])
    return no_store(
        render("tickets/scan_done.html", place=place, ticket=ticket, track_url=track_url)
    )


def _gone_code():
    """A code that no longer works (replaced, or never ours): say so, and what to do instead."""
    return make_response(
        render_template(
            "errors/error.html",
            code=404,
            message=_("这个二维码已失效。请向物业服务中心报修，或扫描现场新的二维码。"),
        ),
        404,
    )

"""Decoration sites: permits, today's site round, inspections, rectification notices, completion,
the unit's timeline; the owner's view of their own renovation."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp import clock, deadlines, paging, signoff
from webapp.access import AUTHENTICATED, MANAGER, OWNER, STAFF, SUPERVISOR_UP, allow
from webapp.decoration import forms, services
from webapp.exports import Column, xlsx_response
from webapp.extensions import db
from webapp.forms import choices, save
from webapp.labels import NOTICE_STATUS_LABELS, label
from webapp.models import (
    DecorationInspection,
    DecorationPermit,
    DecorationResult,
    RectificationNotice,
    Unit,
)
from webapp.photos import services as photos
from webapp.scoping import (
    building_choices,
    find_unit,
    get_building_or_404,
    get_or_404,
    get_unit_or_404,
    visible_estate,
)
from webapp.tickets import intake as tickets
from webapp.web import render, render_form, see_other

bp = Blueprint("decoration", __name__, url_prefix="/decoration")

PAGE = 25  # permits a page


def _permit_or_404(permit_id: int) -> DecorationPermit:
    return get_or_404(services.visible_permits(current_user), DecorationPermit, permit_id)


def _notice_or_404(notice_id: int) -> RectificationNotice:
    return get_or_404(services.visible_notices(current_user), RectificationNotice, notice_id)


@bp.get("")
@allow(STAFF)
def index():
    """Today's site round: active sites, their last inspection and open notices."""
    return render(
        "decoration/index.html",
        sites=services.active_sites(current_user),
        drafts=services.drafts(current_user),
        now=clock.now(),
    )


@bp.get("/permits")
@allow(STAFF)
def permits():
    """Every renovation of my estates, newest first, a page at a time."""
    found = paging.read(
        services.visible_permits(current_user).options(
            joinedload(DecorationPermit.unit).joinedload(Unit.building)
        ),
        services.NEWEST,
        request.args.get("after"),
        PAGE,
    )
    return render(
        "decoration/permits.html", rows_fragment="decoration/_permit_rows.html", permits=found
    )


def _violations(inspection) -> str:
    """The rules an inspection found broken, with what was seen: one line each."""
    return "\n".join(
        f"{r.rule.text}：{r.note}" if r.note else r.rule.text
        for r in inspection.results
        if r.outcome == "violation"
    )


INSPECTION_COLUMNS = [
    Column(_l("巡查时间"), lambda i: i.inspected_at, 17),
    Column(_l("房屋"), lambda i: i.permit.unit.label, 12),
    Column(_l("施工单位"), lambda i: i.permit.contractor, 18),
    Column(_l("巡查人"), lambda i: i.inspector.display_name, 10),
    Column(_l("检查项"), lambda i: len(i.results), 8),
    Column(_l("违规"), lambda i: sum(r.outcome == "violation" for r in i.results), 8),
    Column(_l("违规情况"), _violations, 40),
    Column(_l("备注"), lambda i: i.note, 24),
]
NOTICE_COLUMNS = [
    Column(_l("编号"), lambda n: n.number or "", 22),
    Column(_l("房屋"), lambda n: n.unit.label, 12),
    Column(_l("施工单位"), lambda n: n.permit.contractor, 18),
    Column(_l("违反规定"), lambda n: n.rule_text, 24),
    Column(_l("情况"), lambda n: n.description, 32),
    Column(_l("状态"), lambda n: label(NOTICE_STATUS_LABELS, n.status), 12),
    Column(_l("签发人"), lambda n: n.issued_by.display_name if n.issued_by else "", 10),
    Column(_l("签发时间"), lambda n: n.issued_at, 17),
    Column(_l("整改期限"), lambda n: n.deadline, 17),
    Column(_l("业主回复时间"), lambda n: n.replied_at, 17),
    Column(_l("整改完成时间"), lambda n: n.rectified_at, 17),
]


@bp.get("/inspections/<int:inspection_id>/print")
@allow(STAFF)
def inspection_print(inspection_id: int):
    """An inspection as the department's paper 装修巡查表 (A4)."""
    inspection = services.inspection_or_404(current_user, inspection_id)
    return render(
        "decoration/inspection_print.html",
        inspection=inspection,
        permit=inspection.permit,
        result_photos=photos.photos_for(services.RESULT, [r.id for r in inspection.results]),
    )


@bp.get("/inspections.xlsx")
@allow(STAFF)
def inspections_xlsx():
    """Every renovation inspection of my estates, with the rules found broken (Excel)."""
    rows = services.inspections_export(current_user)
    return xlsx_response("decoration-inspections.xlsx", _("装修巡查"), INSPECTION_COLUMNS, rows)


def _notice_filters() -> dict:
    """The notices list's filters from the address (the page and its export share them)."""
    state = request.args.get("state")
    estate = visible_estate(current_user, request.args.get("estate", type=int))
    return {
        "state": state if state in services.NOTICE_STATES else "due",
        "estate_id": estate.id if estate else None,
    }


@bp.get("/notices")
@allow(STAFF)
def notices():
    """Rectification notices by where they stand: running, overdue, replied, drafts, all."""
    filters = _notice_filters()
    now = clock.now()
    found = paging.read(
        services.notices_filtered(current_user, **filters, now=now).options(
            joinedload(RectificationNotice.unit).joinedload(Unit.building)
        ),
        services.notice_order(filters["state"]),
        request.args.get("after"),
        PAGE,
    )
    estate_arg = {"estate": filters["estate_id"]} if filters["estate_id"] else {}
    return render(
        "decoration/notices.html",
        rows_fragment="decoration/_notice_rows.html",
        notices=found,
        states={n.id: deadlines.state_of(n, now) for n in found},
        filters=filters,
        estate_arg=estate_arg,
        state_keys=services.NOTICE_STATES,
        page_context=lambda: {"estates": list(current_user.estates)},
        export_url=url_for("decoration.notices_xlsx", state=filters["state"], **estate_arg),
    )


@bp.get("/notices.xlsx")
@allow(STAFF)
def notices_xlsx():
    """The rectification notices with the list's filters (every one without) and where each
    stands (Excel)."""
    filters = _notice_filters() if request.args.get("state") else {}
    rows = services.notices_export(current_user, **filters)
    return xlsx_response("rectification-notices.xlsx", _("整改通知"), NOTICE_COLUMNS, rows)


@bp.route("/permits/new", methods=["GET", "POST"])
@allow(STAFF)
def register():
    """Register a renovation for a unit (装修申请)."""
    form = forms.PermitForm()
    form.building.choices = choices(building_choices(current_user))
    if form.validate_on_submit():

        def create():
            building = get_building_or_404(current_user, form.building.data)
            unit = find_unit(current_user, building.id, form.number.data)
            return services.register(
                current_user,
                unit,
                owner_name=form.owner_name.data,
                owner_phone=form.owner_phone.data,
                contractor=form.contractor.data,
                site_lead=form.site_lead.data,
                site_lead_phone=form.site_lead_phone.data,
                scope="、".join(form.scope.data),
                start_date=form.start_date.data,
                end_date=form.end_date.data,
                workers=form.workers.data,
                deposit=form.deposit.data,
            )

        outcome = save(form, create)
        if outcome.ok:
            flash(_("已登记装修申请 %(n)s。", n=outcome.value.number), "success")
            return see_other(url_for("decoration.permit", permit_id=outcome.value.id))
    return render_form("decoration/permit_new.html", None, form)


def _permit_page(permit, status=200, transition_form=None):
    inspections = (
        db.session.scalars(
            select(DecorationInspection)
            .where(DecorationInspection.permit_id == permit.id)
            .options(
                joinedload(DecorationInspection.inspector),
                joinedload(DecorationInspection.results).joinedload(DecorationResult.rule),
            )
            .order_by(DecorationInspection.inspected_at.desc())
        )
        .unique()
        .all()
    )
    notices = db.session.scalars(
        select(RectificationNotice)
        .where(RectificationNotice.permit_id == permit.id)
        .order_by(RectificationNotice.created_at.desc())
    ).all()
    result_ids = [r.id for i in inspections for r in i.results]
    form = transition_form or forms.TransitionForm(formdata=None)
    form.version.data = permit.version
    return render(
        "decoration/permit.html",
        status=status,
        permit=permit,
        inspections=inspections,
        notices=notices,
        result_photos=photos.photos_for(services.RESULT, result_ids),
        # The opinions signed on each inspection (the manager's review queue).
        opinions=signoff.signatures_of(services.INSPECTION, [i.id for i in inspections]),
        transition_form=form,
        plan=photos.photos_for(services.PERMIT, [permit.id]).get(permit.id, []),
        actions=services.permit_steps(current_user, permit),
        now=clock.now(),
    )


@bp.post("/permits/<int:permit_id>/photos")
@allow(STAFF)
def plan_photos(permit_id: int):
    """Attach photos of the approved plan and other papers to the permit."""
    permit = _permit_or_404(permit_id)
    form = forms.ReplyForm(formdata=None)  # the CSRF token is checked before the view runs
    uploads = request.files.getlist("photos")
    outcome = save(form, lambda: services.attach_plan(current_user, permit, uploads))
    if outcome.ok:
        flash(_("已添加 %(n)d 张附件照片。", n=outcome.value), "success")
    for message in [*form.form_errors, *form.photos.errors]:
        flash(message, "error")
    return see_other(url_for("decoration.permit", permit_id=permit.id) + "#plan")


@bp.get("/permits/<int:permit_id>")
@allow(STAFF)
def permit(permit_id: int):
    """A renovation: its details, status, inspections and notices."""
    return _permit_page(_permit_or_404(permit_id))


@bp.post("/permits/<int:permit_id>/transition")
@allow(STAFF)
def transition(permit_id: int):
    """Move the permit along its lifecycle (approve, start, suspend, extend …)."""
    permit = _permit_or_404(permit_id)
    form = forms.TransitionForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.transition(
                permit,
                form.action.data,
                current_user,
                version=form.version_value(),
                note=form.note.data or "",
                new_end=form.new_end.data,
            ),
        )
        if outcome.ok:
            flash(_("已更新装修状态。"), "success")
            return see_other(url_for("decoration.permit", permit_id=permit.id))
        return _permit_page(permit, status=outcome.status, transition_form=form)
    return _permit_page(permit, status=422, transition_form=form)


def _answers(rules) -> list[services.Answer]:
    return [
        services.Answer(
            rule.id,
            request.form.get(f"outcome-{rule.id}", ""),
            request.form.get(f"note-{rule.id}", "")[:1000],
            request.files.getlist(f"photos-{rule.id}"),
        )
        for rule in rules
    ]


def _inspection_page(permit, kind, form, status=200):
    return render(
        "decoration/inspect.html",
        status=status,
        permit=permit,
        kind=kind,
        form=form,
        rules=services.rules(permit.estate_id, kind),
        notices=services.open_notices([permit.id])[permit.id],
        values=request.form,
    )


def _inspect(permit_id: int, kind: str):
    permit = _permit_or_404(permit_id)
    form = forms.InspectionForm()
    if request.method == "GET":
        return _inspection_page(permit, kind, form)
    if form.validate_on_submit():
        rules = services.rules(permit.estate_id, kind)
        checked = {
            int(key.split("-", 1)[1]): value
            for key, value in request.form.items()
            if key.startswith("notice-") and key.split("-", 1)[1].isdigit()
        }
        outcome = save(
            form,
            lambda: services.inspect(
                current_user,
                permit,
                _answers(rules),
                note=form.note.data or "",
                deadline_days=form.deadline_days.data or services.DEFAULT_DEADLINE_DAYS,
                checked=checked,
                verdict=form.verdict.data or None,
                deposit_status=form.deposit_status.data or None,
                kind=kind,
            ),
        )
        if outcome.ok:
            flash(_("检查已记录。"), "success")
            return see_other(url_for("decoration.permit", permit_id=permit.id))
        return _inspection_page(permit, kind, form, status=outcome.status)
    return _inspection_page(permit, kind, form, status=422)


@bp.route("/permits/<int:permit_id>/inspect", methods=["GET", "POST"])
@allow(STAFF)
def inspect(permit_id: int):
    """Inspect the site against the decoration rules; violations become notices."""
    return _inspect(permit_id, "daily")


@bp.route("/permits/<int:permit_id>/completion", methods=["GET", "POST"])
@allow(SUPERVISOR_UP)
def completion(permit_id: int):
    """Completion acceptance (竣工验收): its own checklist, accepted or rejected with reasons."""
    return _inspect(permit_id, "completion")


@bp.get("/notices/<int:notice_id>")
@allow(AUTHENTICATED)
def notice(notice_id: int):
    """A rectification notice, printable on A4; the owner replies here."""
    item = _notice_or_404(notice_id)
    return _notice_page(item)


def _notice_page(item, status=200, issue_form=None, reply_form=None):
    links = photos.photos_for(services.NOTICE, [item.id]).get(item.id, [])
    issue_form = issue_form or forms.IssueForm(formdata=None)
    issue_form.version.data = item.version
    return render(
        "decoration/notice.html",
        status=status,
        notice=item,
        state=deadlines.state_of(item, clock.now()),
        before=[link for link in links if link.purpose == "before"],
        after=[link for link in links if link.purpose == "after"],
        issue_form=issue_form,
        reply_form=reply_form or forms.ReplyForm(formdata=None),
        ticket_links=tickets.linked_tickets(services.NOTICE, item.id)
        if current_user.is_staff
        else [],
    )


@bp.post("/notices/<int:notice_id>/issue")
@allow(SUPERVISOR_UP)
def issue(notice_id: int):
    """Approve and issue an assistant's draft notice (optionally with another deadline)."""
    item = _notice_or_404(notice_id)
    form = forms.IssueForm()
    if form.validate_on_submit():
        deadline = None
        if form.deadline.data:
            deadline = form.deadline.data.replace(tzinfo=ZoneInfo(item.permit.estate.timezone))
        outcome = save(
            form,
            lambda: services.issue(
                current_user, item, version=form.version_value(), deadline=deadline
            ),
        )
        if outcome.ok:
            flash(_("整改通知已签发：%(n)s。", n=item.number), "success")
            return see_other(url_for("decoration.notice", notice_id=item.id))
        return _notice_page(item, status=outcome.status, issue_form=form)
    return _notice_page(item, status=422, issue_form=form)


@bp.post("/notices/<int:notice_id>/reply")
@allow(OWNER)
def reply(notice_id: int):
    """The owner replies that it has been rectified, with a photo."""
    item = _notice_or_404(notice_id)
    form = forms.ReplyForm()
    if form.validate_on_submit():
        uploads = request.files.getlist("photos")
        outcome = save(
            form,
            lambda: services.owner_reply(current_user, item, text=form.text.data, uploads=uploads),
        )
        if outcome.ok:
            flash(_("已提交，物业会在下次巡查时复核。"), "success")
            return see_other(url_for("decoration.notice", notice_id=item.id))
        return _notice_page(item, status=outcome.status, reply_form=form)
    return _notice_page(item, status=422, reply_form=form)


@bp.post("/results/<int:result_id>/workorder")
@allow(STAFF)
def to_engineering(result_id: int):
    """Send a building-quality problem found in the unit to engineering as a work order."""
    if not services.visible_result_ids(current_user, [result_id]):
        abort(404)
    result = db.session.get(DecorationResult, result_id)
    permit = result.inspection.permit
    form = forms.ReplyForm(formdata=None)  # only for the CSRF-checked save()
    outcome = save(form, lambda: services.to_engineering(current_user, result))
    if outcome.ok:
        flash(_("已派发工单 %(n)s。", n=outcome.value.number), "success")
        return see_other(url_for("workorders.detail", order_id=outcome.value.id))
    return see_other(url_for("decoration.permit", permit_id=permit.id))


@bp.get("/units/<int:unit_id>/timeline")
@allow(STAFF)
def timeline(unit_id: int):
    """One unit's renovation record: permit, every inspection, every notice, completion."""
    unit = get_unit_or_404(current_user, unit_id)
    return render("decoration/timeline.html", unit=unit, events=services.unit_timeline(unit))


@bp.route("/rules", methods=["GET", "POST"])
@allow(MANAGER)
def rules():
    """The decoration rules checked daily and at completion, per estate."""
    form = forms.RulesForm()
    estates = current_user.estates
    form.estate.choices = choices((e.id, e.name) for e in estates)
    estate_id = (
        request.args.get("estate", type=int)
        or (form.estate.data if request.method == "POST" else None)
        or (estates[0].id if estates else None)
    )
    if estate_id not in {e.id for e in estates}:
        abort(404)
    if form.validate_on_submit():

        def store():
            services.set_rules(current_user, estate_id, "daily", form.daily.data)
            services.set_rules(current_user, estate_id, "completion", form.completion.data)

        if save(form, store).ok:
            flash(_("已保存。"), "success")
            return see_other(url_for("decoration.rules", estate=estate_id))
    elif request.method == "GET":
        form.estate.data = estate_id
        form.daily.data = "\n".join(r.text for r in services.rules(estate_id, "daily"))
        form.completion.data = "\n".join(r.text for r in services.rules(estate_id, "completion"))
    return render_form("decoration/rules.html", None, form)


@bp.get("/mine")
@allow(OWNER)
def mine():
    """The owner's renovation: permit status and the notices issued to their unit."""
    found = db.session.scalars(
        services.visible_permits(current_user)
        .options(joinedload(DecorationPermit.unit).joinedload(Unit.building))
        .order_by(DecorationPermit.created_at.desc())
    ).all()
    notices = db.session.scalars(
        services.visible_notices(current_user).order_by(RectificationNotice.deadline.desc())
    ).all()
    now = clock.now()
    return render(
        "decoration/mine.html",
        plans=photos.photos_for(services.PERMIT, [p.id for p in found]),
        permits=found,
        notices=notices,
        states={n.id: deadlines.state_of(n, now) for n in notices},
    )

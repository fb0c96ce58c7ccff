"""Patrols on the phone: what is due, running a round item by item, QR check-in, sign-off,
history and compliance; the manager's templates."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from webapp import paging, scoping, signoff
from webapp.access import MANAGER, STAFF, SUPERVISOR_UP, allow
from webapp.auth import services as auth_services
from webapp.exports import Column, xlsx_response
from webapp.extensions import db
from webapp.forms import choices, save
from webapp.inputs import parse_date
from webapp.labels import (
    DEPARTMENT_LABELS,
    OUTCOME_LABELS,
    PERIOD_LABELS,
    WORK_ORDER_STATUS_LABELS,
    department_choices,
    label,
    staff_role_choices,
)
from webapp.links import external_url, qr_data_uri
from webapp.models import PatrolRound, PatrolTemplate, PublicArea
from webapp.patrols import checklists, forms, rounds
from webapp.patrols import compliance as schedule
from webapp.scoping import estate_ids_of, get_or_404
from webapp.web import fragment_or_redirect, render, see_other

bp = Blueprint("patrols", __name__, url_prefix="/patrols")


def _round_or_404(round_id: int) -> PatrolRound:
    return get_or_404(rounds.visible_rounds(current_user), PatrolRound, round_id)


def _template_or_404(template_id: int) -> PatrolTemplate:
    return get_or_404(checklists.visible_templates(current_user), PatrolTemplate, template_id)


def _record_form(**kwargs):
    form = forms.RecordForm(**kwargs)
    form.department.choices = choices([("", "—"), *department_choices()])
    return form


def _round_page(patrol_round: PatrolRound, status: int = 200, sign_form=None, amend_form=None):
    sigs = signoff.signatures(rounds.TARGET, patrol_round.id)
    amend_form = amend_form or forms.AmendForm(formdata=None)
    amend_form.outcome.choices = choices((k, str(v)) for k, v in OUTCOME_LABELS.items())
    return render(
        "patrols/round.html",
        status=status,
        round=patrol_round,
        checkpoints=rounds.round_view(patrol_round),
        signatures=sigs,
        locked=bool(sigs),
        sign_kind=signoff.kind_for(current_user),
        fresh=auth_services.fresh_now(),
        sign_form=sign_form or forms.SignForm(formdata=None),
        amend_form=amend_form,
        record_form=_record_form(formdata=None),
        photo_form=forms.PhotoForm(formdata=None),
        progress=rounds.progress(patrol_round),
    )


@bp.get("")
@allow(STAFF)
def index():
    """Today's rounds: what is due, what is running, what waits for my signature."""
    recent = schedule.history(current_user, person_id=current_user.id, size=10)
    return render(
        "patrols/index.html",
        due=schedule.due_today(current_user),
        awaiting=schedule.awaiting_signature(current_user),
        # My latest rounds; the rest are in the history (this page does not page).
        recent=paging.Page(recent.rows),
        more_rounds=recent.next is not None,
    )


@bp.post("/start/<int:template_id>")
@allow(STAFF)
def start(template_id: int):
    """Start a round (or continue the one already running on this template)."""
    template = _template_or_404(template_id)
    form = forms.PhotoForm()  # an empty form: only the CSRF token
    outcome = save(form, lambda: rounds.start_round(current_user, template))
    if not outcome.ok:
        for message in [*form.form_errors, *form.photos.errors]:
            flash(message, "error")
        return see_other(url_for("patrols.index"))
    return see_other(url_for("patrols.round", round_id=outcome.value.id))


@bp.get("/rounds/<int:round_id>")
@allow(STAFF)
def round(round_id: int):  # noqa: A001 - the endpoint's name
    """A round: tap through it while it runs; its summary, signatures and corrections after."""
    return _round_page(_round_or_404(round_id))


@bp.get("/rounds/<int:round_id>/print")
@allow(STAFF)
def round_print(round_id: int):
    """The round as the department's paper 巡查记录表 (A4)."""
    patrol_round = _round_or_404(round_id)
    return render(
        "patrols/print.html",
        round=patrol_round,
        checkpoints=rounds.round_view(patrol_round),
        signatures=signoff.signatures(rounds.TARGET, patrol_round.id),
    )


def _item_response(patrol_round, item_id, form=None, photo_form=None, status=200, view=None):
    """The item's card (and the round's progress, out of band) after a tap or an upload."""
    view = view or rounds.item_view(patrol_round, item_id)
    if view is None:
        abort(404)  # not an item of this round: there is no card to answer with
    context = dict(
        round=patrol_round,
        entry=view,
        record_form=form or _record_form(formdata=None),
        photo_form=photo_form or forms.PhotoForm(formdata=None),
        locked=False,
        progress_oob=rounds.progress(patrol_round),
    )
    if status != 200:
        return render("patrols/item.html", "patrols/_item.html", status=status, **context)
    return fragment_or_redirect(
        "patrols/_item.html",
        url_for("patrols.round", round_id=patrol_round.id) + f"#item-{item_id}",
        **context,
    )


@bp.post("/rounds/<int:round_id>/items/<int:item_id>")
@allow(STAFF)
def record(round_id: int, item_id: int):
    """Save one tap (正常/异常/不适用), a note or a department, at once."""
    patrol_round = _round_or_404(round_id)
    form = _record_form()
    if not form.validate_on_submit():
        return _item_response(patrol_round, item_id, form, status=422)
    fields = request.form
    outcome = save(
        form,
        lambda: rounds.record(
            current_user,
            patrol_round,
            item_id,
            outcome=fields.get("outcome") or None,
            note=fields.get("note"),
            department=fields.get("department") or None,
        ),
        keep_loaded=True,
    )
    if not outcome.ok:
        return _item_response(patrol_round, item_id, form, status=outcome.status)
    result = outcome.value  # drawn as written, without reading the round back
    return _item_response(
        patrol_round, item_id, view=rounds.card(patrol_round, result.item, result)
    )


@bp.post("/rounds/<int:round_id>/items/<int:item_id>/photos")
@allow(STAFF)
def photos(round_id: int, item_id: int):
    """Add photos to an item (shrunk on the phone first when JavaScript runs)."""
    patrol_round = _round_or_404(round_id)
    form = forms.PhotoForm()
    if not form.validate_on_submit():
        return _item_response(patrol_round, item_id, photo_form=form, status=422)
    uploads = request.files.getlist("photos")
    outcome = save(form, lambda: rounds.add_photos(current_user, patrol_round, item_id, uploads))
    if not outcome.ok:
        return _item_response(patrol_round, item_id, photo_form=form, status=outcome.status)
    return _item_response(patrol_round, item_id)


@bp.post("/rounds/<int:round_id>/rest-ok")
@allow(STAFF)
def rest_ok(round_id: int):
    """「其余正常」: the unanswered items of one checkpoint (or of the round) are 正常."""
    patrol_round = _round_or_404(round_id)
    form = forms.RestOkForm()
    if not form.validate_on_submit():
        return _round_page(patrol_round, status=422)
    checkpoint_id = form.checkpoint.data
    outcome = save(form, lambda: rounds.rest_ok(current_user, patrol_round, checkpoint_id))
    if not outcome.ok:
        for message in [*form.form_errors, *form.checkpoint.errors]:
            flash(message, "error")
        return _round_page(patrol_round, status=outcome.status)
    flash(_("已将 %(n)d 项标记为正常。", n=outcome.value), "success")
    anchor = f"#cp-{checkpoint_id}" if checkpoint_id else "#finish"
    return see_other(url_for("patrols.round", round_id=patrol_round.id) + anchor)


@bp.post("/rounds/<int:round_id>/finish")
@allow(STAFF)
def finish(round_id: int):
    """End the round; findings go out as work orders."""
    patrol_round = _round_or_404(round_id)
    form = forms.FinishForm()
    confirmed = bool(form.unchecked_confirmed.data)
    outcome = save(
        form, lambda: rounds.finish(current_user, patrol_round, unchecked_confirmed=confirmed)
    )
    if outcome.ok:
        flash(_("巡查已完成，发现 %(n)d 个问题，已派发工单。", n=len(outcome.value)), "success")
    named = getattr(form, "named_errors", {})
    refused = [*form.form_errors, *form.unchecked_confirmed.errors]
    for message in dict.fromkeys([*refused, *(m for ms in named.values() for m in ms)]):
        flash(message, "error")
    anchor = "#finish" if form.unchecked_confirmed.errors else ""
    return see_other(url_for("patrols.round", round_id=patrol_round.id) + anchor)


@bp.post("/rounds/<int:round_id>/sign")
@allow(SUPERVISOR_UP)
def sign(round_id: int):
    """Sign off (supervisor) or sign an opinion (manager); needs the password again."""
    patrol_round = _round_or_404(round_id)
    form = forms.SignForm()
    if form.validate_on_submit():
        fresh = auth_services.confirmed(form)
        if not form.password.errors:
            outcome = save(
                form,
                lambda: rounds.sign(
                    current_user, patrol_round, form.opinion.data or "", fresh=fresh
                ),
            )
            if outcome.ok:
                flash(_("已签核。记录已锁定，之后的更正会单独留痕。"), "success")
                return see_other(url_for("patrols.round", round_id=patrol_round.id))
            db.session.commit()  # keep a successful re-authentication
            return _round_page(patrol_round, status=outcome.status, sign_form=form)
    return _round_page(patrol_round, status=422, sign_form=form)


@bp.post("/rounds/<int:round_id>/items/<int:item_id>/amend")
@allow(STAFF)
def amend(round_id: int, item_id: int):
    """Correct an answer after the round ended; the original stays visible."""
    patrol_round = _round_or_404(round_id)
    form = forms.AmendForm()
    form.outcome.choices = choices((k, str(v)) for k, v in OUTCOME_LABELS.items())
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: rounds.amend(
                current_user,
                patrol_round,
                item_id,
                outcome=form.outcome.data,
                note=form.note.data or "",
                reason=form.reason.data,
            ),
        )
        if outcome.ok:
            flash(_("更正已记录。"), "success")
            return see_other(
                url_for("patrols.round", round_id=patrol_round.id) + f"#item-{item_id}"
            )
        return _round_page(patrol_round, status=outcome.status, amend_form=form)
    return _round_page(patrol_round, status=422, amend_form=form)


@bp.route("/scan/<token>", methods=["GET", "POST"])
@allow(STAFF)
def scan(token: str):
    """A checkpoint's QR code: confirm arrival, then open that checkpoint in the running round."""
    checkpoint = checklists.checkpoint_by_token(token)
    if checkpoint is None or checkpoint.template.estate_id not in estate_ids_of(current_user):
        return render("patrols/scan_invalid.html", status=404)
    form = forms.PhotoForm()
    if request.method == "POST" and form.validate_on_submit():
        outcome = save(form, lambda: rounds.visit(current_user, checkpoint))
        if outcome.ok:
            patrol_round, _visit = outcome.value
            return see_other(
                url_for("patrols.round", round_id=patrol_round.id) + f"#cp-{checkpoint.id}"
            )
    return render("patrols/scan.html", checkpoint=checkpoint, form=form)


def _history_filters() -> dict:
    """The history's filters from the address (the page and its exports share them)."""
    args = request.args
    return {
        "since": parse_date(args.get("since")),
        "until": parse_date(args.get("until")),
        "person_id": args.get("person", type=int),
        "area": (args.get("area") or "").strip()[:40],
        "result": args.get("result") if args.get("result") in ("issues", "clean") else "",
        # From the dashboard: one estate, the rounds that found one item 异常, finished only.
        "estate_id": args.get("estate", type=int),
        "item_id": args.get("item", type=int),
        "finished": args.get("finished") == "1",
    }


def _history_args(filters: dict) -> dict:
    """The filters as the address carries them (for the export links)."""
    return {
        "since": filters["since"].isoformat() if filters["since"] else None,
        "until": filters["until"].isoformat() if filters["until"] else None,
        "person": filters["person_id"],
        "area": filters["area"] or None,
        "result": filters["result"] or None,
        "estate": filters["estate_id"],
        "item": filters["item_id"],
        "finished": "1" if filters["finished"] else None,
    }


@bp.get("/history")
@allow(STAFF)
def history():
    """Past rounds: filter by date, person, area and result."""
    filters = _history_filters()
    args = _history_args(filters)
    return render(
        "patrols/history.html",
        "patrols/_history_rows.html",
        rows_fragment="patrols/_history_cards.html",
        rows=schedule.history(current_user, **filters, after=request.args.get("after")),
        filters=filters,
        people=schedule.patrollers(current_user),
        args=args,
        page_context=lambda: {
            "estate": scoping.visible_estate(current_user, filters["estate_id"]),
            "item": checklists.visible_item(current_user, filters["item_id"]),
        },
        export_url=url_for("patrols.history_xlsx", **args),
        findings_url=url_for("patrols.findings_xlsx", **args),
    )


ROUND_COLUMNS = [
    Column(_l("巡查表"), lambda r: r.round.template.name, 16),
    Column(_l("巡查人"), lambda r: r.round.patroller.display_name, 10),
    Column(_l("开始时间"), lambda r: r.round.started_at, 17),
    Column(_l("完成时间"), lambda r: r.round.finished_at, 17),
    Column(_l("已检查项"), lambda r: r.answered, 10),
    Column(_l("异常"), lambda r: r.issues, 8),
    Column(_l("已签核"), lambda r: str(_l("是")) if r.signed else "", 8),
]
FINDING_COLUMNS = [
    Column(_l("巡查时间"), lambda f: f.recorded_at, 17),
    Column(_l("巡查人"), lambda f: f.round.patroller.display_name, 10),
    Column(_l("巡查点"), lambda f: f.item.checkpoint.name, 14),
    Column(_l("检查项"), lambda f: f.item.text, 20),
    Column(_l("情况"), lambda f: f.note, 36),
    Column(_l("交由部门"), lambda f: label(DEPARTMENT_LABELS, f.department or "")),
    Column(_l("工单"), lambda f: f.work_order.number if f.work_order else "", 22),
    Column(
        _l("工单状态"),
        lambda f: label(WORK_ORDER_STATUS_LABELS, f.work_order.status) if f.work_order else "",
    ),
]


@bp.get("/history.xlsx")
@allow(STAFF)
def history_xlsx():
    """The rounds of the history with its filters as an Excel workbook (every row)."""
    rows = schedule.history_export(current_user, **_history_filters())
    return xlsx_response("patrol-rounds.xlsx", _("巡查记录"), ROUND_COLUMNS, rows)


@bp.get("/findings.xlsx")
@allow(STAFF)
def findings_xlsx():
    """The 异常 found on those rounds, with their work orders, as an Excel workbook."""
    rows = schedule.findings_export(current_user, **_history_filters())
    return xlsx_response("patrol-findings.xlsx", _("巡查异常"), FINDING_COLUMNS, rows)


@bp.get("/compliance")
@allow(SUPERVISOR_UP)
def compliance():
    """Rounds done vs required, per person and per day."""
    days, rows = schedule.compliance(current_user)
    return render("patrols/compliance.html", days=days, rows=rows)


# --- templates (the manager) -------------------------------------------------------------------


def _template_create_form(**kwargs):
    form = forms.TemplateCreateForm(**kwargs)
    form.estate.choices = choices((e.id, e.name) for e in current_user.estates)
    return form


@bp.route("/templates", methods=["GET", "POST"])
@allow(MANAGER)
def templates():
    """Patrol templates of the manager's estates, and a form for a new one."""
    form = _template_create_form()
    if form.validate_on_submit():
        if form.estate.data not in {e.id for e in current_user.estates}:
            abort(404)
        outcome = save(
            form,
            lambda: checklists.create_template(
                current_user, form.estate.data, form.name.data, form.description.data or ""
            ),
        )
        if outcome.ok:
            return see_other(url_for("patrols.template", template_id=outcome.value.id))
    found = db.session.scalars(
        checklists.visible_templates(current_user).order_by(PatrolTemplate.name)
    ).all()
    status = 422 if form.errors else 200
    return render("patrols/templates.html", status=status, templates=found, form=form)


def _checkpoint_form(template, **kwargs):
    form = forms.CheckpointForm(**kwargs)
    areas = db.session.scalars(
        select(PublicArea)
        .where(PublicArea.estate_id == template.estate_id, PublicArea.active.is_(True))
        .order_by(PublicArea.name)
    ).all()
    form.area.choices = choices([("", "—"), *((a.id, a.name) for a in areas)])
    return form


def _requirement_form(**kwargs):
    form = forms.RequirementForm(**kwargs)
    form.role.choices = choices(staff_role_choices())
    form.period.choices = choices((k, str(v)) for k, v in PERIOD_LABELS.items())
    return form


def _template_page(template, status=200, edit_form=None, checkpoint_form=None, req_form=None):
    tree = checklists.template_tree(template.id)
    if edit_form is None:
        edit_form = forms.TemplateEditForm(formdata=None, obj=tree)
        edit_form.version.data = tree.version
    if status == 200 and any(
        f is not None and f.errors for f in (edit_form, checkpoint_form, req_form)
    ):
        status = 422
    return render(
        "patrols/template.html",
        status=status,
        template=tree,
        edit_form=edit_form,
        checkpoint_form=checkpoint_form
        or _checkpoint_form(tree, formdata=None, position=len(tree.checkpoints) + 1),
        req_form=req_form or _requirement_form(formdata=None),
        item_lines={
            c.id: "\n".join(checklists.item_line(i) for i in c.items if i.active)
            for c in tree.checkpoints
        },
        area_choices=_checkpoint_form(tree, formdata=None).area.choices,
    )


@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@allow(MANAGER)
def template(template_id: int):
    """Edit a template: name, checkpoints with their items, who runs it how often."""
    template = _template_or_404(template_id)
    if request.method == "GET":
        return _template_page(template)
    form = forms.TemplateEditForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: checklists.update_template(
                current_user,
                template,
                version=form.version_value(),
                name=form.name.data,
                description=form.description.data or "",
                active=form.active.data,
            ),
        )
        if outcome.ok:
            flash(_("已保存。"), "success")
            return see_other(url_for("patrols.template", template_id=template.id))
        return _template_page(template, status=outcome.status, edit_form=form)
    return _template_page(template, edit_form=form)


@bp.post("/templates/<int:template_id>/checkpoints", defaults={"checkpoint_id": None})
@bp.post("/templates/<int:template_id>/checkpoints/<int:checkpoint_id>")
@allow(MANAGER)
def checkpoint(template_id: int, checkpoint_id: int | None):
    """Add a checkpoint, or change one (name, area, order, items one per line)."""
    template = _template_or_404(template_id)
    existing = None
    if checkpoint_id is not None:
        existing = next((c for c in template.checkpoints if c.id == checkpoint_id), None)
        if existing is None:
            abort(404)
    form = _checkpoint_form(template)
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: checklists.save_checkpoint(
                current_user,
                template,
                existing,
                name=form.name.data,
                area_id=form.area.data,
                position=form.position.data,
                items_text=form.items.data,
            ),
        )
        if outcome.ok:
            flash(_("巡查点已保存。"), "success")
            return see_other(url_for("patrols.template", template_id=template.id) + "#checkpoints")
    return _template_page(template, checkpoint_form=form)


@bp.post("/templates/<int:template_id>/requirements")
@allow(MANAGER)
def requirement(template_id: int):
    """Set how often a role must run this template (0 removes the requirement)."""
    template = _template_or_404(template_id)
    form = _requirement_form()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: checklists.set_requirement(
                current_user, template, form.role.data, form.period.data, form.times.data
            ),
        )
        if outcome.ok:
            flash(_("频次已保存。"), "success")
            return see_other(url_for("patrols.template", template_id=template.id) + "#schedule")
    return _template_page(template, req_form=form)


@bp.get("/templates/<int:template_id>/qr")
@allow(MANAGER)
def qr_sheet(template_id: int):
    """A printable sheet with one QR code per checkpoint."""
    template = checklists.template_tree(_template_or_404(template_id).id)
    codes = [
        (c, qr_data_uri(external_url("patrols.scan", token=c.qr_token), scale=6))
        for c in template.checkpoints
        if c.active
    ]
    return render("patrols/qr_sheet.html", template=template, codes=codes)

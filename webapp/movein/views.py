"""The move-in inspection (收楼验房): the estate's progress, units by handover state, defects,
the checklist, one inspection with the owner, its record and the owner's signature."""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp import paging, phones
from webapp.access import AUTHENTICATED, STAFF, SUPERVISOR_UP, allow
from webapp.exports import Column, xlsx_response
from webapp.extensions import db
from webapp.forms import choices, save
from webapp.i18n import format_when
from webapp.labels import WORK_ORDER_STATUS_LABELS, label
from webapp.models import Building, MoveIn
from webapp.movein import forms, services
from webapp.photos import services as photos
from webapp.scoping import asked_estate, get_or_404, get_unit_or_404, visible_estate
from webapp.web import render, render_form, see_other
from webapp.workorders.services import AGES

bp = Blueprint("movein", __name__, url_prefix="/movein")
PAGE = 30


def _estate():
    return asked_estate(current_user)


@bp.get("")
@allow(STAFF)
def index():
    """An estate's handover (交房进度): units received, waiting for a signature, not yet
    inspected; open defects by room and age. Every figure links to its list."""
    estate = _estate()
    return render(
        "movein/index.html",
        estate=estate,
        estates=current_user.estates,
        progress=services.progress(current_user, estate),
        ages=list(AGES),
    )


@bp.get("/units")
@allow(STAFF)
def units():
    """The estate's units in one handover state (a building's, with ?building=)."""
    estate = _estate()
    state = request.args.get("state")
    if state not in services.UNIT_STATES:
        state = "pending"
    building_id = request.args.get("building", type=int)
    building = db.session.get(Building, building_id) if building_id else None
    if building is not None and building.estate_id != estate.id:
        building = None
    q = (request.args.get("q") or "").strip()[:20]
    found = paging.read(
        services.units(
            current_user, estate.id, state=state, building_id=building and building.id, number=q
        ),
        services.UNIT_ORDER,
        request.args.get("after"),
        PAGE,
    )
    return render(
        "movein/units.html",
        rows_fragment="movein/_unit_rows.html",
        estate=estate,
        state=state,
        states=services.UNIT_STATES,
        building=building,
        q=q,
        rows=found,
        move_ins=services.move_ins_of([u.id for u in found]),
        page_context=lambda: {"buildings": services.buildings_of(estate.id)},
    )


def _defect_filters(estate) -> dict:
    args = request.args
    state = args.get("state")
    return {
        "estate_id": estate.id,
        "state": state if state in services.DEFECT_STATES else "open",
        "room": (args.get("room") or "")[:40] or None,
        "age": args.get("age") if args.get("age") in AGES else None,
    }


@bp.get("/defects")
@allow(STAFF)
def defects():
    """Defects found at move-in (工程遗留问题) and where their work orders stand."""
    estate = _estate()
    filters = _defect_filters(estate)
    found = services.defect_page(current_user, after=request.args.get("after"), **filters)
    export_args = {k: v for k, v in filters.items() if v and k != "estate_id"}
    return render(
        "movein/defects.html",
        rows_fragment="movein/_defect_rows.html",
        estate=estate,
        filters=filters,
        states=services.DEFECT_STATES,
        rows=found,
        export_url=url_for("movein.defects_xlsx", estate=estate.id, **export_args),
    )


DEFECT_COLUMNS = [
    Column(_l("收楼编号"), lambda r: r.move_in.number, 20),
    Column(_l("房号"), lambda r: r.move_in.unit.label, 14),
    Column(_l("房间"), lambda r: r.room, 10),
    Column(_l("检查项"), lambda r: r.text, 30),
    Column(_l("问题"), lambda r: r.note, 30),
    Column(_l("验房时间"), lambda r: r.move_in.inspected_at, 17),
    Column(_l("保修期至"), lambda r: r.warranty_until, 12),
    Column(_l("工单"), lambda r: r.work_order.number, 22),
    Column(_l("工单状态"), lambda r: label(WORK_ORDER_STATUS_LABELS, r.work_order.status), 10),
    Column(_l("期限"), lambda r: r.work_order.due_at, 17),
    Column(_l("复查通过"), lambda r: r.work_order.closed_at, 17),
]


@bp.get("/defects.xlsx")
@allow(STAFF)
def defects_xlsx():
    """The defects with the list's filters as the 房屋接管验收遗留问题统计表 (Excel)."""
    filters = _defect_filters(_estate())
    return xlsx_response(
        "move-in-defects.xlsx",
        _("收楼遗留问题"),
        DEFECT_COLUMNS,
        services.defects_export(current_user, **filters),
    )


@bp.route("/checklist", methods=["GET", "POST"])
@allow(SUPERVISOR_UP)
def checklist():
    """The estate's move-in checklist: one line per item, "room | item | warranty years"."""
    form = forms.ChecklistForm()
    form.estate.choices = choices((e.id, e.name) for e in current_user.estates)
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_form("movein/checklist.html", None, form, defaults=False)
        estate = visible_estate(current_user, form.estate.data)
        outcome = save(
            form, lambda: services.set_checklist(current_user, estate.id, form.checklist.data)
        )
        if outcome.ok:
            flash(_("已保存。"), "success")
            return see_other(url_for("movein.index", estate=estate.id))
        return render("movein/checklist.html", status=outcome.status, form=form, defaults=False)
    estate = _estate()
    items = services.checklist(estate.id)
    form.estate.data = estate.id
    form.checklist.data = services.checklist_text(items)
    return render_form("movein/checklist.html", None, form, defaults=not items)


def _answers(items) -> list[services.Answer]:
    return [
        services.Answer(
            item.id,
            request.form.get(f"outcome-{item.id}", ""),
            request.form.get(f"note-{item.id}", "")[:1000],
            request.files.getlist(f"photos-{item.id}"),
        )
        for item in items
    ]


def _owner_of(unit):
    return next(
        (link.user for link in unit.ownerships if link.relation == "owner"),
        None,
    )


def _inspection_page(unit, form, status=200):
    items = services.checklist(unit.building.estate_id)
    if status != 200 and any(f.filename for f in request.files.values()):
        # A browser cannot be given its chosen files back: say so, not lose them unseen.
        form.form_errors.append(_("没有保存。已选的照片需要重新选择。"))
    return render(
        "movein/inspect.html",
        status=status,
        unit=unit,
        form=form,
        items=items,
        values=request.form,
    )


@bp.route("/units/<int:unit_id>/inspect", methods=["GET", "POST"])
@allow(STAFF)
def inspect(unit_id: int):
    """The move-in inspection of one unit with its owner: each item 合格 or 不合格 (with photos);
    keys and documents handed over. Defects go to engineering when it is submitted."""
    unit = get_unit_or_404(current_user, unit_id)
    existing = services.of_unit(current_user, unit.id)
    if existing is not None:
        if request.method == "POST":  # someone else's inspection was saved first
            flash(
                _(
                    "这户已由%(name)s于 %(when)s 验房，本次提交没有保存。",
                    name=existing.inspector.display_name,
                    when=format_when(existing.inspected_at),
                ),
                "error",
            )
        return see_other(url_for("movein.record", move_in_id=existing.id))
    form = forms.InspectionForm()
    register = services.register_keys(current_user, unit)
    form.register_keys.choices = choices((k.id, k.label) for k in register)
    if request.method == "GET":
        owner = _owner_of(unit)
        if owner is not None:
            form.owner_name.data = owner.display_name
            form.owner_phone.data = phones.display(owner.phone)
        return _inspection_page(unit, form)
    if form.validate_on_submit():
        items = services.checklist(unit.building.estate_id)
        outcome = save(
            form,
            lambda: services.inspect(
                current_user,
                unit,
                _answers(items),
                owner_name=form.owner_name.data,
                owner_phone=form.owner_phone.data or "",
                note=form.note.data or "",
                keys_handed=form.keys_handed(),
                documents=form.documents.data or [],
                register_key_ids=form.register_keys.data or [],
            ),
        )
        if outcome.ok:
            flash(_("验房已记录，请业主签字。"), "success")
            return see_other(url_for("movein.record", move_in_id=outcome.value.id))
        return _inspection_page(unit, form, status=outcome.status)
    return _inspection_page(unit, form, status=422)


def _move_in_or_404(move_in_id: int) -> MoveIn:
    return get_or_404(services.visible_move_ins(current_user), MoveIn, move_in_id)


def _record_page(move_in: MoveIn, form=None, status: int = 200):
    results = move_in.results
    return render(
        "movein/record.html",
        status=status,
        move_in=move_in,
        results=results,
        defects=[r for r in results if r.defect],
        result_photos=photos.photos_for(services.RESULT, [r.id for r in results]),
        signature=photos.photos_for(services.TARGET, [move_in.id]).get(move_in.id, []),
        form=form or forms.SignForm(formdata=None),
        owner_view=not current_user.is_staff,
    )


@bp.get("/<int:move_in_id>")
@allow(AUTHENTICATED)
def record(move_in_id: int):
    """The move-in record: what was found, handed over and signed; each defect's progress."""
    return _record_page(_move_in_or_404(move_in_id))


@bp.post("/<int:move_in_id>/sign")
@allow(AUTHENTICATED)
def sign(move_in_id: int):
    """The owner's signature, on the staff member's phone or their own (typed name, and a
    drawn one where the phone can)."""
    move_in = _move_in_or_404(move_in_id)
    form = forms.SignForm()
    if not form.validate_on_submit():
        return _record_page(move_in, form, status=422)
    outcome = save(
        form,
        lambda: services.sign(
            current_user, move_in, name=form.name.data, drawn=request.files.get("drawing")
        ),
    )
    if outcome.ok:
        flash(_("业主已签字，收楼完成。"), "success")
        return see_other(url_for("movein.record", move_in_id=move_in.id))
    return _record_page(move_in, form, status=outcome.status)

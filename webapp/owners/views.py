"""Owners, registered by staff: list and search, register for a unit, invite link, units."""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp import phones
from webapp.access import STAFF, SUPERVISOR_UP, allow
from webapp.auth import links
from webapp.exports import Column, xlsx_bytes_response, xlsx_response
from webapp.extensions import db
from webapp.forms import ActionForm, VersionedForm, choices, save
from webapp.owners import forms, imports, invites, services
from webapp.scoping import (
    building_choices,
    find_unit,
    get_building_or_404,
    get_estate_or_404,
    get_owner_or_404,
    get_unit_or_404,
    visible_estates,
)
from webapp.web import render, render_form, see_other

bp = Blueprint("owners", __name__, url_prefix="/owners")


def _with_buildings(form):
    form.building.choices = choices(building_choices(current_user))
    return form


def _picked_unit(form):
    building = get_building_or_404(current_user, form.building.data)
    return find_unit(current_user, building.id, form.number.data)


def _link_page(owner, token: str, purpose: str):
    return render("admin/link.html", **links.link_context(owner, token, purpose))


@bp.get("")
@allow(STAFF)
def index():
    """Owners of the staff member's estates; search by name, phone or unit."""
    q = request.args.get("q", "")[:60]  # the search box says so too (maxlength)
    return render(
        "owners/index.html",
        "owners/_results.html",
        rows_fragment="owners/_rows.html",
        owners=services.owners_in_my_estates(current_user, q, after=request.args.get("after")),
        q=q,
        total=services.count_owners(current_user),
    )


@bp.route("/new", methods=["GET", "POST"])
@allow(STAFF)
def create():
    """Register an owner for a unit; they get a one-time link to set their password."""
    form = _with_buildings(forms.OwnerCreateForm())
    if form.validate_on_submit():

        def register():
            owner = services.create_owner(
                current_user,
                display_name=form.display_name.data,
                phone=form.phone.data,
                unit=_picked_unit(form),
                relation=form.relation.data,
            )
            return owner, links.issue(owner, "invite", current_user)

        outcome = save(form, register)
        if outcome.ok:
            return _link_page(*outcome.value, "invite")
    return render_form("owners/new.html", None, form)


def _owner_page(owner, status: int = 200, edit_form=None, link_form=None):
    if edit_form is None:
        edit_form = forms.OwnerEditForm(formdata=None, obj=owner)
        edit_form.phone.data = phones.display(owner.phone)  # as people write it, not E.164
        edit_form.version.data = owner.version
    link_form = link_form or _with_buildings(forms.LinkUnitForm(formdata=None))
    if status == 200 and (edit_form.errors or link_form.errors):
        status = 422
    return render(
        "owners/detail.html",
        status=status,
        owner=owner,
        edit_form=edit_form,
        link_form=link_form,
        action_form=ActionForm(formdata=None),
        login_form=_login_form(owner),
        may_keep_account=services.may_keep_account(current_user),
        login_differs=services.login_differs(owner),
    )


def _login_form(owner, formdata=None):
    form = VersionedForm(formdata=formdata)
    if formdata is None:
        form.version.data = owner.version
    return form


@bp.post("/<int:owner_id>/login")
@allow(SUPERVISOR_UP)
def change_login(owner_id: int):
    """Move the owner's login to their current phone number (a separate, audited step)."""
    owner = get_owner_or_404(current_user, owner_id)
    form = VersionedForm()
    if not form.validate_on_submit():
        return _owner_page(owner, status=422)
    outcome = save(
        form,
        lambda: services.change_login(current_user, owner, version=form.version_value()),
    )
    if not outcome.ok:
        for message in form.form_errors:
            flash(message, "error")
        return _owner_page(owner, status=outcome.status)
    flash(_("登录名已改为现在的手机号。"), "success")
    return see_other(url_for("owners.detail", owner_id=owner.id))


@bp.route("/<int:owner_id>", methods=["GET", "POST"])
@allow(STAFF)
def detail(owner_id: int):
    """An owner: contact details, units, invite link, history."""
    owner = get_owner_or_404(current_user, owner_id)
    if request.method == "GET":
        return _owner_page(owner)
    form = forms.OwnerEditForm()
    status = 200
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.update_owner(
                current_user,
                owner,
                version=form.version_value(),
                display_name=form.display_name.data,
                phone=form.phone.data,
            ),
        )
        if outcome.ok:
            flash(_("已保存。"), "success")
            return see_other(url_for("owners.detail", owner_id=owner.id))
        status = outcome.status
    return _owner_page(owner, status=status, edit_form=form)


@bp.post("/<int:owner_id>/units")
@allow(STAFF)
def link_unit(owner_id: int):
    """Link one more unit to an owner."""
    owner = get_owner_or_404(current_user, owner_id)
    form = _with_buildings(forms.LinkUnitForm())
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.link_unit(current_user, owner, _picked_unit(form), form.relation.data),
        )
        if outcome.ok:
            flash(_("已关联房屋。"), "success")
            return see_other(url_for("owners.detail", owner_id=owner.id))
    return _owner_page(owner, link_form=form)


@bp.post("/<int:owner_id>/units/<int:unit_id>/remove")
@allow(STAFF)
def unlink_unit(owner_id: int, unit_id: int):
    """Remove a unit from an owner (the owner keeps at least one)."""
    owner = get_owner_or_404(current_user, owner_id)
    unit = get_unit_or_404(current_user, unit_id)
    form = ActionForm()
    if save(form, lambda: services.unlink_unit(current_user, owner, unit)).ok:
        flash(_("已解除关联。"), "success")
    for message in form.form_errors:
        flash(message, "error")
    return see_other(url_for("owners.detail", owner_id=owner.id))


@bp.post("/<int:owner_id>/invite")
@allow(STAFF)
def invite(owner_id: int):
    """A new one-time link for the owner (earlier links stop working)."""
    owner = get_owner_or_404(current_user, owner_id)
    if not owner.active:
        flash(_("账号已停用，不能发送链接。"), "error")
        return see_other(url_for("owners.detail", owner_id=owner.id))
    purpose = services.link_purpose(current_user, owner)  # a reset only by account keepers
    token = links.issue(owner, purpose, current_user)
    db.session.commit()
    return _link_page(owner, token, purpose)


# --- owner and unit records from a workbook ---------------------------------------------------

IMPORT_LIMIT = 10 * 1024 * 1024  # an estate's records fill a few hundred KB


def _import_form(formdata=None):
    form = forms.ImportForm() if formdata is None else forms.ImportForm(formdata=formdata)
    estates = db.session.scalars(visible_estates(current_user)).all()
    form.estate.choices = choices([(e.id, e.name) for e in estates])
    return form


def _import_page(form, status: int = 200):
    return render(
        "owners/import.html",
        status=422 if form.errors and status == 200 else status,
        form=form,
        recent=imports.recent(current_user),
    )


@bp.route("/import", methods=["GET", "POST"])
@allow(SUPERVISOR_UP)
def import_records():
    """Owner and unit records from a workbook: upload, then a preview to confirm."""
    form = _import_form()
    if not form.validate_on_submit():
        return _import_page(form)
    estate = get_estate_or_404(current_user, form.estate.data)
    content = form.file.data.read(IMPORT_LIMIT + 1)
    if len(content) > IMPORT_LIMIT:
        form.file.errors.append(_("文件超过 10 MB。"))
        return _import_page(form)
    outcome = save(
        form,
        lambda: imports.upload(current_user, estate, form.file.data.filename, content),
    )
    if not outcome.ok:
        return _import_page(form, outcome.status)
    record, _plan = outcome.value
    return see_other(url_for("owners.import_preview", import_id=record.id))


@bp.get("/import/template.xlsx")
@allow(SUPERVISOR_UP)
def import_template():
    """The workbook to fill in, headers in the reader's language."""
    return xlsx_bytes_response("propdesk-records-template.xlsx", imports.template())


def _preview_page(record, form=None, status: int = 200):
    plan = imports.plan(record.estate, record.content) if not record.applied_at else None
    return render(
        "owners/import_preview.html",
        status=status,
        record=record,
        plan=plan,
        # The records changed since the upload (another import, an edit): the counts shown are
        # today's, and confirming would be refused; the file is uploaded again instead.
        stale=plan is not None and plan.counts() != record.plan,
        counts=plan.counts() if plan is not None else record.plan,
        shown=imports.SHOWN,
        form=form or ActionForm(formdata=None),
    )


@bp.get("/import/<int:import_id>")
@allow(SUPERVISOR_UP)
def import_preview(import_id: int):
    """What the uploaded workbook would create, change and refuse; or what it did."""
    return _preview_page(imports.get_or_404(current_user, import_id))


@bp.post("/import/<int:import_id>/apply")
@allow(SUPERVISOR_UP)
def import_apply(import_id: int):
    """Apply the previewed workbook in one transaction."""
    record = imports.get_or_404(current_user, import_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return _preview_page(record, form, 422)
    outcome = save(form, lambda: imports.apply(current_user, record))
    if not outcome.ok:
        return _preview_page(record, form, outcome.status)
    flash(_("已导入：%(n)d 项变更。", n=outcome.value.changes), "success")
    return see_other(url_for("owners.import_preview", import_id=record.id))


# --- invites for many owners at once ----------------------------------------------------------


def _invite_form(*formdata):
    form = forms.InviteBatchForm(*formdata)  # the query's on a GET, the posted form's otherwise
    estates = db.session.scalars(visible_estates(current_user)).all()
    form.estate.choices = choices([(e.id, e.name) for e in estates])
    form.building.choices = choices([("", _("全部楼栋")), *building_choices(current_user)])
    return form


def _batch_of(form) -> tuple[list, str | None]:
    """Who the form's estate and building hold, or why there is no batch."""
    building_id = form.building.data
    if building_id is not None:
        building = get_building_or_404(current_user, building_id)
        if building.estate_id != form.estate.data:
            return [], _("这个楼栋不属于所选项目。")
    batch = invites.waiting(current_user, form.estate.data, building_id)
    if len(batch) > invites.MAX_BATCH:
        return batch, _("一次最多 %(n)d 人：请选择楼栋，分批生成。", n=invites.MAX_BATCH)
    return batch, None


def _invites_page(form, status: int = 200, batch=None, problem=None):
    return render(
        "owners/invites.html",
        status=status,
        form=form,
        batch=batch,
        live=invites.live_links(e.owner for e in batch) if batch else 0,
        problem=problem,
        max_batch=invites.MAX_BATCH,
    )


@bp.get("/invites")
@allow(SUPERVISOR_UP)
def invites_page():
    """Invites for everyone of an estate or building who has not set a password yet."""
    form = _invite_form(request.args)
    batch = problem = None
    if request.args.get("estate"):
        if form.estate.validate(form) and form.building.validate(form):
            get_estate_or_404(current_user, form.estate.data)
            batch, problem = _batch_of(form)
        else:
            return _invites_page(form, 422)
    return _invites_page(form, batch=batch, problem=problem)


@bp.post("/invites")
@allow(SUPERVISOR_UP)
def invites_issue():
    """Issue the links and show them as slips to print (earlier unused ones stop working)."""
    form = _invite_form()
    if not form.validate_on_submit():
        return _invites_page(form, 422)
    get_estate_or_404(current_user, form.estate.data)
    batch, problem = _batch_of(form)
    if problem or not batch:
        return _invites_page(form, 422, batch, problem or _("没有需要邀请的人。"))
    if invites.live_links(e.owner for e in batch) and not form.replace.data:
        form.replace.errors = [_("有人还有未用的邀请：确认它们失效后再生成。")]
        return _invites_page(form, 422, batch)
    slips = invites.issue(current_user, batch)
    db.session.commit()
    estate = get_estate_or_404(current_user, form.estate.data)
    return render(
        "owners/invite_sheet.html",
        slips=slips,
        estate=estate,
        days=links.valid_days(),
        form=ActionForm(formdata=None),
    )


@bp.post("/invites/texts.xlsx")
@allow(SUPERVISOR_UP)
def invites_texts():
    """The texts of the slips just issued, one row each, ready to send (.xlsx)."""
    form = ActionForm()
    tokens = [t[:64] for t in request.form.getlist("token")[: invites.MAX_BATCH] if t]
    slips = invites.slips_of(current_user, tokens) if form.validate_on_submit() else []
    if not slips:
        flash(_("这些邀请已失效或不存在：请重新生成。"), "error")
        return see_other(url_for("owners.invites_page"))
    return xlsx_response("propdesk-invites.xlsx", _("邀请"), INVITE_COLUMNS, slips)


INVITE_COLUMNS = [
    Column(_l("房屋"), lambda s: "、".join(s.units), 16),
    Column(_l("姓名"), lambda s: s.owner.display_name, 12),
    Column(_l("电话"), lambda s: phones.display(s.owner.phone), 16),
    Column(_l("可直接发送的文字"), lambda s: s.message, 80),
    Column(_l("链接"), lambda s: s.link, 60),
]

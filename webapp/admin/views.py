"""The manager's administration: staff accounts and places (estates, buildings, units, areas)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.access import MANAGER, allow
from webapp.admin import forms, services
from webapp.auth import services as auth_services
from webapp.auth.links import link_context
from webapp.errors import Conflict, Invalid
from webapp.extensions import db
from webapp.forms import apply_invalid, choices
from webapp.labels import area_kind_choices, staff_role_choices
from webapp.scoping import get_area_or_404, get_building_or_404, get_estate_or_404, get_staff_or_404
from webapp.web import fragment_or_redirect, render, render_form, see_other

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _staff_form(form_class, **kwargs):
    form = form_class(**kwargs)
    form.role.choices = choices(staff_role_choices())
    form.estates.choices = choices((e.id, e.name) for e in current_user.estates)
    return form


def _conflict_form(form_class, record, err: Conflict, setup=None):
    """The form again, filled with what is stored now, and why the save was refused."""
    db.session.rollback()
    db.session.refresh(record)
    form = setup(form_class, formdata=None, obj=record) if setup else form_class(formdata=None, obj=record)
    form.version.data = record.version
    form.form_errors.append(err.message or _("这条记录刚被其他人修改过。"))
    return form


def show_link(person, token: str, purpose: str):
    """The page that shows a one-time link (and its QR code) once, right after it is made."""
    return render("admin/link.html", **link_context(person, token, purpose))


# --- staff --------------------------------------------------------------------------------------


@bp.get("/users")
@allow(MANAGER)
def users():
    """Staff accounts of the manager's estates."""
    role = request.args.get("role") or None
    return render(
        "admin/users.html", "admin/_user_list.html",
        people=services.staff_list(current_user, role), role=role, roles=staff_role_choices(),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@allow(MANAGER)
def user_create():
    """Create a staff account; the person sets a password through a one-time link."""
    form = _staff_form(forms.StaffCreateForm)
    if form.validate_on_submit():
        try:
            user = services.create_staff(
                current_user, username=form.username.data, display_name=form.display_name.data,
                phone=form.phone.data, role=form.role.data, estate_ids=form.estates.data,
            )
            token = auth_services.issue_setup_link(
                user, purpose="invite", issued_by=current_user,
                valid_for=current_app.config["INVITE_VALID_FOR"],
            )
            db.session.commit()
            return show_link(user, token, "invite")
        except Invalid as err:
            db.session.rollback()
            apply_invalid(form, err)
    return render_form("admin/user_new.html", None, form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow(MANAGER)
def user_edit(user_id: int):
    """A staff account: edit it in place (htmx) or on its own page."""
    user = get_staff_or_404(current_user, user_id)
    form = _staff_form(forms.StaffEditForm, obj=user)
    if request.method == "GET":
        form.estates.data = [m.estate_id for m in user.memberships]
        form.version.data = user.version
    elif form.validate_on_submit():
        try:
            services.update_staff(
                current_user, user, version=form.version_value(),
                display_name=form.display_name.data, phone=form.phone.data,
                role=form.role.data, estate_ids=form.estates.data,
            )
            db.session.commit()
            flash(_("已保存 %(name)s。", name=user.display_name), "success")
            return fragment_or_redirect(
                "admin/_user_row.html", url_for("admin.users"), person=user
            )
        except Invalid as err:
            db.session.rollback()
            apply_invalid(form, err)
        except Conflict as err:
            form = _conflict_form(forms.StaffEditForm, user, err, setup=_staff_form)
            form.estates.data = [m.estate_id for m in user.memberships]
            return render("admin/user.html", "admin/_user_form.html", status=409,
                          form=form, person=user, active_form=_active_form(user))
    return render_form(
        "admin/user.html", "admin/_user_form.html", form, person=user, active_form=_active_form(user)
    )


def _active_form(user):
    return forms.ActiveForm(formdata=None, version=user.version, active="0" if user.active else "1")


@bp.post("/users/<int:user_id>/active")
@allow(MANAGER)
def user_active(user_id: int):
    """Disable (or enable again) an account; disabling ends all its sessions."""
    user = get_staff_or_404(current_user, user_id)
    form = forms.ActiveForm()
    if form.validate_on_submit():
        try:
            services.set_active(current_user, user, active=form.active.data == "1",
                                version=form.version_value())
            db.session.commit()
            flash(_("已启用。") if user.active else _("已停用，该账号的登录已全部退出。"), "success")
            return see_other(url_for("admin.user_edit", user_id=user.id))
        except Invalid as err:
            db.session.rollback()
            flash(err.message, "error")
            return see_other(url_for("admin.user_edit", user_id=user.id))
    flash(_("操作未完成，请重试。"), "error")
    return see_other(url_for("admin.user_edit", user_id=user.id))


@bp.post("/users/<int:user_id>/reset")
@allow(MANAGER)
def user_reset(user_id: int):
    """Make a one-time link with which the person sets a new password."""
    user = get_staff_or_404(current_user, user_id)
    token = auth_services.issue_setup_link(
        user, purpose="reset", issued_by=current_user, valid_for=current_app.config["INVITE_VALID_FOR"]
    )
    db.session.commit()
    return show_link(user, token, "reset")


# --- places -------------------------------------------------------------------------------------


@bp.route("/estates", methods=["GET", "POST"])
@allow(MANAGER)
def estates():
    """The manager's estates, and a form to add one."""
    form = forms.EstateCreateForm()
    if form.validate_on_submit():
        try:
            estate = services.create_estate(
                current_user, name=form.name.data, code=form.code.data,
                address=form.address.data or "", timezone=form.timezone.data,
            )
            db.session.commit()
            flash(_("已创建项目 %(name)s。", name=estate.name), "success")
            return see_other(url_for("admin.estate", estate_id=estate.id))
        except Invalid as err:
            db.session.rollback()
            apply_invalid(form, err)
    from webapp.home.services import estate_summaries

    return render_form("admin/estates.html", None, form, summaries=estate_summaries(current_user))


def _estate_page(estate, status: int = 200, **forms_given):
    context = {
        "estate": estate,
        "edit_form": forms_given.get("edit_form")
        or forms.EstateEditForm(formdata=None, obj=estate),
        "building_form": forms_given.get("building_form") or forms.BuildingCreateForm(formdata=None),
        "area_form": forms_given.get("area_form") or _area_form(forms.AreaCreateForm, formdata=None),
        "rows": services.building_rows(estate),
        "areas": services.areas_of(estate),
    }
    if any(f.errors for f in forms_given.values()):
        status = max(status, 422)
    return render("admin/estate.html", status=status, **context)


def _area_form(form_class, **kwargs):
    form = form_class(**kwargs)
    form.kind.choices = choices(area_kind_choices())
    return form


@bp.route("/estates/<int:estate_id>", methods=["GET", "POST"])
@allow(MANAGER)
def estate(estate_id: int):
    """An estate: its details, buildings and public areas."""
    estate = get_estate_or_404(current_user, estate_id)
    if request.method == "GET":
        return _estate_page(estate)
    form = forms.EstateEditForm()
    if form.validate_on_submit():
        try:
            services.update_estate(
                current_user, estate, version=form.version_value(), name=form.name.data,
                code=form.code.data, address=form.address.data or "", timezone=form.timezone.data,
            )
            db.session.commit()
            flash(_("已保存。"), "success")
            return see_other(url_for("admin.estate", estate_id=estate.id))
        except Invalid as err:
            db.session.rollback()
            apply_invalid(form, err)
        except Conflict as err:
            return _estate_page(estate, status=409,
                                edit_form=_conflict_form(forms.EstateEditForm, estate, err))
    return _estate_page(estate, edit_form=form)


@bp.post("/estates/<int:estate_id>/buildings")
@allow(MANAGER)
def building_create(estate_id: int):
    """Add a building, optionally with its units (floors × units per floor)."""
    estate = get_estate_or_404(current_user, estate_id)
    form = forms.BuildingCreateForm()
    if form.validate_on_submit():
        try:
            building = services.create_building(
                current_user, estate, name=form.name.data, floors=form.floors.data,
                per_floor=form.per_floor.data,
            )
            db.session.commit()
            flash(_("已新增楼栋 %(name)s。", name=building.name), "success")
            return see_other(url_for("admin.estate", estate_id=estate.id) + "#buildings")
        except Invalid as err:
            db.session.rollback()
            apply_invalid(form, err)
    return _estate_page(estate, building_form=form)


@bp.route("/buildings/<int:building_id>", methods=["GET", "POST"])
@allow(MANAGER)
def building(building_id: int):
    """A building: rename it, list and add its units."""
    building = get_building_or_404(current_user, building_id)
    form = forms.BuildingEditForm(obj=building)
    status = 200
    if request.method == "GET":
        form.version.data = building.version
    elif form.validate_on_submit():
        try:
            services.rename_building(current_user, building, version=form.version_value(),
                                     name=form.name.data)
            db.session.commit()
            flash(_("已保存。"), "success")
            return see_other(url_for("admin.building", building_id=building.id))
        except Invalid as err:
            db.session.rollback()
            apply_invalid(form, err)
        except Conflict as err:
            form = _conflict_form(forms.BuildingEditForm, building, err)
            status = 409
    if form.errors and status == 200:
        status = 422
    return render("admin/building.html", status=status, building=building, form=form,
                  units_form=forms.UnitsAddForm(formdata=None))


@bp.post("/buildings/<int:building_id>/units")
@allow(MANAGER)
def units_add(building_id: int):
    """Add units to a building by number."""
    building = get_building_or_404(current_user, building_id)
    form = forms.UnitsAddForm()
    if form.validate_on_submit():
        try:
            added = services.add_units(current_user, building, form.parsed())
            db.session.commit()
            flash(_("已添加 %(n)d 个房号。", n=len(added)), "success")
            return see_other(url_for("admin.building", building_id=building.id))
        except Invalid as err:
            db.session.rollback()
            apply_invalid(form, err)
    edit = forms.BuildingEditForm(formdata=None, obj=building)
    return render("admin/building.html", status=422, building=building, form=edit, units_form=form)


@bp.post("/estates/<int:estate_id>/areas")
@allow(MANAGER)
def area_create(estate_id: int):
    """Add a public area (lobby, garage, clubhouse …)."""
    estate = get_estate_or_404(current_user, estate_id)
    form = _area_form(forms.AreaCreateForm)
    if form.validate_on_submit():
        try:
            area = services.create_area(current_user, estate, name=form.name.data, kind=form.kind.data)
            db.session.commit()
            flash(_("已新增公共区域 %(name)s。", name=area.name), "success")
            return see_other(url_for("admin.estate", estate_id=estate.id) + "#areas")
        except Invalid as err:
            db.session.rollback()
            apply_invalid(form, err)
    return _estate_page(estate, area_form=form)


@bp.route("/areas/<int:area_id>", methods=["GET", "POST"])
@allow(MANAGER)
def area(area_id: int):
    """A public area, edited in place in the estate's list (htmx) or on its own page."""
    area = get_area_or_404(current_user, area_id)
    form = _area_form(forms.AreaEditForm, obj=area)
    status = 200
    if request.method == "GET":
        form.version.data = area.version
    elif form.validate_on_submit():
        try:
            services.update_area(current_user, area, version=form.version_value(),
                                 name=form.name.data, kind=form.kind.data, active=form.active.data)
            db.session.commit()
            flash(_("已保存。"), "success")
            return fragment_or_redirect(
                "admin/_area_row.html", url_for("admin.estate", estate_id=area.estate_id) + "#areas",
                area=area,
            )
        except Invalid as err:
            db.session.rollback()
            apply_invalid(form, err)
        except Conflict as err:
            form = _conflict_form(forms.AreaEditForm, area, err, setup=_area_form)
            status = 409
    if form.errors and status == 200:
        status = 422
    return render("admin/area.html", "admin/_area_form.html", status=status, area=area, form=form)

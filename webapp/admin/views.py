"""The manager's administration: staff accounts and places (estates, buildings, units, areas)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import outbox
from webapp.access import MANAGER, allow
from webapp.admin import forms, services
from webapp.auth import links
from webapp.auth.links import link_context
from webapp.extensions import db
from webapp.forms import choices, save
from webapp.home.services import estate_summaries
from webapp.labels import area_kind_choices, staff_role_choices
from webapp.models import OutboxMessage
from webapp.scoping import (
    get_area_or_404,
    get_building_or_404,
    get_estate_or_404,
    get_or_404,
    get_staff_or_404,
)
from webapp.web import fragment_or_redirect, render, render_form, see_other

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _staff_form(form_class, user=None, **kwargs):
    form = form_class(obj=user, **kwargs)
    form.role.choices = choices(staff_role_choices())
    form.estates.choices = choices((e.id, e.name) for e in current_user.estates)
    if user is not None and request.method == "GET":
        _fill_staff(form, user)
    return form


def _fill_staff(form, user) -> None:
    form.estates.data = [m.estate_id for m in user.memberships]
    form.version.data = user.version


def _area_form(form_class, area=None, **kwargs):
    form = form_class(obj=area, **kwargs)
    form.kind.choices = choices(area_kind_choices())
    if area is not None and request.method == "GET":
        form.version.data = area.version
    return form


# --- staff --------------------------------------------------------------------------------------


@bp.get("/users")
@allow(MANAGER)
def users():
    """Staff accounts of the manager's estates."""
    role = request.args.get("role") or None
    return render(
        "admin/users.html",
        "admin/_user_list.html",
        people=services.staff_list(current_user, role),
        role=role,
        roles=staff_role_choices(),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@allow(MANAGER)
def user_create():
    """Create a staff account; the person sets a password through a one-time link."""
    form = _staff_form(forms.StaffCreateForm)
    if form.validate_on_submit():

        def create():
            user = services.create_staff(
                current_user,
                username=form.username.data,
                display_name=form.display_name.data,
                phone=form.phone.data,
                role=form.role.data,
                estate_ids=form.estates.data,
            )
            return user, links.issue(user, "invite", current_user)

        outcome = save(form, create)
        if outcome.ok:
            user, token = outcome.value
            return render("admin/link.html", **link_context(user, token, "invite"))
    return render_form("admin/user_new.html", None, form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow(MANAGER)
def user_edit(user_id: int):
    """A staff account: edit it in place (htmx) or on its own page."""
    user = get_staff_or_404(current_user, user_id)
    form = _staff_form(forms.StaffEditForm, user)
    status = 200
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.update_staff(
                current_user,
                user,
                version=form.version_value(),
                display_name=form.display_name.data,
                phone=form.phone.data,
                role=form.role.data,
                estate_ids=form.estates.data,
            ),
            refill=lambda record: _fill_staff(form, record),
        )
        if outcome.ok:
            flash(_("已保存 %(name)s。", name=user.display_name), "success")
            return fragment_or_redirect("admin/_user_row.html", url_for("admin.users"), person=user)
        status = outcome.status
    elif form.errors:
        status = 422
    active_form = forms.ActiveForm(
        formdata=None, version=user.version, active="0" if user.active else "1"
    )
    return render(
        "admin/user.html",
        "admin/_user_form.html",
        status=status,
        form=form,
        person=user,
        active_form=active_form,
    )


@bp.post("/users/<int:user_id>/active")
@allow(MANAGER)
def user_active(user_id: int):
    """Disable (or enable again) an account; disabling ends all its sessions."""
    user = get_staff_or_404(current_user, user_id)
    form = forms.ActiveForm()
    if not form.validate_on_submit():
        flash(_("操作未完成，请重试。"), "error")
        return see_other(url_for("admin.user_edit", user_id=user.id))
    outcome = save(
        form,
        lambda: services.set_active(
            current_user, user, active=form.active.data == "1", version=form.version_value()
        ),
    )
    if outcome.ok:
        flash(_("已启用。") if user.active else _("已停用，该账号的登录已全部退出。"), "success")
    for message in [*form.form_errors, *form.active.errors]:
        flash(message, "error")
    return see_other(url_for("admin.user_edit", user_id=user.id))


@bp.post("/users/<int:user_id>/reset")
@allow(MANAGER)
def user_reset(user_id: int):
    """Make a one-time link with which the person sets a new password."""
    user = get_staff_or_404(current_user, user_id)
    token = links.issue(user, "reset", current_user)
    db.session.commit()
    return render("admin/link.html", **link_context(user, token, "reset"))


# --- places -------------------------------------------------------------------------------------


@bp.route("/estates", methods=["GET", "POST"])
@allow(MANAGER)
def estates():
    """The manager's estates, and a form to add one."""
    form = forms.EstateCreateForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.create_estate(
                current_user,
                name=form.name.data,
                code=form.code.data,
                address=form.address.data or "",
                timezone=form.timezone.data,
            ),
        )
        if outcome.ok:
            flash(_("已创建项目 %(name)s。", name=outcome.value.name), "success")
            return see_other(url_for("admin.estate", estate_id=outcome.value.id))
    return render_form("admin/estates.html", None, form, summaries=estate_summaries(current_user))


def _estate_page(estate, status: int = 200, **given):
    """The estate page; `given` holds the form that was just submitted, with its errors."""
    if status == 200 and any(f.errors for f in given.values()):
        status = 422
    return render(
        "admin/estate.html",
        status=status,
        estate=estate,
        edit_form=given.get("edit_form") or forms.EstateEditForm(formdata=None, obj=estate),
        building_form=given.get("building_form") or forms.BuildingCreateForm(formdata=None),
        area_form=given.get("area_form") or _area_form(forms.AreaCreateForm, formdata=None),
        rows=services.building_rows(estate),
        areas=services.areas_of(estate),
    )


@bp.route("/estates/<int:estate_id>", methods=["GET", "POST"])
@allow(MANAGER)
def estate(estate_id: int):
    """An estate: its details, buildings and public areas."""
    estate = get_estate_or_404(current_user, estate_id)
    if request.method == "GET":
        return _estate_page(estate)
    form = forms.EstateEditForm()
    status = 200
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.update_estate(
                current_user,
                estate,
                version=form.version_value(),
                name=form.name.data,
                code=form.code.data,
                address=form.address.data or "",
                timezone=form.timezone.data,
            ),
        )
        if outcome.ok:
            flash(_("已保存。"), "success")
            return see_other(url_for("admin.estate", estate_id=estate.id))
        status = outcome.status
    return _estate_page(estate, status=status, edit_form=form)


@bp.post("/estates/<int:estate_id>/buildings")
@allow(MANAGER)
def building_create(estate_id: int):
    """Add a building, optionally with its units (floors × units per floor)."""
    estate = get_estate_or_404(current_user, estate_id)
    form = forms.BuildingCreateForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.create_building(
                current_user,
                estate,
                name=form.name.data,
                floors=form.floors.data,
                per_floor=form.per_floor.data,
            ),
        )
        if outcome.ok:
            flash(_("已新增楼栋 %(name)s。", name=outcome.value.name), "success")
            return see_other(url_for("admin.estate", estate_id=estate.id) + "#buildings")
    return _estate_page(estate, building_form=form)


@bp.post("/estates/<int:estate_id>/areas")
@allow(MANAGER)
def area_create(estate_id: int):
    """Add a public area (lobby, garage, clubhouse …)."""
    estate = get_estate_or_404(current_user, estate_id)
    form = _area_form(forms.AreaCreateForm)
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.create_area(
                current_user, estate, name=form.name.data, kind=form.kind.data
            ),
        )
        if outcome.ok:
            flash(_("已新增公共区域 %(name)s。", name=outcome.value.name), "success")
            return see_other(url_for("admin.estate", estate_id=estate.id) + "#areas")
    return _estate_page(estate, area_form=form)


def _building_page(building, form, units_form, status: int = 200):
    if status == 200 and (form.errors or units_form.errors):
        status = 422
    return render(
        "admin/building.html", status=status, building=building, form=form, units_form=units_form
    )


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
        outcome = save(
            form,
            lambda: services.rename_building(
                current_user, building, version=form.version_value(), name=form.name.data
            ),
        )
        if outcome.ok:
            flash(_("已保存。"), "success")
            return see_other(url_for("admin.building", building_id=building.id))
        status = outcome.status
    return _building_page(building, form, forms.UnitsAddForm(formdata=None), status)


@bp.post("/buildings/<int:building_id>/units")
@allow(MANAGER)
def units_add(building_id: int):
    """Add units to a building by number."""
    building = get_building_or_404(current_user, building_id)
    form = forms.UnitsAddForm()
    if form.validate_on_submit():
        outcome = save(form, lambda: services.add_units(current_user, building, form.parsed()))
        if outcome.ok:
            flash(_("已添加 %(n)d 个房号。", n=len(outcome.value)), "success")
            return see_other(url_for("admin.building", building_id=building.id))
    edit = forms.BuildingEditForm(formdata=None, obj=building)
    return _building_page(building, edit, form)


@bp.route("/areas/<int:area_id>", methods=["GET", "POST"])
@allow(MANAGER)
def area(area_id: int):
    """A public area, edited in place in the estate's list (htmx) or on its own page."""
    area = get_area_or_404(current_user, area_id)
    form = _area_form(forms.AreaEditForm, area)
    status = 200
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.update_area(
                current_user,
                area,
                version=form.version_value(),
                name=form.name.data,
                kind=form.kind.data,
                active=form.active.data,
            ),
        )
        if outcome.ok:
            flash(_("已保存。"), "success")
            return fragment_or_redirect(
                "admin/_area_row.html",
                url_for("admin.estate", estate_id=area.estate_id) + "#areas",
                area=area,
            )
        status = outcome.status
    elif form.errors:
        status = 422
    return render("admin/area.html", "admin/_area_form.html", status=status, area=area, form=form)


# --- departments and their group robots ---------------------------------------------------------


@bp.get("/estates/<int:estate_id>/departments")
@allow(MANAGER)
def departments(estate_id: int):
    """The estate's departments: phone numbers and the group robots messages go to."""
    estate = get_estate_or_404(current_user, estate_id)
    return render("admin/departments.html", estate=estate, rows=services.departments_of(estate))


def _department_page(estate, code: str, form, status: int = 200):
    # Secrets are never echoed back into the page, not even ones just typed.
    for secret in (form.webhook_url, form.robot_secret):
        secret.data, secret.raw_data = "", []
    return render(
        "admin/department.html",
        status=status,
        estate=estate,
        code=code,
        dept=services.department_of(estate, code),
        form=form,
    )


@bp.route("/estates/<int:estate_id>/departments/<code>", methods=["GET", "POST"])
@allow(MANAGER)
def department(estate_id: int, code: str):
    """One department: name, phone, and its WeCom or DingTalk robot (secrets shown masked)."""
    estate = get_estate_or_404(current_user, estate_id)
    if code not in services.DEPARTMENTS:
        abort(404)
    dept = services.department_of(estate, code)
    if request.method == "GET":
        form = forms.DepartmentForm(formdata=None, obj=dept)
        form.version.data = dept.version if dept else 0  # 0: not saved yet
        return _department_page(estate, code, form)
    form = forms.DepartmentForm()
    if not form.validate_on_submit():
        return _department_page(estate, code, form, 422)
    outcome = save(
        form,
        lambda: services.update_department(
            current_user,
            estate,
            code,
            version=form.version_value(),
            name=form.name.data or "",
            phone=form.phone.data or "",
            robot_kind=form.robot_kind.data or "",
            webhook_url=form.webhook_url.data or "",
            robot_secret=form.robot_secret.data or "",
        ),
    )
    if outcome.ok:
        flash(_("已保存。"), "success")
        return see_other(url_for("admin.departments", estate_id=estate.id))
    return _department_page(estate, code, form, outcome.status)


@bp.post("/estates/<int:estate_id>/departments/<code>/test")
@allow(MANAGER)
def department_test(estate_id: int, code: str):
    """Send a test message to the department's group (it appears on the outbox page)."""
    estate = get_estate_or_404(current_user, estate_id)
    if code not in services.DEPARTMENTS:
        abort(404)
    if services.send_test(current_user, estate, code):
        db.session.commit()
        flash(_("测试消息已排队发送，可在消息发送记录中查看结果。"), "success")
    else:
        flash(_("这个部门还没有设置群机器人。"), "error")
    return see_other(url_for("admin.departments", estate_id=estate.id))


# --- the outbox --------------------------------------------------------------------------------


@bp.get("/outbox")
@allow(MANAGER)
def outbox_page():
    """Messages to the groups: failed first, then waiting, then sent; retry now."""
    status = request.args.get("status")
    status = status if status in ("pending", "sent", "failed") else None
    return render(
        "admin/outbox.html",
        "admin/_outbox_list.html",
        rows_fragment="admin/_outbox_rows.html",
        outgoing=outbox.listing(current_user, status=status, after=request.args.get("after")),
        counts=outbox.counts(current_user),
        chosen_status=status,
    )


@bp.post("/outbox/<int:message_id>/retry")
@allow(MANAGER)
def outbox_retry(message_id: int):
    """Try a message again now."""
    message = get_or_404(outbox.visible(current_user), OutboxMessage, message_id)
    outbox.retry(current_user, message)
    db.session.commit()
    flash(_("已重新排队发送。"), "success")
    return see_other(url_for("admin.outbox_page"))

"""Owners, registered by staff: list and search, register for a unit, invite link, units."""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.access import STAFF, SUPERVISOR_UP, allow
from webapp.auth import links
from webapp.extensions import db
from webapp.forms import ActionForm, VersionedForm, choices, save
from webapp.owners import forms, services
from webapp.scoping import (
    building_choices,
    find_unit,
    get_building_or_404,
    get_owner_or_404,
    get_unit_or_404,
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

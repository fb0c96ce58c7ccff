"""Announcements: the estate's list and the form that publishes one, read counts, the owner's
page, and each building's notice board behind its printed code."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import periods
from webapp.access import OWNER, PUBLIC, STAFF, SUPERVISOR_UP, allow
from webapp.announcements import forms, services
from webapp.extensions import db
from webapp.forms import ActionForm, choices, save
from webapp.links import qr_data_uri
from webapp.models import Announcement, Building
from webapp.photos import services as photos
from webapp.scoping import asked_estate, building_names, get_or_404
from webapp.web import no_store, render, render_form, see_other

bp = Blueprint("announcements", __name__)


def _estate():
    return asked_estate(current_user)


def _announcement(announcement_id: int) -> Announcement:
    return get_or_404(services.visible_announcements(current_user), Announcement, announcement_id)


@bp.get("/announcements")
@allow(STAFF)
def index():
    """An estate's announcements: showing now, scheduled, ended or withdrawn."""
    estate = _estate()
    state = request.args.get("state")
    if state not in services.STATES:
        state = "current"
    found = services.of_estate(current_user, estate.id, state)
    return render(
        "announcements/index.html",
        estate=estate,
        estates=current_user.estates,
        state=state,
        states=services.STATES,
        announcements=found,
        read=services.read_counts([a.id for a in found]),
    )


@bp.route("/announcements/new", methods=["GET", "POST"])
@allow(SUPERVISOR_UP)
def new():
    estate = _estate()
    form = forms.AnnouncementForm()
    form.buildings.choices = choices(building_names(estate.id))
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.publish(
                current_user,
                estate,
                title=form.title.data,
                body=form.body.data,
                building_ids=form.buildings.data or [],
                starts_at=periods.at_estate(form.starts_at.data, estate.timezone),
                ends_at=periods.at_estate(form.ends_at.data, estate.timezone),
                uploads=request.files.getlist("photos"),
            ),
        )
        if outcome.ok:
            flash(_("公告已发布。"), "success")
            return see_other(url_for("announcements.show", announcement_id=outcome.value.id))
        return render(
            "announcements/new.html",
            status=outcome.status,
            form=form,
            estate=estate,
            estates=current_user.estates,
        )
    return render_form(
        "announcements/new.html", None, form, estate=estate, estates=current_user.estates
    )


@bp.get("/announcements/<int:announcement_id>")
@allow(STAFF)
def show(announcement_id: int):
    """One announcement as owners see it, with who has read it."""
    announcement = _announcement(announcement_id)
    return render(
        "announcements/detail.html",
        announcement=announcement,
        state=services.state_of(announcement),
        reach=services.reach(announcement),
        buildings=services.building_names(announcement),
        photo_links=_photos(announcement),
        photo_url=lambda link: url_for("photos.show", photo_id=link.photo_id),
        form=ActionForm(formdata=None),
    )


def _photos(announcement: Announcement):
    return photos.photos_for(services.TARGET, [announcement.id]).get(announcement.id, [])


@bp.post("/announcements/<int:announcement_id>/withdraw")
@allow(SUPERVISOR_UP)
def withdraw(announcement_id: int):
    announcement = _announcement(announcement_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = save(form, lambda: services.withdraw(current_user, announcement))
    for message in form.form_errors:
        flash(message, "error")
    if outcome.ok:
        flash(_("公告已撤下，业主不再看到。"), "success")
    return see_other(url_for("announcements.show", announcement_id=announcement.id))


@bp.get("/announcements/boards")
@allow(SUPERVISOR_UP)
def boards():
    """Each building's notice-board code, to print and post in its lobby (A4)."""
    estate = _estate()
    found = services.boards(estate)
    return render(
        "announcements/boards.html",
        estate=estate,
        estates=current_user.estates,
        boards=[b for b in found if b.url],
        missing=sum(1 for b in found if b.url is None),
        qr=qr_data_uri,
    )


@bp.post("/announcements/boards")
@allow(SUPERVISOR_UP)
def boards_issue():
    estate = _estate()
    if not ActionForm().validate_on_submit():
        abort(400)
    made = services.issue_boards(current_user, estate)
    db.session.commit()
    flash(_("已生成 %(n)d 个二维码。", n=made), "success")
    return see_other(url_for("announcements.boards", estate=estate.id))


# --- owners --------------------------------------------------------------------------------------


@bp.get("/my/announcements/<int:announcement_id>")
@allow(OWNER)
def read(announcement_id: int):
    """The owner opens an announcement for one of their buildings: it counts as read."""
    announcement = _announcement(announcement_id)
    services.mark_read(current_user, announcement)
    db.session.commit()
    return render(
        "announcements/read.html",
        announcement=announcement,
        photo_links=_photos(announcement),
        photo_url=lambda link: url_for("photos.show", photo_id=link.photo_id),
        back_url=url_for("home.index"),
    )


# --- a building's notice board, without an account ------------------------------------------------


class _GoneBoard(Exception):
    """A notice-board code that no longer works (replaced, or never ours)."""


def _building(token: str) -> Building:
    building = services.building_of(token)
    if building is None:
        raise _GoneBoard
    return building


@bp.errorhandler(_GoneBoard)
def _gone_board(_error):
    return no_store(
        render(
            "errors/error.html",
            status=404,
            code=404,
            message=_("这个公告栏二维码已失效。请扫描大堂里新的二维码，或联系物业服务中心。"),
        )
    )


@bp.get("/b/<token>")
@allow(PUBLIC)
def board(token: str):
    building = _building(token)
    return no_store(
        render(
            "announcements/board.html",
            building=building,
            token=token,
            announcements=services.on_board(building),
        )
    )


@bp.get("/b/<token>/<int:announcement_id>")
@allow(PUBLIC)
def board_one(token: str, announcement_id: int):
    building = _building(token)
    announcement = services.on_board_one(building, announcement_id)
    if announcement is None:
        abort(404)
    services.count_public_view(announcement)
    db.session.commit()
    return no_store(
        render(
            "announcements/read.html",
            announcement=announcement,
            photo_links=_photos(announcement),
            photo_url=lambda link: url_for(
                "announcements.board_photo", token=token, photo_id=link.photo_id
            ),
            back_url=url_for("announcements.board", token=token),
        )
    )


@bp.get("/b/<token>/photos/<int:photo_id>")
@allow(PUBLIC)
def board_photo(token: str, photo_id: int):
    """A photo of an announcement the building's board shows now (of no other record)."""
    building = _building(token)
    for announcement in services.on_board(building):
        photo = photos.attached_photo(services.TARGET, announcement.id, photo_id)
        if photo is not None:
            return photos.send_photo(photo, photos.original_key)
    abort(404)

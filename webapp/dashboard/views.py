"""The dashboard: the department's figures per estate and period, each a link to its list."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import periods
from webapp.access import MANAGER, SUPERVISOR_UP, allow
from webapp.auth import services as auth_services
from webapp.dashboard import forms, review, services
from webapp.extensions import db
from webapp.forms import save
from webapp.scoping import visible_estate
from webapp.web import render, see_other

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("")
@allow(SUPERVISOR_UP)
def index():
    """Per estate (or all of mine) and today / this week / this month."""
    estate = visible_estate(current_user, request.args.get("estate", type=int))
    chosen = request.args.get("period")
    return render(
        "dashboard/index.html",
        board=services.board(current_user, estate, chosen if chosen in periods.KEYS else "today"),
        estates=sorted(current_user.estates, key=lambda e: e.name),
        period_keys=periods.KEYS,
    )


def _review_page(viewer, at: str | None = None, form=None, status: int = 200):
    entries = review.queue(viewer)
    current = next((e for e in entries if e.key == at), entries[0] if entries else None)
    rest = [e for e in entries if e is not current]
    later = rest[entries.index(current) :] if current else []  # what comes after it
    kind = review.REVIEWABLE[current.kind] if current else None
    return render(
        "dashboard/review.html",
        status=status,
        entries=entries,
        current=current,
        rest=rest,
        skip_to=later[0].key if later else None,
        kinds=review.REVIEWABLE,
        detail=kind.detail(current.record) if kind else None,
        form=form or forms.ReviewForm(formdata=None),
        fresh=auth_services.fresh_now(),
    )


@bp.get("/review")
@allow(MANAGER)
def review_queue():
    """Records waiting for my opinion, one after another; ?at=<kind>-<id> shows that one."""
    return _review_page(current_user, request.args.get("at"))


@bp.post("/review/<kind>/<int:record_id>/sign")
@allow(MANAGER)
def review_sign(kind: str, record_id: int):
    """Sign an opinion on the record in front of me and go on to the next one."""
    if kind not in review.REVIEWABLE:
        abort(404)
    record = review.REVIEWABLE[kind].find(current_user, record_id)
    form = forms.ReviewForm()
    if form.validate_on_submit():
        fresh = auth_services.confirmed(form)
        if not form.password.errors:
            outcome = save(
                form,
                lambda: review.sign(current_user, kind, record, form.written(), fresh=fresh),
            )
            if outcome.ok:
                flash(_("已签署意见。"), "success")
                return see_other(url_for("dashboard.review_queue"))
            db.session.commit()  # keep a successful re-authentication
            return _review_page(current_user, f"{kind}-{record_id}", form, outcome.status)
    return _review_page(current_user, f"{kind}-{record_id}", form, 422)

"""The dashboard: the department's figures per estate and period, each a link to its list."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user

from webapp import periods
from webapp.access import SUPERVISOR_UP, allow
from webapp.dashboard import services
from webapp.scoping import visible_estate
from webapp.web import render

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

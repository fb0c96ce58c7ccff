"""Each role's home: today's duties."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from webapp.access import AUTHENTICATED, allow
from webapp.home import services
from webapp.web import render

bp = Blueprint("home", __name__)


@bp.get("/")
@allow(AUTHENTICATED)
def index():
    """The home page of the logged-in user's role."""
    user = current_user
    context = {"sections": services.duties_for(user)}
    if user.is_owner:
        context["units"] = services.owner_units(user)
    else:
        context["estates"] = services.estate_summaries(user)
    return render("home/owner.html" if user.is_owner else "home/staff.html", **context)

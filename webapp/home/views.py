"""Each role's home: today's duties."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template, request, url_for
from flask_login import current_user

from webapp import escalation
from webapp.access import AUTHENTICATED, allow
from webapp.extensions import db
from webapp.home import services
from webapp.web import render, see_other

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
        context["unread"] = escalation.unread_count(user)
    return render("home/owner.html" if user.is_owner else "home/staff.html", **context)


@bp.get("/notifications")
@allow(AUTHENTICATED)
def notifications():
    """What I was told (assigned, overdue, major, handover, fixed; an owner's replies and
    notices), unread first."""
    items = escalation.latest(current_user, after=request.args.get("after"))
    items.rows = [(n, url_for("home.open_notification", notification_id=n.id)) for n in items.rows]
    return render(
        "home/notifications.html",
        rows_fragment="home/_notification_rows.html",
        items=items,
        unread=escalation.unread_count(current_user),
    )


@bp.get("/notifications/<int:notification_id>")
@allow(AUTHENTICATED)
def open_notification(notification_id: int):
    """Open a notification: it counts as read, and leads to its record."""
    found = escalation.open_own(current_user, notification_id)
    db.session.commit()
    return see_other(escalation.link(found))


@bp.post("/notifications/read")
@allow(AUTHENTICATED)
def notifications_read():
    """Mark all my notifications as read."""
    escalation.mark_all_read(current_user)
    db.session.commit()
    return see_other(url_for("home.notifications"))


@bp.get("/notifications/bell")
@allow(AUTHENTICATED)
def bell():
    """The bell with its unread count, polled by every signed-in page. Its ETag is the count
    and the newest unread id: while nothing changed the browser's revalidation gets a bodiless
    304 for one indexed query."""
    count, newest = escalation.bell(current_user)
    etag = f"{current_user.id}-{count}-{newest}"
    # Weakly: compression may mark the tag weak on the way out (the content is the same).
    if request.if_none_match.contains_weak(etag):
        response = make_response("", 304)
    else:
        response = make_response(render_template("_bell.html"))
    response.set_etag(etag)
    # Kept by this browser only, and asked again (conditionally) every time.
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    return response

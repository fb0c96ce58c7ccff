"""One-time set-password links as staff hand them out: made, then shown once with a QR code."""

from __future__ import annotations

import segno
from flask import current_app

from webapp.auth import services
from webapp.links import external_url


def issue(person, purpose: str, issued_by) -> str:
    """A new one-time link token for `person` (earlier unused links stop working)."""
    return services.issue_setup_link(
        person,
        purpose=purpose,
        issued_by=issued_by,
        valid_for=current_app.config["INVITE_VALID_FOR"],
    )


def link_context(person, token: str, purpose: str) -> dict:
    """What the link page shows: the URL, a QR code of it, and a message ready to send."""
    url = external_url("auth.invite", token=token)
    qr = segno.make(url, error="m")
    return {
        "person": person,
        "purpose": purpose,
        "link": url,
        "qr_data_uri": qr.svg_data_uri(scale=5, border=2),
        "expires_days": current_app.config["INVITE_VALID_FOR"].days,
    }

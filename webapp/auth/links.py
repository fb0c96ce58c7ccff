"""The page content for a freshly made one-time link: URL, QR code, validity."""

from __future__ import annotations

import segno
from flask import current_app, url_for


def link_context(person, token: str, purpose: str) -> dict:
    url = url_for("auth.invite", token=token, _external=True)
    qr = segno.make(url, error="m")
    return {
        "person": person,
        "purpose": purpose,
        "link": url,
        "qr_data_uri": qr.svg_data_uri(scale=5, border=2),
        "expires_days": current_app.config["INVITE_VALID_FOR"].days,
    }

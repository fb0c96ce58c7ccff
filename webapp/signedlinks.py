"""Links that open one record without an account (a department's work-order link, …), in one place.

A link is a row (purpose, target, expiry, revocation) and a token: the row's id and an HMAC of
its random nonce under the app's secret key. The token can be shown again (the page and a
re-posted message carry the same link), is useless for any other row, and stops working when
the row expires or is revoked. Pages reached this way are rate-limited and audited with an
actor of their own ("via department link").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from webapp import clock
from webapp.extensions import db
from webapp.inputs import MAX_ID
from webapp.models import SignedLink, User


def _mac(link: SignedLink) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{link.id}:{link.purpose}:{link.target_type}:{link.target_id}:{link.nonce}"
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def token_of(link: SignedLink) -> str:
    return f"{link.id}-{_mac(link)}"


def issue(
    purpose: str,
    target_type: str,
    target_id: int,
    *,
    expires_at: datetime,
    estate_id: int | None = None,
    actor: User | None = None,
) -> SignedLink:
    link = SignedLink(
        purpose=purpose,
        target_type=target_type,
        target_id=target_id,
        estate_id=estate_id,
        nonce=secrets.token_hex(16),
        expires_at=expires_at,
        created_by_id=actor.id if actor is not None else None,
        created_at=clock.now(),
    )
    db.session.add(link)
    db.session.flush()
    return link


def current(purpose: str, target_type: str, target_id: int) -> SignedLink | None:
    """The newest link of this record and purpose that is not revoked (it may have expired)."""
    return db.session.scalar(
        select(SignedLink)
        .where(
            SignedLink.purpose == purpose,
            SignedLink.target_type == target_type,
            SignedLink.target_id == target_id,
            SignedLink.revoked_at.is_(None),
        )
        .order_by(SignedLink.id.desc())
        .limit(1)
    )


def working(purpose: str, target_type: str, target_ids) -> dict[int, SignedLink]:
    """The working link of each of these records (one statement): {target id: link}."""
    ids = list(target_ids)
    if not ids:
        return {}
    links = db.session.scalars(
        select(SignedLink).where(
            SignedLink.purpose == purpose,
            SignedLink.target_type == target_type,
            SignedLink.target_id.in_(ids),
            SignedLink.revoked_at.is_(None),
            SignedLink.expires_at > clock.now(),
        )
    )
    return {link.target_id: link for link in links}


def resolve(token: str, purpose: str) -> SignedLink | None:
    """The link behind a token, if it is genuine, of this purpose, not revoked and not expired."""
    head, _, mac = (token or "")[:80].partition("-")
    # The id must fit the column: a larger number is no link (not a database error).
    if not head.isdigit() or len(head) > 10 or int(head) > MAX_ID or not mac:
        return None
    link = db.session.get(SignedLink, int(head))
    if link is None or link.purpose != purpose:
        return None
    if not hmac.compare_digest(_mac(link), mac):
        return None
    if link.revoked_at is not None or link.expires_at <= clock.now():
        return None
    return link


def live(link: SignedLink | None) -> bool:
    return link is not None and link.revoked_at is None and link.expires_at > clock.now()


def extend(link: SignedLink, expires_at: datetime) -> None:
    """Keep a link working at least until `expires_at` (a work order given a new due time)."""
    if expires_at > link.expires_at:
        link.expires_at = expires_at


def revoke(link: SignedLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = clock.now()

"""Sign-off, in one place: who may sign what, the lock on signed records, and amendments.

A signed record refuses edits; corrections are amendments that keep the original visible.
Signing needs a fresh login; nobody signs their own record; nobody signs the same record twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from webapp import audit, clock
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.models import Amendment, Role, Signature, User


class NotAllowed(Invalid):
    def __init__(self, message: str):
        super().__init__("opinion", message)


def content_hash(content: dict) -> str:
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def signatures(target_type: str, target_id: int) -> list[Signature]:
    return list(
        db.session.scalars(
            select(Signature)
            .where(Signature.target_type == target_type, Signature.target_id == target_id)
            .order_by(Signature.signed_at, Signature.id)
        )
    )


def signed_ids(target_type: str, ids: Iterable[int]) -> set[int]:
    ids = list(ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(Signature.target_id).where(
                Signature.target_type == target_type, Signature.target_id.in_(ids)
            )
        )
    )


def sign(
    signer: User,
    target_type: str,
    target_id: int,
    *,
    author_id: int,
    estate_id: int,
    content: dict,
    opinion: str,
    fresh: bool,
) -> Signature:
    """Sign a finished record. Supervisors sign off; the manager signs an opinion."""
    if not fresh:
        raise NotAllowed(_("签核前请重新输入密码。"))
    if signer.role not in (Role.SUPERVISOR, Role.MANAGER):
        raise NotAllowed(_("只有客服主任和客服经理可以签核。"))
    if signer.id == author_id:
        raise NotAllowed(_("不能签核自己的记录。"))
    if any(s.signer_id == signer.id for s in signatures(target_type, target_id)):
        raise NotAllowed(_("你已经签过这条记录。"))
    if signer.role == Role.MANAGER and not opinion.strip():
        raise NotAllowed(_("请填写意见。"))
    signature = Signature(
        target_type=target_type,
        target_id=target_id,
        signer_id=signer.id,
        signer_role=signer.role,
        kind="opinion" if signer.role == Role.MANAGER else "signoff",
        opinion=opinion.strip(),
        content_hash=content_hash(content),
        signed_at=clock.now(),
    )
    db.session.add(signature)
    db.session.flush()
    audit.record(
        signer,
        f"{target_type}.sign",
        target_type,
        target_id,
        estate_id=estate_id,
        after={"kind": signature.kind, "opinion": signature.opinion},
    )
    return signature


def amend(
    author: User,
    target_type: str,
    target_id: int,
    *,
    estate_id: int,
    before: dict,
    after: dict,
    reason: str,
) -> Amendment:
    if not reason.strip():
        raise Invalid("reason", _("请写明更正原因。"))
    amendment = Amendment(
        target_type=target_type,
        target_id=target_id,
        author_id=author.id,
        before=before,
        after=after,
        reason=reason.strip(),
        created_at=clock.now(),
    )
    db.session.add(amendment)
    db.session.flush()
    audit.record(
        author,
        f"{target_type}.amend",
        target_type,
        target_id,
        estate_id=estate_id,
        before=before,
        after={**after, "reason": reason.strip()},
    )
    return amendment

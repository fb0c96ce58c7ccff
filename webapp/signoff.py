"""Sign-off, in one place: who may sign what, the lock on signed records, and amendments.

A signed record refuses edits; corrections are amendments that keep the original visible.
Signing needs a fresh login; nobody signs their own record; nobody signs the same record twice.
Who may sign is the `sign_step()` a record's workflow lists; `sign()` records the signature.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp import audit, clock
from webapp.errors import IllegalTransition, Invalid
from webapp.extensions import db
from webapp.models import Amendment, Role, Signature, User
from webapp.workflow import SUPERVISORS, Rule, Step, Workflow, roles, step


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


def signatures_of(target_type: str, ids: Iterable[int]) -> dict[int, list[Signature]]:
    """The signatures of many records in one query (with their signers): {id: [signatures]}."""
    ids = list(ids)
    out: dict[int, list[Signature]] = {i: [] for i in ids}
    if ids:
        for signature in db.session.scalars(
            select(Signature)
            .where(Signature.target_type == target_type, Signature.target_id.in_(ids))
            .options(joinedload(Signature.signer))
            .order_by(Signature.signed_at, Signature.id)
        ):
            out[signature.target_id].append(signature)
    return out


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


def signed_by(target_type: str, target_id: int, user_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(Signature.id).where(
                Signature.target_type == target_type,
                Signature.target_id == target_id,
                Signature.signer_id == user_id,
            )
        )
    )


SIGNERS = SUPERVISORS


def signs(user: User) -> bool:
    """Whether this person signs records at all (their queue of records to sign)."""
    return user.role in SIGNERS


def sign_step(
    target_type: str, sources: Iterable[str], author_of: Callable[[object], int], status_message
) -> Step:
    """The "sign" step of a record's workflow: supervisors sign off, the manager signs an
    opinion, never on their own record and once each."""
    return step(
        "sign",
        sources,
        rules=[
            roles(*SIGNERS, message=_l("只有客服主任和客服经理可以签核。")),
            Rule(lambda user, record: user.id != author_of(record), _l("不能签核自己的记录。")),
            Rule(
                lambda user, record: not signed_by(target_type, record.id, user.id),
                _l("你已经签过这条记录。"),
            ),
        ],
        status_message=status_message,
    )


def check(flow: Workflow, signer: User, record) -> None:
    """May this person sign this record now? A record not yet ready is a conflict (409); a
    signer the rules refuse is told beside the opinion (422)."""
    message = flow.refusal(signer, record, "sign")
    if message is None:
        return
    if flow.status_of(record) not in flow.by_action["sign"].sources:
        raise IllegalTransition(record, message)
    raise NotAllowed(message)


def kind_for(signer: User) -> str:
    """What this person's signature is: the manager's opinion, or a supervisor's sign-off."""
    return "opinion" if signer.role == Role.MANAGER else "signoff"


def sign(
    signer: User,
    target_type: str,
    target_id: int,
    *,
    estate_id: int,
    content: dict,
    opinion: str,
    fresh: bool,
    kind: str | None = None,
) -> Signature:
    """Record the signature of a record whose workflow's sign step this person may take (the
    caller checks it). The manager's opinion must say something. `kind` names a signature that
    is not a review (the two sides of a shift handover)."""
    if not fresh:
        raise NotAllowed(_("签核前请重新输入密码。"))
    kind = kind or kind_for(signer)
    if kind == "opinion" and not opinion.strip():
        raise NotAllowed(_("请填写意见。"))
    signature = Signature(
        target_type=target_type,
        target_id=target_id,
        signer_id=signer.id,
        signer_role=signer.role,
        kind=kind,
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

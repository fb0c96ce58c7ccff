"""The audit service: every state change of every feature is written here, in its transaction."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import AuditEvent, User

# Set by the web layer for each request, so services need not read `request`.
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_request_id", default=None
)

# target_type -> function(user, target_id) returning the record if `user` may see it, else None.
_target_loaders: dict[str, Callable[[User, int], Any]] = {}


def register_target(target_type: str, loader: Callable[[User, int], Any]) -> None:
    """Declare how to find a record of this type for a viewer (used by the history view)."""
    _target_loaders[target_type] = loader


def target_loader(target_type: str) -> Callable[[User, int], Any] | None:
    return _target_loaders.get(target_type)


def snapshot(obj: Any, fields: Iterable[str]) -> dict:
    """The named fields of a record as plain JSON values."""
    out = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, list | tuple | set):
            value = sorted(str(v) for v in value)
        elif value is not None and not isinstance(value, str | int | float | bool):
            value = str(value)
        out[name] = value
    return out


def record(
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int,
    *,
    before: dict | None = None,
    after: dict | None = None,
    estate_id: int | None = None,
    via: str | None = None,
    via_name: str | None = None,
) -> AuditEvent:
    """Append one audit row; it commits (or rolls back) with the change it describes.
    A change made without an account names how it came (`via`, e.g. "department_link") and
    the name the person gave (`via_name`)."""
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after.get(k) for k in sorted(changed)}
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        estate_id=estate_id,
        before=before,
        after=after,
        request_id=current_request_id.get(),
        via=via,
        via_name=(via_name or "")[:40] or None,
    )
    db.session.add(event)
    return event


def history(target_type: str, target_id: int) -> list[AuditEvent]:
    """A record's timeline, oldest first, with the actors loaded in the same query."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .options(joinedload(AuditEvent.actor))
            .where(AuditEvent.target_type == target_type, AuditEvent.target_id == target_id)
            .order_by(AuditEvent.id)
        )
    )

"""Idempotency keys: each client-sent change remembered with its result, so a replay repeats the
answer instead of the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db import UTCDateTime, utcnow
from webapp.extensions import db


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    # sha256 of method, path, form fields and file contents: the same key with another payload
    # is refused rather than answered with someone else's result.
    fingerprint: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(300))
    status: Mapped[int | None] = mapped_column()  # the answer, once the response was made
    location: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

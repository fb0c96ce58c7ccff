"""Shared record machinery: readable numbers, signatures, amendments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import UTCDateTime, utcnow
from webapp.extensions import db
from webapp.models.users import User


class NumberSequence(db.Model):
    """The last number handed out per prefix, estate and day (WO-CH-20261122-0007)."""

    __tablename__ = "number_sequence"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    estate_id: Mapped[int] = mapped_column(
        ForeignKey("estate.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Signature(db.Model):
    """A sign-off (签核) or a signed opinion (签署意见) on a record. A signed record is locked."""

    __tablename__ = "signature"
    __table_args__ = (
        UniqueConstraint("target_type", "target_id", "signer_id"),
        Index("ix_signature_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int] = mapped_column(Integer)
    signer_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    signer_role: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # signoff | opinion | handover_out/_in
    opinion: Mapped[str] = mapped_column(Text, default="")
    # Hash of the record's content when signed: later tampering is detectable.
    content_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    signer: Mapped[User] = relationship()


class Amendment(db.Model):
    """A correction to a signed record; the original stays as it was."""

    __tablename__ = "amendment"
    __table_args__ = (Index("ix_amendment_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    before: Mapped[dict] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()

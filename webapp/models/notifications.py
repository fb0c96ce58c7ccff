"""Notifications: what the escalation sweep and the ticket desk tell a person, kept until read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db import UTCDateTime, utcnow
from webapp.extensions import db


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (
        # One notification per person and event: a repeated sweep cannot send it twice.
        UniqueConstraint("user_id", "key", name="uq_notification_user_key"),
        Index("ix_notification_user_read", "user_id", "read_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(24))  # overdue | escalated | major | investigation
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int] = mapped_column(Integer)
    estate_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TicketLink(db.Model):
    """A ticket tied to a finding of a patrol (its work order) or a decoration inspection."""

    __tablename__ = "ticket_link"
    __table_args__ = (
        UniqueConstraint("ticket_id", "target_type", "target_id", name="uq_ticket_link"),
        Index("ix_ticket_link_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    target_type: Mapped[str] = mapped_column(String(32))  # work_order | notice
    target_id: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

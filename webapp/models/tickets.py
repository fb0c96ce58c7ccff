"""Tickets (投诉/报修/咨询/建议): taken by staff or sent by owners, worked to a written reply and a
return visit; every step is an entry in the ticket's timeline, public or internal."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import UTCDateTime, utcnow
from webapp.extensions import db
from webapp.models.places import Estate, Unit
from webapp.models.users import User


class TicketStatus(enum.StrEnum):
    RECEIVED = "received"  # 受理
    ASSIGNED = "assigned"  # 已派单
    IN_PROGRESS = "in_progress"  # 处理中
    RESOLVED = "resolved"  # 已处理, waiting for the return visit
    CLOSED = "closed"  # 已关闭


class Ticket(db.Model):
    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_estate_status_created", "estate_id", "status", "created_at"),
        # Received in a window whatever the status: the dashboard's periods, trends, hot units.
        Index("ix_ticket_estate_created", "estate_id", "created_at"),
        Index("ix_ticket_estate_kind_created", "estate_id", "kind", "created_at"),
        Index("ix_ticket_follow_up", "status", "next_follow_up_at"),
        # The inbox at 100k tickets: open work by follow-up, closed by date, late majors.
        Index("ix_ticket_estate_status_follow_up", "estate_id", "status", "next_follow_up_at"),
        Index("ix_ticket_estate_closed", "estate_id", "closed_at"),
        Index("ix_ticket_estate_major", "estate_id", "severity", "investigated_at"),
        Index("ix_ticket_estate_severity_follow_up", "estate_id", "severity", "next_follow_up_at"),
        # The few major complaints not closed yet, among all the closed ones (managers' homes).
        Index(
            "ix_ticket_estate_severity_status",
            "estate_id",
            "severity",
            "status",
            "next_follow_up_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="RESTRICT"))
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("unit.id", ondelete="RESTRICT"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="RESTRICT"), index=True
    )
    reporter_name: Mapped[str] = mapped_column(String(64))
    reporter_phone: Mapped[str] = mapped_column(String(20), default="")
    kind: Mapped[str] = mapped_column(String(16))  # complaint | repair | inquiry | suggestion
    channel: Mapped[str] = mapped_column(String(16))  # phone | visit | written | online | patrol
    category: Mapped[str] = mapped_column(String(24))
    severity: Mapped[str] = mapped_column(String(8), default="normal")  # normal | major
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.RECEIVED)
    # First-contact responsibility (首问责任制): whoever took it owns it until it is assigned.
    taker_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="RESTRICT"), index=True
    )
    department: Mapped[str | None] = mapped_column(String(16))
    tracking_hash: Mapped[str | None] = mapped_column(String(64))
    next_follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    investigation_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    investigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Marked 无效报修 (a scanned report that was no report): closed, and left out of the figures.
    invalid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    satisfaction: Mapped[str | None] = mapped_column(String(16))  # satisfied | basic | unsatisfied
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Characters and neighbouring pairs of number, reporter and description (webapp.search).
    # Deferred: only the index reads it, and it is the widest column of the row.
    search_terms: Mapped[str] = mapped_column(Text, default="", deferred=True)

    __mapper_args__ = {"version_id_col": version}

    estate: Mapped[Estate] = relationship()
    unit: Mapped[Unit | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    taker: Mapped[User | None] = relationship(foreign_keys=[taker_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])


class TicketEntry(db.Model):
    """A line of the timeline: public entries are shown to the owner, internal ones never."""

    __tablename__ = "ticket_entry"
    __table_args__ = (Index("ix_ticket_entry_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    # received, assigned, started, reply, note, info, investigation, resolved, visit, reopened
    kind: Mapped[str] = mapped_column(String(16))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()

    @property
    def has_text(self) -> bool:
        """Words to show under its heading (a work order's steps carry data, not words)."""
        return bool(self.body) and not self.kind.startswith("work_")

    @property
    def written_to_owner(self) -> bool:
        """A written answer the owner reads (a reply, or the reply that resolved the ticket)."""
        return self.kind in ("resolved", "reply")

    @property
    def from_caller(self) -> bool:
        """What the caller added (the owner's app or the tracking link): theirs to read back."""
        return self.kind == "info"

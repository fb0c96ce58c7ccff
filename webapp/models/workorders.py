"""Work orders (维修单 / 部门工作联系单): a problem sent to the department that fixes it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import UTCDateTime, utcnow
from webapp.extensions import db
from webapp.models.places import Estate
from webapp.models.users import User


class Department(enum.StrEnum):
    ENGINEERING = "engineering"
    CLEANING = "cleaning"
    LANDSCAPING = "landscaping"
    SECURITY = "security"
    SERVICE = "service"


class WorkOrderStatus(enum.StrEnum):
    OPEN = "open"  # sent to the department, waiting for the fix
    HELD = "held"  # the department cannot do it, or needs someone else first (says why)
    FIXED = "fixed"  # the department says it is fixed; waiting for re-inspection
    CLOSED = "closed"  # re-inspection passed


class WorkOrder(db.Model):
    __tablename__ = "work_order"
    __table_args__ = (
        Index("ix_work_order_origin", "origin_type", "origin_id"),
        Index("ix_work_order_estate_status", "estate_id", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="RESTRICT"))
    department: Mapped[str] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=WorkOrderStatus.OPEN)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Where it came from: a patrol finding, a decoration inspection, a ticket, a duty event.
    origin_type: Mapped[str] = mapped_column(String(32))
    origin_id: Mapped[int] = mapped_column(Integer)
    # Who re-inspects: the one who found it (a supervisor may stand in).
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    reply_note: Mapped[str] = mapped_column(Text, default="")
    # Who in the department answered through its link (a name, not an account).
    replied_by: Mapped[str] = mapped_column(String(40), default="")
    # Held back by the department: "cannot" (无法处理) or "needs_help" (需配合), and why.
    hold_kind: Mapped[str] = mapped_column(String(16), default="")
    hold_reason: Mapped[str] = mapped_column(Text, default="")
    # What customer service tells the department when it sends the order again (重新派单).
    instructions: Mapped[str] = mapped_column(Text, default="")
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    # Highest escalation level already announced by the sweep (0 none, 1 supervisor, 2 manager).
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    estate: Mapped[Estate] = relationship()
    reported_by: Mapped[User] = relationship()

    @property
    def waiting_reinspection(self) -> bool:
        """The department says it is fixed; the finder has not re-inspected it yet."""
        return self.status == WorkOrderStatus.FIXED

"""Decoration sites (装修管理): permits per unit, the rules inspected daily, inspections and
rectification notices (整改通知单) with deadlines."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import UTCDateTime, utcnow
from webapp.extensions import db
from webapp.models.places import Estate, Unit
from webapp.models.users import User


class PermitStatus(enum.StrEnum):
    APPLIED = "applied"
    APPROVED = "approved"
    IN_PROGRESS = "in_progress"
    SUSPENDED = "suspended"
    COMPLETION_REQUESTED = "completion_requested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class DecorationPermit(db.Model):
    __tablename__ = "decoration_permit"
    __table_args__ = (Index("ix_decoration_permit_estate_status", "estate_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    owner_name: Mapped[str] = mapped_column(String(64))
    owner_phone: Mapped[str] = mapped_column(String(20))
    contractor: Mapped[str] = mapped_column(String(100))
    site_lead: Mapped[str] = mapped_column(String(64))
    site_lead_phone: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(Text)  # the works, comma separated (水电改造, 防水 …)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    workers: Mapped[int] = mapped_column(Integer)
    deposit: Mapped[int] = mapped_column(Integer)  # 元
    deposit_status: Mapped[str] = mapped_column(
        String(16), default="held"
    )  # held|refund|refunded|withheld
    status: Mapped[str] = mapped_column(String(24), default=PermitStatus.APPLIED)
    status_note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    estate: Mapped[Estate] = relationship()
    unit: Mapped[Unit] = relationship()


class DecorationRule(db.Model):
    """One line of the decoration rules checklist (daily or completion), editable by the manager."""

    __tablename__ = "decoration_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="daily")  # daily | completion
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DecorationInspection(db.Model):
    __tablename__ = "decoration_inspection"
    __table_args__ = (Index("ix_decoration_inspection_permit", "permit_id", "inspected_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("decoration_permit.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="daily")
    inspector_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    verdict: Mapped[str | None] = mapped_column(String(16))  # completion: accepted | rejected

    permit: Mapped[DecorationPermit] = relationship()
    inspector: Mapped[User] = relationship()
    results: Mapped[list[DecorationResult]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan"
    )

    @property
    def passed(self) -> bool:
        """A completion acceptance that accepted the work."""
        return self.verdict == "accepted"


class DecorationResult(db.Model):
    __tablename__ = "decoration_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("decoration_inspection.id", ondelete="CASCADE"), index=True
    )
    rule_id: Mapped[int] = mapped_column(ForeignKey("decoration_rule.id", ondelete="RESTRICT"))
    outcome: Mapped[str] = mapped_column(String(12))  # ok | violation | na
    note: Mapped[str] = mapped_column(Text, default="")

    inspection: Mapped[DecorationInspection] = relationship(back_populates="results")
    rule: Mapped[DecorationRule] = relationship()


class NoticeStatus(enum.StrEnum):
    DRAFT = "draft"  # written by an assistant, waiting for a supervisor
    ISSUED = "issued"  # sent to owner and contractor; the deadline runs
    REPLIED = "replied"  # the owner says it is rectified; waiting for the next inspection
    RECTIFIED = "rectified"  # checked on site


class RectificationNotice(db.Model):
    __tablename__ = "rectification_notice"
    __table_args__ = (
        Index("ix_rectification_notice_estate_status", "estate_id", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="RESTRICT"))
    permit_id: Mapped[int] = mapped_column(
        ForeignKey("decoration_permit.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    result_id: Mapped[int | None] = mapped_column(
        ForeignKey("decoration_result.id", ondelete="SET NULL")
    )
    rule_text: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=NoticeStatus.DRAFT)
    written_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner_reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    permit: Mapped[DecorationPermit] = relationship()
    unit: Mapped[Unit] = relationship()
    written_by: Mapped[User] = relationship(foreign_keys=[written_by_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])

    @property
    def checked_on_site(self) -> bool:
        """Issued and not yet rectified: the next inspection checks it."""
        return self.status in (NoticeStatus.ISSUED, NoticeStatus.REPLIED)

    @property
    def owner_replied(self) -> bool:
        """The owner says it is rectified and the site has not been checked since."""
        return self.status == NoticeStatus.REPLIED

"""The duty log (值班记录): who is on duty, what happened on the shift and how it was handled,
calls and visits that are not tickets (来电来访登记), and the shift's timed checks."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import UTCDateTime, utcnow
from webapp.extensions import db
from webapp.models.places import Building, Estate, PublicArea, Unit
from webapp.models.users import User


class DutyStatus(enum.StrEnum):
    OPEN = "open"  # on duty (until the next person has taken over)
    CLOSED = "closed"  # handed over, or ended by a supervisor


class Duty(db.Model):
    __tablename__ = "duty"
    __table_args__ = (
        Index("ix_duty_estate_started", "estate_id", "started_at"),
        # One open duty per person: a second "start" finds the first.
        Index(
            "uq_duty_open_per_person",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    shift: Mapped[str] = mapped_column(String(40), default="")  # 白班, 夜班 … as the roster says
    status: Mapped[str] = mapped_column(String(16), default=DutyStatus.OPEN)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    estate: Mapped[Estate] = relationship()
    person: Mapped[User] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status == DutyStatus.OPEN


class EventKind(enum.StrEnum):
    EVENT = "event"  # something that happened on the shift (值班情况)
    CALL = "call"  # a call that is not a ticket (来电)
    VISIT = "visit"  # a visit at the desk that is not a ticket (来访)


class DutyEvent(db.Model):
    """One line of the duty log: an event of the shift, or a call or visit."""

    __tablename__ = "duty_event"
    __table_args__ = (
        Index("ix_duty_event_duty", "duty_id", "happened_at"),
        Index("ix_duty_event_estate_happened", "estate_id", "happened_at"),
        # Major events whose written report is still due (the sweep, the homes).
        Index("ix_duty_event_report_due", "estate_id", "report_written_at", "report_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_id: Mapped[int] = mapped_column(ForeignKey("duty.id", ondelete="RESTRICT"))
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16), default=EventKind.EVENT)
    happened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Where: a unit, a building, a public area, or words (any of them may be empty).
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id", ondelete="RESTRICT"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("public_area.id", ondelete="RESTRICT"))
    place: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text)  # what happened / what the call was about
    handling: Mapped[str] = mapped_column(Text, default="")  # how it was handled
    # Calls and visits: who, their phone, and whether it was answered or passed on.
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    outcome: Mapped[str] = mapped_column(String(16), default="")
    major: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    # A major event's written report (重大事件书面报告), due by the end of the next day.
    report: Mapped[str] = mapped_column(Text, default="")
    report_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report_written_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    # Who sees it through while it is open: the writer, then whoever took over their shift.
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    duty: Mapped[Duty] = relationship()
    building: Mapped[Building | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    area: Mapped[PublicArea | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    @property
    def where(self) -> str:
        """The place in words: the unit, else the area, else the building, then the free text."""
        named = (
            self.unit.label
            if self.unit
            else (self.area.name if self.area else (self.building.name if self.building else ""))
        )
        return " · ".join(part for part in (named, self.place) if part)

    @property
    def report_pending(self) -> bool:
        return self.major and self.report_written_at is None


class DutyCheck(db.Model):
    """One timed check of the shift done (景观灯 on and off, the public areas walked …)."""

    __tablename__ = "duty_check"
    __table_args__ = (UniqueConstraint("duty_id", "item", name="uq_duty_check_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_id: Mapped[int] = mapped_column(ForeignKey("duty.id", ondelete="RESTRICT"))
    item: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(200), default="")
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))

    done_by: Mapped[User] = relationship()


class HandoverStatus(enum.StrEnum):
    PREPARED = "prepared"  # signed by the outgoing person, waiting for the incoming one
    ACCEPTED = "accepted"  # signed by the incoming person: locked
    REFUSED = "refused"  # the incoming person would not take it over as it stood


class Handover(db.Model):
    """A shift handover (交接班记录): what is still open, the superiors' instructions, what was
    handed over in person; signed by both sides."""

    __tablename__ = "handover"
    __table_args__ = (
        Index("ix_handover_estate_status", "estate_id", "status", "prepared_at"),
        # One handover waiting per duty; a refused one may be prepared again.
        Index(
            "uq_handover_waiting_per_duty",
            "duty_id",
            unique=True,
            sqlite_where=text("status = 'prepared'"),
            postgresql_where=text("status = 'prepared'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_id: Mapped[int] = mapped_column(ForeignKey("duty.id", ondelete="RESTRICT"), index=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="RESTRICT"))
    from_user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16), default=HandoverStatus.PREPARED)
    instructions: Mapped[str] = mapped_column(Text, default="")  # 领导下达的工作指令
    notes: Mapped[str] = mapped_column(Text, default="")  # anything else the next shift must know
    # What was handed over face to face (keys, radios, documents …), as ticked.
    in_person: Mapped[list] = mapped_column(JSON, default=list)
    # The open items listed when it was prepared: [{"type", "id", "title", "meta"}].
    open_items: Mapped[list] = mapped_column(JSON, default=list)
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    duty: Mapped[Duty] = relationship()
    from_user: Mapped[User] = relationship(foreign_keys=[from_user_id])
    to_user: Mapped[User | None] = relationship(foreign_keys=[to_user_id])

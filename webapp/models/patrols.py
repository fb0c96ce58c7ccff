"""Patrols (巡查): templates of checkpoints and items, how often who runs them, and the rounds."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
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
from webapp.models.places import Estate, PublicArea
from webapp.models.users import User
from webapp.models.workorders import WorkOrder


class PatrolTemplate(db.Model):
    __tablename__ = "patrol_template"
    __table_args__ = (UniqueConstraint("estate_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    estate: Mapped[Estate] = relationship()
    checkpoints: Mapped[list[Checkpoint]] = relationship(
        back_populates="template", order_by="Checkpoint.position", cascade="all, delete-orphan"
    )
    requirements: Mapped[list[PatrolRequirement]] = relationship(
        back_populates="template", cascade="all, delete-orphan"
    )


class Checkpoint(db.Model):
    """An area of the estate visited in a round, in order; it has its own printed QR code."""

    __tablename__ = "patrol_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("patrol_template.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(80))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("public_area.id", ondelete="SET NULL"))
    # A secret printed in the checkpoint's QR code: proves presence, cannot be guessed.
    qr_token: Mapped[str] = mapped_column(String(32), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    template: Mapped[PatrolTemplate] = relationship(back_populates="checkpoints")
    area: Mapped[PublicArea | None] = relationship()
    items: Mapped[list[CheckItem]] = relationship(
        back_populates="checkpoint", order_by="CheckItem.position", cascade="all, delete-orphan"
    )


class CheckItem(db.Model):
    __tablename__ = "patrol_check_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(
        ForeignKey("patrol_checkpoint.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The department a finding here usually goes to (a blocked fire exit → security): suggested
    # on the card when the item is marked 异常, and changeable there.
    department: Mapped[str | None] = mapped_column(String(20), nullable=True)

    checkpoint: Mapped[Checkpoint] = relationship(back_populates="items")


class Period(enum.StrEnum):
    DAY = "day"
    WEEK = "week"


class PatrolRequirement(db.Model):
    """Who must run a template how often: e.g. supervisors twice a day, the manager weekly."""

    __tablename__ = "patrol_requirement"
    __table_args__ = (UniqueConstraint("template_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("patrol_template.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(8), default=Period.DAY)
    times: Mapped[int] = mapped_column(Integer, default=1)

    template: Mapped[PatrolTemplate] = relationship(back_populates="requirements")


class RoundStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"


class PatrolRound(db.Model):
    __tablename__ = "patrol_round"
    __table_args__ = (
        Index("ix_patrol_round_estate_started", "estate_id", "started_at"),
        # Finished rounds by date: the homes' counts of the day and the rounds awaiting sign-off.
        Index("ix_patrol_round_estate_status_finished", "estate_id", "status", "finished_at"),
        Index("ix_patrol_round_patroller_status_finished", "patroller_id", "status", "finished_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("patrol_template.id", ondelete="RESTRICT"))
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="RESTRICT"))
    patroller_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=RoundStatus.IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    template: Mapped[PatrolTemplate] = relationship()
    estate: Mapped[Estate] = relationship()
    patroller: Mapped[User] = relationship()
    results: Mapped[list[ItemResult]] = relationship(
        back_populates="round", cascade="all, delete-orphan"
    )
    visits: Mapped[list[CheckpointVisit]] = relationship(
        back_populates="round", cascade="all, delete-orphan"
    )

    @property
    def running(self) -> bool:
        return self.status == RoundStatus.IN_PROGRESS


class Outcome(enum.StrEnum):
    OK = "ok"  # 正常
    ISSUE = "issue"  # 异常
    NA = "na"  # 不适用


class ItemResult(db.Model):
    """One check item's answer in one round. An 异常 (issue) becomes a work order."""

    __tablename__ = "patrol_item_result"
    __table_args__ = (
        UniqueConstraint("round_id", "item_id"),
        # The few 异常 among the many 正常, by round: rounds that found something (the trends,
        # the history's 有异常) and items found again and again (hot spots), without reading
        # every answer of every round.
        Index(
            "ix_patrol_item_result_issue",
            "round_id",
            "item_id",
            postgresql_where=text("outcome = 'issue'"),
            sqlite_where=text("outcome = 'issue'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("patrol_round.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("patrol_check_item.id", ondelete="RESTRICT"))
    outcome: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
    # For an 异常: the department that should fix it, and the work order sent when the round ends.
    department: Mapped[str | None] = mapped_column(String(16))
    work_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_order.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[PatrolRound] = relationship(back_populates="results")
    item: Mapped[CheckItem] = relationship()
    work_order: Mapped[WorkOrder | None] = relationship()


class CheckpointVisit(db.Model):
    """Proof of presence: the checkpoint's QR code was scanned during the round."""

    __tablename__ = "patrol_checkpoint_visit"
    __table_args__ = (UniqueConstraint("round_id", "checkpoint_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("patrol_round.id", ondelete="CASCADE"))
    checkpoint_id: Mapped[int] = mapped_column(
        ForeignKey("patrol_checkpoint.id", ondelete="RESTRICT")
    )
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[PatrolRound] = relationship(back_populates="visits")

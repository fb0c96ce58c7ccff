"""The move-in inspection (收楼验房): an estate's checklist of rooms and items, one inspection of a
unit with its owner, and what it found. Each item found wanting (不合格) is a defect (工程遗留问题)
fixed by engineering through a work order; the owner signs the record on the phone."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import UTCDateTime, utcnow
from webapp.extensions import db
from webapp.models.places import Estate, Unit
from webapp.models.users import User
from webapp.models.workorders import WorkOrder


class MoveInItem(db.Model):
    """One line of an estate's move-in checklist: a room and what is checked there."""

    __tablename__ = "move_in_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="CASCADE"), index=True)
    room: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(200))
    # The builder's warranty for what this item covers, in years from the handover.
    warranty_years: Mapped[int] = mapped_column(Integer, default=2)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MoveInStatus(enum.StrEnum):
    SIGNING = "signing"  # recorded; the owner has not signed yet
    SIGNED = "signed"  # the owner signed: the unit is received (收楼完成), the record locked


class MoveIn(db.Model):
    __tablename__ = "move_in"
    __table_args__ = (Index("ix_move_in_estate_status", "estate_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="RESTRICT"))
    # One move-in per unit: a second visit re-inspects the defects, not the whole unit.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), unique=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    owner_name: Mapped[str] = mapped_column(String(64))
    owner_phone: Mapped[str] = mapped_column(String(20), default="")
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    # What was handed over: {"door": 3, "mailbox": 2, …} and the documents' codes.
    keys_handed: Mapped[dict] = mapped_column(JSON, default=dict)
    documents: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=MoveInStatus.SIGNING)
    signed_name: Mapped[str] = mapped_column(String(64), default="")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who held the phone: the staff member it was handed to the owner by, or the owner's account.
    signed_via_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    # The record's content when signed: later tampering is detectable.
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    estate: Mapped[Estate] = relationship()
    unit: Mapped[Unit] = relationship()
    inspector: Mapped[User] = relationship(foreign_keys=[inspector_id])
    results: Mapped[list[MoveInResult]] = relationship(
        back_populates="move_in",
        cascade="all, delete-orphan",
        order_by="MoveInResult.position",
    )

    @property
    def signed(self) -> bool:
        return self.status == MoveInStatus.SIGNED


class MoveInResult(db.Model):
    """One checklist item as found: 合格, or 不合格 (a defect, with its work order)."""

    __tablename__ = "move_in_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    move_in_id: Mapped[int] = mapped_column(
        ForeignKey("move_in.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(ForeignKey("move_in_item.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The checklist's words at the time: later edits of the checklist leave the record as it was.
    room: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(12))  # ok | defect
    note: Mapped[str] = mapped_column(Text, default="")
    warranty_until: Mapped[date | None] = mapped_column(Date)
    work_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_order.id", ondelete="SET NULL"), index=True
    )

    move_in: Mapped[MoveIn] = relationship(back_populates="results")
    work_order: Mapped[WorkOrder | None] = relationship()

    @property
    def defect(self) -> bool:
        return self.outcome == "defect"

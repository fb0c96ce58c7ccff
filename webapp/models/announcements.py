"""Announcements (公告): what the department posts to an estate's owners or some buildings, on
their homes and on each building's notice-board page, with who has read it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import UTCDateTime, utcnow
from webapp.extensions import db
from webapp.models.places import Estate
from webapp.models.users import User


class AnnouncementStatus(enum.StrEnum):
    PUBLISHED = "published"  # shown from starts_at until ends_at
    WITHDRAWN = "withdrawn"  # taken down early (kept, with who and when)


class Announcement(db.Model):
    __tablename__ = "announcement"
    __table_args__ = (Index("ix_announcement_estate_starts", "estate_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=AnnouncementStatus.PUBLISHED)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When its owners were told on their bells: at publishing, or when a scheduled one starts.
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Opened from a building's notice-board page (no account: counted, not named).
    public_views: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    estate: Mapped[Estate] = relationship()
    created_by: Mapped[User] = relationship()
    # The buildings it is for; none: the whole estate.
    buildings: Mapped[list[AnnouncementBuilding]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def building_ids(self) -> list[int]:
        return sorted(b.building_id for b in self.buildings)


class AnnouncementBuilding(db.Model):
    __tablename__ = "announcement_building"

    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcement.id", ondelete="CASCADE"), primary_key=True
    )
    building_id: Mapped[int] = mapped_column(
        ForeignKey("building.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AnnouncementRead(db.Model):
    """An owner opened it (once per person, the first time kept)."""

    __tablename__ = "announcement_read"

    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcement.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

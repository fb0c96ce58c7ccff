"""Places: estates, their buildings and units, and public areas."""

from __future__ import annotations

import enum
import re
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import UTCDateTime, utcnow
from webapp.extensions import db

if TYPE_CHECKING:
    from webapp.models.users import UnitOwnership


def natural_key(text: str) -> str:
    """'3栋' < '10栋', '901' < '1201': digits zero-padded for sorting (buildings, units)."""
    return re.sub(r"\d+", lambda m: m.group(0).zfill(8), text)


class Estate(db.Model):
    __tablename__ = "estate"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    # Short code used in record numbers (e.g. CH in TS-CH-20261122-0007).
    code: Mapped[str] = mapped_column(String(8), unique=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Shanghai")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    buildings: Mapped[list[Building]] = relationship(
        back_populates="estate", order_by="Building.sort_key", cascade="all, delete-orphan"
    )
    public_areas: Mapped[list[PublicArea]] = relationship(
        back_populates="estate", order_by="PublicArea.name", cascade="all, delete-orphan"
    )


class Building(db.Model):
    __tablename__ = "building"
    __table_args__ = (UniqueConstraint("estate_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    # Sorting "2栋" before "10栋": zero-padded digits of the name.
    sort_key: Mapped[str] = mapped_column(String(80), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    estate: Mapped[Estate] = relationship(back_populates="buildings")
    units: Mapped[list[Unit]] = relationship(
        back_populates="building", order_by="Unit.sort_key", cascade="all, delete-orphan"
    )


class Unit(db.Model):
    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("building_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(
        ForeignKey("building.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(20))
    sort_key: Mapped[str] = mapped_column(String(80), default="")

    building: Mapped[Building] = relationship(back_populates="units")
    ownerships: Mapped[list[UnitOwnership]] = relationship(back_populates="unit")

    @property
    def label(self) -> str:
        """The label people use, e.g. 3栋-1201."""
        return f"{self.building.name}-{self.number}"

    @property
    def estate_id(self) -> int:
        return self.building.estate_id


class AreaKind(enum.StrEnum):
    LOBBY = "lobby"
    CORRIDOR = "corridor"
    STAIRWELL = "stairwell"
    SHOW_FLAT = "show_flat"
    SALES_OFFICE = "sales_office"
    BANK = "bank"
    CLUBHOUSE = "clubhouse"
    LANDSCAPING = "landscaping"
    PARKING = "parking"
    ELEVATOR = "elevator"
    FIRE_EXIT = "fire_exit"
    OTHER = "other"


class PublicArea(db.Model):
    __tablename__ = "public_area"
    __table_args__ = (UniqueConstraint("estate_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20), default=AreaKind.OTHER)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    estate: Mapped[Estate] = relationship(back_populates="public_areas")

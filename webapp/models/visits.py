"""Home visits (回访 / 家访, seed 003 二): each household visited by the supervisor once a year
at least and by its area's assistant every quarter. An area is the buildings a supervisor gives
one assistant; a visit is one household's, with how it went and what was said."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import UTCDateTime, utcnow
from webapp.extensions import db
from webapp.models.places import Building, Unit
from webapp.models.users import User


class VisitPlan(enum.StrEnum):
    SUPERVISOR = "supervisor"  # the supervisor's round of every household, once a year
    AREA = "area"  # the area assistant's, once a quarter


class VisitOutcome(enum.StrEnum):
    VISITED = "visited"  # met the household (counts for the plan)
    NOT_HOME = "not_home"  # nobody in: still due


class VisitArea(db.Model):
    """Which assistant's area a building is in (one assistant a building)."""

    __tablename__ = "visit_area"

    building_id: Mapped[int] = mapped_column(
        ForeignKey("building.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    building: Mapped[Building] = relationship()
    user: Mapped[User] = relationship()


class HomeVisit(db.Model):
    __tablename__ = "home_visit"
    __table_args__ = (
        Index("ix_home_visit_unit_plan_at", "unit_id", "plan", "visited_at"),
        Index("ix_home_visit_estate_at", "estate_id", "visited_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    visitor_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    plan: Mapped[str] = mapped_column(String(12))
    outcome: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A visit recorded by mistake is withdrawn by its visitor, not deleted: it stays on the
    # record, marked, and no longer counts for the plan.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship()
    visitor: Mapped[User] = relationship()

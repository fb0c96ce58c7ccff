"""People: staff and owners, and what ties them to places."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import UTCDateTime, utcnow
from webapp.extensions import db

if TYPE_CHECKING:
    from webapp.models.places import Estate, Unit


class Role(enum.StrEnum):
    ASSISTANT = "assistant"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    OWNER = "owner"


ROLES = tuple(Role)
STAFF_ROLES = (Role.ASSISTANT, Role.SUPERVISOR, Role.MANAGER)


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    role: Mapped[str] = mapped_column(String(16))
    # Empty until the person sets a password through their one-time link.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    # Bumped on password change, role change and disabling: every session issued before dies.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    memberships: Mapped[list[EstateMembership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    ownerships: Mapped[list[UnitOwnership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Set by the login loader: the token of the session this request runs under.
    auth_token = None

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str | None:  # Flask-Login stores this in the cookie session
        return self.auth_token

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @property
    def estates(self) -> list[Estate]:
        return [m.estate for m in self.memberships]

    @property
    def units(self) -> list[Unit]:
        return [o.unit for o in self.ownerships]

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class EstateMembership(db.Model):
    """A staff member works on an estate and sees only the estates they belong to."""

    __tablename__ = "estate_membership"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    estate_id: Mapped[int] = mapped_column(
        ForeignKey("estate.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    user: Mapped[User] = relationship(back_populates="memberships")
    estate: Mapped[Estate] = relationship()


class UnitOwnership(db.Model):
    """An owner (or tenant) is linked to the units they live in."""

    __tablename__ = "unit_ownership"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    relation: Mapped[str] = mapped_column(String(16), default="owner")

    user: Mapped[User] = relationship(back_populates="ownerships")
    unit: Mapped[Unit] = relationship(back_populates="ownerships")

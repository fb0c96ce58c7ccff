"""The key register (钥匙借(领)用登记): the estate's keys, who has one, since and until when."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import UTCDateTime, utcnow
from webapp.extensions import db
from webapp.models.places import Estate, Unit
from webapp.models.users import User


class KeyKind(enum.StrEnum):
    SHOW_FLAT = "show_flat"  # 样板间
    PLANT_ROOM = "plant_room"  # 设备房（水泵房、配电房…）
    VACANT_UNIT = "vacant_unit"  # 空置房
    PUBLIC_AREA = "public_area"  # 公共区域
    OTHER = "other"


class BorrowerKind(enum.StrEnum):
    STAFF = "staff"
    CONTRACTOR = "contractor"  # a contractor or another company
    OWNER = "owner"


class Key(db.Model):
    __tablename__ = "estate_key"
    __table_args__ = (UniqueConstraint("estate_id", "label", name="uq_estate_key_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="RESTRICT"))
    label: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16), default=KeyKind.OTHER)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    note: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    estate: Mapped[Estate] = relationship()
    unit: Mapped[Unit | None] = relationship()


class KeyLoan(db.Model):
    """One lending of a key: to whom, why, until when, and its return."""

    __tablename__ = "key_loan"
    __table_args__ = (
        Index("ix_key_loan_estate_out", "estate_id", "returned_at", "due_at"),
        Index("ix_key_loan_key", "key_id", "lent_at"),
        # A key is lent to one person at a time.
        Index(
            "uq_key_loan_out",
            "key_id",
            unique=True,
            sqlite_where=text("returned_at IS NULL"),
            postgresql_where=text("returned_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("estate_key.id", ondelete="RESTRICT"))
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="RESTRICT"))
    borrower_kind: Mapped[str] = mapped_column(String(16), default=BorrowerKind.STAFF)
    borrower_name: Mapped[str] = mapped_column(String(64))
    borrower_phone: Mapped[str] = mapped_column(String(20), default="")
    purpose: Mapped[str] = mapped_column(String(200))
    lent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lent_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    # Who chases it while it is out: the lender, then whoever took over their shift.
    responsible_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    return_note: Mapped[str] = mapped_column(String(200), default="")
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    key: Mapped[Key] = relationship()
    lent_by: Mapped[User] = relationship(foreign_keys=[lent_by_id])
    responsible: Mapped[User] = relationship(foreign_keys=[responsible_id])
    returned_to: Mapped[User | None] = relationship(foreign_keys=[returned_to_id])

    @property
    def out(self) -> bool:
        return self.returned_at is None

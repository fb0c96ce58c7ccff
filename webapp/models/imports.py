"""Workbooks of owner and unit records (业户档案) uploaded for import: kept from the preview to
the confirmation, and afterwards as the record of what an import was made from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import UTCDateTime, utcnow
from webapp.extensions import db
from webapp.models.places import Estate
from webapp.models.users import User


class RecordImport(db.Model):
    __tablename__ = "record_import"
    __table_args__ = (Index("ix_record_import_estate_created", "estate_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="RESTRICT"))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    filename: Mapped[str] = mapped_column(String(120))
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the file
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # What the preview counted (created / updated / unchanged / refused per kind of record):
    # confirming applies only while the records still give the same counts.
    plan: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    estate: Mapped[Estate] = relationship()
    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])

"""What leaves the app: the departments of an estate and their group robots, the outbox of
messages to those groups, and signed links that open one record without an account."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import UTCDateTime, utcnow
from webapp.extensions import db
from webapp.models.places import Estate


class RobotKind(enum.StrEnum):
    WECOM = "wecom"  # 企业微信群机器人
    DINGTALK = "dingtalk"  # 钉钉群机器人 (with its signing secret)


class EstateDepartment(db.Model):
    """A department of an estate (工程部, 保洁 …, and customer service itself): who to call and
    the group robot that reaches its people where they already are."""

    __tablename__ = "estate_department"
    __table_args__ = (UniqueConstraint("estate_id", "department", name="uq_estate_department"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="CASCADE"))
    department: Mapped[str] = mapped_column(String(16))  # a models.Department value
    name: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    robot_kind: Mapped[str] = mapped_column(String(16), default="")  # "" | wecom | dingtalk
    # Secrets: shown masked, never logged.
    webhook_url: Mapped[str] = mapped_column(String(500), default="")
    robot_secret: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    estate: Mapped[Estate] = relationship()

    @property
    def has_robot(self) -> bool:
        return bool(self.robot_kind and self.webhook_url)


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for (another) attempt
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt; "retry now" puts it back


class OutboxMessage(db.Model):
    """One message to one group robot, written in the transaction of the event it tells of and
    delivered after commit by the job queue."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        # One message per robot and event: a repeated sweep or a replayed form posts it once.
        UniqueConstraint("robot_id", "key", name="uq_outbox_robot_key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_robot_sent", "robot_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="CASCADE"))
    robot_id: Mapped[int] = mapped_column(ForeignKey("estate_department.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(24))
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text)  # markdown, in the estate's language (Chinese)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Messages merged into one post share a batch (a robot's per-minute limit counts posts).
    batch: Mapped[str | None] = mapped_column(String(32))

    robot: Mapped[EstateDepartment] = relationship()

    @property
    def retryable(self) -> bool:
        return self.status != OutboxStatus.SENT

    @property
    def waiting_retry(self) -> bool:
        return self.status == OutboxStatus.PENDING and self.attempts > 0

    @property
    def css(self) -> str:
        return {"failed": "pill-danger", "pending": "pill-warn"}.get(self.status, "pill-muted")


class SignedLink(db.Model):
    """A link that opens one record for one purpose without an account, until it expires or is
    revoked. The token is derived from `nonce` with the app's secret key, so it can be shown
    again; only the row id travels in the clear."""

    __tablename__ = "signed_link"
    __table_args__ = (Index("ix_signed_link_target", "purpose", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(24))  # department | …
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int] = mapped_column(Integer)
    estate_id: Mapped[int | None] = mapped_column(Integer)
    nonce: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

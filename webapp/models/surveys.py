"""Satisfaction surveys (满意度调查): a manager's questionnaire for an estate or some of its
buildings, sent to owners as a link, a QR code and a line on their home; one answer per unit."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import UTCDateTime, utcnow
from webapp.extensions import db
from webapp.models.places import Estate, Unit
from webapp.models.users import User


class SurveyStatus(enum.StrEnum):
    DRAFT = "draft"  # being written: questions can change
    OPEN = "open"  # sent: owners answer, the questions are fixed
    CLOSED = "closed"  # no more answers; the results stay


class Survey(db.Model):
    __tablename__ = "survey"
    __table_args__ = (Index("ix_survey_estate_status", "estate_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(100))
    intro: Mapped[str] = mapped_column(Text, default="")
    # The buildings asked (ids); empty: the whole estate.
    building_ids: Mapped[list] = mapped_column(JSON, default=list)
    closes_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=SurveyStatus.DRAFT)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How many units were asked when it was sent (the response rate's denominator).
    units_asked: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    estate: Mapped[Estate] = relationship()
    created_by: Mapped[User] = relationship()
    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="survey",
        cascade="all, delete-orphan",
        order_by="SurveyQuestion.position",
    )


class QuestionKind(enum.StrEnum):
    CHOICE = "choice"  # one of the listed options
    SCALE = "scale"  # 1 (very dissatisfied) to 5 (very satisfied)
    TEXT = "text"  # free text (optional to answer)


class SurveyQuestion(db.Model):
    __tablename__ = "survey_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(String(200))
    options: Mapped[list] = mapped_column(JSON, default=list)

    survey: Mapped[Survey] = relationship(back_populates="questions")

    @property
    def required(self) -> bool:
        return self.kind != QuestionKind.TEXT


class SurveyResponse(db.Model):
    """One unit's answer: an owner on their account, or someone who proved the unit's phone."""

    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("survey_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The phone that was checked against the owner roll (answers through the link).
    phone: Mapped[str] = mapped_column(String(20), default="")
    via: Mapped[str] = mapped_column(String(12))  # account | link
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    survey: Mapped[Survey] = relationship()
    unit: Mapped[Unit] = relationship()
    user: Mapped[User | None] = relationship()
    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class SurveyAnswer(db.Model):
    __tablename__ = "survey_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_question.id", ondelete="CASCADE"), index=True
    )
    choice: Mapped[int | None] = mapped_column(Integer)  # the option's index
    score: Mapped[int | None] = mapped_column(Integer)  # 1–5
    text: Mapped[str] = mapped_column(Text, default="")
    # A low score followed up: the ticket made from it.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    question: Mapped[SurveyQuestion] = relationship()

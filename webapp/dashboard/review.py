"""The review queue (签署意见): every record waiting for this person's opinion — patrol rounds,
renovation inspections (those that found a violation, and every completion acceptance) and
shift handovers — one after another, the ones that found something first.

Each kind is one row of REVIEWABLE: how to list the waiting records, find one, show it and sign
it. Signing itself is the shared mechanism (webapp.signoff) through each record's workflow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import url_for
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp.decoration import services as decoration
from webapp.duty import handover as handovers
from webapp.extensions import db
from webapp.models import (
    CheckItem,
    DecorationInspection,
    DecorationResult,
    Handover,
    ItemResult,
    PatrolRound,
)
from webapp.models.patrols import Outcome
from webapp.patrols import compliance, rounds
from webapp.photos import services as photos
from webapp.scoping import get_or_404

SHOWN = 50  # of each kind at most
EARLIEST = datetime.min.replace(tzinfo=UTC)  # a record without its time sorts first


@dataclass
class Entry:
    kind: str
    record: object
    at: datetime
    title: str
    who: str
    url: str
    problems: int = 0  # 异常 items, violations, a refused handover

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.record.id}"


@dataclass
class Detail:
    """What the queue shows of the record in front of the reviewer: the problems first, with
    their photos, then what was fine."""

    problems: list = field(default_factory=list)
    fine: list = field(default_factory=list)
    photos: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Reviewable:
    label: object  # what the queue calls this kind of record
    waiting: Callable[[object], list[Entry]]
    find: Callable[[object, int], object]
    detail: Callable[[object], Detail]
    sign: Callable[..., None]
    template: str


def _round_entries(viewer) -> list[Entry]:
    return [
        Entry(
            "round",
            r,
            r.finished_at,
            r.template.name,
            r.patroller.display_name,
            url_for("patrols.round", round_id=r.id),
            issues,
        )
        for r, issues in compliance.awaiting_with_issues(viewer, limit=SHOWN)
    ]


def _round_detail(patrol_round: PatrolRound) -> Detail:
    results = db.session.scalars(
        select(ItemResult)
        .where(ItemResult.round_id == patrol_round.id)
        .options(joinedload(ItemResult.item).joinedload(CheckItem.checkpoint))
        .order_by(ItemResult.id)
    ).all()
    problems = [r for r in results if r.outcome == Outcome.ISSUE]
    return Detail(
        problems,
        [r for r in results if r.outcome != Outcome.ISSUE],
        photos.photos_for(rounds.RESULT, [r.id for r in problems]),
    )


def _inspection_entries(viewer) -> list[Entry]:
    return [
        Entry(
            "inspection",
            i,
            i.inspected_at,
            f"{i.permit.unit.label} · {i.permit.number}",
            i.inspector.display_name,
            url_for("decoration.permit", permit_id=i.permit_id),
            violations + (i.verdict == "rejected"),
        )
        for i, violations in decoration.awaiting_opinion(viewer, limit=SHOWN)
    ]


def _inspection_detail(inspection: DecorationInspection) -> Detail:
    results = db.session.scalars(
        select(DecorationResult)
        .where(DecorationResult.inspection_id == inspection.id)
        .options(joinedload(DecorationResult.rule))
        .order_by(DecorationResult.id)
    ).all()
    problems = [r for r in results if r.outcome == "violation"]
    return Detail(
        problems,
        [r for r in results if r.outcome != "violation"],
        photos.photos_for(decoration.RESULT, [r.id for r in problems]),
    )


def _handover_entries(viewer) -> list[Entry]:
    return [
        Entry(
            "handover",
            h,
            h.accepted_at or h.refused_at or h.prepared_at,
            f"{h.from_user.display_name} → {h.to_user.display_name if h.to_user else '—'}",
            h.from_user.display_name,
            url_for("duty.handover_page", handover_id=h.id),
            int(h.status == handovers.REFUSED) + len(h.open_items or []),
        )
        for h in handovers.awaiting_opinion(viewer, limit=SHOWN)
    ]


def _handover_detail(handover: Handover) -> Detail:
    return Detail(list(handover.open_items or []), [], {})


REVIEWABLE: dict[str, Reviewable] = {
    "round": Reviewable(
        _lp("review", "巡查记录"),
        _round_entries,
        lambda viewer, record_id: get_or_404(rounds.visible_rounds(viewer), PatrolRound, record_id),
        _round_detail,
        rounds.sign,
        "dashboard/_review_round.html",
    ),
    "inspection": Reviewable(
        _lp("review", "装修巡查"),
        _inspection_entries,
        decoration.inspection_or_404,
        _inspection_detail,
        decoration.sign_inspection,
        "dashboard/_review_inspection.html",
    ),
    "handover": Reviewable(
        _lp("review", "交接班"),
        _handover_entries,
        handovers.get_or_404_for,
        _handover_detail,
        handovers.sign_opinion,
        "dashboard/_review_handover.html",
    ),
}


def queue(viewer) -> list[Entry]:
    """Everything waiting for this person's opinion: what found problems first, then the
    oldest first."""
    entries = [e for kind in REVIEWABLE.values() for e in kind.waiting(viewer)]
    entries.sort(key=lambda e: (e.problems == 0, e.at or EARLIEST, e.kind, e.record.id))
    return entries


def sign(viewer, kind: str, record, opinion: str, *, fresh: bool) -> None:
    REVIEWABLE[kind].sign(viewer, record, opinion, fresh=fresh)

"""Deadlines and escalation, one rule for every record that has a due time.

Given "now", a deadline is on time, due soon, or overdue; overdue work goes to the supervisor,
and once it has been overdue for a day, to the manager as well. Every record type with a due
time is registered here once (webapp.registry): the sweep, the homes and each page's state of
a record ask the registry, so a new kind of deadline is one registration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from webapp.models import Role

DUE_SOON = timedelta(hours=4)
TO_MANAGER_AFTER = timedelta(hours=24)

NONE, SUPERVISOR, MANAGER = 0, 1, 2


@dataclass(frozen=True)
class DeadlineState:
    overdue: bool
    due_soon: bool
    level: int  # 0 nobody yet, 1 the supervisor, 2 the manager too

    @property
    def css(self) -> str:
        return "overdue" if self.overdue else ("due-soon" if self.due_soon else "on-time")


def state(due_at: datetime, now: datetime, *, done: bool = False) -> DeadlineState:
    if done:
        return DeadlineState(False, False, NONE)
    late = now - due_at
    if late <= timedelta(0):
        return DeadlineState(False, -late <= DUE_SOON, NONE)
    return DeadlineState(True, False, MANAGER if late >= TO_MANAGER_AFTER else SUPERVISOR)


def overdue_since(now: datetime, level: int) -> datetime:
    """Records due before this moment have reached `level` (for queries)."""
    return now - (TO_MANAGER_AFTER if level >= MANAGER else timedelta(0))


def level_for(user) -> int:
    """The escalation level a person hears at: the manager a day late, supervisors at once."""
    return MANAGER if user.role == Role.MANAGER else SUPERVISOR


# --- every record type with a due time, registered once ------------------------------------


@dataclass(frozen=True)
class Line:
    """One record on a home's list: what, where it leads, a detail, and a tone (css)."""

    title: str
    url: str
    meta: str = ""
    tone: str = ""


@dataclass(frozen=True)
class Kind:
    """A record type with a deadline: where its due time is, whether it is still running, the
    sweep that escalates it, the overdue ones a person hears of, and its line on a home."""

    name: str
    model: type
    due_of: Callable[[Any], datetime | None]
    running: Callable[[Any], bool]
    sweep: Callable[[datetime], int]
    escalated: Callable[[Any, datetime], list]
    line: Callable[[Any, datetime], Line]


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    _KINDS[kind.name] = kind


def kinds() -> list[Kind]:
    return list(_KINDS.values())


def kind_of(record) -> Kind:
    return next(k for k in _KINDS.values() if isinstance(record, k.model))


def state_of(record, now: datetime) -> DeadlineState:
    """Where this record stands against its own deadline (on time once it stops running)."""
    kind = kind_of(record)
    due = kind.due_of(record)
    return state(due, now, done=due is None or not kind.running(record))


def sweep(now: datetime) -> int:
    """Escalate every overdue record of every kind once per level (cron; safe to repeat)."""
    return sum(kind.sweep(now) for kind in kinds())


def escalated_lines(user, now: datetime) -> list[Line]:
    """Everything overdue at this person's level, of every kind, as lines for their home."""
    return [kind.line(r, now) for kind in kinds() for r in kind.escalated(user, now)]

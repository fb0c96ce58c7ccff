"""Deadlines and escalation, one rule for every record that has a due time.

Given "now", a deadline is on time, due soon, or overdue; overdue work goes to the supervisor,
and once it has been overdue for a day, to the manager as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

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

"""Workflows, in one place: a record's steps as a table, and what a person may do to it now.

A step names the statuses it starts from, the status it leads to, and its rules: who may take it
and what about the record stops it. Services call `check()` before they take a step; pages draw
their buttons from `allowed()` (the `may` template helper). A new step is one row in its table
and appears, enforced, wherever the record is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp.errors import IllegalTransition
from webapp.models import STAFF_ROLES, Role, User

Test = Callable[[User, Any], bool]


@dataclass(frozen=True)
class Rule:
    """A condition of a step and what the person is told when it does not hold."""

    test: Test
    message: Any  # a lazy string: translated when it is shown


def roles(*allowed: str, message: Any = None) -> Rule:
    names = frozenset(str(r) for r in allowed)
    return Rule(lambda user, _record: user.role in names, message or _l("不能进行这个操作。"))


STAFF = roles(*STAFF_ROLES)
SUPERVISORS = (Role.SUPERVISOR, Role.MANAGER)


@dataclass(frozen=True)
class Step:
    action: str
    sources: frozenset[str]
    target: str | None = None
    # Rules that decide whether the step is offered at all (a page shows no button) ...
    rules: tuple[Rule, ...] = ()
    # ... and rules of the record that hold it back for now (a page says why instead).
    holds: tuple[Rule, ...] = ()
    # What to say when the record is not in one of `sources` (else the workflow's message).
    status_message: Any = None


def step(
    action: str,
    sources: Iterable[str],
    target: str | None = None,
    *,
    rules: Iterable[Rule] = (),
    holds: Iterable[Rule] = (),
    status_message: Any = None,
) -> Step:
    return Step(
        action,
        frozenset(str(s) for s in sources),
        target,
        tuple(rules),
        tuple(holds),
        status_message,
    )


_BY_MODEL: dict[type, Workflow] = {}


@dataclass
class Workflow:
    name: str
    model: type
    steps: list[Step]
    status_message: Any = _l("当前状态不允许这个操作，请刷新后查看。")
    status_of: Callable[[Any], str] = field(default=lambda record: record.status)

    def __post_init__(self) -> None:
        self.by_action = {s.action: s for s in self.steps}
        if len(self.by_action) != len(self.steps):
            raise ValueError(f"workflow {self.name}: an action is listed twice")
        _BY_MODEL[self.model] = self

    def refusal(self, user: User, record, action: str) -> str | None:
        """Why this person may not take this step now (None: they may)."""
        found = self.by_action.get(action)
        if found is None:
            return str(_l("未知的操作。"))
        if self.status_of(record) not in found.sources:
            return str(found.status_message or self.status_message)
        for rule in (*found.rules, *found.holds):
            if not rule.test(user, record):
                return str(rule.message)
        return None

    def check(self, user: User, record, action: str) -> Step:
        """The step, if this person may take it now; otherwise IllegalTransition (409)."""
        message = self.refusal(user, record, action)
        if message is not None:
            raise IllegalTransition(record, message)
        return self.by_action[action]

    def allowed(self, user: User, record) -> list[str]:
        """Every step this person may take now, in the table's order."""
        return [s.action for s in self.steps if self.refusal(user, record, s.action) is None]

    def held(self, user: User, record) -> dict[str, str]:
        """Steps offered to this person that the record holds back for now, with the reason."""
        status = self.status_of(record)
        out = {}
        for s in self.steps:
            if status in s.sources and all(r.test(user, record) for r in s.rules):
                failing = next((r for r in s.holds if not r.test(user, record)), None)
                if failing is not None:
                    out[s.action] = str(failing.message)
        return out


def for_record(record) -> Workflow:
    return _BY_MODEL[type(record)]


def may(user: User, action: str, record) -> bool:
    """May this person take this step of this record now?"""
    if record is None or not getattr(user, "is_authenticated", False):
        return False
    return for_record(record).refusal(user, record, action) is None


def init_app(app) -> None:
    """Templates ask `may("assign", ticket)` and `held_back(ticket)` for the logged-in person."""
    app.jinja_env.globals.update(
        may=lambda action, record: may(current_user, action, record),
        held_back=lambda record: (
            for_record(record).held(current_user, record)
            if getattr(current_user, "is_authenticated", False)
            else {}
        ),
    )

"""The house style is checked like everything else: ruff lint and format."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jinja2 import nodes

from webapp.models import NoticeStatus, PermitStatus, Role, TicketStatus, WorkOrderStatus
from webapp.models.patrols import RoundStatus

ROOT = Path(__file__).resolve().parent.parent
PATHS = ["webapp", "tests", "scripts", "migrations/env.py"]


def _ruff() -> list[str]:
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if exe is None:
        pytest.fail("ruff is not installed: it is part of the [test] extras")
    return [exe]


def test_ruff_lint_is_clean():
    result = subprocess.run([*_ruff(), "check", *PATHS], cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    assert result.returncode == 0, result.stdout


def test_ruff_format_is_clean():
    result = subprocess.run(  # noqa: S603
        [*_ruff(), "format", "--check", *PATHS], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


# --- templates decide nothing about roles or statuses ------------------------------------------

ROLE_NAMES = {str(r) for r in Role}
STATUS_NAMES = {
    str(s)
    for enum in (TicketStatus, WorkOrderStatus, PermitStatus, NoticeStatus, RoundStatus)
    for s in enum
}


def _conditions(tree: nodes.Node):
    """Every expression a template branches on: if/elif, `x if c else y`, `for … if c`."""
    for node in tree.find_all((nodes.If, nodes.CondExpr, nodes.For)):
        if node.test is not None:
            yield node.lineno, node.test


def _within(node: nodes.Node, kind):
    """The node itself and every node under it of this kind."""
    if isinstance(node, kind):
        yield node
    yield from node.find_all(kind)


def _decisions(source: str, env) -> list[str]:
    found = []
    for line, test in _conditions(env.parse(source)):
        for const in _within(test, nodes.Const):
            if isinstance(const.value, str) and const.value in ROLE_NAMES | STATUS_NAMES:
                found.append(f"{line}: compares with {const.value!r}")
        for attr in _within(test, nodes.Getattr):
            if attr.attr in ("role", "status"):
                found.append(f"{line}: branches on .{attr.attr}")
    return found


def test_no_template_branches_on_a_role_or_a_status(app):
    """Buttons come from the workflows (`may`), links from the access rules (`may_visit`)."""
    env = app.jinja_env
    problems = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for problem in _decisions(path.read_text(), env):
            problems.append(f"{path.relative_to(ROOT)}:{problem}")
    assert problems == []


def test_the_template_check_can_fail(app):
    bad = '{% if ticket.status == "closed" %}x{% endif %}{{ "a" if current_user.role else "b" }}'
    assert len(_decisions(bad, app.jinja_env)) == 3

"""The house's layers hold: the import contract in pyproject.toml passes, a cycle breaks it, and
no module of webapp imports inside a function to dodge one."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WEBAPP = ROOT / "webapp"


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    """import-linter over the webapp package found first on the path from `cwd`."""
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports;"
            " sys.exit(lint_imports(no_cache=True, no_logo=True))",
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_import_contract_holds():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture
def copy_of_the_house(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(WEBAPP, tmp_path / "webapp", ignore=shutil.ignore_patterns("translations"))
    return tmp_path


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # Two features importing each other: work orders already stand on tickets.
        (
            "tickets/lifecycle.py",
            "from webapp.workorders import services as _wo  # noqa",
            "no import cycles",
        ),
        # A mechanism reaching up into a feature.
        ("audit.py", "from webapp.tickets import inbox as _inbox  # noqa", "composition"),
        # A service reaching up into its views.
        ("workorders/services.py", "from webapp.workorders import views as _v  # noqa", "inside"),
    ],
)
def test_a_cycle_or_an_upward_import_breaks_it(copy_of_the_house, module, line, broken):
    _append(copy_of_the_house / "webapp" / module, line)
    result = _lint(copy_of_the_house)
    assert result.returncode != 0, result.stdout
    assert "0 broken" not in result.stdout
    broken_section = result.stdout.split("Broken contracts", 1)[1]
    assert broken in broken_section


def _imports_inside_functions(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    lines.append(inner.lineno)
    return lines


def test_no_module_imports_inside_a_function():
    found = []
    for path in sorted(WEBAPP.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for line in _imports_inside_functions(ast.parse(path.read_text(), str(path))):
            found.append(f"{path.relative_to(ROOT)}:{line}")
    assert found == [], "imports inside functions (move them to the top of the module):\n" + (
        "\n".join(found)
    )


def test_the_function_import_check_can_fail():
    tree = ast.parse("def f():\n    from webapp import audit\n    return audit\n")
    assert _imports_inside_functions(tree) == [2]

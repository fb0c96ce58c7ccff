"""The house style is checked like everything else: ruff lint and format."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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

"""Installs come from the lock files: every dependency pyproject.toml names is pinned there with
its hashes, and what is installed is exactly what the lock says."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\;]+)", re.M)


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text()
    pins = {canonicalize_name(n): v for n, v in PIN.findall(text)}
    assert pins, f"requirements/{name} pins nothing"
    return pins


def _hashed(name: str) -> bool:
    blocks = re.split(r"\n(?=[A-Za-z0-9._-]+==)", (ROOT / "requirements" / name).read_text())
    return all("--hash=sha256:" in b for b in blocks if PIN.match(b))


def _declared(*extras: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    return {canonicalize_name(Requirement(line).name) for line in lines}


def test_the_app_lock_pins_every_dependency_with_hashes():
    assert _declared("prod") <= set(_pins("app.txt"))
    assert _hashed("app.txt")


def test_the_test_lock_pins_every_dependency_with_hashes():
    assert _declared("prod", "test") <= set(_pins("test.txt"))
    assert _hashed("test.txt")


def test_the_two_locks_agree():
    app, test = _pins("app.txt"), _pins("test.txt")
    assert {n: v for n, v in test.items() if n in app} == app


def test_what_is_installed_is_what_the_lock_says():
    wrong = {}
    for name, version in _pins("test.txt").items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = (installed, version)
    assert wrong == {}, "installed vs locked (run ./scripts/test.sh, which installs the lock)"

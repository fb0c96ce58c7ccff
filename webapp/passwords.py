"""Password hashing (Argon2id) and the password policy (RELIABILITY.md, ASVS 6.2)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import gettext as _

from webapp import phones

MIN_LENGTH = 8
MAX_LENGTH = 128

_PROFILES = {
    # argon2-cffi's defaults: RFC 9106's low-memory recommendation (t=3, m=64 MiB, p=4).
    "strong": {},
    # Only for the test suite, where hundreds of accounts are made: same algorithm, less memory.
    "fast": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
}


@cache
def _hasher(profile: str) -> PasswordHasher:
    return PasswordHasher(**_PROFILES[profile])


def hasher() -> PasswordHasher:
    return _hasher(current_app.config["PASSWORD_HASH_PROFILE"])


def hash_password(password: str) -> str:
    return hasher().hash(password)


@cache
def _dummy_hash(profile: str) -> str:
    return _hasher(profile).hash("an unknown user's password never matches this")


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password. With no stored hash, spend the same time and say no."""
    h = hasher()
    try:
        if stored_hash is None:
            h.verify(_dummy_hash(current_app.config["PASSWORD_HASH_PROFILE"]), password + "x")
            return False
        return h.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return hasher().check_needs_rehash(stored_hash)


@cache
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().lower() for line in path.read_text().splitlines() if line.strip())


def policy_problem(password: str, *, username: str = "", phone: str | None = None) -> str | None:
    """Why this password may not be used, or None: length and guessability, no composition rules."""
    if len(password) < MIN_LENGTH:
        return _("密码至少需要 %(n)d 个字符。", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("密码不能超过 %(n)d 个字符。", n=MAX_LENGTH)
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(password)) <= 2:
        return _("这个密码太常见，容易被猜中，请换一个。")
    # A phone is the same number however it is typed (139…, +86 139…).
    typed_phone = phones.normalise_or_none(password)
    same_phone = phone and (password == phone or typed_phone == phone)
    if (
        (username and lowered == username.lower())
        or same_phone
        or (typed_phone and typed_phone == username)
    ):
        return _("密码不能与用户名或手机号相同。")
    return None

"""Phone numbers: one place that reads what people type, keeps it in E.164 and shows it.

Numbers without a country code are read as the mainland's (mobiles, and landlines with their
area code); Hong Kong, Macau, Taiwan and foreign numbers are typed with +852, 00852 and so on.
Stored as E.164 (+8613912345678); shown the mainland's own way for mainland numbers
(139 1234 5678, 010 8888 8888) and with the country code for the others (+852 6123 4567).
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

HOME = "CN"
# What a typed phone number may hold besides digits: spaces, dashes, dots, brackets, a leading +.
_TYPED = re.compile(r"^\+?[\d\s\-.()（）]{5,30}$")


class NotAPhone(ValueError):
    """The text is not a number anyone could dial."""


def normalise(raw: str | None) -> str:
    """The E.164 form of a typed number; NotAPhone when it is none."""
    text = (raw or "").strip().replace("（", "(").replace("）", ")")
    if not _TYPED.match(text):
        raise NotAPhone(raw)
    try:
        number = phonenumbers.parse(text, HOME)
    except NumberParseException:
        raise NotAPhone(raw) from None
    if not phonenumbers.is_valid_number(number):
        raise NotAPhone(raw)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def normalise_or_none(raw: str | None) -> str | None:
    try:
        return normalise(raw)
    except NotAPhone:
        return None


def display(value: str | None) -> str:
    """The way people write it down: national for the mainland's, international otherwise.
    Text that is not a number (an old record's) is shown as it was stored."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, HOME)
    except NumberParseException:
        return value
    if not phonenumbers.is_valid_number(number):
        return value
    if phonenumbers.region_code_for_number(number) == HOME:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def mask(value: str | None) -> str:
    """139 **** 5678: enough to recognise, not enough to copy (the shown form, its first three
    and last four digits kept)."""
    shown = display(value)
    digits = [i for i, c in enumerate(shown) if c.isdigit()]
    if len(digits) < 7:
        return (shown[:1] + "*" * (len(shown) - 1)) if shown else ""
    hidden = set(digits[3:-4])
    if shown.startswith("+"):
        # The country code stays readable; the subscriber's digits are what is hidden.
        code_digits = len(shown[1:].split(" ", 1)[0])
        hidden = set(digits[code_digits + 2 : -4])
    return "".join("*" if i in hidden else c for i, c in enumerate(shown))


def login_forms(typed: str) -> list[str]:
    """The usernames a typed login may stand for: as typed (lowercased), and, when it reads as a
    phone number, its E.164 form (owners log in with their phone, however they type it). At
    login a number that is no mainland one is also tried with its country code as typed
    ("852 6123 4567", "(852) 6123 4567"): nobody is asked for a + to get in."""
    name = (typed or "").strip().lower()
    phone = normalise_or_none(name)
    if phone is None and _TYPED.match(name) and not name.startswith("+"):
        phone = normalise_or_none("+" + "".join(c for c in name if c.isdigit()))
    return [name] if phone is None or phone == name else [name, phone]

"""What the outside world may send, cleaned once for every route (RELIABILITY.md, "outside probes").

Three classes of hostile input used to reach the database and answer 500, and each is handled here
rather than form by form:

- text: NUL and other control characters (and the bidirectional overrides) are dropped from every
  form field, query parameter and path segment. PostgreSQL refuses NUL in text while SQLite
  stores it, so without this the two databases would end up holding different data;
- integers: ids in paths and `?x=` filters are bounded to what an INTEGER column holds; a larger
  number is simply not a record (404, or the filter is ignored);
- dates: one parser, bounded to years the app can add days to without overflowing.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask import Flask
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

# The largest id an INTEGER column holds on PostgreSQL (SQLite's are 64-bit, but data must move).
MAX_ID = 2**31 - 1
MIN_YEAR, MAX_YEAR = 1900, 2199

# C0 controls except tab, line feed and carriage return; DEL; lone surrogates (not encodable);
# the bidirectional embeddings, overrides and isolates, which make text read other than it is
# stored (a name or complaint shown back to front to the next reader).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str) -> str:
    """`value` without the control characters no database or page should hold."""
    return _CONTROL.sub("", value)


def fold_width(value: str | None) -> str:
    """Full-width digits and letters (what a Chinese keyboard types: １２０１) as their ASCII
    forms, compatibility characters folded (NFKC)."""
    return unicodedata.normalize("NFKC", value or "")


def ascii_digits(value: str | None) -> str:
    """The digits of `value`, full-width ones included, as ASCII; everything else dropped."""
    return "".join(ch for ch in fold_width(value) if ch in "0123456789")


def parse_date(value: str | None) -> date | None:
    """An ISO date (2026-11-30) within the years the app works with; None otherwise."""
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if MIN_YEAR <= parsed.year <= MAX_YEAR else None


def _cleaned(pairs):
    for key, value in pairs:
        yield (
            clean_text(key) if isinstance(key, str) else key,
            clean_text(value) if isinstance(value, str) else value,
        )


class CleanMultiDict(ImmutableMultiDict):
    """Form data and query strings with control characters removed.

    `get(name, type=int)` also answers the default for integers beyond an INTEGER column, so a
    filter like `?estate=99999999999999999999` is ignored instead of failing in the database.
    """

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
        else:
            super().__init__(list(_cleaned(MultiDict(mapping).items(multi=True))))

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's signature)
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and value is not default:
            return value if -MAX_ID <= value <= MAX_ID else default
        return value


class IdConverter(IntegerConverter):
    """`<int:id>`: a positive number that fits an INTEGER column; anything else is no route."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


class TextConverter(UnicodeConverter):
    """`<name>` and `<string:name>`: no control characters in a path segment."""

    def to_python(self, value: str) -> str:
        if _CONTROL.search(value):
            raise ValidationError()
        return value


def init_app(app: Flask) -> None:
    """Install the cleaning request class and the bounded converters (before any route is added)."""
    # On top of whatever request class the extensions installed (htmx-flask adds `request.htmx`).
    app.request_class = type(
        "CleanRequest", (app.request_class,), {"parameter_storage_class": CleanMultiDict}
    )
    app.url_map.converters.update(int=IdConverter, default=TextConverter, string=TextConverter)

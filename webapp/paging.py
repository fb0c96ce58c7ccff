"""Keyset paging: every long list reads the rows after the last one shown, never an offset.

An offset makes the database walk past every earlier row, so page 40 of a large inbox costs
forty pages; and a row added while someone scrolls shifts the pages under them. A keyset page
starts where the previous one ended (the sort values of its last row, carried in the `after`
parameter) and reads only its own rows, in the order of an index.

A list names its sort once as an `Order`: columns with their direction, ending with the
table's id so that every row has one place. `read()` takes a select, the `after` token from
the request and the page size, and gives a `Page`: the rows, and the token of the next page
when there are more. Templates draw the "more" link with the `more()` macro (templates/_macros/
ui.html): a plain link to the next page without script, the next rows fetched in place when it
scrolls into view with htmx (webapp/web.py answers those requests with the list's rows).

Tokens are the sort values as JSON in URL-safe base64: not secret (the query they narrow is
already limited to what the person may see) and checked on the way in: a damaged or forged
token reads the first page.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Integer,
    Select,
    String,
    and_,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute

from webapp.extensions import db

Row = TypeVar("Row")

# The longest token accepted: a handful of values, never a page of text.
MAX_TOKEN = 400


@dataclass(frozen=True)
class Order:
    """A list's sort: (column, descending) pairs, the last one unique (the id)."""

    columns: tuple[tuple[InstrumentedAttribute, bool], ...]

    @classmethod
    def of(cls, *columns: InstrumentedAttribute | tuple[InstrumentedAttribute, str]) -> Order:
        """Columns in sort order, each ascending or given as (column, "desc")."""
        pairs = []
        for column in columns:
            if isinstance(column, tuple):
                pairs.append((column[0], column[1] == "desc"))
            else:
                pairs.append((column, False))
        return cls(tuple(pairs))

    def sort(self) -> list:
        return [c.desc() if desc else c.asc() for c, desc in self.columns]

    def values(self, record: Any) -> tuple:
        return tuple(getattr(record, c.key) for c, _desc in self.columns)

    def after(self, values: Sequence) -> Any:
        """Rows that sort after `values`: (a > x) or (a = x and (b > y or (b = y and …))),
        with the first column's bound also stated alone so that an index range starts there."""
        condition = None
        for (column, desc), value in reversed(list(zip(self.columns, values, strict=True))):
            beyond = column < value if desc else column > value
            condition = (
                beyond if condition is None else or_(beyond, and_(column == value, condition))
            )
        first, desc = self.columns[0]
        bound = first <= values[0] if desc else first >= values[0]
        return and_(bound, condition)

    def token(self, values: Sequence) -> str:
        return _encode(_plain(values))

    def parse(self, token: str | None) -> tuple | None:
        """The values a token carries, each of its column's type; None for anything else."""
        return self.typed(_decode(token))

    def typed(self, plain: list | None) -> tuple | None:
        if plain is None or len(plain) != len(self.columns):
            return None
        values = []
        for (column, _desc), value in zip(self.columns, plain, strict=True):
            typed = _typed(column, value)
            if typed is None:
                return None
            values.append(typed)
        return tuple(values)


def _plain(values: Sequence) -> list:
    return [v.isoformat() if isinstance(v, datetime) else v for v in values]


def _encode(plain: list) -> str:
    raw = json.dumps(plain, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str | None) -> list | None:
    if not token or len(token) > MAX_TOKEN:
        return None
    try:
        plain = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        return None
    return plain if isinstance(plain, list) else None


def _typed(column: InstrumentedAttribute, value: Any) -> Any:
    kind = column.type
    kind = getattr(kind, "impl", kind)  # a TypeDecorator such as UTCDateTime
    if isinstance(kind, DateTime):
        if not isinstance(value, str):
            return None
        try:
            moment = datetime.fromisoformat(value)
            # A time the database can hold in UTC (9999-12-31 at -23:00 cannot).
            return moment.astimezone(UTC) if moment.tzinfo is not None else None
        except (ValueError, OverflowError):
            return None
    if isinstance(kind, Boolean):
        return value if isinstance(value, bool) else None
    if isinstance(kind, Integer):
        # What the column holds: PostgreSQL refuses 2**40 for an INTEGER, with an error.
        limit = 2**63 if isinstance(kind, BigInteger) else 2**31
        ok = isinstance(value, int) and not isinstance(value, bool) and -limit <= value < limit
        return value if ok else None
    if isinstance(kind, String):
        return value if isinstance(value, str) and "\x00" not in value else None
    return None


@dataclass
class Page(Generic[Row]):
    rows: list[Row]
    next: str | None = None  # the token of the next page, when there is one
    first: bool = True  # the list's beginning (no `after` was given, or it was not understood)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)


def read(
    query: Select,
    order: Order,
    after: str | None,
    size: int,
    *,
    record: Callable[[Any], Any] | None = None,
    scalars: bool = True,
) -> Page:
    """One page of `query` in `order`, after the row named by the token `after`.

    Reads one row more than `size` to know whether a next page exists. `record` picks the
    object carrying the sort columns out of a result row (for selects of several columns,
    with `scalars=False`)."""
    start = order.parse(after)
    if start is not None:
        query = query.where(order.after(start))
    query = query.order_by(*order.sort()).limit(size + 1)
    rows = list(db.session.scalars(query) if scalars else db.session.execute(query).all())
    return page_of(rows, order, size, first=start is None, record=record)


def read_groups(
    query: Select,
    groups: Sequence[tuple[str, Any]],
    order: Order,
    after: str | None,
    size: int,
    *,
    options: Sequence = (),
) -> Page:
    """One page of a list shown in groups, each group in `order`: open work orders before
    fixed before closed, major complaints before the others, unread before read.

    `query` selects one entity; `groups` are (name, condition) pairs in the order shown. One
    statement: per group from the page's start on, an index range that stops at the page's
    end (sorting the whole list by a CASE expression would read every row), their ids joined by
    UNION ALL, and the page's rows read by those ids, with `options` (the cards' joined rows).
    The token carries the group's name before the sort values."""
    names = [name for name, _condition in groups]
    plain = _decode(after)
    start = None
    if plain and plain[0] in names:
        values = order.typed(plain[1:])
        start = (names.index(plain[0]), values) if values is not None else None
    entity = query.column_descriptions[0]["entity"]
    parts = []
    for index, (_name, condition) in enumerate(groups):
        if start is not None and index < start[0]:
            continue
        part = query.where(condition)
        if start is not None and index == start[0]:
            part = part.where(order.after(start[1]))
        # A subquery of its own: SQLite takes no LIMIT on a member of a compound SELECT.
        ids = (
            part.with_only_columns(entity.id, literal(index).label("grp"))
            .order_by(*order.sort())
            .limit(size + 1)
            .subquery()
        )
        parts.append(select(ids.c.id, ids.c.grp))
    found = union_all(*parts).subquery("page_ids")
    statement = (
        select(entity, found.c.grp)
        .join(found, entity.id == found.c.id)
        .order_by(found.c.grp, *order.sort())
        .options(*options)
    )
    result = db.session.execute(statement).unique().all()
    rows = [row[0] for row in result]
    group_of = [names[row[1]] for row in result]
    page = Page(rows[:size], None, start is None)
    if len(rows) > size:
        page.next = _encode([group_of[size - 1], *_plain(order.values(rows[size - 1]))])
    return page


def page_of(
    rows: list,
    order: Order,
    size: int,
    *,
    first: bool,
    record: Callable[[Any], Any] | None = None,
) -> Page:
    """A Page from rows read with one more than `size` (for lists that read in parts)."""
    more = len(rows) > size
    rows = rows[:size]
    token = None
    if more and rows:
        token = order.token(order.values(record(rows[-1]) if record else rows[-1]))
    return Page(rows, token, first)

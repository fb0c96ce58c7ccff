"""Search by any part of a word, served by an index on both databases.

Chinese queries are mostly two characters (漏水, 电梯, 噪音) and there are no spaces between
words, so neither word tokens nor trigrams can serve them. A record that is searched keeps, in
its `search_terms` column, every single character and every pair of neighbouring characters of
its searched fields (letters and digits of any script, lower-cased; everything else separates).
A query's pairs (or its single character) must all be among a record's terms: PostgreSQL
answers that from a GIN index over the terms as an array, SQLite from an FTS5 table over the
same column kept up to date by triggers (both made by the migration). The index narrows the
rows; the caller's own substring condition (ILIKE) then keeps only the exact matches, since two
pairs can both occur without the whole query occurring.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Text, cast, event, inspect, literal_column, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement

from webapp.extensions import db

COLUMN = "search_terms"
# A query is narrowed by at most this many of its pairs: the rest only make the index work
# harder, and the substring condition still decides.
MAX_QUERY_TERMS = 12

_fields: dict[type, tuple[str, ...]] = {}


def _runs(value: str) -> list[str]:
    runs, current = [], []
    for ch in value.lower():
        if ch.isalnum():
            current.append(ch)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return runs


def terms(*values: str | None) -> str:
    """What a record keeps for its fields: distinct characters and neighbouring pairs."""
    seen: dict[str, None] = {}
    for value in values:
        for run in _runs(value or ""):
            for i, ch in enumerate(run):
                seen[ch] = None
                if i + 1 < len(run):
                    seen[run[i : i + 2]] = None
    return " ".join(seen)


def query_terms(q: str) -> list[str]:
    """The terms a record must have to contain `q`: the pairs of each run of letters and digits,
    or the run itself when it is one character. Empty when `q` has no letter or digit."""
    wanted: dict[str, None] = {}
    for run in _runs(q):
        if len(run) == 1:
            wanted[run] = None
        for i in range(len(run) - 1):
            wanted[run[i : i + 2]] = None
    # Longer pieces of the query narrow most; keep the pairs, spread over the whole query.
    found = list(wanted)
    if len(found) > MAX_QUERY_TERMS:
        step = len(found) / MAX_QUERY_TERMS
        found = [found[int(i * step)] for i in range(MAX_QUERY_TERMS)]
    return found


def fts_table(model: type) -> str:
    return f"{model.__tablename__}_search"


def candidates(model: type, q: str) -> ColumnElement[bool] | None:
    """A condition keeping the rows of `model` whose terms hold all of `q`'s, from the index;
    None when `q` gives no term (then only the caller's substring condition applies)."""
    wanted = query_terms(q)
    if not wanted:
        return None
    column = getattr(model, COLUMN)
    if db.session.get_bind().dialect.name == "postgresql":
        # The same expression as the index (see the migration), so that the index serves it.
        as_array = db.func.string_to_array(column, literal_column("' '"))
        return as_array.op("@>")(cast(wanted, postgresql.ARRAY(Text)))
    table = fts_table(model)
    match = " ".join('"' + term + '"' for term in wanted)
    ids = (
        select(literal_column("rowid"))
        .select_from(text(table))
        .where(text(f"{table} MATCH :terms").bindparams(terms=match))
    )
    return model.id.in_(ids)


def described_by_models(name: str | None, type_: str, parent_names: dict) -> bool:
    """For Alembic's include_name: False for the FTS5 tables and the GIN index, which the
    migration makes in SQL the models cannot state, so comparing models with the database
    leaves them out; True for everything else."""
    tables = [fts_table(model) for model in _fields]
    if type_ == "table":
        return not any(name == t or (name or "").startswith(f"{t}_") for t in tables)
    if type_ == "index":
        return name not in {f"ix_{t}" for t in tables}  # ix_ticket_search, the GIN index
    return True


def index(model: type, *fields: str) -> None:
    """Keep `model.search_terms` made from `fields` whenever one of them is written."""
    first = model not in _fields
    _fields[model] = fields
    if first:
        event.listen(model, "before_insert", _refresh)
        event.listen(model, "before_update", _refresh)


def _refresh(mapper, connection, target) -> None:
    fields = _fields[type(target)]
    state = inspect(target)
    if state.persistent and not any(state.attrs[f].history.has_changes() for f in fields):
        return
    setattr(target, COLUMN, terms(*(getattr(target, f) for f in fields)))


def rebuild_rows(rows: Iterable[tuple[int, ...]]) -> list[dict]:
    """`[{"id": …, "terms": …}]` for (id, field, field, …) rows: the migration's backfill."""
    return [{"id": row[0], "terms": terms(*row[1:])} for row in rows]

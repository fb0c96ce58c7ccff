"""Readable numbers per estate and day (WO-CH-20261122-0007), safe under concurrent inserts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite

from webapp.extensions import db
from webapp.models import Estate, NumberSequence


def next_number(prefix: str, estate: Estate, when: datetime) -> str:
    """Increment and read the counter in one statement (INSERT … ON CONFLICT … RETURNING)."""
    day = when.astimezone(ZoneInfo(estate.timezone)).strftime("%Y%m%d")
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(NumberSequence)
        .values(prefix=prefix, estate_id=estate.id, day=day, last=1)
        .on_conflict_do_update(
            index_elements=["prefix", "estate_id", "day"],
            set_={"last": NumberSequence.last + 1},
        )
        .returning(NumberSequence.last)
    )
    last = db.session.execute(statement).scalar_one()
    return f"{prefix}-{estate.code}-{day}-{last:04d}"

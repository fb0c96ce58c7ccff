"""Calendar periods on an estate's calendar: today, this week, this month, and the date ranges
the lists filter by. The dashboard's figures and the lists they link to read their bounds here,
so a figure and its list always count the same rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from webapp import clock
from webapp.labels import SPAN_LABELS, label
from webapp.models import User

DEFAULT_ZONE = "Asia/Shanghai"

KEYS = ("today", "week", "month")


def zone_of(viewer: User, estate_id: int | None = None) -> ZoneInfo:
    """The calendar a staff member's dates are read in: the chosen estate's, else that of the
    first of their estates (their estates came with their session: no statement)."""
    estates = viewer.estates
    chosen = next((e for e in estates if e.id == estate_id), None) if estate_id else None
    estate = chosen or (estates[0] if estates else None)
    return ZoneInfo(estate.timezone if estate and estate.timezone else DEFAULT_ZONE)


def bounds(
    since: date | None, until: date | None, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """The first instant of `since` and the first instant after `until` (both days included)."""
    start = datetime.combine(since, time(0), tzinfo=zone) if since else None
    end = datetime.combine(until + timedelta(days=1), time(0), tzinfo=zone) if until else None
    return start, end


def within(column, since: date | None, until: date | None, zone: ZoneInfo) -> list:
    """Conditions keeping `column` inside the days from `since` to `until` (either may be open)."""
    start, end = bounds(since, until, zone)
    out = []
    if start is not None:
        out.append(column >= start)
    if end is not None:
        out.append(column < end)
    return out


@dataclass(frozen=True)
class Period:
    key: str
    since: date
    until: date

    @property
    def label(self) -> str:
        return label(SPAN_LABELS, self.key)

    def args(self) -> dict[str, str]:
        """The period as a list's address carries it."""
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}


def at_estate(value: datetime | None, timezone: str) -> datetime | None:
    """A datetime-local field's value (no zone), read on the estate's calendar."""
    return value.replace(tzinfo=ZoneInfo(timezone)) if value else None


def today(zone: ZoneInfo, now: datetime | None = None) -> date:
    return (now or clock.now()).astimezone(zone).date()


def period(key: str, zone: ZoneInfo, now: datetime | None = None) -> Period:
    """Today; this week from Monday; this month from its first day (each up to today)."""
    day = today(zone, now)
    if key == "week":
        return Period(key, day - timedelta(days=day.weekday()), day)
    if key == "month":
        return Period(key, day.replace(day=1), day)
    return Period("today", day, day)


def weeks(zone: ZoneInfo, count: int = 12, now: datetime | None = None) -> list[date]:
    """The Mondays of the last `count` weeks, the current one last."""
    day = today(zone, now)
    monday = day - timedelta(days=day.weekday())
    return [monday - timedelta(weeks=i) for i in range(count - 1, -1, -1)]

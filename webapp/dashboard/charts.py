"""Charts drawn on the server as inline SVG: the geometry here, the markup in
templates/_macros/charts.html.

Our own small code rather than a charting library: the pages' Content-Security-Policy allows no
inline style or script, and the libraries that draw SVG on the server put a <style> element (and
often script hooks) inside it. Two shapes cover what the dashboard shows — bars for a breakdown
and columns for a trend — and each chart comes with a table of the same numbers, so a screen
reader or a person who wants the exact figure reads the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The drawing's own units; the SVG scales to the width of its card (a 360-px phone shows it at
# about this size, so 12 units of text read as 12 px).
WIDTH = 320
ROW = 26  # a bar's row
LABEL = 96  # the labels' column in a bar chart
VALUE = 34  # the values' column
COLUMN_HEIGHT = 120  # a column chart's plot height
AXIS = 18  # below the columns: the week labels
HEADROOM = 14  # above the columns: the tallest one's value


@dataclass(frozen=True)
class Point:
    label: str
    value: int
    url: str | None = None  # the list behind this number


@dataclass
class Chart:
    key: str  # unique on the page: the ids of its title and description
    title: str
    description: str
    points: list[Point] = field(default_factory=list)
    # What the table's second column is called (e.g. "受理数").
    measure: str = ""
    # The value a full bar or column stands for: 100 for percentages; None, the largest value.
    scale: int | None = None

    @property
    def top(self) -> int:
        return max((p.value for p in self.points), default=0)

    @property
    def total(self) -> int:
        return sum(p.value for p in self.points)

    @property
    def empty(self) -> bool:
        return self.top == 0

    def bars(self) -> tuple[list[Bar], int]:
        return bars(self)

    def columns(self) -> tuple[list[Column], int]:
        return columns(self)


LABEL_UNITS = 16  # what the labels' column holds: a Chinese character counts two, a letter one
MAX_LABEL_UNITS = 26  # widened for longer labels (English ones), up to this
UNIT = LABEL / LABEL_UNITS  # drawing units of a label unit


def _units(char: str) -> int:
    return 2 if ord(char) > 0x2E7F else 1


def fit(label: str, units: int = LABEL_UNITS) -> str:
    """The label as far as it fits the labels' column, with "…" where it was cut."""
    used, out = 0, []
    for char in label:
        used += _units(char)
        if used > units:
            return "".join(out).rstrip() + "…"
        out.append(char)
    return label


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: float
    width: float
    x: float  # where the bars start: the labels' column is as wide as its labels need
    short: str  # the label as far as it fits that column


def bars(chart: Chart) -> tuple[list[Bar], int]:
    """Horizontal bars, one row each, scaled to the chart's scale (or its largest value); the
    labels' column as wide as its longest label, within bounds: (bars, drawing height)."""
    longest = max((sum(_units(c) for c in p.label) for p in chart.points), default=0)
    units = min(max(longest, LABEL_UNITS), MAX_LABEL_UNITS)
    x = round(units * UNIT, 1)
    room = WIDTH - x - VALUE
    full = chart.scale or chart.top or 1
    out = [
        Bar(
            p.label,
            p.value,
            i * ROW,
            round(room * min(p.value, full) / full, 1) if p.value else 0,
            x,
            fit(p.label, units),
        )
        for i, p in enumerate(chart.points)
    ]
    return out, max(len(out), 1) * ROW


@dataclass(frozen=True)
class Column:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    labelled: bool  # every other label, so that 12 weeks fit a phone


def columns(chart: Chart) -> tuple[list[Column], int]:
    """Vertical columns side by side, scaled to the chart's scale (or its largest value):
    (columns, drawing height)."""
    count = max(len(chart.points), 1)
    slot = WIDTH / count
    full = chart.scale or chart.top or 1
    out = []
    for i, p in enumerate(chart.points):
        height = round(COLUMN_HEIGHT * min(p.value, full) / full, 1)
        out.append(
            Column(
                p.label,
                p.value,
                round(i * slot + slot * 0.15, 1),
                round(HEADROOM + COLUMN_HEIGHT - height, 1),
                round(slot * 0.7, 1),
                height,
                (count - 1 - i) % 2 == 0,
            )
        )
    return out, HEADROOM + COLUMN_HEIGHT + AXIS

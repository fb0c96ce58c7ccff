"""Lists as Excel workbooks, in one place: a header row in the reader's language, frozen; times
in the estate's zone as real dates; numbers as numbers; rows streamed into a write-only workbook,
so a long list never sits in memory as cells.

A list names its columns once (`Column`: a header and how to read a row); `xlsx_response()` turns
the rows the list page shows, with its filters, into a download.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, make_response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from webapp.i18n import zone

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Column:
    header: Any  # a lazy string, translated when the sheet is written
    value: Callable[[Any], Any]
    width: int = 14


def _cell_value(value: Any) -> Any:
    if isinstance(value, datetime):
        # Excel has no time zones: the wall-clock time where the estate is.
        return value.astimezone(zone()).replace(tzinfo=None)
    return value


def workbook(title: str, columns: list[Column], rows: Iterable[Any]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_UNSAFE_SHEET.sub(" ", title)[:31] or "Sheet")
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns):
        sheet.column_dimensions[_letter(index)].width = column.width
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for column in columns:
            value = _cell_value(column.value(row))
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, str) and cell.data_type == "f":
                cell.data_type = "s"  # what someone typed as "=..." stays text, never a formula
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_UNSAFE_SHEET = re.compile(r"[\[\]\*\?/\\:]")


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def xlsx_response(
    filename: str, title: str, columns: list[Column], rows: Iterable[Any]
) -> Response:
    """A download of `rows` as a workbook named `filename` (ASCII; the title may be Chinese)."""
    return xlsx_bytes_response(filename, workbook(title, columns, rows))


def xlsx_bytes_response(filename: str, content: bytes) -> Response:
    """A download of a workbook already made (`filename` ASCII)."""
    response = make_response(content)
    response.headers["Content-Type"] = MEDIA_TYPE
    safe = _UNSAFE_NAME.sub("-", filename).strip("-") or "export.xlsx"
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response

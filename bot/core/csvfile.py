"""CSV files that are safe to open in a spreadsheet: every export (polls, resources, cafés…)
writes through here so the rules hold in one place.

A cell starting with ``= + - @`` (or tab / carriage return) is a formula to Excel and
LibreOffice: such cells get a leading apostrophe so they are shown as text, never run.
Files start with a UTF-8 byte order mark so spreadsheets read accents right.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise one cell; numbers stay numbers (a negative number is not a formula)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    """The whole file as text, BOM first."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(v) for v in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue()


def csv_bytes(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> bytes:
    return csv_text(header, rows).encode("utf-8")

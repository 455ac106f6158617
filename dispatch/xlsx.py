"""Text from citizens, channels and imports as spreadsheet cells.

openpyxl makes every string that begins with "=" a formula, so a message sent in through a
public channel (``=HYPERLINK(...)``) would become a live formula in a supervisor's export; and it
refuses the control characters Excel cannot hold (a vertical tab pasted into a message), which
failed the whole export. Such text is written as text, with those characters left out.
"""
from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet


def text(value: Any) -> Any:
    """``value`` without the characters a spreadsheet cannot hold (other types as they are)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def literal(ws, value: Any) -> Any:
    """``value`` for ``ws.append`` on a write-only sheet: a string beginning with "=" as text."""
    value = text(value)
    if isinstance(value, str) and value.startswith("="):
        return _as_text(WriteOnlyCell(ws, value=value))
    return value


def put(ws: Worksheet, row: int, column: int, value: Any):
    """``ws.cell(row, column, value)`` for text that must never be a formula; the cell."""
    return _as_text(ws.cell(row, column, text(value)))


def _as_text(cell):
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"     # openpyxl took it for a formula
    return cell

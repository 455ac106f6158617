"""Citizens' text in the Excel exports: never a live formula, never a character that fails the
file (pure: openpyxl in memory)."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from dispatch.xlsx import literal, put
from sla.export import overdue_workbook

CASES = [
    # written, read back
    ('=HYPERLINK("http://example.invalid","点我")', '=HYPERLINK("http://example.invalid","点我")'),
    ("=1+1", "=1+1"),
    ("路灯\x0b不亮\x1b了\x00", "路灯不亮了"),        # control characters pasted into a message
    ("第一行\n第二行\t完", "第一行\n第二行\t完"),     # line breaks and tabs are kept
    ("+86 139", "+86 139"),
    (42, 42),
    (None, None),
]


def _roundtrip(wb: Workbook):
    out = io.BytesIO()
    wb.save(out)
    return load_workbook(io.BytesIO(out.getvalue()))


@pytest.mark.parametrize(("written", "read"), CASES)
def test_a_write_only_export_row_keeps_text_as_text(written, read):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    ws.append([literal(ws, written), "后一列"])
    ws = _roundtrip(wb).active
    assert ws["A1"].value == read and ws["A1"].data_type != "f"
    assert ws["B1"].value == "后一列"


@pytest.mark.parametrize(("written", "read"), CASES)
def test_a_report_cell_keeps_text_as_text(written, read):
    wb = Workbook()
    put(wb.active, 1, 1, written)
    cell = _roundtrip(wb).active["A1"]
    assert cell.value == read and cell.data_type != "f"


def test_the_overdue_sheet_keeps_a_hostile_title_as_text_and_its_own_total_as_a_formula():
    wb = load_workbook(io.BytesIO(overdue_workbook(
        [{"number": "GD1", "title": "=cmd|' /C calc'!A0\x07", "unit_name": "朝阳街道",
          "escalations": ["催办"]}], title="超期工单")))
    ws = wb["超期工单"]
    assert (ws["B4"].value, ws["B4"].data_type) == ("=cmd|' /C calc'!A0", "s")
    assert ws["B5"].data_type == "f" and ws["B5"].value.startswith("=COUNTA(")

"""Excel exports (openpyxl): Chinese headers, a formulas row, and rates as live Excel formulas."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dispatch.xlsx import put
from sla.counts import COUNT_DEFINITIONS, COUNT_FIELDS
from sla.kpi import BY_CODE, DEFINITIONS, THREE_RATES, normalise_weights
from sla.reports import GROUP_NAMES, KpiTable

HEADER = Font(bold=True)
FORMULA_ROW = Font(italic=True, color="555555", size=9)
FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")
FIRST_DATA_ROW = 4


def _col(index: int) -> str:
    return get_column_letter(index + 2)          # column A holds the group label


def _rate_formula(code: str, row: int) -> str:
    d = BY_CODE[code]
    letter = {name: _col(i) for i, name in enumerate(COUNT_FIELDS)}
    plus = "+".join(f"{letter[n]}{row}" for n in d.numerator_fields)
    minus = "".join(f"-{letter[n]}{row}" for n in d.subtracted_fields)
    den = f"{letter[d.denominator_field]}{row}"
    return f'=IF({den}=0,"",({plus}{minus})/{den})'


def _composite_formula(row: int, weights: Mapping[str, float]) -> str:
    scaled = normalise_weights(weights)
    cells = {code: f"{_col(len(COUNT_FIELDS) + [d.code for d in DEFINITIONS].index(code))}{row}"
             for code in THREE_RATES}
    blank = ",".join(f'{c}=""' for c in cells.values())
    terms = "+".join(f"{scaled[code]:.6g}*{cells[code]}" for code in THREE_RATES)
    return f'=IF(OR({blank}),"",{terms})'


def _header(ws: Worksheet, title: str, first: str, names: Sequence[str],
            notes: Sequence[str]) -> None:
    put(ws, 1, 1, title).font = Font(bold=True, size=13)
    for i, (name, note) in enumerate(zip([first, *names], ["口径 / 公式", *notes]), start=1):
        head = ws.cell(2, i, name)
        head.font, head.fill, head.alignment = HEADER, FILL, WRAP
        formula = ws.cell(3, i, note)
        formula.font, formula.alignment = FORMULA_ROW, WRAP
        ws.column_dimensions[get_column_letter(i)].width = 16 if i > 1 else 26
    ws.row_dimensions[3].height = 90
    ws.freeze_panes = "B4"


def kpi_sheet(ws: Worksheet, table: KpiTable, title: str) -> None:
    count_names = [COUNT_DEFINITIONS[n][0] for n in COUNT_FIELDS]
    count_notes = [COUNT_DEFINITIONS[n][1] for n in COUNT_FIELDS]
    composite = table.total.values[-1] if table.total else None
    kpi_names = [d.name for d in DEFINITIONS] + ([composite.name] if composite else [])
    kpi_notes = [d.formula for d in DEFINITIONS] + ([composite.formula] if composite else [])
    _header(ws, title, GROUP_NAMES[table.group_by], count_names + kpi_names, count_notes + kpi_notes)
    for offset, row in enumerate([*table.rows, table.total]):
        r = FIRST_DATA_ROW + offset
        put(ws, r, 1, row.label).font = HEADER if row is table.total else Font()
        for i, name in enumerate(COUNT_FIELDS):
            ws.cell(r, i + 2, getattr(row.counts, name))
        for j, d in enumerate(DEFINITIONS):
            cell = ws.cell(r, len(COUNT_FIELDS) + j + 2, _rate_formula(d.code, r))
            cell.number_format = "0.0%"
        cell = ws.cell(r, len(COUNT_FIELDS) + len(DEFINITIONS) + 2,
                       _composite_formula(r, table.weights))
        cell.number_format = "0.0%"


def definitions_sheet(ws: Worksheet) -> None:
    _header(ws, "统计口径说明", "代码", ["中文名称", "口径 / 公式"], ["", ""])
    rows = [(n, *COUNT_DEFINITIONS[n]) for n in COUNT_FIELDS]
    rows += [(d.code, d.name, d.formula) for d in DEFINITIONS]
    for offset, values in enumerate(rows):
        for i, value in enumerate(values, start=1):
            ws.cell(FIRST_DATA_ROW + offset, i, value).alignment = WRAP
    ws.column_dimensions["C"].width = 80


def kpi_workbook(table: KpiTable, *, title: str) -> bytes:
    wb = Workbook()
    kpi_sheet(wb.active, table, title)
    wb.active.title = "KPI"
    definitions_sheet(wb.create_sheet("口径说明"))
    return _save(wb)


OVERDUE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("number", "工单编号", "工单唯一编号"),
    ("title", "标题", ""),
    ("unit_name", "承办单位", "当前超期派单的接收单位"),
    ("dispatched_at", "派单时间", "北京时间"),
    ("deadline", "办理期限", "含延期、挂起顺延后的期限(北京时间)"),
    ("overdue_working_days", "超期工作日", "超期工作日 = 办理期限至导出时的工作时间 ÷ 24小时(按官方工作日历)"),
    ("escalations", "已升级", "已记录的催办/超期/督办/通报"),
    ("channel", "渠道", ""),
    ("category", "类别", ""),
    ("urgency", "紧急程度", ""),
)


def overdue_workbook(rows: Sequence[Mapping[str, Any]], *, title: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "超期工单"
    _header(ws, title, OVERDUE_COLUMNS[0][1], [c[1] for c in OVERDUE_COLUMNS[1:]],
            [c[2] for c in OVERDUE_COLUMNS[1:]])
    for offset, row in enumerate(rows):
        for i, (key, _, _) in enumerate(OVERDUE_COLUMNS, start=1):
            value = row.get(key)
            put(ws, FIRST_DATA_ROW + offset, i, "、".join(value) if isinstance(value, list) else value)
    total = FIRST_DATA_ROW + len(rows)
    ws.cell(total, 1, "合计").font = HEADER
    ws.cell(total, 2, f"=COUNTA(A{FIRST_DATA_ROW}:A{total - 1})" if rows else 0)
    return _save(wb)


def _save(wb: Workbook) -> bytes:
    out = BytesIO()
    wb.save(out)
    return out.getvalue()

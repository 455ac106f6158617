"""The monthly report as a Word document (python-docx), from stored figures only.

The document reads nothing but the figures (figures.collect, as stored), so rendering again
gives the same text, tables and charts. Its core properties take the figures' time and the
zip entries a fixed date, so the same figures give the same bytes too.
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import datetime

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from console_ui.monthly import charts
from console_ui.monthly.wording import count_change, month_title, pct, rate_change
from sla.kpi import DEFINITIONS

RATE_NAMES = {"closure_rate": "结案率", "on_time_closure_rate": "按期结案率",
              "effective_closure_rate": "有效结案率", "satisfaction_rate": "满意率"}
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
STEPS = 6            # progress: one step per section written


def _fonts(doc, family: str) -> None:
    for name in ("Normal", "Heading 1", "Heading 2", "Title"):
        style = doc.styles[name]
        style.font.name = family
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), family)
    doc.styles["Normal"].font.size = Pt(10.5)


def _table(doc, header: list[str], rows: list[list[str]], widths: list[float] | None = None) -> None:
    """A grid table; ``widths`` in cm per column (Word and LibreOffice follow the cells')."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row):
            cell.text = str(text)
    if widths:
        table.autofit = False
        for column, width in zip(table.columns, widths):
            column.width = Cm(width)          # the grid: LibreOffice reads it
        for row in table.rows:
            for cell, width in zip(row.cells, widths):
                cell.width = Cm(width)
    doc.add_paragraph()


def _picture(doc, png: bytes) -> None:
    doc.add_picture(io.BytesIO(png), width=Cm(15.5))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _overview(doc, f: dict) -> None:
    s, p = f["summary"], f["summary_previous"]
    doc.add_heading("一、总体情况", level=1)
    doc.add_paragraph(
        f"{month_title(f['period'])}，{f['unit']['name']}共受理群众诉求 {s['received']} 件，"
        f"环比{count_change(s['received'], p['received'])}；应结案 {s['due_to_close']} 件，已结案 {s['closed']} 件，"
        f"结案率 {pct(s['closure_rate'])}（环比{rate_change(s['closure_rate'], p['closure_rate'])}），"
        f"按期结案率 {pct(s['on_time_closure_rate'])}，满意率 {pct(s['satisfaction_rate'])}。"
        f"未按期办结 {s['overdue']} 件，重办 {s['rehandled']} 件。")
    rows = [["受理量", s["received"], p["received"], count_change(s["received"], p["received"])],
            ["应结案量", s["due_to_close"], p["due_to_close"], count_change(s["due_to_close"], p["due_to_close"])],
            ["超期(应结未按期)", s["overdue"], p["overdue"], count_change(s["overdue"], p["overdue"])]]
    rows += [[name, pct(s[code]), pct(p[code]), rate_change(s[code], p[code])] for code, name in RATE_NAMES.items()]
    _table(doc, ["指标", month_title(f["period"]), month_title(f["previous"]), "环比"], rows)


def _channels(doc, f: dict) -> None:
    doc.add_heading("二、受理渠道与趋势", level=1)
    ch = sorted(f["channels"], key=lambda c: -c["received"])
    total = sum(c["received"] for c in ch) or 1
    _table(doc, ["渠道", "本月受理", "占比", "上月受理", "环比"],
           [[c["label"], c["received"], f"{100 * c['received'] / total:.1f}%", c["previous"],
             count_change(c["received"], c["previous"])] for c in ch])
    names = (month_title(f["period"]), month_title(f["previous"]))
    if ch:
        _picture(doc, charts.channel_bars([c["label"] for c in ch], [c["received"] for c in ch],
                                          [c["previous"] for c in ch], names))
    days = f["trend"]
    doc.add_paragraph("每日受理与结案：")
    _picture(doc, charts.daily_trend([d["day"][5:] for d in days], [d["received"] for d in days],
                                     [d["closed"] for d in days], ("受理量", "结案量")))


def _ranking(doc, title: str, rows: list[dict], who: str) -> None:
    doc.add_heading(title, level=1)
    if not rows:
        doc.add_paragraph(f"本月各{who}无受理或应结案工单。")
        return
    _table(doc, ["排名", who, "受理量", "结案率", "按期结案率", "有效结案率", "满意率", "超期", "结案率环比"],
           [[r["rank"], r["label"], r["received"], pct(r["closure_rate"]), pct(r["on_time_closure_rate"]),
             pct(r["effective_closure_rate"]), pct(r["satisfaction_rate"]), r["overdue"],
             rate_change(r["closure_rate"], r["previous_closure_rate"])] for r in rows],
           [1.0, 4.2, 1.4, 1.8, 1.8, 1.8, 1.8, 1.0, 2.2])
    _picture(doc, charts.rate_bars([r["label"] for r in rows], [r["closure_rate"] for r in rows], "结案率"))


def _overdue(doc, f: dict) -> None:
    doc.add_heading("五、超期与重办工单", level=1)
    doc.add_paragraph(f"本月应结案而未按期办结 {f['summary']['overdue']} 件；"
                      f"截至 {f['generated_at']} 仍超期在办 {len(f['overdue_now'])} 件（列出前 {len(f['overdue_now'])} 件）。")
    if f["overdue_now"]:
        _table(doc, ["工单编号", "标题", "承办单位", "办理时限", "超期(工作日)"],
               [[o["number"] or "", o["title"], o["unit"], o["deadline"], o["days"]] for o in f["overdue_now"]],
               [3.6, 5.0, 3.4, 2.8, 2.0])
    rh = f["rehandled"]
    doc.add_paragraph(f"本月受理的工单中重办 {rh['count']} 件。")
    if rh["orders"]:
        _table(doc, ["工单编号", "标题", "重办次数"], [[o["number"] or "", o["title"], o["times"]] for o in rh["orders"]])


def _topics(doc, f: dict) -> None:
    doc.add_heading("六、热点诉求", level=1)
    if not f["topics"]:
        doc.add_paragraph("本月未形成聚集性诉求。")
        return
    for i, t in enumerate(f["topics"], 1):
        mark = "（新发/上升）" if t["emerging"] else ""
        doc.add_heading(f"{i}. {'、'.join(t['keywords'][:4])}{mark}", level=2)
        places = "、".join(t["places"]) or "—"
        doc.add_paragraph(f"本月 {t['size']} 件，上月同类 {t['previous']} 件；主要地点：{places}。典型工单：")
        for s in t["samples"]:
            doc.add_paragraph(f"{s['number'] or ''} {s['title']}", style="List Bullet")


def _definitions(doc) -> None:
    doc.add_heading("附：指标口径", level=1)
    for d in DEFINITIONS:
        if d.code in RATE_NAMES:
            doc.add_paragraph(f"{d.name}：{d.formula}")


def _fixed_zip(data: bytes) -> bytes:
    """The same entries with a fixed timestamp: equal figures, equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, ZIP_TIME), src.read(info.filename),
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def render(f: dict, *, progress: Callable[[int], None] = lambda step: None) -> bytes:
    """The report for stored figures ``f``; ``progress(step)`` after each of STEPS sections."""
    doc = Document()
    _fonts(doc, charts.cjk_font())
    moment = datetime.strptime(f["generated_at"], "%Y-%m-%d %H:%M")
    props = doc.core_properties
    props.title = f"{f['unit']['name']}12345热线运行分析月报（{month_title(f['period'])}）"
    props.author = props.last_modified_by = f["unit"]["name"]
    props.created = props.modified = props.last_printed = moment
    props.revision = 1
    doc.add_heading(props.title, level=0)
    doc.add_paragraph(f"统计期：{f['start']} 至 {f['end']}　　数据截至：{f['generated_at']}")
    for step, section in enumerate([
            lambda: _overview(doc, f), lambda: _channels(doc, f),
            lambda: _ranking(doc, "三、各单位办理质效排名", f["units"], "单位"),
            lambda: _ranking(doc, "四、各部门办理质效排名", f["departments"], "部门"),
            lambda: _overdue(doc, f), lambda: (_topics(doc, f), _definitions(doc))], 1):
        section()
        progress(step)
    buf = io.BytesIO()
    doc.save(buf)
    return _fixed_zip(buf.getvalue())

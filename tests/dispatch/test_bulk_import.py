"""`hotline import-orders`: valid rows land with hop, timeline and KPIs; bad rows go to the error
file with their line and problems; a second run of the same file adds nothing."""
from __future__ import annotations

import csv
import uuid

from sqlalchemy import func, select

from dispatch.cli import main as hotline
from dispatch.orders.bulk_import import import_orders
from dispatch.orders.import_rows import COLUMNS
from dispatch.orders.models import Assignment, Order, TimelineEntry
from sla.models import KpiFact, kpi_unit_aggregate


def _write(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, COLUMNS)
        w.writeheader()
        w.writerows(rows)


def _rows(run: str) -> list[dict]:
    good = {"channel": "12345", "received_at": "2025-03-03 09:00:00", "content": "路灯不亮三天了",
            "division": "431102001", "state": "closed", "handled_by": "431102001",
            "dispatched_at": "2025-03-03 10:00:00", "closed_at": "2025-03-05 16:00:00",
            "citizen_phone": "13900001111", "reached": "是", "satisfied": "是"}
    rows = [{**good, "external_id": f"{run}-{i}"} for i in range(5)]
    rows.append({**good, "external_id": f"{run}-direct", "handled_by": "", "dispatched_at": ""})
    rows.append({**good, "external_id": f"{run}-bad-1", "received_at": "yesterday"})
    rows.append({**good, "external_id": f"{run}-bad-2", "division": "no-such-place", "channel": "fax"})
    rows.append({**good, "external_id": f"{run}-0"})            # repeated within the file
    return rows


def _count(session, stmt) -> int:
    return session.execute(stmt).scalar_one()


def test_import_writes_orders_hops_timeline_and_kpis_and_refuses_bad_rows(tmp_path, seeded, session):
    run = uuid.uuid4().hex[:8]
    path = tmp_path / "history.csv"
    _write(path, _rows(run))
    received_before = _count(session, select(func.coalesce(func.sum(kpi_unit_aggregate.c.received), 0))
                             .where(kpi_unit_aggregate.c.grain == "d"))

    report = import_orders(path, batch=4)

    assert (report.read, report.imported, report.duplicates, report.rejected) == (9, 6, 1, 2)
    ids = session.execute(select(Order.id).where(Order.external_id.like(f"{run}-%"))).scalars().all()
    assert len(ids) == 6
    assert _count(session, select(func.count()).select_from(Assignment)
                  .where(Assignment.order_id.in_(ids))) == 5
    assert _count(session, select(func.count()).select_from(TimelineEntry)
                  .where(TimelineEntry.order_id.in_(ids), TimelineEntry.action == "import")) == 6
    assert _count(session, select(func.count()).select_from(KpiFact)
                  .where(KpiFact.order_id.in_(ids), KpiFact.final.is_(True))) == 6
    received_after = _count(session, select(func.sum(kpi_unit_aggregate.c.received))
                            .where(kpi_unit_aggregate.c.grain == "d"))
    assert received_after - received_before == 6
    order = session.execute(select(Order).where(Order.external_id == f"{run}-0")).scalar_one()
    assert order.number.startswith("GD20250303") and order.state == "closed"
    assert order.platform_id == "431102"      # the county that holds the township dispatched it

    with open(report.error_file, encoding="utf-8-sig") as fh:
        errors = list(csv.DictReader(fh))
    assert [(e["line"], e["external_id"]) for e in errors] == [("8", f"{run}-bad-1"), ("9", f"{run}-bad-2")]
    assert "received_at: 'yesterday' is not a date and time" in errors[0]["errors"]
    assert "channel: 'fax'" in errors[1]["errors"] and "division: unknown unit" in errors[1]["errors"]


def test_running_the_same_file_again_adds_nothing(tmp_path, seeded, session, capsys):
    run = uuid.uuid4().hex[:8]
    path = tmp_path / "again.csv"
    _write(path, _rows(run))
    hotline(["import-orders", str(path)])
    first = capsys.readouterr().out
    hotline(["import-orders", str(path)])
    second = capsys.readouterr().out

    assert "imported 6, already present 1, rejected 2" in first
    assert "imported 0, already present 7, rejected 2" in second
    assert "line 8: received_at" in second and str(path.with_name("again.errors.csv")) in second
    assert _count(session, select(func.count()).select_from(Order)
                  .where(Order.external_id.like(f"{run}-%"))) == 6


def test_quoted_line_breaks_and_blank_lines_keep_records_and_line_numbers(tmp_path, seeded, session):
    """A record whose text runs over several lines (quoted, with doubled quotes) is one record;
    a blank line is none: the error file's line is the record's number, as a spreadsheet shows."""
    run = uuid.uuid4().hex[:8]
    rows = _rows(run)
    rows[1]["content"] = '第一行\n他说："路灯""坏了"\r\n第三行'
    path = tmp_path / "multiline.csv"
    _write(path, rows)
    data = path.read_bytes()
    blank = data.replace(f"\r\n12345,{run}-2,".encode(), f"\r\n\r\n12345,{run}-2,".encode())
    assert blank != data
    path.write_bytes(blank)

    report = import_orders(path, batch=3)

    assert (report.read, report.imported, report.duplicates, report.rejected) == (9, 6, 1, 2)
    stored = session.execute(select(Order.content).where(Order.external_id == f"{run}-1")).scalar_one()
    assert stored == '第一行\n他说："路灯""坏了"\r\n第三行'
    with open(report.error_file, encoding="utf-8-sig") as fh:
        assert [e["line"] for e in csv.DictReader(fh)] == ["8", "9"]

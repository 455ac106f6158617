"""`hotline import-orders`: valid rows land with hop, timeline and KPIs; bad rows go to the error
file with their line and problems; a second run of the same file adds nothing; the KPIs add up
exactly, even when the import is stopped before it sums them up."""
from __future__ import annotations

import csv
import random
import uuid
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from hotline.cli import main as hotline
from hotline import bulk_import
from hotline.bulk_import import import_orders
from dispatch.orders.import_rows import COLUMNS
from dispatch.orders.models import Assignment, Order, TimelineEntry
from dispatch.orgs.models import OrgUnit
from sla import aggregates, counts
from sla.models import KpiFact, kpi_aggregate, kpi_import_stage, kpi_unit_aggregate
from sla.scheduled import reconcile_kpis


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


# The KPI aggregates of a bulk import: each batch stages its orders' day buckets, and the import
# adds them all up at its end. Both tests use a year no other test writes in, 2009.

def _history(session, run: str, n: int = 60) -> list[dict]:
    """``n`` varied historical orders of 2009: places, handlers, states, deadlines, callbacks."""
    rng = random.Random(run)
    places = session.execute(select(OrgUnit.id).where(OrgUnit.level.in_(["township", "village"]))
                             .order_by(OrgUnit.id).limit(40)).scalars().all()
    rows = []
    for i in range(n):
        received = datetime(2009, 1, 1, 8) + timedelta(days=rng.randrange(360), minutes=rng.randrange(600))
        row = {"channel": rng.choice(["12345", "wechat", "website"]), "external_id": f"{run}-{i}",
               "received_at": f"{received:%Y-%m-%d %H:%M:%S}", "content": "历史工单", "division": rng.choice(places),
               "category": rng.choice(["", "城乡建设", "环境保护"]), "state": "closed",
               "closed_at": f"{received + timedelta(days=rng.randrange(1, 20)):%Y-%m-%d %H:%M:%S}"}
        if rng.random() < 0.7:
            row.update(handled_by=rng.choice(places), dispatched_at=row["received_at"],
                       signed_at=f"{received + timedelta(hours=rng.randrange(1, 60)):%Y-%m-%d %H:%M:%S}")
        if rng.random() < 0.6:
            row.update(reached="是", solved=rng.choice(["是", "否"]), satisfied=rng.choice(["是", "否"]))
        if rng.random() < 0.1:
            row.update(state="transferred", emergency="119", closed_at="", handled_by="", dispatched_at="",
                       signed_at="")
        rows.append(row)
    return rows


def _aggregates_of_2009(session) -> dict:
    """Every nonzero count of 2009 (and 2010, where late callbacks fall) in both aggregate tables."""
    found = {}
    for table in (kpi_aggregate, kpi_unit_aggregate):
        for row in session.execute(select(table).where(table.c.period_start.between(date(2009, 1, 1),
                                                                                     date(2010, 12, 31)))):
            keys = aggregates.key_columns(table)
            found[(table.name, *(getattr(row, k) for k in keys))] = {
                n: getattr(row, n) for n in counts.COUNT_FIELDS if getattr(row, n)}
    return {k: v for k, v in found.items() if v}


def _what_the_orders_add_up_to(session, run: str) -> dict:
    """The same, computed afresh from the stored orders and hops (as a rebuild would)."""
    orders = session.execute(select(Order).where(Order.external_id.like(f"{run}-%"))).scalars().all()
    full: dict = {}
    for order in orders:
        hops = session.execute(select(Assignment).where(Assignment.order_id == order.id)
                               .order_by(Assignment.id)).scalars().all()
        for key, values in aggregates.with_dims(counts.contribution(order, hops), *aggregates.dims(order)).items():
            counts.accumulate(full, key, values)
    return {(table.name, *key): values for table, agg in aggregates.rollups(full).items()
            for key, values in agg.items()}


def test_the_imported_orders_kpis_are_exactly_what_their_rows_add_up_to(tmp_path, seeded, session):
    run = uuid.uuid4().hex[:8]
    path = tmp_path / "2009.csv"
    _write(path, _history(session, run))

    report = import_orders(path, batch=7)   # many batches; on PostgreSQL, two processes

    assert report.imported == 60
    expected = _what_the_orders_add_up_to(session, run)
    assert len(expected) > 100                # many days, units, channels and categories
    assert _aggregates_of_2009(session) == expected
    assert session.execute(select(func.count()).select_from(kpi_import_stage)).scalar_one() == 0


def test_an_import_stopped_before_its_sum_up_loses_no_kpi(tmp_path, seeded, session, monkeypatch):
    """Killed after its last batch: the orders are stored and their KPIs staged; the periodic KPI
    reconcile adds them, once."""
    run = uuid.uuid4().hex[:8]
    path = tmp_path / "stopped.csv"
    _write(path, _history(session, run, 30))
    session.execute(delete(kpi_aggregate).where(kpi_aggregate.c.period_start.between(date(2009, 1, 1),
                                                                                     date(2010, 12, 31))))
    session.execute(delete(kpi_unit_aggregate).where(
        kpi_unit_aggregate.c.period_start.between(date(2009, 1, 1), date(2010, 12, 31))))
    session.execute(delete(kpi_import_stage))
    session.commit()
    real = bulk_import.fold_kpis
    calls = []

    def killed_at_the_end(engine, parts=1):
        calls.append(parts)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(engine, parts)

    monkeypatch.setattr(bulk_import, "fold_kpis", killed_at_the_end)
    with pytest.raises(KeyboardInterrupt):
        import_orders(path, batch=4)

    assert _count(session, select(func.count()).select_from(Order)
                  .where(Order.external_id.like(f"{run}-%"))) == 30
    assert _aggregates_of_2009(session) == {}
    assert _count(session, select(func.count()).select_from(kpi_import_stage)) > 30

    assert reconcile_kpis() >= 0
    session.expire_all()
    assert _aggregates_of_2009(session) == _what_the_orders_add_up_to(session, run)
    assert _count(session, select(func.count()).select_from(kpi_import_stage)) == 0
    reconcile_kpis()
    assert _aggregates_of_2009(session) == _what_the_orders_add_up_to(session, run)

"""Order lists and state counts at scale, as users at each level of the tree open them.

    .venv/bin/python bench/bench_import.py --rows 500000          # first: a database of orders
    .venv/bin/python bench/bench_lists.py [--db bench_import] [--runs 15]

On a database filled by ``bench_import.py`` (historical orders on the loaded city's units),
times the console's two first reads for a signed-in user: the first page of their order list
(``orders.list_orders``, 50 newest, as ``GET /api/v1/orders``) and their counts by state
(``orders.count_by_state``, as ``GET /api/v1/orders/counts``), for users of the city platform,
a county platform, that county's busiest department, one of its townships and one village.
Each is timed on a warm connection; prints the median and the slowest of ``--runs`` in
milliseconds, with the orders each unit reaches. The database is migrated to this tree's
schema first (``init_db``). To compare two code trees, copy the database
(``createdb -T bench_import bench_lists_old``) and run each tree on its own copy with
PYTHONPATH=<tree>.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default="bench_import")
    p.add_argument("--runs", type=int, default=15)
    a = p.parse_args()
    os.environ["HOTLINE_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{a.db}"
    from sqlalchemy import func
    from sqlmodel import Session, col, select

    from dispatch.db import get_engine, init_db
    from dispatch.orders import service as orders
    from dispatch.orders.models import Assignment, Order
    from dispatch.orgs.models import OrgUnit

    init_db()
    now = datetime.now(timezone.utc)
    with Session(get_engine()) as s:
        total = s.exec(select(func.count()).select_from(Order)).one()
        if not total:
            sys.exit(f"database {a.db} holds no orders: run bench/bench_import.py first")
        city = s.exec(select(OrgUnit).where(OrgUnit.level == "city", OrgUnit.kind == "platform")).one()
        county = s.exec(select(OrgUnit).where(OrgUnit.level == "county", OrgUnit.kind == "platform")
                        .order_by(OrgUnit.id)).first()
        busiest = s.exec(select(Assignment.to_unit_id, func.count()).where(
            col(Assignment.to_path).startswith(county.path), Assignment.to_unit_id != county.id)
            .group_by(Assignment.to_unit_id).order_by(func.count().desc())).first()
        dept = s.get(OrgUnit, busiest[0])
        town = s.exec(select(OrgUnit).where(OrgUnit.level == "township", OrgUnit.parent_id == county.id)
                      .order_by(OrgUnit.id)).first()
        village = s.exec(select(OrgUnit).where(OrgUnit.level == "village", OrgUnit.parent_id == town.id)
                         .order_by(OrgUnit.id)).first()
        print(f"{a.db}: {total:,} orders; medians and maxima of {a.runs} runs on a warm connection")
        print(f"{'user of':<28}{'reaches':>10}{'list p50':>10}{'max':>8}{'counts p50':>12}{'max':>8}")
        for label, unit in (("city platform", city), ("county platform", county),
                            ("county department", dept), ("township", town), ("village", village)):
            def timed(read) -> tuple[float, float]:
                times = []
                for _ in range(a.runs):
                    started = time.perf_counter()
                    read()
                    times.append(1000 * (time.perf_counter() - started))
                return statistics.median(times), max(times)

            def first_page():
                orders.list_orders(s, reach_path=unit.path, flt=orders.OrderFilter(), now=now,
                                   before_id=None, limit=50)
                s.expunge_all()

            reached = sum(orders.count_by_state(s, reach_path=unit.path).values())
            lp, lm = timed(first_page)
            cp, cm = timed(lambda: orders.count_by_state(s, reach_path=unit.path))
            print(f"{label + ' ' + unit.id:<28}{reached:>10,}{lp:>10.1f}{lm:>8.1f}{cp:>12.1f}{cm:>8.1f}",
                  flush=True)


if __name__ == "__main__":
    main()

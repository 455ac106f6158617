"""Latency of the KPI tables against a generated database (see bench/gen_orders.py).

    HOTLINE_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_sla \\
        .venv/bin/python bench/bench_kpi.py --runs 200

(a) a month of KPIs across all counties: the city's table by unit (13 counties + city departments),
(b) a county's township breakdown: one county's table by unit (its townships and departments),
(c) a county's month by channel (the finer aggregate rows),
each for a random month of the last year and (b, c) a random county; timed from the query to
the API's JSON-ready schema, on a warm connection. Prints p50/p95/max in milliseconds.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402
from sqlmodel import Session  # noqa: E402

from dispatch.db import get_engine  # noqa: E402
from dispatch.orders.models import Order  # noqa: E402
from dispatch.orgs import service as orgs  # noqa: E402
from dispatch.sqltypes import utcnow  # noqa: E402
from sla import reports  # noqa: E402
from sla.kpi import DEFAULT_WEIGHTS  # noqa: E402
from sla.models import kpi_aggregate, kpi_unit_aggregate  # noqa: E402
from sla.schemas import table_public  # noqa: E402


def timed(fn, runs: int) -> list[float]:
    for _ in range(3):
        fn()   # warm-up: connection, plans, unit index
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def report(name: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * len(ms))) - 1)]
    print(f"{name:<44} p50 {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   max {ms[-1]:7.1f} ms   (n={len(ms)})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    if not os.environ.get("HOTLINE_DATABASE_URL", "").startswith("postgresql"):
        sys.exit("set HOTLINE_DATABASE_URL to the generated PostgreSQL database")
    rng = random.Random(args.seed)
    with Session(get_engine()) as session:
        orders = session.execute(select(func.count()).select_from(Order)).scalar()
        rows = sum(session.execute(select(func.count()).select_from(t)).scalar()
                   for t in (kpi_aggregate, kpi_unit_aggregate))
        city = orgs.city_platform(session)
        counties = [u for u in orgs.children(session, city.id) if u.kind == "platform"]
        today = utcnow().date()
        months = [reports.period_containing("month", today.replace(day=1) - timedelta(days=30 * i))
                  for i in range(1, 13)]
        print(f"database: {orders:,} orders, {rows:,} aggregate rows; {args.runs} runs each")

        def table(scope, group_by="unit"):
            result = reports.kpi_table(session, scope=scope, group_by=group_by,
                                       periods=[rng.choice(months)], weights=DEFAULT_WEIGHTS)
            return table_public(result)

        sample = table(city)
        print(f"(a) rows: {len(sample.rows)}; city month total received {sample.total.counts['received']:,}")
        report("(a) month, all counties (city by unit)", timed(lambda: table(city), args.runs))
        report("(b) month, county by township", timed(lambda: table(rng.choice(counties)), args.runs))
        report("(c) month, county by channel", timed(lambda: table(rng.choice(counties), "channel"), args.runs))


if __name__ == "__main__":
    main()

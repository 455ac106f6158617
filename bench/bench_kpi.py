"""Latency of the KPI tables against a generated database (see bench/gen_orders.py).

    HOTLINE_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_sla \\
        .venv/bin/python bench/bench_kpi.py --runs 200

(a) a month of KPIs across all counties: the city's table by unit (its counties + city departments),
(b) a county's township breakdown: one county's table by unit (its townships and departments),
(c) a county's month by channel (the finer aggregate rows),
each for a random month of the last year and (b, c) a random county; timed from the query to
the API's JSON-ready schema, on a warm connection. Prints p50/p95/max in milliseconds.

``--verify N`` first checks exactness: every order's contribution is recomputed from the orders
and hops (``sla.counts.contribution``, as ``sla.aggregates.rebuild`` does) and, for N random
(month, unit) pairs, all 21 counts of the unit's subtree are compared with the month rows of
both aggregate tables and with the sum of the unit table's day rows. It reads every order, so
it is meant for a small database (100k orders: about a minute).
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
from sla import aggregates, counts, reports  # noqa: E402
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


def days_of(month):
    end = reports.period_containing("month", month).end
    return [month + timedelta(days=i) for i in range((end - month).days)]


def verify(session: Session, samples: int, rng: random.Random) -> bool:
    """Aggregates == contributions recomputed from the orders, for random (month, unit) pairs."""
    rows = session.execute(select(kpi_unit_aggregate.c.period_start, kpi_unit_aggregate.c.unit_path)
                           .where(kpi_unit_aggregate.c.grain == "m")).all()
    picks = set()
    for month, path in rng.sample(rows, min(samples, len(rows))):   # a month with data, at any level
        parts = path.strip("/").split("/")
        picks.add((month, "/" + "/".join(parts[:rng.randint(1, len(parts))]) + "/"))
    units = {path for _, path in picks}
    expected = {pick: dict.fromkeys(counts.COUNT_FIELDS, 0) for pick in picks}
    for orders, hops in aggregates.order_batches(session, 5000):
        for order in orders:
            for (day, path), values in counts.contribution(order, hops[order.id]).items():
                month = day.replace(day=1)
                for unit in units:
                    if path.startswith(unit) and (month, unit) in expected:
                        for name, value in values.items():
                            expected[month, unit][name] += value
    ok = True
    for (month, unit), want in sorted(expected.items()):
        for label, t, grain, starts in (
                ("unit/month", kpi_unit_aggregate, "m", [month]),
                ("dims/month", kpi_aggregate, "m", [month]),
                ("unit/days", kpi_unit_aggregate, "d", days_of(month))):
            got = session.execute(select(*[func.coalesce(func.sum(t.c[n]), 0) for n in counts.COUNT_FIELDS])
                                  .where(t.c.grain == grain, t.c.period_start.in_(starts),
                                         reports.subtree(t.c.unit_path, unit))).one()
            got = dict(zip(counts.COUNT_FIELDS, map(int, got)))
            if got != want:
                ok = False
                diff = {n: (got[n], want[n]) for n in want if got[n] != want[n]}
                print(f"MISMATCH {month:%Y-%m} {unit} {label}: (stored, recomputed) {diff}")
        print(f"verified {month:%Y-%m} {unit}: received {want['received']}, due {want['due_to_close']}, "
              f"evaluated {want['evaluated']}, hops {want['dispatched_assignments']}")
    print(f"verify: {len(expected)} (month, unit) pairs x 3 aggregate readings: "
          f"{'all 21 counts equal' if ok else 'MISMATCHES above'}")
    return ok


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--verify", type=int, default=0, metavar="N",
                   help="first compare N random (month, unit) pairs with a recount from the orders")
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
        if args.verify and not verify(session, args.verify, rng):
            sys.exit(1)

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

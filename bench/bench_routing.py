"""Routing throughput of one process: the routing job (`route_orders`) on city calls about a
county, each handed to the county platform and dispatched there (two steps, as in production).

    .venv/bin/python bench/bench_routing.py [--orders 1000] [--rounds 3] [--batch 100]
                                            [--router rule|classifier] [--db bench_routing]

Each round stores `--orders` fresh orders through the full intake flow (nothing routes them),
then routes them in jobs of `--batch`, timing only the routing. Prints orders/s and this
process's CPU time per order (the routing worker's own cost, less sensitive to the load than
the rate) of every round and their medians, with the load average, and the statements and
commits sent per routed order.
Needs PostgreSQL on 127.0.0.1:5432 (the database is recreated); no Redis (events go to the
in-process hub). Run two code trees side by side with PYTHONPATH=<tree> to compare a change.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_intake import PG, loadavg, recreate_db  # noqa: E402

TEXT = "村口公路塌陷，车辆无法通行，晚上出行很危险，请尽快派人修复。"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=1000, help="orders per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch", type=int, default=100, help="orders per routing job")
    ap.add_argument("--router", choices=["rule", "classifier"], default="rule")
    ap.add_argument("--db", default="bench_routing")
    a = ap.parse_args()
    recreate_db(a.db)
    os.environ["HOTLINE_DATABASE_URL"] = PG.format(db=a.db)
    os.environ["HOTLINE_ROUTER"] = a.router
    os.environ.pop("HOTLINE_REDIS_URL", None)

    from sqlalchemy import event
    from sqlmodel import Session, select

    from dispatch.config import get_settings
    from dispatch.db import get_engine, init_db
    from dispatch.intake import flows
    from dispatch.intake.schemas import IntakeRequest
    from dispatch.jobs import tasks
    from dispatch.orders.enums import Role
    from dispatch.orders.lifecycle import Actor
    from dispatch.orgs import service as orgs
    from dispatch.orgs.models import OrgUnit

    init_db()
    with Session(get_engine()) as session:
        orgs.load_org_tree(session, get_settings().divisions_csv, get_settings().departments_file)
        village = session.exec(select(OrgUnit).where(OrgUnit.level == "village")).first()
        city = orgs.city_platform(session)
    flows.route_later = lambda *args, **kw: None          # the benchmark routes them itself
    actor = Actor(role=Role.operator, unit_path=city.path, user_id=None)

    def store(n: int) -> list[int]:
        with Session(get_engine()) as session:
            return [flows.receive(session, IntakeRequest(
                channel="12345", external_id=uuid.uuid4().hex, content=TEXT,
                category_hint="交通运输", division_code=village.id, citizen_name="张",
                citizen_phone="13900000000", platform_id=city.id),
                actor=actor, actor_name="bench").order_id for _ in range(n)]

    tasks.route_orders(store(a.batch))                     # warm-up: imports, caches, model
    sent = {"statements": 0, "commits": 0}                 # while routing only

    def count(key: str):
        def listener(*_args) -> None:
            sent[key] += counting
        return listener
    counting = 0
    event.listen(get_engine(), "before_cursor_execute", count("statements"))
    event.listen(get_engine(), "commit", count("commits"))
    rates, cpu = [], []
    for n in range(a.rounds):
        ids = store(a.orders)
        started, counts, counting = time.perf_counter(), {}, 1
        cpu_started = time.process_time()
        for i in range(0, len(ids), a.batch):
            for k, v in tasks.route_orders(ids[i:i + a.batch]).items():
                counts[k] = counts.get(k, 0) + v
        rates.append(len(ids) / (time.perf_counter() - started))
        cpu.append((time.process_time() - cpu_started) * 1000 / len(ids))
        counting = 0
        print(f"round {n + 1}: {rates[-1]:.1f} orders/s, CPU {cpu[-1]:.2f} ms per order "
              f"{counts}  load average {loadavg()}", flush=True)
    total = a.orders * a.rounds
    print(f"per routed order: {sent['statements'] / total:.2f} statements, "
          f"{sent['commits'] / total:.2f} commits (listeners included)")
    print(f"routing ({a.router} router, jobs of {a.batch}, one process): median "
          f"{statistics.median(rates):.1f} orders/s, CPU {statistics.median(cpu):.2f} ms per order "
          f"(this process) over {a.rounds} rounds of {a.orders}")


if __name__ == "__main__":
    main()

"""Cost of the post-commit KPI listener per order write, on SQLite and PostgreSQL, side by side.

    .venv/bin/python bench/bench_sla_listener.py [--orders 60] [--rounds 1] [--pg-db bench_sla_listener]
        [--no-pg] [--compare DIR]

Each order goes through five real writes, each committed by the order flows with publishing
off: intake (the order row and its timeline entry), queue for the dispatcher, dispatch to a
township, sign for, feedback. After each write the KPI listener (``sla.listeners.refresh_kpis``)
runs as ``dispatch.hooks.emit`` runs it. Every backend runs in its own process on a fresh
database (SQLite: a temporary file; PostgreSQL: ``--pg-db``, recreated and dropped). Prints the
median milliseconds of a write alone, of the listener after it, and of the two together.
``--compare DIR`` runs each backend a second time with the ``sla`` package found in DIR, e.g. an
earlier revision: ``mkdir /tmp/before && git archive <rev> sla | tar -x -C /tmp/before``.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
WARM_UP = 5


def child(orders: int, sla_from: str | None) -> dict:
    """Runs inside the backend's process (HOTLINE_DATABASE_URL already set)."""
    sys.path.insert(0, str(ROOT))
    if sla_from:
        sys.path.insert(0, sla_from)
    from sqlmodel import Session

    from dispatch.config import get_settings
    from dispatch.db import get_engine, init_db
    from dispatch.intake import flows as intake
    from dispatch.intake.schemas import IntakeRequest
    from dispatch.orders import flows
    from dispatch.orders.effects import ActionInput
    from dispatch.orders.enums import Action, Role
    from dispatch.orders.lifecycle import Actor
    from dispatch.orders.models import Order
    from dispatch.orgs import service as orgs
    from sla.listeners import refresh_kpis

    init_db()
    write_ms: list[float] = []
    listener_ms: list[float] = []
    with Session(get_engine()) as session:
        orgs.load_org_tree(session, get_settings().divisions_csv, get_settings().departments_file)
        city = orgs.city_platform(session)
        county = [u for u in orgs.children(session, city.id) if u.kind == "platform"][0]
        town = [u for u in orgs.children(session, county.id) if u.kind == "territorial"][0]
        dispatcher, handler = Actor(Role.dispatcher, county.path), Actor(Role.handler, town.path)
        steps = [(Action.queue_for_dispatcher, Actor(Role.system, county.path), ActionInput()),
                 (Action.dispatch, dispatcher, ActionInput(target_unit_id=town.id)),
                 (Action.sign_for, handler, ActionInput()),
                 (Action.feedback, handler, ActionInput(reason="已处理", contacted=True, solved=True))]

        def measured(i: int, write, action: str):
            start = time.perf_counter()
            order = write()
            middle = time.perf_counter()
            refresh_kpis(session, order=order, action=action)
            end = time.perf_counter()
            if i >= WARM_UP:
                write_ms.append((middle - start) * 1000)
                listener_ms.append((end - middle) * 1000)
            return order

        for i in range(orders + WARM_UP):
            def receive():
                req = IntakeRequest(channel="12345", external_id=f"bench-{uuid.uuid4().hex}",
                                    content="小区门口下水道堵塞，污水横流，请尽快处理。",
                                    division_code=town.id, platform_id=county.id)
                stored = intake.write(session, [req], actor=None, actor_name="bench")[0]
                session.commit()
                return session.get(Order, stored.id)

            order_id = measured(i, receive, "intake").id
            for action, actor, inp in steps:
                measured(i, lambda a=action, who=actor, x=inp: flows.apply_action(
                    session, order_id=order_id, action=a, actor=who, inp=x, publish=False), action.value)
    return {"exact": same_as_rebuild(), "write": write_ms, "listener": listener_ms}


def same_as_rebuild() -> bool:
    """The aggregates the listener kept equal those recomputed from the orders."""
    from sqlalchemy import select
    from sqlmodel import Session

    from dispatch.db import get_engine
    from sla import aggregates

    def snapshot(session):
        return {t.name: {tuple(r) for r in session.execute(select(t)) if any(r[len(t.primary_key.columns):])}
                for t in aggregates.TABLES}

    with Session(get_engine()) as session:
        kept = snapshot(session)
        aggregates.rebuild(session)
        return kept == snapshot(session)


def run_backend(name: str, url: str, orders: int, sla_from: str | None = None) -> dict:
    env = {**os.environ, "HOTLINE_DATABASE_URL": url}
    extra = ["--sla-from", sla_from] if sla_from else []
    out = subprocess.run([sys.executable, __file__, "--child", "--orders", str(orders), *extra], env=env,
                         cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def pg_db(action: str, db: str) -> None:
    args = ["dropdb", "--if-exists", "--force"] if action == "drop" else ["createdb"]
    subprocess.run([*args, "-h", "127.0.0.1", "-U", "postgres", db], check=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--orders", type=int, default=60)
    p.add_argument("--pg-db", default="bench_sla_listener")
    p.add_argument("--no-pg", action="store_true")
    p.add_argument("--compare", metavar="DIR", help="also run with the sla package in DIR")
    p.add_argument("--rounds", type=int, default=1, help="runs of each variant, alternated")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--sla-from", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(child(args.orders, args.sla_from)))
        return
    results: dict[str, dict] = {}
    variants = ([args.compare] if args.compare else []) + [None]
    for _ in range(args.rounds):   # alternated, so a change in the machine's load hits both
        for sla_from in variants:
            tag = f" ({Path(sla_from).name})" if sla_from else ""
            runs = [("SQLite", None)] + ([] if args.no_pg else [("PostgreSQL", PG.format(db=args.pg_db))])
            for name, url in runs:
                with tempfile.TemporaryDirectory() as tmp:
                    if url is None:
                        r = run_backend(name, f"sqlite:///{tmp}/bench.db", args.orders, sla_from)
                    else:
                        pg_db("drop", args.pg_db)
                        pg_db("create", args.pg_db)
                        try:
                            r = run_backend(name, url, args.orders, sla_from)
                        finally:
                            pg_db("drop", args.pg_db)
                acc = results.setdefault(name + tag, {"exact": True, "write": [], "listener": []})
                acc["exact"] &= r["exact"]
                acc["write"] += r["write"]
                acc["listener"] += r["listener"]
    print(f"load average: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    print(f"{'backend':<24}{'exact':>6}{'writes':>8}{'write ms':>10}{'listener ms':>13}{'p95':>8}"
          f"{'together':>10}{'share':>8}")
    for name, r in results.items():
        w, li = r["write"], r["listener"]
        total = statistics.median(a + b for a, b in zip(w, li))
        p95 = sorted(li)[int(0.95 * len(li)) - 1]
        print(f"{name:<24}{'yes' if r['exact'] else 'NO':>6}{len(w):>8}{statistics.median(w):>10.1f}"
              f"{statistics.median(li):>13.1f}{p95:>8.1f}{total:>10.1f}{statistics.median(li) / total:>8.0%}")


if __name__ == "__main__":
    main()

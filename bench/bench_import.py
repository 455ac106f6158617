"""Bulk import of historical orders: CSV → PostgreSQL through `hotline import-orders`.

    .venv/bin/python bench/bench_import.py [--rows 500000] [--batch 5000] [--workers N]

Writes a realistic CSV (``bench/simulate.py``'s orders over two years on the loaded city's
units, real citizen texts; the ones that left the loop: closed, refused, handed over), a few
bad rows among them, into a fresh database ``bench_import``; imports it with the progress bar,
then imports the same file again (nothing must be added). Prints rows/s of both runs with the
load average. Target: ≥ 20,000 orders/s.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from bench.bench_intake import recreate_db  # noqa: E402

DB = "bench_import"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}"
LEFT = {"closed", "refused", "transferred"}


def loadavg() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def _local(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S") if at else ""


def to_csv_row(o: dict, hops: list[dict]) -> dict:
    lead = next((h for h in hops if h["from_platform"] and h["role"] == "lead"), None)
    cb = o.get("callback") or {}
    yes = lambda v: "" if v is None else ("是" if v else "否")  # noqa: E731
    return {"channel": o["channel"], "external_id": f"old-{o['id']}", "received_at": _local(o["received_at"]),
            "content": o["content"], "title": o["title"], "division": o["division_code"],
            "request_type": o["request_type"], "category": o["category"] or "", "urgency": o["urgency"],
            "citizen_name": o["citizen_name"], "citizen_phone": o["citizen_phone"],
            "state": o["state"], "emergency": o.get("emergency") or "",
            "handled_by": lead["to_unit_id"] if lead and o["state"] == "closed" else "",
            "dispatched_at": _local(lead["dispatched_at"]) if lead and o["state"] == "closed" else "",
            "deadline": _local(lead["deadline"]) if lead and o["state"] == "closed" else "",
            "signed_at": _local(lead.get("signed_at")) if lead and o["state"] == "closed" else "",
            "reported_at": _local(lead.get("reported_at")) if lead and o["state"] == "closed" else "",
            "closed_at": _local(o.get("closed_at")), "reached": yes(cb.get("reached")),
            "contacted": yes(cb.get("contacted")), "solved": yes(cb.get("solved")),
            "satisfied": yes(cb.get("satisfied")), "rehandle_count": o.get("rehandle_count", 0)}


def write_csv(path: Path, rows: int, seed: int = 7) -> int:
    """``rows`` historical orders (every 1,000th one broken on purpose); returns the bad ones."""
    import psycopg

    from dispatch.orders.import_rows import COLUMNS
    from gen_orders import load_units
    from simulate import Simulator
    from sla.calendar import SHANGHAI, WorkingCalendar

    with psycopg.connect(URL.replace("+psycopg", "")) as conn:
        units = load_units(conn)
    end = date.today() - timedelta(days=60)
    first = end - timedelta(days=730)
    sim = Simulator(units, WorkingCalendar(), now=datetime.now(SHANGHAI), seed=seed)
    rng, bad, n, order_id = random.Random(seed), 0, 0, 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, COLUMNS)
        out.writeheader()
        while n < rows:
            order_id += 1
            received = sim.received_at(first + timedelta(days=rng.randrange(730)))
            o, hops = sim.order(order_id, received, [])
            if o["state"] not in LEFT:
                continue
            row = to_csv_row(o, hops)
            if n % 1000 == 999:
                row["received_at"], bad = "not a date", bad + 1
            out.writerow(row)
            n += 1
    return bad


def backend_cpu(db: str, seen: dict[str, float]) -> None:
    """Record the CPU seconds so far of every PostgreSQL backend serving ``db`` (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            title = open(f"/proc/{pid}/cmdline", "rb").read()   # "postgres: 15/main: user db host"
            if not title.startswith(b"postgres: ") or f" {db} ".encode() not in title:
                continue
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            seen[pid] = (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            pass                     # the backend ended between listing and reading


def run_import(path: Path, batch: int, workers: int | None) -> tuple[str, float, float, float]:
    """The import's summary line, wall seconds, and CPU seconds of the import's processes and of
    the database backends serving it (sampled every 0.2 s: where the time goes on 2 cores)."""
    env = {**os.environ, "HOTLINE_DATABASE_URL": URL, "PYTHONPATH": str(ROOT)}
    env.pop("HOTLINE_REDIS_URL", None)
    started = time.monotonic()
    more = ["--workers", str(workers)] if workers else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen([sys.executable, "-m", "hotline.cli", "import-orders", str(path),
                             "--batch", str(batch), *more], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    backends: dict[str, float] = {}
    while proc.poll() is None:
        backend_cpu(DB, backends)
        time.sleep(0.2)
    out, err = proc.communicate()
    if proc.returncode:
        raise SystemExit(err[-3000:])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    python = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return out.strip().splitlines()[0], time.monotonic() - started, python, sum(backends.values())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=500_000)
    p.add_argument("--batch", type=int, default=5_000)
    p.add_argument("--workers", type=int, help="import processes (default: one per core)")
    p.add_argument("--csv", type=Path, default=Path("/tmp/hotline-history.csv"))
    args = p.parse_args()
    recreate_db(DB)
    os.environ["HOTLINE_DATABASE_URL"] = URL
    from sqlmodel import Session

    from dispatch.config import get_settings
    from dispatch.db import get_engine, init_db
    from dispatch.orgs import service as orgs

    init_db()
    with Session(get_engine()) as session:
        orgs.load_org_tree(session, get_settings().divisions_csv, get_settings().departments_file)
    started = time.monotonic()
    bad = write_csv(args.csv, args.rows)
    size = args.csv.stat().st_size / 2**20
    print(f"wrote {args.rows:,} rows ({bad:,} broken on purpose), {size:.0f} MiB, "
          f"in {time.monotonic() - started:.0f} s")
    for label in ("first import", "same file again"):
        line, seconds, python, database = run_import(args.csv, args.batch, args.workers)
        print(f"{label:<16} {line}\n{'':<16} wall {seconds:.1f} s with start-up: "
              f"{args.rows / seconds:,.0f} rows/s read   load average {loadavg()}\n{'':<16} CPU per "
              f"row read: import processes {1e6 * python / args.rows:,.0f} µs, PostgreSQL "
              f"{1e6 * database / args.rows:,.0f} µs")


if __name__ == "__main__":
    main()

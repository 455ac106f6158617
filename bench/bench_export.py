"""Exports of 1 million orders as background jobs, while the status endpoint keeps answering.

    HOTLINE_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_export \\
        .venv/bin/python bench/gen_orders.py --orders 1000000 --reset
    .venv/bin/python bench/bench_export.py [--database bench_export]

Starts one API process and one RQ worker (``--simple``: the job runs in the worker process, so
its memory is the worker's) on PostgreSQL + Redis db 12, signs in a city supervisor minted with
the app's token function, and asks for an export of every order in the city (``kind=orders``)
and a KPI table (``kind=kpi``). While the job runs, a second process polls
``GET /api/v1/exports/{id}`` every 0.2 s and times each answer. Prints rows/s, total time, the
worker's peak RSS, the file size, status-endpoint latency p50/p99/max and the load average.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_fanout import loadavg, pct, rss_mib, stop_all  # noqa: E402
from bench.bench_intake import serve  # noqa: E402

REDIS = "redis://127.0.0.1:6379/12"
PORT = 8741


def supervisor_token(url: str) -> str:
    os.environ["HOTLINE_DATABASE_URL"] = url
    from sqlmodel import Session, select

    from dispatch.auth.models import User
    from dispatch.auth.security import create_token, hash_password
    from dispatch.config import get_settings
    from dispatch.db import get_engine, init_db
    from dispatch.orgs.models import OrgUnit

    init_db()
    with Session(get_engine()) as session:
        user = session.exec(select(User).where(User.username == "bench_supervisor")).first()
        if user is None:
            city = session.exec(select(OrgUnit).where(OrgUnit.level == "city",
                                                      OrgUnit.kind == "platform")).one()
            user = User(username="bench_supervisor", role="supervisor", unit_id=city.id,
                        password_hash=hash_password("bench-export-1"))
            session.add(user)
            session.commit()
        return create_token(user_id=user.id, token_version=user.token_version,
                            secret=get_settings().secret_key, minutes=600)


def run(client: httpx.Client, kind: str, filters: dict, worker_pid: int) -> None:
    """One export: started, polled (timed) to the end, the file fetched; prints its figures."""
    started = time.monotonic()
    r = client.post("/api/v1/exports", json={"kind": kind, "filters": filters})
    answered = time.monotonic() - started
    assert r.status_code == 202, r.text
    job_id, timings, peak, job = r.json()["id"], [], rss_mib(worker_pid), {}
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, rss_mib(worker_pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    base = rss_mib(worker_pid)
    sampler.start()
    while True:
        t0 = time.monotonic()
        job = client.get(f"/api/v1/exports/{job_id}").json()
        timings.append(time.monotonic() - t0)
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    stop.set()
    sampler.join()
    if job["status"] != "done":
        raise SystemExit(f"{kind} export failed: {job['error']}")
    size = len(client.get(job["file_url"]).content) / 2**20
    rows = job["rows_total"] or 0
    print(f"{kind:<7} {rows:>9,} rows in {elapsed:6.1f} s = {rows / elapsed:8,.0f} rows/s   "
          f"POST answered in {answered * 1000:.0f} ms   file {size:.1f} MiB   "
          f"worker RSS {base:.0f} → peak {peak:.0f} MiB")
    print(f"        status endpoint during the export: {len(timings)} polls, p50 {pct(timings, 50):.1f} ms, "
          f"p99 {pct(timings, 99):.1f} ms, max {pct(timings, 100):.1f} ms   load average {loadavg()}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database", default="bench_export")
    args = p.parse_args()
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{args.database}"
    token = supervisor_token(url)
    import redis
    redis.Redis.from_url(REDIS).flushdb()          # our own db number only
    var = Path("/tmp/hotline-bench-export")
    env = {**os.environ, "HOTLINE_DATABASE_URL": url, "HOTLINE_REDIS_URL": REDIS,
           "HOTLINE_VAR_DIR": str(var), "HOTLINE_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    api = serve([sys.executable, "-m", "hotline.cli", "serve", "--port", str(PORT)], env, PORT)
    worker = subprocess.Popen([sys.executable, "-m", "hotline.cli", "worker", "--simple"], env=env,
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(3)
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=60,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            total = client.get("/api/v1/orders/stats/by-state").json()
            print(f"{sum(total.values()):,} orders in reach of the city supervisor   load average {loadavg()}")
            run(client, "orders", {}, worker.pid)
            run(client, "kpi", {"group_by": "unit", "period": "month", "count": 12}, worker.pid)
    finally:
        stop_all([api, worker])


if __name__ == "__main__":
    main()

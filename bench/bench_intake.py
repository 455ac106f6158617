"""Intake throughput and latency against PostgreSQL + Redis, beside a bare FastAPI + asyncpg insert
of the same payload measured in the same run. Load comes from a second process on loopback.

    .venv/bin/python bench/bench_intake.py [--seconds-budget] [--total 6000] [--concurrency 64]

Needs PostgreSQL on 127.0.0.1:5432 (trust auth) and Redis on 127.0.0.1:6379. Prints a table.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.loadgen import request_bytes, run  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
TEXTS = ROOT / "bench" / "data" / "taidi2020_unlabeled.csv"


def texts(n: int = 2000) -> list[str]:
    with open(TEXTS, encoding="utf-8") as fh:
        rows = [r.get("text") or r.get("detail") or "" for r in csv.DictReader(fh)]
    return [t[:800] for t in rows if t][:n]


def payload(i: int, run_id: str, corpus: list[str]) -> dict:
    return {"channel": "12345", "external_id": f"{run_id}-{i}", "content": corpus[i % len(corpus)],
            "citizen_name": "张先生", "citizen_phone": f"139{i % 10**8:08d}",
            "address": "零陵区朝阳街道", "division_code": "431102001"}


def recreate_db(db: str) -> None:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", db], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db], check=True)


def serve(args: list[str], env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server on {port} did not start: {' '.join(args)}")


def _load(port: int, path: str, token: str | None, total: int, conc: int, q: mp.Queue) -> None:
    corpus, run_id = texts(), uuid.uuid4().hex[:8]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    make = lambda i: request_bytes("127.0.0.1", port, "POST", path,  # noqa: E731
                                   payload(i, run_id, corpus), headers)
    asyncio.run(run("127.0.0.1", port, make, total=total // 10, concurrency=conc))  # warm-up
    q.put(asyncio.run(run("127.0.0.1", port, make, total=total, concurrency=conc)).summary())


def measure(port: int, path: str, token: str | None, total: int, conc: int) -> dict:
    q: mp.Queue = mp.Queue()
    p = mp.Process(target=_load, args=(port, path, token, total, conc, q))
    p.start()
    out = q.get()
    p.join()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--total", type=int, default=6000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    a = ap.parse_args()
    db = "bench_intake"
    recreate_db(db)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOTLINE_DATABASE_URL": PG.format(db=db),
           "HOTLINE_REDIS_URL": "redis://127.0.0.1:6379/9", "HOTLINE_LOG_LEVEL": "WARNING",
           "HOTLINE_QUEUE_NAME": f"bench-{uuid.uuid4().hex[:6]}", "BARE_DSN":
           f"postgresql://postgres@127.0.0.1:5432/{db}"}
    subprocess.run([sys.executable, "-m", "dispatch.cli", "init-db"], env=env, check=True,
                   cwd=ROOT, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-m", "dispatch.cli", "create-user", "--username", "bench_op",
                    "--role", "operator", "--unit", "4311", "--password", "bench-pass-123"],
                   env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    results = {}
    bare = serve([sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--port", "8871",
                  "--workers", str(a.workers), "--log-level", "warning"], env, 8871)
    try:
        results["bare FastAPI + asyncpg insert"] = measure(8871, "/intake", None, a.total,
                                                          a.concurrency)
    finally:
        bare.terminate()
        bare.wait()
    api = serve([sys.executable, "-m", "uvicorn", "dispatch.api:create_app", "--factory",
                 "--port", "8872", "--workers", str(a.workers), "--log-level", "warning"],
                env, 8872)
    try:
        token = httpx.post("http://127.0.0.1:8872/api/v1/auth/token",
                           data={"username": "bench_op", "password": "bench-pass-123"}
                           ).json()["access_token"]
        results["hotline intake (PostgreSQL + Redis)"] = measure(8872, "/api/v1/intake", token,
                                                                a.total, a.concurrency)
    finally:
        api.terminate()
        api.wait()
    print(f"\nintake benchmark: {a.total} requests, {a.concurrency} connections, "
          f"{a.workers} server processes, {os.cpu_count()} cores")
    print(f"{'server':<40}{'orders/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>10}")
    for name, r in results.items():
        print(f"{name:<40}{r['per_s']:>10}{r['p50_ms']:>10}{r['p99_ms']:>10}"
              f"{sum(r['errors'].values()):>10}")
    names = list(results)
    ratio = results[names[1]]["per_s"] / results[names[0]]["per_s"]
    print(f"ratio hotline / bare = {ratio:.2f}  (targets: ≥ 1000 orders/s and ≥ 0.5)")
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()

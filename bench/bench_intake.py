"""Intake throughput and latency against PostgreSQL + Redis, beside a bare FastAPI + asyncpg insert
of the same payload measured in the same run. Load comes from a second process on loopback.

    .venv/bin/python bench/bench_intake.py [--total 6000] [--concurrency 64] [--workers 2]
                                           [--rounds 3] [--db bench_intake] [--redis-db 5]
                                           [--port 8871] [--also ../other-tree]

The two servers run side by side for the whole run — the bare baseline and hotline as deployed
(the operator's intake, dispatch/intake/views.py, on the one intake write of every door) — the
rounds alternate between them and the table shows the median round of each. ``--also TREE``
adds a third server, hotline from another checkout (its own ``.venv``, say main's), on the same
database, so a change is measured beside its base in one run. The servers listen on ``--port``
and the next two ports (pass a database and ports of your own when another run may share the
machine). Both answer a
repeated (channel, external id) with the stored row, so the baseline is as idempotent as intake. Needs PostgreSQL on 127.0.0.1:5432
(trust auth) and Redis on 127.0.0.1:6379; the database is recreated, and the routing jobs queued
(no worker runs here) are removed at the end.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import multiprocessing as mp
import os
import queue
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.loadgen import request_bytes, run  # noqa: E402
from bench.places import Places, city_places  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
TEXTS = ROOT / "bench" / "data" / "taidi2020_unlabeled.csv"


def texts(n: int = 2000) -> list[str]:
    with open(TEXTS, encoding="utf-8") as fh:
        rows = [r.get("text") or r.get("detail") or "" for r in csv.DictReader(fh)]
    return [t[:800] for t in rows if t][:n]


def payload(i: int, run_id: str, corpus: list[str], places: Places) -> dict:
    return {"channel": "12345", "external_id": f"{run_id}-{i}", "content": corpus[i % len(corpus)],
            "citizen_name": "张先生", "citizen_phone": f"139{i % 10**8:08d}",
            "address": places.address, "division_code": places.township.code}


def recreate_db(db: str) -> None:
    """A fresh ``db``; ``--force`` ends sessions still open on it (a worker of an earlier try
    that is still shutting down would otherwise stop the drop)."""
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", db],
                   check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db], check=True)


def serve(args: list[str], env: dict, port: int, cwd: Path = ROOT) -> subprocess.Popen:
    """The server, once it answers on ``port``; it must be this process that answers (a server
    that exits, say because the port is taken, stops the run with its log)."""
    log = open(Path(tempfile.gettempdir()) / f"bench-intake-{port}.log", "wb")
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=log, stderr=log)
    proc.log_path = Path(log.name)
    for _ in range(200):
        check_alive(proc, port)
        try:
            if httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1).status_code == 200:
                check_alive(proc, port)
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server on {port} did not start: {' '.join(args)} (see {log.name})")


def check_alive(proc: subprocess.Popen, port: int) -> None:
    """Stop the run, with the end of the server's log, if the server on ``port`` has exited."""
    if proc.poll() is not None:
        tail = proc.log_path.read_text(errors="replace")[-3000:]
        raise SystemExit(f"server on {port} exited ({proc.returncode}); {proc.log_path}:\n{tail}")


def _load(port: int, path: str, token: str | None, total: int, conc: int, warm: bool,
          q: mp.Queue) -> None:
    corpus, places = texts(), city_places()
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    def maker(run_id: str):
        return lambda i: request_bytes("127.0.0.1", port, "POST", path,
                                       payload(i, run_id, corpus, places), headers)

    if warm:
        asyncio.run(run("127.0.0.1", port, maker(uuid.uuid4().hex[:8]), total=total // 10,
                        concurrency=conc))
    q.put(asyncio.run(run("127.0.0.1", port, maker(uuid.uuid4().hex[:8]), total=total,
                          concurrency=conc)).summary())


def in_second_process(target, *args):
    """`target(*args, q)` in its own process (the load must not share the server's cores
    with the caller's interpreter); its result, or a loud exit if that process dies."""
    q: mp.Queue = mp.Queue()
    p = mp.Process(target=target, args=(*args, q))
    p.start()
    while True:
        try:
            out = q.get(timeout=1)
            break
        except queue.Empty:
            if not p.is_alive():
                raise SystemExit(f"load process died (exit {p.exitcode})")
    p.join()
    return out


def measure(port: int, path: str, token: str | None, total: int, conc: int,
            warm: bool = False) -> dict:
    """One round from a second process."""
    return in_second_process(_load, port, path, token, total, conc, warm)


def median_round(rounds: list[dict]) -> dict:
    """The round with the median rate (its latencies belong to it), plus every round's rate."""
    ordered = sorted(rounds, key=lambda r: r["per_s"])
    return {**ordered[len(ordered) // 2], "rates": [r["per_s"] for r in rounds]}


def empty_queue(redis_url: str, name: str) -> None:
    """No worker runs here: drop the routing jobs this run left in its own queue."""
    from redis import Redis
    from rq import Queue

    Queue(name, connection=Redis.from_url(redis_url)).empty()


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages (the machine is shared: quote them with figures)."""
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else "?"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--total", type=int, default=6000, help="requests per round")
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--workers", type=int, default=2, help="server processes of each server")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--db", default="bench_intake")
    ap.add_argument("--redis-db", type=int, default=5)
    ap.add_argument("--port", type=int, default=8871, help="the first of three ports")
    ap.add_argument("--also", type=Path, help="another checkout whose hotline runs beside")
    a = ap.parse_args()
    recreate_db(a.db)
    redis_url = f"redis://127.0.0.1:6379/{a.redis_db}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOTLINE_DATABASE_URL": PG.format(db=a.db),
           "HOTLINE_REDIS_URL": redis_url, "HOTLINE_LOG_LEVEL": "WARNING",
           "HOTLINE_QUEUE_NAME": f"bench-{uuid.uuid4().hex[:6]}",
           "BARE_DSN": f"postgresql://postgres@127.0.0.1:5432/{a.db}"}
    hotline = [sys.executable, "-m", "hotline.cli"]
    subprocess.run([*hotline, "init-db"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    subprocess.run([*hotline, "create-user", "--username", "bench_op", "--role", "operator",
                    "--unit", city_places().city.code, "--password", "bench-pass-123"],
                   env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    ports = [a.port, a.port + 1, a.port + 2]
    servers = [serve([sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--port",
                      str(ports[0]), "--workers", str(a.workers), "--log-level", "warning"],
                     env, ports[0]),
               serve([*hotline, "serve", "--port", str(ports[1]), "--workers", str(a.workers)],
                     env, ports[1])]
    bare, mine = "bare FastAPI + asyncpg insert", "hotline intake (PostgreSQL + Redis)"
    names = [bare, mine]
    if a.also:
        other = a.also.resolve()
        servers.append(serve([str(other / ".venv" / "bin" / "python"), "-m", "hotline.cli",
                              "serve", "--port", str(ports[2]), "--workers", str(a.workers)],
                             {**env, "PYTHONPATH": str(other)}, ports[2], cwd=other))
        names.append(f"hotline of {other.name}")
    rounds: dict[str, list[dict]] = {name: [] for name in names}
    loads = []
    try:
        token = httpx.post(f"http://127.0.0.1:{ports[1]}/api/v1/auth/token",
                           data={"username": "bench_op", "password": "bench-pass-123"}, timeout=60
                           ).json()["access_token"]
        for n in range(a.rounds):
            for proc, port in zip(servers, ports):
                check_alive(proc, port)
            for name, port in zip(names, ports):
                path, auth = ("/intake", None) if name == bare else ("/api/v1/intake", token)
                rounds[name].append(measure(port, path, auth, a.total, a.concurrency, n == 0))
            loads.append(loadavg())
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait()
        empty_queue(redis_url, env["HOTLINE_QUEUE_NAME"])
    results = {name: median_round(r) for name, r in rounds.items()}
    print(f"\nintake benchmark: {a.rounds} rounds of {a.total} requests, {a.concurrency} "
          f"connections, {a.workers} server processes each, {os.cpu_count()} cores; "
          f"load average after each round: {'; '.join(loads)}")
    print(f"{'server (median round)':<42}{'orders/s':>10}{'p50 ms':>10}{'p99 ms':>10}"
          f"{'errors':>8}  rates of all rounds")
    for name, r in results.items():
        print(f"{name:<42}{r['per_s']:>10}{r['p50_ms']:>10}{r['p99_ms']:>10}"
              f"{sum(r['errors'].values()):>8}  {r['rates']}")
    for name in names[1:]:
        ratio = results[name]["per_s"] / results[bare]["per_s"]
        print(f"ratio {name} / bare = {ratio:.2f}  (targets: >= 1000 orders/s and >= 0.7)")
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()

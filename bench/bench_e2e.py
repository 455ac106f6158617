"""End to end: receipt → classified, routed, assigned and pushed to the handler's websocket.

A handler of the transport bureau (交通运输局) of the loaded city's first county keeps /api/v1/ws
open while a second process sends a sustained stream of calls (category hint 交通运输, place: a
township of that county; bench/places.py) through /api/v1/intake; RQ workers route them in
batches. Latency runs from the moment a request is sent to the moment the handler's
socket receives that order's dispatch event (both clocks in the load process).

    .venv/bin/python bench/bench_e2e.py [--rate 500] [--seconds 20] [--router rule|classifier|both]
                                        [--api-workers 2] [--rq-workers 2] [--db bench_e2e]
                                        [--redis-db 5]

Both routers send these orders to the same unit: `rule` reads the channel's hint, `classifier`
runs jieba + the category model and the place resolver on every text, then honours the hint.
Texts the emergency rules would hand to 110/119/120 are left out (those are queued for a
person, not dispatched). Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379.
"""
from __future__ import annotations

import argparse
import asyncio
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
from bench.bench_intake import (PG, in_second_process, loadavg, recreate_db, serve,  # noqa: E402
                                texts)
from bench.loadgen import request_bytes, run  # noqa: E402
from bench.places import city_places, department_for  # noqa: E402

CATEGORY = "交通运输"
PORT = 8873


def calm_texts() -> list[str]:
    from classifiers.rules import default_rules

    rules = default_rules()
    return [t for t in texts(3000) if rules.apply(t).emergency is None]


def payload(i: int, run_id: str, corpus: list[str], place: str) -> dict:
    return {"channel": "12345", "external_id": f"{run_id}-{i}", "content": corpus[i % len(corpus)],
            "citizen_name": "李女士", "citizen_phone": f"138{i % 10**8:08d}",
            "category_hint": CATEGORY, "division_code": place}


async def _stream(token: str, ws_token: str, rate: float, total: int, conc: int,
                  drain: float) -> dict:
    """Send the stream and listen on the handler's socket in one event loop (one clock)."""
    import websockets

    corpus, run_id, place = calm_texts(), uuid.uuid4().hex[:8], city_places().township.code
    sent: dict[int, float] = {}
    pushed: dict[int, float] = {}

    async def listen(ws) -> None:
        async for raw in ws:
            event = json.loads(raw)
            if event.get("type") == "order" and event.get("state") == "dispatched":
                pushed.setdefault(event["order_id"], time.perf_counter())

    def acknowledged(_i: int, t0: float, body: bytes) -> None:
        sent[json.loads(body)["order_id"]] = t0

    headers = {"Authorization": f"Bearer {token}"}
    make = lambda i: request_bytes("127.0.0.1", PORT, "POST", "/api/v1/intake",  # noqa: E731
                                   payload(i, run_id, corpus, place), headers)
    async with websockets.connect(f"ws://127.0.0.1:{PORT}/api/v1/ws", max_queue=None,
                                  subprotocols=["hotline.v1", f"bearer.{ws_token}"]) as ws:
        hello = json.loads(await ws.recv())
        assert hello.get("type") == "hello", hello
        listener = asyncio.create_task(listen(ws))
        result = await run("127.0.0.1", PORT, make, total=total, concurrency=conc, rate=rate,
                           on_ok=acknowledged)
        deadline = time.perf_counter() + drain
        while time.perf_counter() < deadline and not set(sent) <= set(pushed):
            await asyncio.sleep(0.2)
        listener.cancel()
    latencies = sorted(pushed[o] - t0 for o, t0 in sent.items() if o in pushed)
    start = min(sent.values(), default=0.0)
    windows: dict[int, list[float]] = {}      # by the 5 s of the run the order was sent in
    for o, t0 in sent.items():
        if o in pushed:
            windows.setdefault(int((t0 - start) // 5), []).append(pushed[o] - t0)

    def pct(p: float, values: list[float] = latencies) -> float:
        return round(values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000, 1) \
            if values else float("nan")

    return {"sent": total, "acknowledged": len(sent), "errors": result.errors,
            "achieved_per_s": round(result.rate, 1), "seconds": round(result.seconds, 1),
            "pushed": len(latencies), "missing": len(set(sent) - set(pushed)),
            "p50_ms": pct(50), "p99_ms": pct(99), "max_ms": pct(100),
            "p99_ms_by_5s": [pct(99, sorted(windows[w])) for w in sorted(windows)]}


def _child(args: tuple, q: mp.Queue) -> None:
    q.put(asyncio.run(_stream(*args)))


def stream(*args) -> dict:
    """One stream from a second process."""
    return in_second_process(_child, args)


def token(username: str, password: str) -> str:
    return httpx.post(f"http://127.0.0.1:{PORT}/api/v1/auth/token",
                      data={"username": username, "password": password},
                      timeout=60).json()["access_token"]


def one_router(router: str, a: argparse.Namespace) -> dict:
    recreate_db(a.db)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOTLINE_DATABASE_URL": PG.format(db=a.db),
           "HOTLINE_REDIS_URL": f"redis://127.0.0.1:6379/{a.redis_db}",
           "HOTLINE_LOG_LEVEL": "WARNING", "HOTLINE_ROUTER": router,
           "HOTLINE_QUEUE_NAME": f"bench-e2e-{uuid.uuid4().hex[:6]}"}
    hotline = [sys.executable, "-m", "hotline.cli"]
    subprocess.run([*hotline, "init-db"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    places = city_places()
    for user, role, unit in (("e2e_op", "operator", places.city.code),
                             ("e2e_handler", "handler", department_for(places.county, CATEGORY))):
        subprocess.run([*hotline, "create-user", "--username", user, "--role", role, "--unit",
                        unit, "--password", "bench-pass-123"], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
    procs = [serve([*hotline, "serve", "--port", str(PORT), "--workers", str(a.api_workers)],
                   env, PORT)]
    procs += [subprocess.Popen([*hotline, "worker", "--simple"], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
              for _ in range(a.rq_workers)]
    try:
        op, handler = token("e2e_op", "bench-pass-123"), token("e2e_handler", "bench-pass-123")
        # warm-up: every worker loads its router (the classifier model) before the clock runs
        stream(op, handler, 50, 200, 16, 60)
        out = stream(op, handler, a.rate, int(a.rate * a.seconds), a.concurrency, a.drain)
        out["load average"] = loadavg()
        return out
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=500, help="orders/s sent")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--router", choices=["rule", "classifier", "both"], default="both")
    ap.add_argument("--api-workers", type=int, default=2)
    ap.add_argument("--rq-workers", type=int, default=2)
    ap.add_argument("--drain", type=float, default=15, help="seconds to wait for the last pushes")
    ap.add_argument("--db", default="bench_e2e")
    ap.add_argument("--redis-db", type=int, default=5)
    a = ap.parse_args()
    routers = ["rule", "classifier"] if a.router == "both" else [a.router]
    results = {r: one_router(r, a) for r in routers}
    print(f"\nend to end: {a.rate:.0f} orders/s for {a.seconds:.0f} s, {a.api_workers} API "
          f"processes, {a.rq_workers} RQ SimpleWorkers, {os.cpu_count()} cores")
    print(f"{'router':<12}{'sent/s':>8}{'acked':>8}{'pushed':>8}{'missing':>8}{'p50 ms':>9}"
          f"{'p99 ms':>9}{'max ms':>9}  load average")
    for name, r in results.items():
        print(f"{name:<12}{r['achieved_per_s']:>8}{r['acknowledged']:>8}{r['pushed']:>8}"
              f"{r['missing']:>8}{r['p50_ms']:>9}{r['p99_ms']:>9}{r['max_ms']:>9}  "
              f"{r['load average']}")
        print(f"{'':<12}p99 ms of the orders sent in each 5 s: "
              f"{' '.join(f'{v:.0f}' for v in r['p99_ms_by_5s'])}")
    print("target: p99 <= 1000 ms at 500 orders/s")
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()

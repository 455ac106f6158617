"""End to end: receipt → classified, routed, assigned and pushed to the handler's websocket.

A handler of the transport bureau (交通运输局) of the loaded city's first county keeps /api/v1/ws
open while a second process sends a sustained stream of calls (category hint 交通运输, place: a
township of that county; bench/places.py) through /api/v1/intake; RQ workers route them in
batches. Latency runs from the moment a request is sent to the moment the handler's
socket receives that order's dispatch event (both clocks in the load process).

    .venv/bin/python bench/bench_e2e.py [--rate 500] [--seconds 20] [--router rule|classifier|both]
                                        [--api-workers 2] [--rq-workers 2] [--db bench_e2e]
                                        [--redis-db 5]
    .venv/bin/python bench/bench_e2e.py --find-capacity [--hold 30] [--start-rate 50]
                                        [--refine 3] [--router ...] [--bare-total 6000]

`--find-capacity` first measures the bare FastAPI + asyncpg insert (bench/bare_app.py) on the
same machine in the same run, then for each router doubles the rate from `--start-rate` while
a stream of `--hold` seconds keeps p99 <= 1 s with every order pushed, and bisects between the
highest rate held and the lowest not held. It prints the capacity beside the bare rate (the
ratio), and the CPU per order of each process kind (routing workers, API, PostgreSQL, Redis,
load; bench/cpu_by_process.py's split) over the stream at that rate. The routing queue is left
to empty between rates, so a rate that fell behind does not burden the next.

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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_intake import (PG, in_second_process, loadavg, measure,  # noqa: E402
                                recreate_db, serve, texts)
from bench.cpu_by_process import cpu_seconds, used_by_part  # noqa: E402
from bench.loadgen import request_bytes, run  # noqa: E402
from bench.places import city_places, department_for  # noqa: E402

CATEGORY = "交通运输"
# BENCH_E2E_PORT moves both ports (PORT, PORT + 1) off those of another benchmark running beside
PORT = int(os.environ.get("BENCH_E2E_PORT", "8873"))
BARE_PORT = PORT + 1


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
    out = asyncio.run(_stream(*args))
    out["cpu_seconds"] = time.process_time()   # this process's: it ends before anyone samples it
    q.put(out)


def stream(*args) -> dict:
    """One stream from a second process."""
    return in_second_process(_child, args)


def token(username: str, password: str) -> str:
    return httpx.post(f"http://127.0.0.1:{PORT}/api/v1/auth/token",
                      data={"username": username, "password": password},
                      timeout=60).json()["access_token"]


@contextmanager
def hotline_stack(router: str, a: argparse.Namespace) -> Iterator[tuple[str, str, dict]]:
    """A fresh database, the API and the routing workers, warmed up: (operator's token,
    handler's token, the environment)."""
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
        yield op, handler, env
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait()


def one_router(router: str, a: argparse.Namespace) -> dict:
    with hotline_stack(router, a) as (op, handler, _):
        out = stream(op, handler, a.rate, int(a.rate * a.seconds), a.concurrency, a.drain)
        out["load average"] = loadavg()
        return out


# -- --find-capacity ------------------------------------------------------------------------------

P99_LIMIT_MS = 1000
MIN_RATE = 5           # orders/s: the lowest rate --find-capacity tries


def this_run(sample: dict[str, tuple[str, float]], db: str) -> dict[str, tuple[str, float]]:
    """The processes of this run in a ``cpu_seconds()`` sample: this process's descendants (API,
    workers), the PostgreSQL backends of its database and Redis (shared with whatever else uses
    it): other benchmarks and test servers on a shared machine are left out."""
    children: dict[str, list[str]] = {}
    for pid in sample:
        try:
            ppid = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1]
        except OSError:
            continue
        children.setdefault(ppid, []).append(pid)
    mine, todo = set(), [str(os.getpid())]
    while todo:
        pid = todo.pop()
        mine.add(pid)
        todo += children.get(pid, [])
    return {pid: (cmd, cpu) for pid, (cmd, cpu) in sample.items()
            if pid in mine or f" {db} " in cmd or "redis-server" in cmd}


def hold(op: str, handler: str, rate: float, env: dict, a: argparse.Namespace) -> dict:
    """One stream of ``a.hold`` seconds at ``rate``: held if every order was acknowledged and
    pushed, without errors, at p99 <= 1 s. CPU per acknowledged order of each part covers the
    stream and its drain (the routing of the last orders included; the load process from its
    start, which a short --hold inflates)."""
    before = this_run(cpu_seconds(), a.db)
    # a connection idle longer than uvicorn's keep-alive (5 s) is closed under the load
    # generator: at low rates fewer connections, each sending at least every 2 s
    conc = min(a.concurrency, max(4, int(rate / 2)))
    out = stream(op, handler, rate, max(1, int(rate * a.hold)), conc, a.drain)
    used = used_by_part(before, this_run(cpu_seconds(), a.db))
    done = max(out["acknowledged"], 1)
    used["load process"] = used.get("load process", 0.0) + out["cpu_seconds"]
    out["rate"] = rate
    out["cpu_ms_per_order"] = {part: round(1000 * cpu / done, 2)
                               for part, cpu in sorted(used.items(), key=lambda kv: -kv[1])}
    out["held"] = (out["missing"] == 0 and not sum(out["errors"].values())
                   and out["acknowledged"] == out["sent"] and out["p99_ms"] <= P99_LIMIT_MS)
    out["load average"] = loadavg()
    mark = "held" if out["held"] else "not held"
    print(f"  {rate:>7.0f}/s sent {out['achieved_per_s']:>7}/s  p50 {out['p50_ms']:>8} ms  "
          f"p99 {out['p99_ms']:>8} ms  missing {out['missing']:>5}  {mark}  "
          f"(load {out['load average']})", flush=True)
    settle(env)
    return out


def settle(env: dict, timeout: float = 180) -> None:
    """Wait until the routing queue is empty, so that a step that fell behind does not leave
    its backlog to the next."""
    from redis import Redis
    from rq import Queue

    queue = Queue(env["HOTLINE_QUEUE_NAME"], connection=Redis.from_url(env["HOTLINE_REDIS_URL"]))
    deadline = time.monotonic() + timeout
    while len(queue) and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(1)


def find_capacity(router: str, a: argparse.Namespace) -> dict:
    """Double the rate from ``--start-rate`` while it holds (halve it while it does not, down
    to ``MIN_RATE``), then halve the gap between the highest rate held and the lowest not held
    ``--refine`` times. The capacity is the highest rate held (None: not even the lowest)."""
    print(f"\n{router}: rates tried ({a.hold:.0f} s each)", flush=True)
    steps: list[dict] = []
    with hotline_stack(router, a) as (op, handler, env):
        good: dict | None = None
        bad: float | None = None
        rate = a.start_rate
        while bad is None and rate <= a.max_rate:
            steps.append(step := hold(op, handler, rate, env, a))
            if step["held"]:
                good, rate = step, rate * 2
            else:
                bad = rate
        while good is None and bad is not None and bad / 2 >= MIN_RATE:   # halve instead
            steps.append(step := hold(op, handler, bad / 2, env, a))
            if step["held"]:
                good = step
            else:
                bad = step["rate"]
        for _ in range(a.refine):
            if good is None or bad is None or bad / good["rate"] < 1.1:
                break
            steps.append(step := hold(op, handler, (good["rate"] + bad) / 2, env, a))
            if step["held"]:
                good = step
            else:
                bad = step["rate"]
    return {"capacity": good, "first_not_held": bad, "steps": steps}


def bare_insert_rate(a: argparse.Namespace) -> dict:
    """The bare FastAPI + asyncpg insert of the same payload (bench/bare_app.py), as many
    requests as it takes at ``--concurrency``, on this run's database."""
    recreate_db(a.db)
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "BARE_DSN": f"postgresql://postgres@127.0.0.1:5432/{a.db}"}
    proc = serve([sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--port", str(BARE_PORT),
                  "--workers", str(a.api_workers), "--log-level", "warning"], env, BARE_PORT)
    try:
        return measure(BARE_PORT, "/intake", None, a.bare_total, a.concurrency, True)
    finally:
        proc.terminate()
        proc.wait()


def capacity_report(a: argparse.Namespace, routers: list[str]) -> None:
    bare = bare_insert_rate(a)
    print(f"bare FastAPI + asyncpg insert: {bare['per_s']} orders/s (p99 {bare['p99_ms']} ms, "
          f"load {loadavg()})", flush=True)
    found = {r: find_capacity(r, a) for r in routers}
    print(f"\nend-to-end capacity (p99 <= {P99_LIMIT_MS} ms for {a.hold:.0f} s, every order "
          f"pushed), {a.api_workers} API processes, {a.rq_workers} RQ SimpleWorkers, "
          f"{os.cpu_count()} cores")
    print(f"bare insert rate, same run: {bare['per_s']} orders/s")
    for router, f in found.items():
        cap = f["capacity"]
        if cap is None:
            print(f"{router:<12}none: {f['first_not_held']:.0f}/s did not hold")
            continue
        above = f"; {f['first_not_held']:.0f}/s did not" if f["first_not_held"] else ""
        print(f"{router:<12}{cap['rate']:.0f} orders/s held (p50 {cap['p50_ms']} ms, p99 "
              f"{cap['p99_ms']} ms{above}): {cap['rate'] / bare['per_s']:.2f}x the bare insert")
        print(f"{'':<12}CPU per order, ms: " + ", ".join(
            f"{part} {ms}" for part, ms in cap["cpu_ms_per_order"].items())
            + f" (all {sum(cap['cpu_ms_per_order'].values()):.2f})")
    print(json.dumps({"bare": bare, **found}, ensure_ascii=False))


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
    ap.add_argument("--find-capacity", action="store_true",
                    help="the highest rate that holds p99 <= 1 s for --hold seconds, beside the "
                         "bare insert rate measured in the same run, and CPU per order")
    ap.add_argument("--hold", type=float, default=30, help="seconds of each rate tried")
    ap.add_argument("--start-rate", type=float, default=50)
    ap.add_argument("--max-rate", type=float, default=3200)
    ap.add_argument("--refine", type=int, default=3, help="bisection steps after doubling")
    ap.add_argument("--bare-total", type=int, default=6000, help="requests to the bare insert")
    a = ap.parse_args()
    routers = ["rule", "classifier"] if a.router == "both" else [a.router]
    if a.find_capacity:
        capacity_report(a, routers)
        return
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

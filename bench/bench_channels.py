"""Bench the doors: a mixed stream from every channel into a real API process over loopback.

Each message is delivered twice (a retry after a lost acknowledgement), so the stream also
checks that a retry never makes a second order. Prints orders/s and the receipt →
acknowledgement latency (p50 / p99) per mode, then how long routing and notices took to drain.

    .venv/bin/python bench/bench_channels.py --mode both --count 600 --concurrency 8
        [--db bench_channels] [--redis-db 5] [--kinds app 110] [--server-tree ../main]

Modes: `embedded` (SQLite file + in-process queue) and `services` (PostgreSQL database
`bench_channels` (`--db`) + Redis db 5 (`--redis-db`, emptied) + one RQ worker process).
Bounded by --count and --seconds; `--kinds` keeps only those doors of the mix (one door: its
own ratio). In `services` mode the same clients first post plain payloads to the bare FastAPI +
asyncpg insert of bench_intake (bench/bare_app.py, one process like the API here, same
database), so the channels' rate is printed beside the bare insert rate of the same run.
The clients are asyncio tasks on raw keep-alive connections (bench/loadgen.py's), each request
encoded by httpx beforehand, for the bare run and the doors alike: with a thread per httpx
client (before 2026-12-07) the bare rate was the threads' (364-613/s against ~2500/s from
bench_intake's load generator), and with httpx.AsyncClient still its own (~350 requests/s), so
the ratio measured the clients, not the servers.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from channels.fake import FakeRemote  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
REDIS_URL = "redis://127.0.0.1:6379/{n}"
from bench.channel_stream import BATCH_SIZE, MIX, SECRETS, Stream, texts  # noqa: E402

KEYED = ["110", "app", "grid", "website", "cppcc"]


# ---------- the server side, run in child processes with the mode's environment ----------

def prepare() -> None:
    """(child) A fresh schema, the org tree, one API key per keyed channel → JSON on stdout."""
    from sqlalchemy import text
    from sqlmodel import Session, SQLModel, select

    import dispatch.models  # noqa: F401
    from channels import service
    from dispatch.config import get_settings
    from dispatch.db import get_engine, init_db
    from dispatch.orders.enums import Channel
    from dispatch.orgs import service as orgs
    from dispatch.orgs.models import OrgUnit

    SQLModel.metadata.drop_all(get_engine())   # then the migrations build it, as in production
    with get_engine().begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    init_db()
    s = get_settings()
    with Session(get_engine()) as session:
        orgs.load_org_tree(session, s.divisions_csv, s.departments_file)
        keys = {c: service.create_client(session, channel=Channel(c), name="bench",
                                         created_by="bench")[1] for c in KEYED}
        villages = list(session.exec(select(OrgUnit.id).where(OrgUnit.level == "village")
                                     .limit(200)).all())
        session.commit()
    print(json.dumps({"keys": keys, "villages": villages}))


def status() -> None:
    """(child) Orders by channel, orders still unrouted, deliveries by status → JSON."""
    from sqlalchemy import func
    from sqlmodel import Session, select

    from channels.models import Delivery
    from dispatch.db import get_engine
    from dispatch.orders.models import Order

    with Session(get_engine()) as s:
        by_channel = dict(s.exec(select(Order.channel, func.count())
                                 .group_by(Order.channel)).all())
        unrouted = s.exec(select(func.count()).where(Order.state == "received")).one()
        deliveries = dict(s.exec(select(Delivery.status, func.count())
                                 .group_by(Delivery.status)).all())
    print(json.dumps({"orders": by_channel, "unrouted": unrouted, "deliveries": deliveries}))


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child(env: dict, *args: str, tree: Path | None = None, **kw) -> subprocess.Popen:
    """A process of this checkout, or of `tree` (another checkout, with its own .venv)."""
    if tree is None:
        return subprocess.Popen([sys.executable, *args], env=env, cwd=ROOT, **kw)
    return subprocess.Popen([str(tree / ".venv" / "bin" / "python"), *args],
                            env={**env, "PYTHONPATH": str(tree)}, cwd=tree, **kw)


def run_child_json(env: dict, what: str) -> dict:
    out = subprocess.run([sys.executable, __file__, f"--{what}"], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def wait_ready(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server at {base} not ready in {timeout}s")


def mode_env(mode: str, tmp: Path, remote: FakeRemote, db: str = "bench_channels",
             redis_db: int = 5) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env |= SECRETS | {
        "PYTHONPATH": str(ROOT), "HOTLINE_VAR_DIR": str(tmp / "var"),
        "HOTLINE_LOG_LEVEL": "WARNING",
        "HOTLINE_SMS_GATEWAY_URL": remote.url("/sms"), "HOTLINE_APP_PUSH_URL": remote.url("/push"),
        "HOTLINE_WECHAT_API_BASE": remote.url("/cgi-bin/"),
        "HOTLINE_POLICE_RESULT_URL": remote.url("/110/results"),
        "HOTLINE_POLICE_HANDOVER_URL": remote.url("/110/handovers")}
    if mode == "embedded":
        env["HOTLINE_DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
    else:
        env |= {"HOTLINE_DATABASE_URL": PG_URL.format(db=db),
                "HOTLINE_REDIS_URL": REDIS_URL.format(n=redis_db)}
    return env


def push(port: int, stream: Stream, args) -> dict:
    """Send the mix with `concurrency` clients; every message twice. Latency is per request."""
    kinds = [k for k, w in mix(args) for _ in range(w)]
    first: dict[str, list[float]] = {}
    retry: list[float] = []
    orders = requests = errors = 0
    stop_at = time.monotonic() + args.seconds
    todo = iter(range(args.count))

    async def client(post) -> None:
        nonlocal orders, requests, errors
        while time.monotonic() < stop_at and next(todo, None) is not None:
            kind = stream.rng.choice(kinds)
            req, n = stream.make(kind)
            raw = raw_request(port, req)
            for attempt in range(2):
                t0 = time.perf_counter()
                status, body = await post(raw)
                took = (time.perf_counter() - t0) * 1000
                requests += 1
                if status >= 300:
                    errors += 1
                    print(f"  ! {kind} {status} {body[:200]!r}", file=sys.stderr)
                elif attempt == 0:
                    first.setdefault(kind, []).append(took)
                    orders += n
                else:
                    retry.append(took)

    return {"wall": in_tasks(port, client, args.concurrency), "orders": orders,
            "requests": requests, "errors": errors, "first": first, "retry": retry}


def raw_request(port: int, req: dict) -> bytes:
    """The bytes of one of the stream's requests (httpx keyword arguments) on a keep-alive
    connection, encoded once by httpx and sent as they are."""
    r = httpx.Request("POST", f"http://127.0.0.1:{port}{req['url']}", params=req.get("params"),
                      json=req.get("json"), content=req.get("content"),
                      headers=req.get("headers"))
    head = [f"POST {r.url.raw_path.decode()} HTTP/1.1", f"Host: 127.0.0.1:{port}",
            "Connection: keep-alive",
            *(f"{k}: {v}" for k, v in r.headers.items() if k.lower() not in ("host", "connection"))]
    return "\r\n".join(head).encode() + b"\r\n\r\n" + r.read()


def in_tasks(port: int, client, n: int) -> float:
    """Seconds until `n` asyncio tasks running `client(post)` have all finished, each on a
    keep-alive connection of its own; ``await post(raw)`` sends a request's bytes and answers
    (status, body), on bench/loadgen.py's client, cheap enough to measure the server."""
    from bench.loadgen import _one

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            await client(lambda raw: _one(reader, writer, raw))
        finally:
            writer.close()

    async def run() -> float:
        t0 = time.perf_counter()
        await asyncio.gather(*(connection() for _ in range(n)))
        return time.perf_counter() - t0

    return asyncio.run(run())


def mix(args) -> list[tuple[str, int]]:
    return [(k, w) for k, w in MIX if not args.kinds or k in args.kinds]


def bare_rate(env: dict, args) -> float:
    """Orders/s of bench/bare_app.py on this database, posted as the stream posts (the same
    clients and concurrency, every message twice)."""
    from bench.bench_intake import serve

    port = free_port()
    dsn = env["HOTLINE_DATABASE_URL"].replace("postgresql+psycopg", "postgresql")
    proc = serve([sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--port", str(port),
                  "--log-level", "warning"], {**env, "BARE_DSN": dsn}, port)
    corpus, todo = texts(), iter(range(args.count))

    async def client(post) -> None:
        while (i := next(todo, None)) is not None:
            raw = raw_request(port, {"url": "/intake", "json": {
                "channel": "12345", "external_id": uuid.uuid4().hex,
                "content": corpus[i % len(corpus)]}})
            for _ in range(2):
                status, body = await post(raw)
                if status >= 300:
                    raise SystemExit(f"bare app answered {status}: {body[:200]!r}")

    try:
        return args.count / in_tasks(port, client, args.concurrency)
    finally:
        proc.terminate()
        proc.wait()


def report(mode: str, res: dict, state: dict, drain: float | None,
           bare: float | None = None) -> None:
    lat = [x for v in res["first"].values() for x in v]
    print(f"\n== {mode} ==  (load average at the end: "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs)")
    print(f"  requests {res['requests']} (every message twice) in {res['wall']:.1f} s, "
          f"errors {res['errors']}")
    rate = res['orders'] / res['wall']
    print(f"  orders acknowledged {res['orders']}  →  {rate:.1f} orders/s")
    if bare is not None:
        print(f"  bare FastAPI + asyncpg insert, same clients: {bare:.1f} orders/s  →  "
              f"ratio channels / bare = {rate / bare:.2f}")
    print(f"  receipt→ack latency, first delivery: p50 {pct(lat, 50):.1f} ms, "
          f"p99 {pct(lat, 99):.1f} ms (n={len(lat)})")
    print(f"  receipt→ack latency, retried delivery: p50 {pct(res['retry'], 50):.1f} ms, "
          f"p99 {pct(res['retry'], 99):.1f} ms")
    for kind, v in sorted(res["first"].items()):
        print(f"    {kind:<11} n={len(v):<4} p50 {pct(v, 50):7.1f} ms  p99 {pct(v, 99):7.1f} ms")
    stored = sum(state["orders"].values())
    print(f"  orders stored {stored} (acknowledged {res['orders']}: "
          f"{'exactly once' if stored == res['orders'] else 'MISMATCH'})")
    drained = (f"in {drain:.1f} s after the last ack" if drain is not None
               else f"NOT within the limit ({state['unrouted']} orders unrouted)")
    print(f"  routing + notices drained {drained}; deliveries {state['deliveries']}")


def run_mode(mode: str, args, remote: FakeRemote) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-channels-{mode}-"))
    env = mode_env(mode, tmp, remote, args.db, args.redis_db)
    if mode == "services":
        from redis import Redis

        from bench.bench_intake import recreate_db
        recreate_db(args.db)
        Redis.from_url(env["HOTLINE_REDIS_URL"]).flushdb()
    bare = bare_rate(env, args) if mode == "services" else None
    prep = run_child_json(env, "prepare")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(tmp / "server.log", "w")
    tree = args.server_tree.resolve() if args.server_tree else None
    procs = [child(env, "-m", "hotline.cli", "serve", "--port", str(port), stdout=log,
                   stderr=subprocess.STDOUT, tree=tree)]
    if mode == "services":
        procs.append(child(env, "-m", "hotline.cli", "worker", "--simple", stdout=log,
                           stderr=subprocess.STDOUT, tree=tree))
    try:
        wait_ready(base)
        res = push(port, Stream(prep["keys"], prep["villages"], texts()), args)
        t_end, drain = time.monotonic(), None
        while time.monotonic() - t_end < args.drain_seconds:
            state = run_child_json(env, "status")
            busy = state["unrouted"] + sum(state["deliveries"].get(s, 0)
                                           for s in ("pending", "sending"))
            if busy == 0:
                drain = time.monotonic() - t_end
                break
            time.sleep(0.5)
        report(mode, res, state, drain, bare)
        print(f"  (server log: {tmp / 'server.log'})")
    except BaseException:
        log.flush()
        print(f"  {mode} failed; the end of the server and worker log ({tmp / 'server.log'}):")
        print("".join((tmp / "server.log").read_text(errors="replace").splitlines(True)[-30:]))
        raise
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        log.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", choices=["embedded", "services", "both"], default="both")
    p.add_argument("--count", type=int, default=600, help="messages per mode (each sent twice)")
    p.add_argument("--seconds", type=float, default=120, help="stop sending after this long")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--db", default="bench_channels", help="PostgreSQL database (services mode)")
    p.add_argument("--redis-db", type=int, default=5, help="Redis db (services mode), emptied")
    p.add_argument("--server-tree", type=Path,
                   help="run the API and worker of another checkout (say main's), same clients")
    p.add_argument("--kinds", nargs="*", help="only these doors of the mix (e.g. app 110)")
    p.add_argument("--drain-seconds", type=float, default=120)
    p.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--status", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.prepare:
        return prepare()
    if args.status:
        return status()
    remote = FakeRemote().start()
    print(f"bench_channels: {args.count} messages × 2 deliveries per mode, "
          f"{args.concurrency} concurrent clients, mix {dict(mix(args))}, grid batches of {BATCH_SIZE}; "
          f"{os.cpu_count()} CPUs")
    for mode in (["embedded", "services"] if args.mode == "both" else [args.mode]):
        run_mode(mode, args, remote)
    print(f"\nfake remote received {len(remote.received)} outbound calls")


if __name__ == "__main__":
    main()

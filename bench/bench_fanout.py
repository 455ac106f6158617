"""Fan-out: 3,500 live consoles (one per village) on two API processes, events through Redis.

    .venv/bin/python bench/bench_fanout.py [--consoles 3500] [--servers 2] [--events 2000]

Prepares its own PostgreSQL database (``bench_fanout``) with the org tree and one handler per
village (townships make up the rest), inserted in one statement with one shared password hash
and signed in with the app's own token function (no 3,500 argon2 logins). It starts ``--servers``
API processes that relay Redis pub/sub (db 13) to their consoles, connects the consoles from
client processes of their own (asyncio on uvloop + websockets, split across the servers), then
publishes through the app's broker exactly as the order flows do:

* village events: an order dispatched to one village (its console, and its township's if that
  one is connected, must receive it), at ``--rate`` per second;
* broadcasts: a notice addressed to every connected unit (its ``paths`` list them all, as an
  escalation notice lists its recipients), which every console must receive.

Latency is publish (before the Redis PUBLISH) → the client has read and parsed the frame, on one
clock. Memory per connection is each server's RSS growth while the consoles connected, divided
by its connections. Prints p50/p99/max, deliveries missed, and the load average.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_intake import recreate_db, serve  # noqa: E402

DB = "bench_fanout"
REDIS = "redis://127.0.0.1:6379/13"
BASE_PORT = 8731


def raise_nofile() -> int:
    """Each console is a socket on both sides: lift the soft open-files limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def stop_all(procs: list[subprocess.Popen]) -> None:
    """Terminate, give them 10 s to close their sockets, then kill."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def loadavg() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def prepare(url: str, n: int) -> list[tuple[str, str]]:
    """The org tree and ``n`` handlers (villages first, then townships); (token, unit path) each."""
    os.environ["HOTLINE_DATABASE_URL"] = url
    from sqlalchemy import insert
    from sqlmodel import Session, select

    from dispatch.auth.models import User
    from dispatch.auth.security import create_token, hash_password
    from dispatch.config import get_settings
    from dispatch.db import get_engine, init_db
    from dispatch.orgs import service as orgs
    from dispatch.orgs.models import OrgUnit

    init_db()
    s = get_settings()
    with Session(get_engine(), expire_on_commit=False) as session:
        orgs.load_org_tree(session, s.divisions_csv, s.departments_file)
        units = []
        for level in ("village", "township"):
            units += session.exec(select(OrgUnit).where(OrgUnit.level == level,
                                                        OrgUnit.kind == "territorial")
                                  .order_by(OrgUnit.id)).all()
        units = units[:n]
        shared = hash_password("bench-fanout-1")
        session.execute(insert(User), [{"username": f"fan-{u.id}", "full_name": u.name,
                                        "role": "handler", "unit_id": u.id, "password_hash": shared,
                                        "active": True, "token_version": 0} for u in units])
        session.commit()
        ids = dict(session.exec(select(User.unit_id, User.id)).all())
    return [(create_token(user_id=ids[u.id], token_version=0, secret=s.secret_key, minutes=600),
             u.path) for u in units]


# -- the consoles (second process) -------------------------------------------------------------

async def _consoles(ports: list[int], tokens: list[str], conn: mp.connection.Connection) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    received: list[tuple[str, int, float]] = []      # (kind, event id, latency s)
    gate = asyncio.Semaphore(100)
    sockets = []

    async def one(i: int, token: str) -> None:
        async with gate:
            for _ in range(30):     # as the console does: a 503 (database restarting) retries
                try:
                    ws = await connect(f"ws://127.0.0.1:{ports[i % len(ports)]}/api/v1/ws",
                                       subprotocols=["hotline.v1", f"bearer.{token}"],
                                       max_queue=None, ping_interval=None, open_timeout=60)
                    break
                except (InvalidStatus, OSError):
                    await asyncio.sleep(1)
            hello = json.loads(await ws.recv())
            assert hello["type"] == "hello", hello
        sockets.append(ws)
        try:
            async for raw in ws:
                now = time.time()
                event = json.loads(raw)
                if event.get("type") == "order":
                    received.append((event["action"], event["order_id"], now - event["sent"]))
        except ConnectionClosed:
            pass

    started = time.monotonic()
    tasks = [asyncio.create_task(one(i, t)) for i, t in enumerate(tokens)]
    while len(sockets) < len(tokens):
        failed = [t for t in tasks if t.done() and t.exception()]
        if failed:
            conn.send(("error", repr(failed[0].exception())))
            return
        await asyncio.sleep(0.1)
    conn.send(("ready", time.monotonic() - started))
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, conn.recv)            # "collect"
    conn.send(("received", received))
    await asyncio.gather(*(ws.close() for ws in sockets))


def consoles_process(ports: list[int], tokens: list[str], conn) -> None:
    import uvloop   # the client must not be what is measured

    raise_nofile()
    uvloop.run(_consoles(ports, tokens, conn))


# -- the driver ---------------------------------------------------------------------------------

def pct(values: list[float], p: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, int(p / 100 * len(data)))] * 1000 if data else float("nan")


def fire(args, paths: list[str]) -> dict[tuple[str, int], int]:
    """Publish through the app's broker; the number of consoles each event must reach."""
    from dispatch.realtime.broker import Broker

    broker, rng, expected = Broker(REDIS), random.Random(7), {}
    for i in range(args.events):
        village = rng.choice(paths)
        county = "/".join(village.split("/")[:3]) + "/"
        expected[("village", i)] = sum(village.startswith(p) for p in paths)
        broker.publish({"type": "order", "action": "village", "order_id": i, "sent": time.time(),
                        "paths": [county, village]})
        time.sleep(1 / args.rate)
    time.sleep(1)
    for i in range(args.broadcasts):
        expected[("broadcast", i)] = len(paths)
        broker.publish({"type": "order", "action": "broadcast", "order_id": i, "sent": time.time(),
                        "paths": paths})
        time.sleep(args.broadcast_gap)
    time.sleep(2)
    return expected


def report(kind: str, got: list[tuple[str, int, float]], expected: dict) -> None:
    lat = [x for k, _, x in got if k == kind]
    want = sum(n for (k, _), n in expected.items() if k == kind)
    print(f"  {kind:<10} deliveries {len(lat):>7,} of {want:>7,} expected   "
          f"p50 {pct(lat, 50):7.1f} ms   p99 {pct(lat, 99):7.1f} ms   max {pct(lat, 100):7.1f} ms")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--consoles", type=int, default=3500)
    p.add_argument("--servers", type=int, default=2)
    p.add_argument("--events", type=int, default=2000, help="village events")
    p.add_argument("--rate", type=float, default=200, help="village events per second")
    p.add_argument("--broadcasts", type=int, default=10)
    p.add_argument("--broadcast-gap", type=float, default=2.0)
    p.add_argument("--clients", type=int, default=2, help="client processes holding the consoles")
    args = p.parse_args()
    print(f"open files limit raised to {raise_nofile():,}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}"
    recreate_db(DB)
    import redis
    redis.Redis.from_url(REDIS).flushdb()          # our own db number only
    consoles = prepare(url, args.consoles)
    paths = [path for _, path in consoles]
    env = {**os.environ, "HOTLINE_DATABASE_URL": url, "HOTLINE_REDIS_URL": REDIS,
           "HOTLINE_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    ports = [BASE_PORT + i for i in range(args.servers)]
    servers = [serve([sys.executable, "-m", "hotline.cli", "serve", "--port", str(port)], env, port)
                for port in ports]
    try:
        time.sleep(1)
        before = [rss_mib(s.pid) for s in servers]
        pipes, procs, tokens = [], [], [t for t, _ in consoles]
        for i in range(args.clients):   # the consoles, split over client processes
            parent, child = mp.Pipe()
            proc = mp.get_context("spawn").Process(target=consoles_process,
                                                   args=(ports, tokens[i::args.clients], child))
            proc.start()
            pipes.append(parent)
            procs.append(proc)
        value = 0.0
        for parent, proc in zip(pipes, procs):
            while not parent.poll(1):
                if not proc.is_alive():
                    raise SystemExit("a consoles process died")
            status, took = parent.recv()
            if status != "ready":
                raise SystemExit(f"consoles failed to connect: {took}")
            value = max(value, took)
        time.sleep(2)
        after = [rss_mib(s.pid) for s in servers]
        print(f"{len(consoles):,} consoles connected to {args.servers} API process(es) in {value:.1f} s"
              f"   load average {loadavg()}")
        per_server = [len(range(i, len(consoles), args.servers)) for i in range(args.servers)]
        for port, b, a, n in zip(ports, before, after, per_server):
            print(f"  API :{port}  RSS {b:6.1f} → {a:6.1f} MiB with {n:,} sockets   "
                  f"{(a - b) * 1024 / n:5.1f} KiB per connection")
        expected = fire(args, paths)
        got = []
        for parent in pipes:
            parent.send("collect")
        for parent, proc in zip(pipes, procs):
            got += parent.recv()[1]
            proc.join(30)
        print(f"push latency, publish → console (village events at {args.rate:g}/s, "
              f"broadcasts every {args.broadcast_gap:g} s)   load average {loadavg()}")
        report("village", got, expected)
        report("broadcast", got, expected)
    finally:
        stop_all(servers)


if __name__ == "__main__":
    main()

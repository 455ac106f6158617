"""Lose a machine, lose no acknowledged order (issue 26): the HA layout as local processes
(tests/ha/cluster.py), a sustained stream of intakes through two API processes, and three
faults in turn, each a machine lost (SIGKILL): the PostgreSQL primary, the Redis primary, one
API process. After each: every acknowledged order is stored exactly once and routed exactly once.

The stream is a client as a channel is, behind the proxy: it sends each call to the API
processes in turn, and on a 503 or a broken connection sends the same call again (the same
external id) to the next one, until it is acknowledged. The times are printed, never asserted
(``[ha]`` lines, visible with ``-s``): how long acknowledgements paused, and how long after the
fault the first order acknowledged after it was routed. Targets (issue 26): 30 s for the
database, 10 s for Redis.

Run on its own, not in the ordinary passes: ``./dev test -m ha tests/ha -s`` (the tests are
deselected unless ``-m`` names ``ha``: tests/ha/conftest.py). The full profile (3 etcd members,
a longer stream) is ``HOTLINE_HA_PROFILE=full``.
"""
from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, create_engine, select

from dispatch.orders.models import Order, TimelineEntry
from hotline.demo import DEMO_PASSWORD
from tests.conftest import wait_until
from tests.dispatch.fault_stack import ROUTING_ACTIONS, routing_counts, wait_routed
from tests.ha.cluster import Cluster

pytestmark = [pytest.mark.ha, pytest.mark.real_clock]
FULL = os.environ.get("HOTLINE_HA_PROFILE") == "full"
AFTER_FAULT_ACKS = 200 if FULL else 30     # the stream runs on until this many more


class Stream:
    """Intakes one after another, each retried across the API processes until acknowledged."""

    def __init__(self, urls: list[str], token: str, tag: str) -> None:
        self.urls, self.tag = urls, tag
        self.headers = {"Authorization": f"Bearer {token}"}
        self.acks: list[tuple[float, str, int]] = []      # (monotonic time, external id, order)
        self.seen = {"503": 0, "transport": 0}
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self._next = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            with httpx.Client(timeout=30, headers=self.headers) as c:
                i = 0
                while not self.stop.is_set():
                    external = f"{self.tag}-{i}"
                    order = self._deliver(c, {"channel": "12345", "external_id": external,
                                              "content": "小区路灯坏了一个星期"})
                    self.acks.append((time.monotonic(), external, order))
                    i += 1
        except BaseException as exc:      # reported by finish()
            self.error = exc

    def _deliver(self, c: httpx.Client, body: dict) -> int:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            url = self.urls[self._next % len(self.urls)]
            self._next += 1                # round robin, as the proxy; a retry goes elsewhere
            try:
                r = c.post(f"{url}/api/v1/intake", json=body)
            except httpx.TransportError:
                self.seen["transport"] += 1
                time.sleep(0.1)
                continue
            if r.status_code in (200, 201):
                return r.json()["order_id"]
            assert r.status_code == 503 and int(r.headers["Retry-After"]) > 0, r.text
            self.seen["503"] += 1
            time.sleep(0.2)                # Retry-After, shortened
        raise AssertionError(f"{body['external_id']} was never acknowledged")

    def acks_after(self, t: float) -> int:
        return sum(1 for at, _, _ in self.acks if at > t)

    def finish(self) -> None:
        self.stop.set()
        self.thread.join(360)
        assert self.error is None, f"the stream failed: {self.error!r}"


def _stored(engine, tag: str) -> dict[str, int]:
    """external id → how many orders carry it."""
    with Session(engine) as s:
        return dict(s.exec(select(Order.external_id, func.count()).where(
            Order.external_id.like(f"{tag}-%")).group_by(Order.external_id)).all())


def _first_routed_after(engine, ids: list[int]) -> datetime | None:
    if not ids:
        return None
    with Session(engine) as s:
        return s.exec(select(func.min(TimelineEntry.at)).where(
            TimelineEntry.order_id.in_(ids), TimelineEntry.action.in_(ROUTING_ACTIONS),
            TimelineEntry.from_state == "received")).one()


def _run_fault(cluster: Cluster, engine, urls: list[str], token: str, name: str, fault) -> dict:
    tag = f"ha-{name}-{uuid.uuid4().hex[:6]}"
    stream = Stream(urls, token, tag)
    stream.thread.start()
    wait_until(lambda: len(stream.acks) >= 10 or stream.error, timeout=120, interval=0.1)
    fault_at, fault_wall = time.monotonic(), datetime.now(UTC)
    fault()
    wait_until(lambda: stream.acks_after(fault_at) >= AFTER_FAULT_ACKS or stream.error,
               timeout=300, interval=0.2)
    stream.finish()
    ids = [order for _, _, order in stream.acks]
    wait_routed(ids, engine, timeout=300)
    stored = _stored(engine, tag)
    counts = routing_counts(ids, engine)
    times = [fault_at] + [at for at, _, _ in stream.acks if at > fault_at]
    pause = max(b - a for a, b in zip(times, times[1:]))
    routed_at = _first_routed_after(engine, [o for at, _, o in stream.acks if at > fault_at])
    if routed_at is not None and routed_at.tzinfo is None:
        routed_at = routed_at.replace(tzinfo=UTC)
    figures = {
        "acknowledged": len({e for _, e, _ in stream.acks}),
        "stored": sum(stored.values()),
        "duplicates": sum(n - 1 for n in stored.values()),
        "lost": sum(1 for _, e, _ in stream.acks if e not in stored),
        "routed_twice": sum(1 for n in counts.values() if n > 1),
        "not_routed": len(set(ids) - set(counts)),
        "ack_pause_s": round(pause, 1),
        "routing_resumed_s": round((routed_at - fault_wall).total_seconds(), 1),
        "answers_503": stream.seen["503"], "broken_connections": stream.seen["transport"]}
    print(f"[ha] {name}: " + " ".join(f"{k}={v}" for k, v in figures.items()))
    return figures


def test_losing_a_database_redis_or_api_machine_loses_no_acknowledged_order():
    cluster = Cluster(etcd_members=3 if FULL else 1)   # its folder: Patroni runs as postgres
    engine = None
    try:
        cluster.start_etcd()
        cluster.start_postgres_pair()
        cluster.start_redis()
        cluster.seed()
        urls = [cluster.start_api(), cluster.start_api()]
        cluster.start_worker(0)
        cluster.start_worker(1)
        engine = create_engine(cluster.database_url, pool_pre_ping=True)
        token = httpx.post(f"{urls[0]}/api/v1/auth/token", timeout=60, data={
            "username": "county_operator", "password": DEMO_PASSWORD}).json()["access_token"]
        # the workers migrate the schema as they start: the stream begins once one routes
        warm = Stream(urls, token, f"ha-warm-{uuid.uuid4().hex[:6]}")
        warm.thread.start()
        wait_until(lambda: len(warm.acks) >= 1 or warm.error, timeout=120, interval=0.1)
        warm.finish()
        wait_routed([o for _, _, o in warm.acks], engine, timeout=180)

        results = {}
        primary = cluster.pg_primary()
        results["postgres primary kill -9"] = _run_fault(
            cluster, engine, urls, token, "postgres-primary",
            lambda: cluster.kill_postgres(primary))
        assert cluster.pg_primary() == 1 - primary, "Patroni promoted the standby"
        assert results["postgres primary kill -9"]["answers_503"] > 0, \
            "the failover is answered 503 + Retry-After, as a restart is"

        redis_primary = cluster.redis_primary()
        results["redis primary kill -9"] = _run_fault(
            cluster, engine, urls, token, "redis-primary",
            lambda: cluster.kill_redis(redis_primary))
        assert cluster.redis_primary() != redis_primary, "Sentinel promoted the replica"

        results["api process kill -9"] = _run_fault(
            cluster, engine, urls, token, "api", lambda: cluster.kill_api(0))

        for name, f in results.items():
            assert f["acknowledged"] == f["stored"], name
            assert (f["duplicates"], f["lost"], f["routed_twice"], f["not_routed"]) == \
                (0, 0, 0, 0), name
    finally:
        if engine is not None:
            engine.dispose()
        cluster.close()

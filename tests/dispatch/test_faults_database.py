"""Fault injection around the database: a private PostgreSQL stopped and started under a
steady stream of intakes and CTI calls delivered twice, then the SLA escalation job with its
worker killed -9. Every acknowledged order exists once and is routed once, every escalation is
recorded once. The private instance (initdb into a temporary folder; the server binaries must be
installed) means stopping it disturbs nothing else.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from hotline.demo import DEMO_PASSWORD
from dispatch.orders.models import TimelineEntry
from tests.conftest import ROOT, wait_until
from tests.dispatch.fault_stack import (CTI_SECRET, Stack, free_port, orders_by_external,
                                        routing_counts, token_for, wait_routed)


# -- (c) the database restarts -------------------------------------------------------------------

class PrivatePostgres:
    """A PostgreSQL instance of the test's own (initdb into a temporary folder, trust auth, a
    spare port, its socket in that folder), so that stopping it disturbs nobody else."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        assert found or shutil.which("pg_ctl"), (
            "PostgreSQL server binaries (initdb, pg_ctl) are missing: install postgresql")
        self.bin = Path(found[-1]).parent if found else Path(shutil.which("pg_ctl")).parent
        self.dir = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
        self.port = free_port()
        # the server refuses to run as root: run it as the postgres account when we are root
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8", "--locale", "C")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        r = subprocess.run([*self.as_user, str(self.bin / tool), *args], capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, f"{tool} failed: {r.stdout}{r.stderr}"

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "server.log"),
                  "-w", "-t", "60", "-o", f"-p {self.port} -k {self.dir} -c fsync=off "
                  "-c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def close(self) -> None:
        subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"),
                        "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_pg():
    pg = PrivatePostgres()
    pg.start()
    yield pg
    pg.close()


def _seed(url: str) -> None:
    """Schema and demo users on the private database, in a process of its own."""
    code = ("from sqlmodel import Session; from hotline import demo; "
            "from dispatch.db import get_engine, init_db; init_db(); "
            "demo.seed(Session(get_engine()))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "HOTLINE_DATABASE_URL": url, "PYTHONPATH": str(ROOT)},
                       timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]


def _post_retrying(c: httpx.Client, path: str, seen: dict, *, json_body: dict | None = None,
                   raw: bytes | None = None, headers: dict | None = None) -> dict:
    """One delivery as a client does it: on 503 wait (Retry-After, shortened) and send the same
    message again; returns the acknowledging answer."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            r = c.post(path, json=json_body, content=raw, headers=headers)
        except httpx.TransportError:
            seen["transport"] += 1
            time.sleep(0.2)
            continue
        if r.status_code in (200, 201):
            return r.json()
        assert r.status_code == 503, r.text
        assert int(r.headers["Retry-After"]) > 0
        seen["503"] += 1
        time.sleep(0.2)
    raise AssertionError(f"{path} was never acknowledged")


def _cti_twice(c: httpx.Client, call_id: str, seen: dict) -> int:
    """(d) The call centre delivers every call twice, signed; both answers name one order."""
    from channels.security import sign

    now = datetime.now(UTC).isoformat()
    body = json.dumps({"call_id": call_id, "line": "12345", "caller": "13807460001",
                       "agent": "工号1024", "started_at": now, "ended_at": now,
                       "content": "小区路灯坏了一个星期"}, ensure_ascii=False).encode()
    answers = []
    for _ in range(2):
        ts = str(int(time.time()))
        answers.append(_post_retrying(c, "/api/v1/channels/cti/calls", seen, raw=body, headers={
            "Content-Type": "application/json", "X-Timestamp": ts,
            "X-Signature": sign(CTI_SECRET, ts, body)}))
    assert answers[0]["order"]["order_id"] == answers[1]["order"]["order_id"]
    return answers[0]["order"]["order_id"]


@pytest.mark.real_clock      # the API server it starts checks the CTI signatures' timestamps
def test_database_restart_and_double_delivery_leave_every_acknowledged_order_once(private_pg,
                                                                              tmp_path):
    from sqlmodel import create_engine

    _seed(private_pg.url)
    stack = Stack(tmp_path, database_url=private_pg.url)
    engine = create_engine(private_pg.url, pool_pre_ping=True)
    try:
        stack.start_redis()
        stack.start_api()
        stack.start_worker()
        token = token_for(stack)
        tag, ids, seen = f"pg-{uuid.uuid4().hex[:6]}", [], {"503": 0, "transport": 0}
        with httpx.Client(base_url=stack.url, timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as c:
            # the stream starts once the worker routes (it migrates the schema as it starts)
            ids.append(_post_retrying(c, "/api/v1/intake", seen, json_body={
                "channel": "12345", "external_id": f"{tag}-warm", "content": "路灯坏了"})["order_id"])
        wait_routed(ids, engine, timeout=120)
        stopped = threading.Event()

        def restart_database() -> None:
            time.sleep(1.0)
            private_pg.stop()
            stopped.set()
            time.sleep(3.0)
            private_pg.start()

        chaos = threading.Thread(target=restart_database)
        with httpx.Client(base_url=stack.url, timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as c:
            chaos.start()
            i = 0
            while chaos.is_alive() or i < 20:      # a steady stream across the outage
                ids.append(_post_retrying(c, "/api/v1/intake", seen, json_body={
                    "channel": "12345", "external_id": f"{tag}-{i}", "content": "路灯坏了"})
                    ["order_id"])
                ids.append(_cti_twice(c, f"{tag}-cti-{i}", seen))
                i += 1
            chaos.join()
        assert stopped.is_set() and seen["503"] > 0, "the outage must have been seen as 503"
        wait_routed(ids, engine, timeout=120)
        counts = routing_counts(ids, engine)
        stored = orders_by_external(tag, engine)
        print(f"\n[faults] postgres restart + every CTI call delivered twice: "
              f"acknowledged={len(ids)} stored={stored} "
              f"routed={len(counts)} routed-twice={sum(1 for v in counts.values() if v > 1)} "
              f"answers-503={seen['503']}")
        assert stored == len(ids) == len(set(ids))
        assert set(counts.values()) == {1}
        assert stack.api.poll() is None and stack.workers[-1].poll() is None
        _escalations_survive_a_worker_kill(stack, engine, ids)
    finally:
        stack.close()
        engine.dispose()


# -- the SLA escalation job around a worker kill ------------------------------------------------

ESCALATION_LEVELS = ("chase", "overdue", "supervise", "criticise")


def _escalation_rows(engine, ids: list[int]) -> tuple[dict, dict]:
    """(hop, level) → how many escalation records, and how many timeline entries."""
    from sla.models import EscalationRecord

    with Session(engine) as s:
        records = s.exec(select(EscalationRecord.hop_id, EscalationRecord.level, func.count())
                         .where(EscalationRecord.order_id.in_(ids))
                         .group_by(EscalationRecord.hop_id, EscalationRecord.level)).all()
        entries = s.exec(select(TimelineEntry.hop_id, TimelineEntry.action, func.count())
                         .where(TimelineEntry.order_id.in_(ids),
                                TimelineEntry.action.in_(ESCALATION_LEVELS))
                         .group_by(TimelineEntry.hop_id, TimelineEntry.action)).all()
    return ({(h, lv): n for h, lv, n in records}, {(h, lv): n for h, lv, n in entries})


def _escalations_survive_a_worker_kill(stack: Stack, engine, ids: list[int]) -> None:
    """Every order handed to a township, then the escalation job run as of 60 days later (each
    hop: overdue, supervise, criticise due) with its worker killed -9 mid-run, and run again by
    the next beat on a new worker: every (hop, level) is recorded exactly once."""
    from datetime import timedelta

    from redis import Redis
    from rq import Queue
    from rq.job import Job
    from rq.serializers import JSONSerializer

    from hotline.demo import pick_units
    from dispatch.orders.models import Assignment

    with Session(engine) as s:
        township = pick_units(s).township.id
    r = httpx.post(f"{stack.url}/api/v1/auth/token", timeout=60,
                   data={"username": "county_dispatcher", "password": DEMO_PASSWORD})
    with httpx.Client(base_url=stack.url, timeout=30,
                      headers={"Authorization": f"Bearer {r.json()['access_token']}"}) as c:
        mine = [oid for oid in ids if (r := c.get(f"/api/v1/orders/{oid}")).status_code == 200
                and r.json()["state"] == "pending_dispatch"]     # the county's queue
        for oid in mine:
            r = c.post(f"/api/v1/orders/{oid}/actions/dispatch", json={"target_unit_id": township})
            assert r.status_code == 200, r.text
    assert len(mine) >= 20, "the operator's calls wait in the county queue"
    ids = mine
    with Session(engine) as s:
        hops = s.exec(select(Assignment.id).where(Assignment.order_id.in_(ids),
                                                  Assignment.deadline.is_not(None))).all()
    expected = {(h, lv) for h in hops for lv in ("overdue", "supervise", "criticise")}
    later = (datetime.now(UTC) + timedelta(days=60)).isoformat()
    redis = Redis(port=stack.redis_port)
    queue = Queue(stack.env["HOTLINE_QUEUE_NAME"], connection=redis, serializer=JSONSerializer)
    queue.enqueue("sla.scheduled.run_escalations", later, job_id="faults-escalate-1")
    wait_until(lambda: _escalation_rows(engine, ids)[0], timeout=60, interval=0.02)
    stack.workers[-1].send_signal(signal.SIGKILL)        # kill -9 in the middle of the job
    stack.workers[-1].wait(10)
    at_kill = sum(_escalation_rows(engine, ids)[0].values())
    stack.start_worker()
    queue.enqueue("sla.scheduled.run_escalations", later, job_id="faults-escalate-2")
    wait_until(lambda: Job.fetch("faults-escalate-2", connection=redis,
                                 serializer=JSONSerializer).get_status() == "finished",
               timeout=120, interval=0.5)
    records, entries = _escalation_rows(engine, ids)
    print(f"[faults] escalation job, worker kill -9: hops={len(hops)} "
          f"escalations expected={len(expected)} recorded-at-kill={at_kill} "
          f"found={len(records)} duplicated={sum(1 for n in records.values() if n > 1)} "
          f"timeline-duplicated={sum(1 for n in entries.values() if n > 1)}")
    assert len(hops) == len(ids)
    assert set(records) == expected and set(records.values()) == {1}
    assert set(entries) == expected and set(entries.values()) == {1}

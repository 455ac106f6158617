"""The fault tests' stack: a private Redis on a spare port, an API process (with its sweeper)
and RQ workers on a given database, and the counts the tests compare."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import func
from sqlmodel import Session, select

from dispatch.db import get_engine
from hotline.demo import DEMO_PASSWORD
from dispatch.orders.models import Order, TimelineEntry
from tests.conftest import ROOT, wait_until

ROUTING_ACTIONS = ("auto_dispatch", "queue_for_dispatcher", "transfer_platform")
CTI_SECRET = "cti-secret-of-the-fault-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """A private Redis, an API process (with its sweeper) and RQ workers on the test database."""

    def __init__(self, tmp: Path, database_url: str | None = None) -> None:
        self.redis_port, self.api_port = free_port(), free_port()
        self.tmp = tmp
        self.env = {**os.environ, "PYTHONPATH": str(ROOT),
                    "HOTLINE_DATABASE_URL": database_url or os.environ["HOTLINE_DATABASE_URL"],
                    "HOTLINE_CTI_SECRET": CTI_SECRET,
                    "HOTLINE_REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                    "HOTLINE_QUEUE_NAME": f"faults-{uuid.uuid4().hex[:6]}",
                    "HOTLINE_SWEEPER_STALE_SECONDS": "2", "HOTLINE_SWEEPER_INTERVAL_SECONDS": "1",
                    "HOTLINE_LOG_LEVEL": "WARNING"}
        self.redis: subprocess.Popen | None = None
        self.api: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "ab")
        return subprocess.Popen(args, env=self.env, cwd=ROOT, stdout=log, stderr=log)

    def start_redis(self) -> None:
        self.redis = self._spawn(["redis-server", "--port", str(self.redis_port), "--bind",
                                  "127.0.0.1", "--save", "", "--appendonly", "no"], "redis")
        wait_until(lambda: _ping(self.redis_port), timeout=10)

    def stop_redis(self) -> None:
        self.redis.send_signal(signal.SIGKILL)
        self.redis.wait(10)

    def start_api(self) -> None:
        self.api = self._spawn([sys.executable, "-m", "uvicorn", "hotline.api:create_app",
                                "--factory", "--port", str(self.api_port), "--log-level",
                                "warning"], "api")
        self._wait_up(self.api, "api", lambda: _ok(f"{self.url}/healthz"))

    def _wait_up(self, proc: subprocess.Popen, name: str, ready) -> None:
        """Generous: a loaded CI machine may take a minute to import and start."""
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if ready():
                return
            if proc.poll() is not None:
                break
            time.sleep(0.2)
        log = (self.tmp / f"{name}.log").read_text(errors="replace")[-3000:]
        raise AssertionError(f"{name} did not come up (exit {proc.poll()}):\n{log}")

    def start_worker(self) -> subprocess.Popen:
        w = self._spawn([sys.executable, "-m", "hotline.cli", "worker", "--simple"], "worker")
        self.workers.append(w)
        return w

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def close(self) -> None:
        for p in [*self.workers, self.api, self.redis]:
            if p is not None and p.poll() is None:
                p.kill()
                p.wait(10)


@contextmanager
def redis_server() -> Iterator[tuple[subprocess.Popen, str]]:
    """A private Redis on a spare port: its process (to stop or freeze) and its URL."""
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: _ping(port), timeout=10)
        yield proc, f"redis://127.0.0.1:{port}/0"
    finally:
        proc.send_signal(signal.SIGCONT)
        proc.kill()
        proc.wait(10)


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def token_for(stack: Stack) -> str:
    r = httpx.post(f"{stack.url}/api/v1/auth/token",
                   data={"username": "county_operator", "password": DEMO_PASSWORD}, timeout=60)
    return r.json()["access_token"]


def send_calls(stack: Stack, token: str, n: int, tag: str) -> list[int]:
    """n calls, each delivered twice (a channel's retry); returns the acknowledged order ids."""
    ids = []
    with httpx.Client(base_url=stack.url, timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as c:
        for i in range(n):
            body = {"channel": "12345", "external_id": f"{tag}-{i}", "content": "路灯坏了"}
            first, retry = c.post("/api/v1/intake", json=body), c.post("/api/v1/intake", json=body)
            assert first.status_code == 201, first.text
            assert retry.status_code == 200 and retry.json()["order_id"] == first.json()["order_id"]
            ids.append(first.json()["order_id"])
    return ids


def routing_counts(ids: list[int], engine=None) -> dict[int, int]:
    """Routing decisions taken out of "received", per order (a city order handed to a county
    platform is then routed there too: that second step starts from "pending_dispatch")."""
    with Session(engine or get_engine()) as s:
        rows = s.exec(select(TimelineEntry.order_id, func.count()).where(
            TimelineEntry.order_id.in_(ids), TimelineEntry.action.in_(ROUTING_ACTIONS),
            TimelineEntry.from_state == "received")
            .group_by(TimelineEntry.order_id)).all()
    return dict(rows)


def orders_by_external(tag: str, engine=None) -> int:
    with Session(engine or get_engine()) as s:
        return s.exec(select(func.count()).select_from(Order)
                      .where(Order.external_id.like(f"{tag}-%"))).one()


def wait_routed(ids: list[int], engine=None, timeout: float = 90) -> None:
    try:
        wait_until(lambda: len(routing_counts(ids, engine)) == len(ids), timeout=timeout,
                   interval=0.5)
    except AssertionError:
        with Session(engine or get_engine()) as s:
            states = s.exec(select(Order.state, func.count()).where(Order.id.in_(ids))
                            .group_by(Order.state)).all()
        raise AssertionError(f"routed {len(routing_counts(ids, engine))} of {len(ids)} in "
                             f"{timeout}s; states {dict(states)}") from None

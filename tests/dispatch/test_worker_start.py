"""A worker started while the database is unreachable waits for it instead of exiting."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_worker_started_without_its_database_keeps_retrying():
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "HOTLINE_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/none",
           # never reached: the worker waits for the database before it touches Redis
           "HOTLINE_REDIS_URL": "redis://127.0.0.1:1/0"}
    proc = subprocess.Popen([sys.executable, "-m", "hotline.cli", "worker", "--simple"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120      # imports alone take seconds on a loaded machine
        while time.monotonic() < deadline and proc.poll() is None \
                and sum("database unavailable" in ln for ln in lines) < 2:
            time.sleep(0.2)
        alive = proc.poll() is None
    finally:
        proc.kill()
        proc.wait(30)
        reader.join(10)
    assert alive, "".join(lines)
    assert sum("database unavailable" in ln for ln in lines) >= 2, "".join(lines)


def test_worker_holds_no_database_connection_when_it_forks(seeded, monkeypatch):
    """RQ forks the scheduler (and, with Worker, a horse per job) from the worker process: a
    pooled connection opened before the fork would live on in the child, so a worker killed -9
    mid-job would leave its transaction open and its orders locked (routing stalls)."""
    import argparse

    import rq

    from hotline import cli
    from dispatch.config import get_settings
    from dispatch.db import get_engine

    pooled_at_start: list[int] = []

    class FakeWorker:          # stands in for RQ: records the pool at the moment RQ would fork
        def __init__(self, *args, **kwargs) -> None:
            pass

        def work(self, **kwargs) -> None:
            pooled_at_start.append(get_engine().pool.checkedin())

    monkeypatch.setattr(get_settings(), "redis_url", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(rq, "SimpleWorker", FakeWorker)
    cli._worker(argparse.Namespace(simple=True, burst=True))
    assert pooled_at_start == [0]

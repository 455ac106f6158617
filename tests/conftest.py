"""Test setup: SQLite + in-process queue by default; real PostgreSQL + Redis + an RQ worker
process when HOTLINE_TEST_DATABASE_URL / HOTLINE_TEST_REDIS_URL are set (the CI's second pass)."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="hotline-test-"))
DB_URL = os.environ.get("HOTLINE_TEST_DATABASE_URL") or f"sqlite:///{_TMP}/test.db"
REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS_URL") or ""
os.environ["HOTLINE_DATABASE_URL"] = DB_URL
os.environ["HOTLINE_VAR_DIR"] = str(_TMP / "var")
os.environ["HOTLINE_SWEEPER_STALE_SECONDS"] = "2"
# tests fail sign-ins far more often than a person; the throttle is tested on its own
for _limit in ("PER_CLIENT", "PER_ACCOUNT", "ACCOUNT_ALARM"):
    os.environ.setdefault(f"HOTLINE_LOGIN_FAILURES_{_limit}", "100000")
# the flow tests drive dispatch by hand; classifier routing has its own tests
os.environ.setdefault("HOTLINE_ROUTER", "rule")
os.environ.setdefault("HOTLINE_CHANNEL_RATE_PER_MINUTE", "1000000")
os.environ.setdefault("HOTLINE_PUBLIC_RATE_PER_MINUTE", "1000000")
if REDIS_URL:
    os.environ["HOTLINE_REDIS_URL"] = REDIS_URL
else:
    os.environ.pop("HOTLINE_REDIS_URL", None)

ROOT = Path(__file__).resolve().parent.parent
SERVICES = bool(REDIS_URL)
# HOTLINE_TEST_PROVINCE=示范省: the test database holds every shipped city under that province
# root (HOTLINE_CITY's first, the demo users in it), as .ci/run's province pass runs it; the
# province's own tests (test_province_api.py) need it and run only then
PROVINCE = os.environ.get("HOTLINE_TEST_PROVINCE")
collect_ignore = [] if PROVINCE else ["dispatch/test_province_api.py"]

# HOTLINE_TEST_CLOCK=2026-12-06T16:30:00+00:00: this process's clock starts at that moment and
# ticks on (time-machine), so that a test or a rule that holds only at some hours of the day or
# days of the year fails whenever CI runs, not only when the real clock gets there. The CI's
# clock passes run on SQLite with the in-process queue: a separate process keeps the real clock.
CLOCK = os.environ.get("HOTLINE_TEST_CLOCK")
if CLOCK:
    from datetime import datetime

    import time_machine

    time_machine.travel(datetime.fromisoformat(CLOCK), tick=True).start()


def _reset_database() -> None:
    """An empty database brought to head by the migrations, as production does it."""
    from sqlalchemy import text
    from sqlmodel import SQLModel

    import dispatch.models  # noqa: F401
    from dispatch.db import get_engine, init_db

    SQLModel.metadata.drop_all(get_engine())
    with get_engine().begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    init_db()


def _flush_redis() -> None:
    from redis import Redis

    Redis.from_url(REDIS_URL).flushdb()


def start_worker() -> subprocess.Popen:
    """A real RQ worker process (production mode) with the test's settings."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "hotline.cli", "worker", "--simple"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _load_province(session, name: str) -> None:
    from dispatch.city import load_city, shipped_cities
    from dispatch.config import get_settings
    from dispatch.orgs import service as orgs

    s, province = get_settings(), orgs.Province(name)
    orgs.load_org_tree(session, s.divisions_csv, s.departments_file, province)
    for city in map(load_city, shipped_cities()):
        if city.divisions_csv != s.divisions_csv:
            orgs.load_org_tree(session, city.divisions_csv, city.departments_file, province)


@pytest.fixture(scope="session")
def seeded():
    """Tables, the org tree and the demo users, once per run."""
    _reset_database()
    if SERVICES:
        _flush_redis()
    from sqlmodel import Session

    from hotline import demo
    from dispatch.db import get_engine

    with Session(get_engine(), expire_on_commit=False) as session:
        if PROVINCE:
            _load_province(session, PROVINCE)
        units = demo.seed(session)
    worker = start_worker() if SERVICES else None
    yield units
    if worker is not None:
        worker.terminate()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:  # a long job (a retraining the fuzz started) runs on
            worker.kill()
            worker.wait(10)


@pytest.fixture(scope="session")
def app(seeded):
    from hotline.api import create_app

    return create_app(run_sweeper=False)


@pytest.fixture(scope="session")
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="session")
def tokens(client):
    from hotline.demo import DEMO_PASSWORD

    names = ["admin", "city_operator", "city_dispatcher", "city_callback", "city_supervisor",
             "county_operator", "county_dispatcher", "county_callback", "county_supervisor",
             "township_handler", "village_handler", "dept_handler", "city_dept_handler"]
    out = {}
    for n in names:
        r = client.post("/api/v1/auth/token", data={"username": n, "password": DEMO_PASSWORD})
        assert r.status_code == 200, r.text
        out[n] = r.json()["access_token"]
    return out


@pytest.fixture
def session(seeded):
    from sqlmodel import Session

    from dispatch.db import get_engine

    with Session(get_engine(), expire_on_commit=False) as s:
        yield s


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def pytest_collection_modifyitems(config, items):
    """The fuzz run goes last: it rewrites shared settings (calendars, policies, weights)."""
    items.sort(key=lambda item: item.get_closest_marker("fuzz") is not None)

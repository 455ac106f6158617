"""Every process runs ``init_db`` at start-up (API workers, RQ workers, the sweeper): several
start at once when a deployment scales out, and restarts happen while the centre works."""
from __future__ import annotations

import subprocess
import sys
import threading

from sqlalchemy import text

from dispatch.db import get_engine, init_db
from tests.conftest import ROOT

START = "from dispatch.db import init_db; init_db()"


def test_processes_starting_together_all_start(seeded):
    """Six processes at once, as `docker compose up --scale api=3 --scale worker=3` starts them.
    On PostgreSQL, replacing the guards side by side failed some of them ("tuple concurrently
    updated"), and uvicorn then stopped the whole server."""
    for _ in range(4):   # the old code failed in about 2 of 3 runs of two rounds
        procs = [subprocess.Popen([sys.executable, "-c", START], cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True) for _ in range(6)]
        failed = [err[-600:] for p in procs if (err := p.communicate(timeout=120)[1]) and p.returncode]
        assert failed == []


def test_a_start_does_not_wait_for_a_long_read(seeded):
    """A worker restarting while an export reads the orders: its start must not queue for a lock
    on the orders' table (which would also make every other query on it queue behind)."""
    with get_engine().connect() as reader:
        reader.execute(text("SELECT count(*) FROM work_order"))
        reader.execute(text("SELECT count(*) FROM timeline_entry"))   # both held until rollback
        starting = threading.Thread(target=init_db, daemon=True)
        starting.start()
        starting.join(60)
        waited = starting.is_alive()
        reader.rollback()
    starting.join()
    assert not waited, "init_db waited for the reader's transaction to end"

"""The benchmarks' fresh databases: a session left open on one (a worker of an earlier try
still shutting down) never stops the next try. Needs the local PostgreSQL the benchmarks use
(127.0.0.1:5432, as on every machine of the project and in CI)."""
from __future__ import annotations

import subprocess
import uuid

import psycopg

from bench.bench_intake import recreate_db

DSN = "postgresql://postgres@127.0.0.1:5432/{db}"


def test_a_benchmark_database_is_recreated_while_a_session_holds_it():
    db = f"bench_t_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db], check=True)
    try:
        with psycopg.connect(DSN.format(db=db), autocommit=True) as held:
            held.execute("CREATE TABLE left_over (x int)")
            recreate_db(db)
        with psycopg.connect(DSN.format(db=db), autocommit=True) as fresh:
            assert fresh.execute("SELECT to_regclass('left_over')").fetchone()[0] is None
    finally:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", db],
                       check=True)

"""The high-availability layout as local processes, each part on its own ports and data
directory as separate machines would be (docs/high-availability.md):

- etcd (1 member in the quick profile, 3 in the full one), the store Patroni elects a leader in;
- 2 PostgreSQL under Patroni, synchronous replication (``synchronous_mode``: a commit returns
  once the standby has it, so an acknowledged order survives the primary's loss);
- a Redis primary, its replica and 3 sentinels (quorum 2);
- API processes (uvicorn, the app factory) and RQ workers, configured as in production across
  machines: a multi-host database URL with ``target_session_attrs=read-write`` and
  ``HOTLINE_REDIS_SENTINELS``.

"kill" here is a machine lost: SIGKILL to the part's processes (for a PostgreSQL node, Patroni
and the postmaster with its backends), nothing shut down cleanly. The Debian packages
``patroni``, ``etcd-server`` and ``redis-sentinel`` and PostgreSQL's server binaries must be
installed; a missing one fails the test with the command that installs it.
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
import time
import urllib.request
import uuid
from pathlib import Path

from tests.conftest import ROOT, wait_until
from tests.dispatch.fault_stack import _ok, _ping, free_port

SENTINEL_MASTER = "mymaster"
PACKAGES = {"patroni": "patroni", "etcd": "etcd-server", "redis-sentinel": "redis-sentinel",
            "redis-server": "redis-server"}


def need_binaries() -> Path:
    missing = sorted({pkg for tool, pkg in PACKAGES.items() if not shutil.which(tool)})
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        missing.append("postgresql")
    assert not missing, (f"the HA tests need: apt-get install -y {' '.join(missing)} "
                         "(./dev ha-packages installs them)")
    return Path(found[-1]).parent


def _children(pid: int) -> list[int]:
    """Every descendant of a process (from /proc)."""
    parents: dict[int, list[int]] = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.split("/")[2]))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _kill9(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Cluster:
    def __init__(self, *, etcd_members: int = 1, tmp: Path | None = None) -> None:
        self.pg_bin = need_binaries()
        self.tmp = tmp or Path(tempfile.mkdtemp(prefix="hotline-ha-"))
        self.tmp.mkdir(parents=True, exist_ok=True)
        shutil.chown(self.tmp, "postgres") if os.geteuid() == 0 else None
        self.procs: dict[str, subprocess.Popen] = {}
        self.scope = f"hotline-ha-{uuid.uuid4().hex[:6]}"
        self.etcd = [(free_port(), free_port()) for _ in range(etcd_members)]  # (client, peer)
        self.pg = [(free_port(), free_port()) for _ in range(2)]          # (postgres, rest api)
        self.redis = [free_port(), free_port()]                            # primary, replica
        self.sentinels = [free_port() for _ in range(3)]
        self.apis: list[int] = []
        hosts = "&".join(f"host=127.0.0.1:{p}" for p, _ in self.pg)
        self.database_url = (f"postgresql+psycopg://postgres@/postgres?{hosts}"
                             "&target_session_attrs=read-write&connect_timeout=3")
        self.env = {**os.environ, "PYTHONPATH": str(ROOT),
                    "HOTLINE_DATABASE_URL": self.database_url,
                    "HOTLINE_REDIS_URL": "redis://127.0.0.1/0",
                    "HOTLINE_REDIS_SENTINELS": ",".join(f"127.0.0.1:{p}" for p in self.sentinels),
                    "HOTLINE_REDIS_SENTINEL_MASTER": SENTINEL_MASTER,
                    "HOTLINE_QUEUE_NAME": f"ha-{uuid.uuid4().hex[:6]}",
                    "HOTLINE_SWEEPER_STALE_SECONDS": "3", "HOTLINE_SWEEPER_INTERVAL_SECONDS": "1",
                    "HOTLINE_DB_POOL_SIZE": "5", "HOTLINE_DB_MAX_OVERFLOW": "5",
                    "HOTLINE_LOG_LEVEL": "WARNING"}

    # -- processes ----------------------------------------------------------------------------

    def _spawn(self, name: str, args: list[str], *, user: str | None = None,
               env: dict | None = None) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "ab")
        proc = subprocess.Popen(args, env=env or self.env, cwd=ROOT, stdout=log, stderr=log,
                                start_new_session=True, user=user)
        self.procs[name] = proc
        return proc

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def _wait(self, name: str, ready, timeout: float = 180) -> None:
        """Generous: a loaded CI machine may take a minute to start a part."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            if self.procs[name].poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"{name} did not come up (exit {self.procs[name].poll()}):\n"
                             f"{self.log(name)}")

    # -- etcd ---------------------------------------------------------------------------------

    def start_etcd(self) -> None:
        members = ",".join(f"e{i}=http://127.0.0.1:{peer}" for i, (_, peer) in enumerate(self.etcd))
        for i, (client, peer) in enumerate(self.etcd):
            self._spawn(f"etcd{i}", [
                "etcd", "--name", f"e{i}", "--data-dir", str(self.tmp / f"etcd{i}"),
                "--listen-client-urls", f"http://127.0.0.1:{client}",
                "--advertise-client-urls", f"http://127.0.0.1:{client}",
                "--listen-peer-urls", f"http://127.0.0.1:{peer}",
                "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
                "--initial-cluster", members, "--initial-cluster-state", "new",
                "--initial-cluster-token", self.scope, "--log-level", "warn"])
        for i, (client, _) in enumerate(self.etcd):
            self._wait(f"etcd{i}", lambda c=client: _ok_url(f"http://127.0.0.1:{c}/health"))

    # -- PostgreSQL under Patroni ---------------------------------------------------------------

    def _patroni_config(self, i: int) -> Path:
        port, rest = self.pg[i]
        config = {
            "scope": self.scope, "namespace": "/hotline-ha/", "name": f"pg{i}",
            "restapi": {"listen": f"127.0.0.1:{rest}", "connect_address": f"127.0.0.1:{rest}"},
            "etcd3": {"hosts": [f"127.0.0.1:{c}" for c, _ in self.etcd]},
            "bootstrap": {
                # leader key 10 s: a lost primary is replaced within about ttl + loop_wait
                "dcs": {"ttl": 10, "loop_wait": 1, "retry_timeout": 4,
                        "maximum_lag_on_failover": 1048576, "synchronous_mode": True,
                        "postgresql": {"use_pg_rewind": False, "parameters": {
                            "max_connections": 300, "wal_level": "replica", "hot_standby": "on",
                            "max_wal_senders": 10, "max_replication_slots": 10,
                            "wal_keep_size": "256MB"}}},
                "initdb": [{"encoding": "UTF8"}, {"locale": "C"}],
                "pg_hba": ["local all all trust", "host all all 127.0.0.1/32 trust",
                           "host replication all 127.0.0.1/32 trust"]},
            "postgresql": {
                "listen": f"127.0.0.1:{port}", "connect_address": f"127.0.0.1:{port}",
                "data_dir": str(self.tmp / f"pg{i}"), "bin_dir": str(self.pg_bin),
                "pgpass": str(self.tmp / f"pgpass{i}"),
                "authentication": {"superuser": {"username": "postgres"},
                                   "replication": {"username": "postgres"}},
                "parameters": {"unix_socket_directories": str(self.tmp)}},
            "tags": {"nofailover": False, "noloadbalance": False},
        }
        path = self.tmp / f"patroni{i}.yml"
        path.write_text(json.dumps(config))      # JSON is YAML
        return path

    def start_postgres(self, i: int) -> None:
        user = "postgres" if os.geteuid() == 0 else None
        env = {**self.env, "HOME": str(self.tmp)}
        self._spawn(f"pg{i}", ["patroni", str(self._patroni_config(i))], user=user, env=env)

    def start_postgres_pair(self) -> None:
        self.start_postgres(0)
        self._wait("pg0", lambda: self.pg_primary() == 0)
        self.start_postgres(1)
        self._wait("pg1", lambda: any(r.get("sync_state") == "sync"
                                      for r in self.patroni(0).get("replication", [])))

    def patroni(self, i: int) -> dict:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.pg[i][1]}/patroni",
                                        timeout=2) as r:
                return json.loads(r.read())
        except (OSError, ValueError):
            return {}

    def role(self, i: int) -> str | None:
        info = self.patroni(i)
        return info.get("role") if info.get("state") == "running" else None

    def pg_primary(self) -> int | None:
        return next((i for i in range(2) if self.role(i) in ("primary", "master")), None)

    def _postmaster(self, i: int) -> int | None:
        """The pid of node i's postmaster, if it still runs (its command line names its data
        directory: a pid reused since is left alone)."""
        data = self.tmp / f"pg{i}"
        try:
            pid = int((data / "postmaster.pid").read_text().split()[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            return None
        return pid if str(data) in cmdline else None

    def kill_postgres(self, i: int) -> None:
        """The machine is lost: Patroni and the postmaster with all its backends, SIGKILL."""
        patroni = self.procs[f"pg{i}"]
        postmaster = self._postmaster(i)
        _kill9([patroni.pid])
        if postmaster:
            _kill9([postmaster, *_children(postmaster)])
        patroni.wait(10)

    # -- Redis and Sentinel ---------------------------------------------------------------------

    def start_redis(self) -> None:
        primary, replica = self.redis
        for name, port, extra in (("redis0", primary, []),
                                  ("redis1", replica, ["--replicaof", "127.0.0.1", str(primary)])):
            self._spawn(name, ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no", "--dir", str(self.tmp),
                               "--dbfilename", f"{name}.rdb", *extra])
            self._wait(name, lambda p=port: _ping(p))
        for i, port in enumerate(self.sentinels):
            conf = self.tmp / f"sentinel{i}.conf"
            conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {self.tmp}\n"
                            f"sentinel monitor {SENTINEL_MASTER} 127.0.0.1 {primary} 2\n"
                            f"sentinel down-after-milliseconds {SENTINEL_MASTER} 2000\n"
                            f"sentinel failover-timeout {SENTINEL_MASTER} 10000\n"
                            f"sentinel parallel-syncs {SENTINEL_MASTER} 1\n")
            self._spawn(f"sentinel{i}", ["redis-sentinel", str(conf)])
            self._wait(f"sentinel{i}", lambda p=port: _ping(p))
        wait_until(lambda: self._replica_in_sync(primary), timeout=60, interval=0.2)

    def _replica_in_sync(self, primary: int) -> bool:
        out = subprocess.run(["redis-cli", "-p", str(primary), "info", "replication"],
                             capture_output=True, text=True, timeout=10).stdout
        return "state=online" in out

    def redis_primary(self) -> int:
        out = subprocess.run(["redis-cli", "-p", str(self.sentinels[0]), "sentinel",
                              "get-master-addr-by-name", SENTINEL_MASTER],
                             capture_output=True, text=True, timeout=10).stdout.split()
        return int(out[1])

    def kill_redis(self, port: int) -> None:
        name = f"redis{self.redis.index(port)}"
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait(10)

    # -- the application ------------------------------------------------------------------------

    def start_api(self) -> str:
        port = free_port()
        name = f"api{len(self.apis)}"
        self._spawn(name, [sys.executable, "-m", "uvicorn", "hotline.api:create_app", "--factory",
                           "--port", str(port), "--log-level", "warning"])
        self.apis.append(port)
        self._wait(name, lambda: _ok(f"http://127.0.0.1:{port}/healthz"))
        return f"http://127.0.0.1:{port}"

    def kill_api(self, index: int) -> None:
        proc = self.procs[f"api{index}"]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def start_worker(self, index: int) -> None:
        self._spawn(f"worker{index}", [sys.executable, "-m", "hotline.cli", "worker", "--simple"])

    def seed(self) -> None:
        """Schema and demo users, in a process of its own."""
        code = ("from sqlmodel import Session; from hotline import demo; "
                "from dispatch.db import get_engine, init_db; init_db(); "
                "demo.seed(Session(get_engine()))")
        r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                           text=True, env=self.env, timeout=600)
        assert r.returncode == 0, r.stderr[-3000:]

    def close(self) -> None:
        for name in sorted(self.procs, key=lambda n: (n.startswith(("etcd", "pg")), n)):
            proc = self.procs[name]
            if name.startswith("pg") and proc.poll() is None:
                self.kill_postgres(int(name[2:]))
            elif proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        for i in range(2):     # a postmaster Patroni left behind
            if pid := self._postmaster(i):
                _kill9([pid, *_children(pid)])
        if not os.environ.get("HOTLINE_HA_KEEP"):     # set: the logs stay for a post-mortem
            shutil.rmtree(self.tmp, ignore_errors=True)


def _ok_url(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return r.status == 200
    except OSError:
        return False

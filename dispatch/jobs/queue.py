"""The job queue: RQ on Redis in production, a worker thread in the embedded default.

Jobs are named by import path, take JSON-serialisable ids and are safe to re-run; each has a
deterministic id so a second enqueue of the same work is harmless. A long-running job (model
retraining) gets a long RQ timeout, and its own thread in the embedded queue so that routing
does not wait behind it.
"""
from __future__ import annotations

import importlib
import logging
import queue as stdqueue
import threading
import time
from functools import lru_cache
from typing import Any, Protocol

from dispatch.config import get_settings

log = logging.getLogger(__name__)
RETRY_INTERVALS = [1, 5, 30]
LONG_JOB_TIMEOUT = 3600   # seconds; RQ's default (180) would kill a retraining


def resolve(func_path: str):
    module, _, name = func_path.rpartition(".")
    return getattr(importlib.import_module(module), name)


class JobQueue(Protocol):
    def enqueue(self, func_path: str, *args: Any, job_id: str,
                long_running: bool = False) -> None: ...


class EmbeddedQueue:
    """Runs jobs on one background thread of this process, with the same retries as RQ."""

    def __init__(self) -> None:
        self._q: stdqueue.Queue[tuple[str, tuple, str, int]] = stdqueue.Queue()
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.failed = 0

    def enqueue(self, func_path: str, *args: Any, job_id: str, long_running: bool = False) -> None:
        with self._lock:
            if job_id in self._pending:
                return
            self._pending.add(job_id)
            if long_running:
                threading.Thread(target=self._run_once, args=(func_path, args, job_id),
                                 name=f"embedded-{job_id}", daemon=True).start()
                return
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="embedded-worker",
                                                daemon=True)
                self._thread.start()
        self._q.put((func_path, args, job_id, 0))

    def _run(self) -> None:
        while True:
            func_path, args, job_id, attempt = self._q.get()
            try:
                resolve(func_path)(*args)
            except Exception:
                log.exception("job %s failed (attempt %d)", job_id, attempt + 1)
                if attempt < len(RETRY_INTERVALS):
                    threading.Timer(RETRY_INTERVALS[attempt], self._q.put,
                                    [(func_path, args, job_id, attempt + 1)]).start()
                    self._q.task_done()
                    continue
                self.failed += 1
            with self._lock:
                self._pending.discard(job_id)
            self._q.task_done()

    def _run_once(self, func_path: str, args: tuple, job_id: str) -> None:
        try:
            resolve(func_path)(*args)
        except Exception:
            log.exception("job %s failed", job_id)
            self.failed += 1
        finally:
            with self._lock:
                self._pending.discard(job_id)

    def depth(self) -> int:
        return len(self._pending)

    def join(self, timeout: float = 10.0) -> bool:
        """Wait until every queued job has run (tests and the demo use it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._pending:
                    return True
            time.sleep(0.01)
        return False


class RQQueue:
    """RQ with the JSON serializer and retries."""

    def __init__(self, redis_url: str, name: str) -> None:
        from rq import Queue
        from rq.serializers import JSONSerializer

        from dispatch.redis_conn import connect

        self.redis = connect(redis_url, socket_connect_timeout=2, socket_timeout=5)
        self.queue = Queue(name, connection=self.redis, serializer=JSONSerializer)

    def enqueue(self, func_path: str, *args: Any, job_id: str, long_running: bool = False) -> None:
        from rq import Retry

        self.queue.enqueue(func_path, *args, job_id=job_id, retry=Retry(max=3,
                           interval=RETRY_INTERVALS), result_ttl=300, failure_ttl=7 * 86400,
                           job_timeout=LONG_JOB_TIMEOUT if long_running else None)


@lru_cache
def get_queue() -> JobQueue:
    s = get_settings()
    return EmbeddedQueue() if s.embedded_queue else RQQueue(s.redis_url, s.queue_name)


# by import path: the recovery task sweeps, and the sweeper enqueues through this module
RECOVERY = "dispatch.jobs.recovery.get_recovery"


def enqueue_safely(func_path: str, *args: Any, job_id: str) -> bool:
    """Enqueue, but never fail the caller: once Redis answers again, this process's recovery
    task queues the received orders (dispatch/jobs/recovery.py); the sweeper catches the rest."""
    try:
        get_queue().enqueue(func_path, *args, job_id=job_id)
        return True
    except Exception as exc:  # Redis down: the order is already durable
        log.warning("could not enqueue %s (%s); queued again once Redis answers", job_id, exc)
        resolve(RECOVERY)().notice()
        return False


def take_queued(func_path: str, jobs: int) -> list:
    """Inside an RQ job: up to `jobs` jobs of `func_path` still waiting in the same queue, taken
    off it (one LPOP, their data in one pipeline); any other job taken with them goes back in
    front. Outside RQ (the embedded queue, a direct call): none. The caller routes their orders
    with its own and then `forget`s them, or `give_back`s them if it fails. A worker killed in
    between loses the jobs, not the orders: those stay "received" and the sweeper queues them
    again."""
    from rq import get_current_job
    from rq.job import Job
    from rq.serializers import JSONSerializer

    from redis.exceptions import RedisError

    current = get_current_job()
    if current is None or jobs <= 0:
        return []
    conn, key = current.connection, _queue_key(current)
    try:
        ids = [i.decode() if isinstance(i, bytes) else i for i in conn.lpop(key, jobs) or []]
    except RedisError as exc:         # only a saving: the job goes on with its own orders
        log.warning("could not take queued jobs (%s)", exc)
        return []
    taken, back = [], []
    try:
        fetched = Job.fetch_many(ids, connection=conn, serializer=JSONSerializer) if ids else []
    except RedisError:
        fetched, back = [], ids
    for job_id, job in zip(ids, fetched):
        if job is not None and job.func_name == func_path and job.args:
            taken.append(job)
        elif job is not None:
            back.append(job_id)
    if back:
        give_back_ids(conn, key, back)
    return taken


def give_back(jobs: list) -> None:
    """Put jobs `take_queued` took back in front of their queue (the caller failed)."""
    if jobs:
        give_back_ids(jobs[0].connection, _queue_key(jobs[0]), [j.id for j in jobs])


def give_back_ids(conn, key: str, ids: list[str]) -> None:
    from redis.exceptions import RedisError

    try:
        conn.lpush(key, *reversed(ids))
    except RedisError as exc:       # their orders stay "received": the sweeper queues them
        log.warning("could not put %d jobs back (%s)", len(ids), exc)


def forget(jobs: list) -> None:
    """Delete jobs `take_queued` took, once their work is committed (a failure leaves their
    data in Redis, out of every queue: harmless)."""
    from redis.exceptions import RedisError

    if not jobs:
        return
    try:
        with jobs[0].connection.pipeline() as pipe:
            for job in jobs:
                job.delete(pipeline=pipe, remove_from_queue=False)
            pipe.execute()
    except RedisError as exc:
        log.warning("could not delete %d routed jobs (%s)", len(jobs), exc)


def _queue_key(job) -> str:
    from rq import Queue

    return Queue.redis_queue_namespace_prefix + job.origin

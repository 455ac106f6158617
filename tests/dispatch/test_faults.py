"""Fault injection on real processes: an API server, RQ workers and a private Redis server.

Whatever happens to Redis or a worker, every acknowledged order exists once and is routed once.
Runs in both CI passes with its own Redis on a spare port (tests/dispatch/fault_stack.py); the
database restart is in test_faults_database.py. Each test prints its counts ([faults] lines,
visible with -s).
"""
from __future__ import annotations

import signal
import uuid

import pytest

from tests.conftest import wait_until
from tests.dispatch.fault_stack import (Stack, orders_by_external, routing_counts, send_calls,
                                        token_for)


@pytest.fixture
def stack(seeded, tmp_path):
    s = Stack(tmp_path)
    s.start_redis()
    s.start_api()
    yield s
    s.close()


def test_redis_down_intake_still_acknowledges_and_orders_are_routed_after_it_returns(stack):
    token = token_for(stack)
    stack.start_worker()
    before = send_calls(stack, token, 10, tag := f"up-{uuid.uuid4().hex[:6]}")
    stack.stop_redis()
    during = send_calls(stack, token, 20, tag2 := f"down-{uuid.uuid4().hex[:6]}")
    assert routing_counts(during) == {}, "nothing can be routed while Redis is down"
    stack.start_redis()
    ids = before + during
    wait_until(lambda: len(routing_counts(ids)) == len(ids), timeout=60, interval=0.5)
    assert stack.workers[-1].poll() is None, "the worker must outlive the Redis restart"
    counts = routing_counts(ids)
    print(f"\n[faults] redis restart: acknowledged={len(ids)} routed={len(counts)} "
          f"routed-twice={sum(1 for v in counts.values() if v > 1)}")
    assert set(counts.values()) == {1}
    assert orders_by_external(tag) == 10 and orders_by_external(tag2) == 20


def test_worker_killed_mid_backlog_loses_nothing_and_routes_nothing_twice(stack):
    token = token_for(stack)
    ids = send_calls(stack, token, 60, f"kill-{uuid.uuid4().hex[:6]}")
    worker = stack.start_worker()
    wait_until(lambda: len(routing_counts(ids)) >= 5, timeout=60, interval=0.05)
    worker.send_signal(signal.SIGKILL)      # kill -9 in the middle of the backlog
    worker.wait(10)
    done_at_kill = len(routing_counts(ids))
    stack.start_worker()
    wait_until(lambda: len(routing_counts(ids)) == len(ids), timeout=90, interval=0.5)
    counts = routing_counts(ids)
    print(f"\n[faults] worker kill -9: acknowledged={len(ids)} routed-before-kill={done_at_kill} "
          f"routed={len(counts)} routed-twice={sum(1 for v in counts.values() if v > 1)}")
    assert set(counts.values()) == {1}

"""Intake's micro-batches: orders leave for routing in groups, soon, and a failed hand-over
does not stop the ones after it (the sweeper covers the failed group)."""
from __future__ import annotations

import threading
import time

from dispatch.jobs.batcher import Batcher


def _collector():
    groups: list[list[int]] = []
    arrived = threading.Event()

    def flush(items: list[int]) -> None:
        groups.append(items)
        arrived.set()
    return groups, arrived, flush


def test_items_added_together_leave_as_one_group_after_the_wait():
    groups, arrived, flush = _collector()
    b = Batcher(flush, size=100, wait=0.05)
    for i in range(10):
        b.add(i)
    assert arrived.wait(2)
    time.sleep(0.1)
    assert groups == [list(range(10))]


def test_a_full_group_leaves_before_the_wait_is_over():
    groups, arrived, flush = _collector()
    b = Batcher(flush, size=5, wait=30)
    started = time.monotonic()
    for i in range(5):
        b.add(i)
    assert arrived.wait(2), "a full group must not wait 30 s"
    assert time.monotonic() - started < 2 and groups[0] == [0, 1, 2, 3, 4]


def test_a_failing_hand_over_does_not_stop_later_groups():
    seen: list[list[int]] = []
    done = threading.Event()

    def flush(items: list[int]) -> None:
        seen.append(items)
        if items == [1]:
            raise ConnectionError("Redis is down")
        done.set()

    b = Batcher(flush, size=1, wait=0.001)
    b.add(1)
    time.sleep(0.05)
    b.add(2)
    assert done.wait(2)
    assert seen == [[1], [2]]

"""Recovery from a Redis outage without the sweeper: real processes (an API server, an RQ worker,
a private Redis stopped for about 10 s while calls come in), with the sweeper set to wait an
hour so that only the recovery task (dispatch/jobs/recovery.py) can route them in time.

Every order acknowledged during the outage is routed once, and every live event published
during it reaches a console's open websocket once. The time from Redis' return to the last
order routed is printed ([faults] line, visible with -s), not asserted.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.conftest import wait_until
from tests.dispatch.fault_stack import Stack, routing_counts, send_calls, token_for, wait_routed

OUTAGE_SECONDS = 10


class Console:
    """A console's websocket on the API server, every frame it receives kept."""

    def __init__(self, url: str, token: str) -> None:
        self.frames: list[dict] = []
        self._ws = connect(url.replace("http", "ws", 1) + "/api/v1/ws",
                           subprotocols=["hotline.v1", f"bearer.{token}"])
        assert json.loads(self._ws.recv(timeout=30))["type"] == "hello"
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for text in self._ws:
                self.frames.append(json.loads(text))
        except ConnectionClosed:
            pass

    def intake_events(self, ids: list[int]) -> Counter:
        wanted = set(ids)
        return Counter(f["order_id"] for f in list(self.frames)
                       if f.get("action") == "intake" and f.get("order_id") in wanted)

    def close(self) -> None:
        self._ws.close()
        self._thread.join(10)


@pytest.fixture
def stack(seeded, tmp_path):
    s = Stack(tmp_path)
    s.env["HOTLINE_SWEEPER_STALE_SECONDS"] = "3600"    # the sweeper must not be what recovers
    s.env["HOTLINE_SWEEPER_INTERVAL_SECONDS"] = "3600"
    s.start_redis()
    s.start_api()
    s.start_worker()
    yield s
    s.close()


def test_after_a_redis_outage_orders_are_routed_and_events_delivered_once_without_the_sweeper(
        stack):
    token = token_for(stack)
    console = Console(stack.url, token)
    try:   # a worker that has routed before: the figure is the recovery's, not a cold start's
        wait_routed(send_calls(stack, token, 2, f"warm-{uuid.uuid4().hex[:6]}"), timeout=120)
        stack.stop_redis()
        down_at = time.monotonic()
        ids = send_calls(stack, token, 20, f"outage-{uuid.uuid4().hex[:6]}")
        assert routing_counts(ids) == {}, "nothing can be routed while Redis is down"
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_at)))
        stack.start_redis()
        back_at = time.monotonic()
        wait_routed(ids, timeout=120)
        routed_in = time.monotonic() - back_at
        wait_until(lambda: len(console.intake_events(ids)) == len(ids), timeout=60, interval=0.2)
        delivered_in = time.monotonic() - back_at
        time.sleep(2)          # a repeat (replay and Redis both bring the events) shows up here
        counts, events = routing_counts(ids), console.intake_events(ids)
    finally:
        console.close()
    print(f"\n[faults] redis outage {OUTAGE_SECONDS}s: acknowledged={len(ids)} "
          f"routed={len(counts)} routed-twice={sum(1 for v in counts.values() if v > 1)} "
          f"all-routed-after-return={routed_in:.1f}s events-delivered={len(events)} "
          f"events-twice={sum(1 for v in events.values() if v > 1)} "
          f"all-delivered-after-return={delivered_in:.1f}s")
    assert set(counts.values()) == {1}
    assert set(events.values()) == {1}

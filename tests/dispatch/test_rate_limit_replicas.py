"""The doors' request limits across API replicas: each replica counts here and shares its
counts with Redis in batches (dispatch.ratelimit.Counters.incr_soon), so an address spread
over two replicas is still held to one limit once the counts are shared."""
from __future__ import annotations

import asyncio
import time

import pytest

from dispatch import ratelimit
from dispatch.ratelimit import Counters
from tests.dispatch.fault_stack import redis_server
from tests.dispatch.test_realtime_hub import run


@pytest.fixture
def shared_redis():
    with redis_server() as (_, url):
        yield url


def test_two_replicas_see_each_others_requests_within_the_sync_interval(shared_redis):
    key, ttl = f"hotline:rl:test:10.0.0.9:{int(time.time())}", 60

    async def scenario():
        a, b = Counters(shared_redis), Counters(shared_redis)
        for _ in range(30):
            await a.incr_soon(key, ttl)        # replica A takes 30 requests of the address
        await asyncio.sleep(ratelimit.SYNC_SECONDS + 0.05)
        await a.incr_soon(key, ttl)            # its next one shares what it counted
        # B's first request of the address is counted on top of A's 31
        assert await b.incr_soon(key, ttl) == 32

    run(scenario())


def test_a_replica_that_loses_redis_still_counts_what_it_saw():
    async def scenario():
        alone = Counters("redis://127.0.0.1:1/0", timeout=0.2)    # nothing listens there
        assert [await alone.incr_soon("hotline:rl:test:k", 60) for _ in range(5)] == [1, 2, 3, 4, 5]

    run(scenario())

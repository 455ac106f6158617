"""The hub's path index finds exactly the consoles the reach rule admits; it encodes once and
keeps the routing paths (other units) to itself."""
from __future__ import annotations

import asyncio
import json
import threading

import pytest

from dispatch.realtime.broker import LocalHub, enclosing_paths, visible_to


def run(coro) -> None:
    """asyncio.run on a thread of its own: the browser tests' driver may own this thread's loop."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coro)
        except BaseException as exc:  # re-raised in the test's thread
            failure.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if failure:
        raise failure[0]


@pytest.mark.parametrize("path, expected", [
    ("/43/", ["/", "/43/"]),
    ("/43/4311/431102/", ["/", "/43/", "/43/4311/", "/43/4311/431102/"]),
    ("/43/4311", ["/", "/43/"]),          # not a unit path: no unit "/43/4311/" lies above it
    ("", []),
])
def test_enclosing_paths_are_the_units_a_path_lies_inside(path, expected):
    assert list(enclosing_paths(path)) == expected


UNITS = ["/43/", "/43/11/", "/43/11/001/", "/43/11/001/007/", "/43/12/", "/43/12/001/",
         "/43/1/", "/43/11/00/"]
EVENTS = [["/43/11/001/007/"], ["/43/12/"], ["/43/"], ["/43/11/", "/43/12/001/"], [],
          ["/43/11/001/007/", "/43/11/001/007/"], ["/44/"]]


@pytest.mark.parametrize("paths", EVENTS)
def test_the_index_admits_the_same_consoles_as_the_reach_rule(paths):
    async def scenario():
        hub = LocalHub()
        subs = {u: hub.subscribe(u) for u in UNITS}
        event = {"type": "order", "paths": paths}
        hub.deliver(event)
        await asyncio.sleep(0)
        got = {u for u, s in subs.items() if not s.queue.empty()}
        assert got == {u for u in UNITS if visible_to(event, u)}
        assert all(s.queue.qsize() <= 1 for s in subs.values())   # once, even if named twice

    run(scenario())


def test_every_console_gets_the_same_text_and_a_stalled_one_stops_growing():
    async def scenario():
        hub = LocalHub()
        a, b = hub.subscribe("/43/11/"), hub.subscribe("/43/11/")
        for i in range(1005):
            hub.deliver({"type": "order", "order_id": i, "paths": ["/43/11/001/"]})
        first_a, first_b = a.queue.get_nowait(), b.queue.get_nowait()
        assert first_a is first_b and json.loads(first_a)["order_id"] == 0
        assert a.queue.qsize() == 999      # 1,000 kept, the rest dropped for the stalled console
        hub.unsubscribe(a)
        hub.deliver({"type": "order", "order_id": -1, "paths": ["/43/11/"]})
        assert a.queue.qsize() == 999 and hub.count == 1

    run(scenario())


def test_a_publish_from_another_thread_reaches_the_loop():
    async def scenario():
        hub = LocalHub()
        sub = hub.subscribe("/43/")
        await asyncio.to_thread(hub.deliver, {"type": "order", "paths": ["/43/11/"]})
        text = await asyncio.wait_for(sub.queue.get(), 2)
        assert json.loads(text) == {"type": "order"}     # the routing paths stay on the server

    run(scenario())


def test_an_app_stopping_leaves_the_relay_that_another_app_still_needs():
    """Two apps in one process (the API and a test client, or two test clients) share the
    broker: the one that stops first must not stop the relay of the other, whose consoles
    would hear nothing more (seen when the test client's relay was stopped under it)."""
    from dispatch.realtime.broker import Broker

    broker = Broker("redis://127.0.0.1:1/0")        # never reached: the relay keeps retrying

    async def two_apps_on_one_loop() -> None:
        loop = asyncio.get_running_loop()
        await broker.start_relay()
        await broker.start_relay()
        await broker.stop_relay()
        running = broker._tasks[loop]
        assert len(running) == 2 and not any(t.done() for t in running)
        await broker.stop_relay()
        await asyncio.sleep(0)
        assert all(t.cancelled() for t in running) and loop not in broker._tasks

    async def an_app_on_its_own_loop() -> None:
        await broker.start_relay()
        await broker.stop_relay()

    async def one_app_while_another_comes_and_goes() -> None:
        await broker.start_relay()
        mine = list(broker._tasks[asyncio.get_running_loop()])
        await asyncio.to_thread(run, an_app_on_its_own_loop())
        assert not any(t.done() for t in mine)
        await broker.stop_relay()

    run(two_apps_on_one_loop())
    run(one_app_while_another_comes_and_goes())


def test_a_batch_published_through_redis_reaches_each_console_event_by_event(tmp_path):
    """A routing job publishes its batch as one Redis message: the relay of an API process
    still hands every event, in order, to each console that may see it, and to no other."""
    from dispatch.realtime.broker import Broker
    from tests.dispatch.fault_stack import Stack

    stack = Stack(tmp_path)
    stack.start_redis()
    try:
        broker = Broker(f"redis://127.0.0.1:{stack.redis_port}/0")
        events = [{"type": "order", "order_id": i, "paths": [f"/43/{11 + i % 2}/"]} for i in range(5)]

        async def scenario() -> None:
            eleven, twelve = broker.hub.subscribe("/43/11/"), broker.hub.subscribe("/43/12/")
            await broker.start_relay()
            try:
                await asyncio.sleep(0.5)                   # the relay's subscription is in place
                await asyncio.to_thread(broker.publish_many, events)
                heard = {}
                for name, sub in (("11", eleven), ("12", twelve)):
                    heard[name] = [json.loads(await asyncio.wait_for(sub.queue.get(), 5))["order_id"]
                                   for _ in range(3 if name == "11" else 2)]
                assert heard == {"11": [0, 2, 4], "12": [1, 3]}
                assert eleven.queue.empty() and twelve.queue.empty()
            finally:
                await broker.stop_relay()

        run(scenario())
    finally:
        stack.stop_redis()

"""Order events to live consoles: in-process fan-out, bridged through Redis pub/sub in production.

A sign-out travels the same way ({"type": "revoke"}): every process closes that user's sockets
opened with an earlier token (``Broker.revoke``).

`publish` is synchronous and thread-safe (flows run in worker threads and RQ workers); each API
process keeps its own subscribers and, in production, relays the Redis channel to them through
one subscription per process. Subscribers are indexed by unit path, so an event costs a lookup
per ancestor of each path it names, not a test per connected console; it is encoded once and
every console gets the same text.

A push Redis refuses is kept in the database's outbox (dispatch/realtime/outbox.py) and
published once Redis answers again; a relay that was cut off replays, when it subscribes again,
what the outbox published meanwhile. Outbox events carry an ``event_id`` and each relay
delivers one only once, so a console sees every event of an outage once.
"""
from __future__ import annotations

import asyncio
import importlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from dispatch.config import get_settings

log = logging.getLogger(__name__)
CHANNEL = "hotline:events"
PING_SECONDS = 25
PING = json.dumps({"type": "ping"})
MAX_BACKLOG = 1000       # events waiting for one console; beyond that a stalled console drops them
RECONNECT_SECONDS = 0.5  # a relay's wait before subscribing again after losing Redis
REPLAY_MARGIN = timedelta(minutes=1)
SEEN_EVENTS = 20_000     # outbox event ids a hub remembers, to drop a repeat


def visible_to(event: dict[str, Any], unit_path: str) -> bool:
    """The same reach rule as order queries: the owning platform or any hop inside the unit."""
    return any(p and p.startswith(unit_path) for p in event.get("paths", []))


def enclosing_paths(path: str) -> Iterator[str]:
    """Every unit path that ``path`` starts with: "/61/6100/" → "/", "/61/", "/61/6100/".

    A unit path ends with "/", so these are exactly the units ``visible_to`` lets see it."""
    i = path.find("/")
    while i != -1:
        yield path[:i + 1]
        i = path.find("/", i + 1)


def encode(event: dict[str, Any]) -> str:
    return json.dumps(event, ensure_ascii=False, default=str)


def console_text(event: dict[str, Any]) -> str:
    """What a console receives: the event without its routing paths, which name other units
    (and, for a notice to many units, would make every frame as long as the audience)."""
    return encode({k: v for k, v in event.items() if k != "paths"})


@dataclass(eq=False)
class Subscriber:
    unit_path: str
    loop: asyncio.AbstractEventLoop
    user_id: int | None = None
    token_version: int = 0        # of the token the socket was opened with
    revoked: bool = False         # its user signed out: the sender closes the socket
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)

    def offer(self, text: str) -> None:
        if self.queue.qsize() >= MAX_BACKLOG:  # a stalled console must not hold the others back
            return
        self.queue.put_nowait(text)

    def close(self) -> None:
        """Wake the sender: the console has gone."""
        self.queue.put_nowait(None)


def _offer_all(subs: list[Subscriber], text: str) -> None:
    for sub in subs:
        sub.offer(text)


def _revoke_all(subs: list[Subscriber]) -> None:
    for sub in subs:
        sub.revoked = True
        sub.close()


class LocalHub:
    """Subscribers of this process, by unit path."""

    def __init__(self) -> None:
        self._by_path: dict[str, set[Subscriber]] = {}
        self._by_user: dict[int, set[Subscriber]] = {}
        self._seen: OrderedDict[tuple[str, object], None] = OrderedDict()
        self._lock = threading.Lock()

    def subscribe(self, unit_path: str, *, user_id: int | None = None,
                  token_version: int = 0) -> Subscriber:
        sub = Subscriber(unit_path=unit_path, loop=asyncio.get_running_loop(), user_id=user_id,
                         token_version=token_version)
        with self._lock:
            self._by_path.setdefault(unit_path, set()).add(sub)
            if user_id is not None:
                self._by_user.setdefault(user_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            for index, key in ((self._by_path, sub.unit_path), (self._by_user, sub.user_id)):
                subs = index.get(key)
                if subs is not None:
                    subs.discard(sub)
                    if not subs:
                        del index[key]

    def audience(self, event: dict[str, Any]) -> set[Subscriber]:
        """The subscribers ``visible_to`` admits, found through the index."""
        with self._lock:
            found: set[Subscriber] = set()
            for path in {p for p in event.get("paths", []) if p}:
                for unit_path in enclosing_paths(path):
                    subs = self._by_path.get(unit_path)
                    if subs:
                        found.update(subs)
            return found

    def deliver(self, event: dict[str, Any],
                loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Queue the event's text (encoded once) for every subscriber that may see it (only
        those of ``loop`` when given: each event loop's relay serves its own sockets). A
        revocation closes the sockets it names instead."""
        if "event_id" in event and not self._first_delivery(event["event_id"], loop):
            return
        if event.get("type") == "revoke":
            self.revoke(event.get("user_id"), event.get("version"), loop)
            return
        subs = self.audience(event)
        if loop is not None:
            subs = {s for s in subs if s.loop is loop}
        if subs:
            self._hand_over(subs, _offer_all, console_text(event))

    def _first_delivery(self, event_id: str, loop: asyncio.AbstractEventLoop | None) -> bool:
        """False for an outbox event the consoles of ``loop`` already had: after an outage a
        relay may get it both from its replay and through Redis."""
        key = (event_id, loop)
        with self._lock:
            if key in self._seen:
                return False
            self._seen[key] = None
            if len(self._seen) > SEEN_EVENTS:
                self._seen.popitem(last=False)
        return True

    def revoke(self, user_id: object, version: object,
               loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Close the user's sockets opened with a token older than ``version``."""
        if not isinstance(version, int):
            return
        with self._lock:
            subs = {s for s in self._by_user.get(user_id, ())  # type: ignore[arg-type]
                    if s.token_version < version and (loop is None or s.loop is loop)}
        if subs:
            self._hand_over(subs, _revoke_all)

    def ping(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Keep idle sockets alive through proxies: one pass for all (of ``loop`` when given),
        no timer per socket."""
        with self._lock:
            subs = {s for group in self._by_path.values() for s in group
                    if loop is None or s.loop is loop}
        self._hand_over(subs, _offer_all, PING)

    def _hand_over(self, subs: set[Subscriber], apply, *args) -> None:
        """``apply(group, *args)`` on each event loop's group of ``subs``, on that loop."""
        by_loop: dict[asyncio.AbstractEventLoop, list[Subscriber]] = {}
        for sub in subs:
            by_loop.setdefault(sub.loop, []).append(sub)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for loop, group in by_loop.items():
            if loop is running:
                apply(group, *args)
                continue
            try:   # one wake-up per event loop, not one per console
                loop.call_soon_threadsafe(apply, group, *args)
            except RuntimeError:  # its loop has closed
                for sub in group:
                    self.unsubscribe(sub)

    @property
    def has_subscribers(self) -> bool:
        """Any console at all in this process (a relay with none need not decode events)."""
        return bool(self._by_path)

    @property
    def count(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._by_path.values())


class Broker:
    def __init__(self, redis_url: str | None) -> None:
        self.hub = LocalHub()
        self.redis_url = redis_url
        self._redis = None
        # per event loop (one per app; tests run several): its start-ups and its tasks
        self._starts: dict[asyncio.AbstractEventLoop, int] = {}
        self._tasks: dict[asyncio.AbstractEventLoop, list[asyncio.Task]] = {}

    def publish(self, event: dict[str, Any]) -> None:
        if not self.redis_url:
            self.hub.deliver(event)
            return
        self._push([event], encode(event))

    def revoke(self, *, user_id: int, version: int) -> None:
        """A sign-out: this process closes the user's older sockets at once (Redis or not),
        every other process when the message reaches it."""
        event = {"type": "revoke", "user_id": user_id, "version": version}
        self.hub.deliver(event)
        if self.redis_url:
            self.publish(event)

    def publish_many(self, events: list[dict[str, Any]]) -> None:
        """Several events as one Redis message, a JSON list (intake's micro-batches, a routing
        batch): every API process's relay then takes one message for the batch, not one per
        event."""
        if not self.redis_url:
            for event in events:
                self.hub.deliver(event)
            return
        if events:
            self._push(events, json.dumps(events, ensure_ascii=False, default=str))

    def _push(self, events: list[dict[str, Any]], text: str) -> None:
        """Publish; if Redis refuses, keep the events in the outbox and start this process's
        recovery task, which publishes them once Redis answers (the caller never waits)."""
        try:
            self._send(text)
        except Exception as exc:
            from dispatch.realtime import outbox

            log.warning("could not publish %d events (%s); kept in the outbox", len(events), exc)
            outbox.keep(events)
            # by import path: the recovery task (dispatch.jobs) publishes through this broker
            importlib.import_module("dispatch.jobs.recovery").get_recovery().notice()

    def _send(self, text: str) -> None:
        if self._redis is None:
            from dispatch.redis_conn import connect
            self._redis = connect(self.redis_url, socket_connect_timeout=2)
        self._redis.publish(CHANNEL, text)

    def publish_outbox(self) -> int:
        """Publish what the outbox holds (after an outage); the number of events sent."""
        if not self.redis_url:
            return 0
        from dispatch.realtime import outbox
        return outbox.publish_pending(self._send)

    async def start_relay(self) -> None:
        """The keep-alive pass and, in production, the relay of the Redis channel, for the
        running event loop's sockets. Counted: an app stopping on the same loop, or on
        another, never stops the relay an app still running needs."""
        loop = asyncio.get_running_loop()
        self._starts[loop] = self._starts.get(loop, 0) + 1
        if self._tasks.get(loop):
            return
        self._tasks[loop] = [asyncio.create_task(self._ping_forever(loop))]
        if self.redis_url:
            self._tasks[loop].append(asyncio.create_task(self._relay_forever(loop)))

    async def stop_relay(self) -> None:
        loop = asyncio.get_running_loop()
        self._starts[loop] = self._starts.get(loop, 1) - 1
        if self._starts[loop] > 0:
            return
        del self._starts[loop]
        for task in self._tasks.pop(loop, []):
            task.cancel()

    async def _ping_forever(self, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            await asyncio.sleep(PING_SECONDS)
            self.hub.ping(loop)

    async def _relay_forever(self, loop: asyncio.AbstractEventLoop) -> None:
        from dispatch.redis_conn import connect_async

        lost_at: datetime | None = None
        while True:
            try:
                client = connect_async(self.redis_url)
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    if lost_at is not None:   # subscribed again: what went out meanwhile
                        await self._replay(loop, lost_at)
                        lost_at = None
                    async for msg in pubsub.listen():
                        if msg.get("type") == "message" and self.hub.has_subscribers:
                            events = json.loads(msg["data"])   # one event, or a list of them
                            for event in events if isinstance(events, list) else (events,):
                                self.hub.deliver(event, loop)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis restarted or failed over: reconnect
                lost_at = lost_at or datetime.now(UTC)
                log.warning("event relay lost Redis (%s); reconnecting", exc)
                await asyncio.sleep(RECONNECT_SECONDS)

    async def _replay(self, loop: asyncio.AbstractEventLoop, lost_at: datetime) -> None:
        """Deliver the outbox's events published while this relay was away (another
        process's clock may lag: a margin; the hub drops what the consoles already had)."""
        from dispatch.realtime import outbox

        try:
            events = await asyncio.to_thread(outbox.replay_since, lost_at - REPLAY_MARGIN)
        except Exception:   # the database is away too: those events are lost for this relay
            log.exception("could not replay the outbox")
            return
        for event in events:
            self.hub.deliver(event, loop)


@lru_cache
def get_broker() -> Broker:
    return Broker(get_settings().redis_url)

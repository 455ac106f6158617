"""Order events to live consoles: in-process fan-out, bridged through Redis pub/sub in production.

`publish` is synchronous and thread-safe (flows run in worker threads and RQ workers); each API
process keeps its own subscribers and, in production, relays the Redis channel to them.
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from dispatch.config import get_settings

log = logging.getLogger(__name__)
CHANNEL = "hotline:events"


def visible_to(event: dict[str, Any], unit_path: str) -> bool:
    """The same reach rule as order queries: the owning platform or any hop inside the unit."""
    return any(p and p.startswith(unit_path) for p in event.get("paths", []))


@dataclass(eq=False)
class Subscriber:
    unit_path: str
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(maxsize=1000))

    def offer(self, event: dict[str, Any]) -> None:
        if self.queue.full():  # a stalled console must not hold the others back
            return
        self.queue.put_nowait(event)


class LocalHub:
    """Subscribers of this process."""

    def __init__(self) -> None:
        self._subs: set[Subscriber] = set()
        self._lock = threading.Lock()

    def subscribe(self, unit_path: str) -> Subscriber:
        sub = Subscriber(unit_path=unit_path, loop=asyncio.get_running_loop())
        with self._lock:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            self._subs.discard(sub)

    def deliver(self, event: dict[str, Any]) -> None:
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            if visible_to(event, sub.unit_path):
                try:
                    sub.loop.call_soon_threadsafe(sub.offer, event)
                except RuntimeError:  # its loop has closed
                    self.unsubscribe(sub)

    @property
    def count(self) -> int:
        return len(self._subs)


class Broker:
    def __init__(self, redis_url: str | None) -> None:
        self.hub = LocalHub()
        self.redis_url = redis_url
        self._redis = None
        self._relay: asyncio.Task | None = None

    def publish(self, event: dict[str, Any]) -> None:
        if not self.redis_url:
            self.hub.deliver(event)
            return
        try:
            if self._redis is None:
                from redis import Redis
                self._redis = Redis.from_url(self.redis_url, socket_connect_timeout=2)
            self._redis.publish(CHANNEL, json.dumps(event, ensure_ascii=False, default=str))
        except Exception as exc:  # live push is best effort; the order itself is committed
            log.warning("could not publish event: %s", exc)

    async def start_relay(self) -> None:
        """In production: relay the Redis channel to this process's subscribers."""
        if self.redis_url and self._relay is None:
            self._relay = asyncio.create_task(self._relay_forever())

    async def stop_relay(self) -> None:
        if self._relay:
            self._relay.cancel()
            self._relay = None

    async def _relay_forever(self) -> None:
        from redis.asyncio import Redis

        while True:
            try:
                client = Redis.from_url(self.redis_url)
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    async for msg in pubsub.listen():
                        if msg.get("type") == "message":
                            self.hub.deliver(json.loads(msg["data"]))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis restarted: reconnect
                log.warning("event relay lost Redis (%s); reconnecting", exc)
                await asyncio.sleep(1)


@lru_cache
def get_broker() -> Broker:
    return Broker(get_settings().redis_url)

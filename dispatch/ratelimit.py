"""Rate limits: failed sign-ins and wrong status look-ups (dispatch/auth/throttle.py has the
rule) and, per client address, the public channel and citizen endpoints.

Counters live in Redis in production (shared by every API replica) and in this process
otherwise; the doors' counts (`RateLimit`) go to Redis at most every ``SYNC_SECONDS`` per
key (`Counters.incr_soon`), so a replica sees the others' requests within that time. They are
never a reason to let a request through: when Redis does not answer within
``timeout`` (down, restarting, frozen), this process's own counters decide, and Redis is left
alone for a few seconds. Every Redis call is awaited (redis.asyncio), so a slow Redis never
holds up the event loop; its client is per event loop, as redis.asyncio requires.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from dispatch.auth import throttle
from dispatch.errors import TooManyRequests, error_response

log = logging.getLogger(__name__)
REDIS_RETRY_SECONDS = 5.0     # after a failed call, count in-process this long before retrying
SYNC_SECONDS = 0.25           # a door's counts reach Redis (and the other replicas) within this


@dataclass(frozen=True)
class Rule:
    prefix: str
    limit: int          # requests per window per client address
    window: int         # seconds
    methods: frozenset[str] = frozenset({"POST"})   # the methods counted


class MemoryCounter:
    """This process's counters: key -> (count, expiry on the monotonic clock)."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()    # one per process; event loops of several threads use it

    def get(self, keys: list[str]) -> list[int]:
        now = time.monotonic()
        with self._lock:
            found = [self._counts.get(k, (0, 0.0)) for k in keys]
        return [count if expires > now else 0 for count, expires in found]

    def incr(self, keys: list[str], ttl: int) -> list[int]:
        now = time.monotonic()
        with self._lock:
            if len(self._counts) > 100_000:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            out = []
            for key in keys:
                count, expires = self._counts.get(key, (0, 0.0))
                count = count + 1 if expires > now else 1
                self._counts[key] = (count, now + ttl if count == 1 else expires)
                out.append(count)
            return out


class Counters:
    """Fixed-window counters in Redis when it answers, else in this process (see module doc).
    Every increment is kept here too, so a replica that loses Redis still knows what it saw."""

    def __init__(self, redis_url: str | None, *, timeout: float = 0.5) -> None:
        self.redis_url, self.timeout = redis_url, timeout
        self.local = MemoryCounter()
        self._clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._skip_redis_until = 0.0
        self._pending: dict[str, int] = {}                 # counted here since the last sync
        self._shared: dict[str, tuple[int, float]] = {}    # Redis' total then, next sync at

    async def get(self, keys: list[str]) -> list[int]:
        found = await self._redis(lambda r: r.mget(keys))
        if found is None:
            return self.local.get(keys)
        return [int(v) if v is not None else 0 for v in found]

    async def incr(self, keys: list[str], ttl: int) -> list[int]:
        local = self.local.incr(keys, ttl)

        async def both(r):
            pipe = r.pipeline(transaction=False)
            for key in keys:
                pipe.incr(key)
                pipe.expire(key, ttl)
            return (await pipe.execute())[::2]
        counted = await self._redis(both)
        return local if counted is None else [int(n) for n in counted]

    async def incr_soon(self, key: str, ttl: int) -> int:
        """Count one request on `key` and answer its count, sharing this process's increments
        with Redis at most every ``SYNC_SECONDS`` per key: the count is Redis' total at the
        last sync plus what this process counted since, so other replicas' requests count
        here within that time. One round trip per key and interval, not per request: a Redis
        round trip per channel report cost it as much CPU as storing the order did."""
        local = self.local.incr([key], ttl)[0]
        pending = self._pending[key] = self._pending.get(key, 0) + 1
        shared, sync_at = self._shared.get(key, (0, 0.0))
        now = time.monotonic()
        if now < sync_at:
            return max(local, shared + pending)
        if len(self._shared) >= 4096:      # old windows' keys (a key names its window)
            self._shared.clear()
            self._pending = {key: pending}
        self._pending[key] = 0
        self._shared[key] = (shared + pending, now + SYNC_SECONDS)   # one sync at a time

        async def add(r):
            pipe = r.pipeline(transaction=False)
            pipe.incrby(key, pending)
            pipe.expire(key, ttl)
            return (await pipe.execute())[0]
        counted = await self._redis(add)
        if counted is None:
            return local
        self._shared[key] = (int(counted), now + SYNC_SECONDS)
        return max(local, int(counted) + self._pending.get(key, 0))

    async def _redis(self, call):
        """``call(client)``'s answer, or None when Redis is not configured or does not answer."""
        if not self.redis_url or time.monotonic() < self._skip_redis_until:
            return None
        try:
            async with asyncio.timeout(self.timeout):    # (wait_for made a task per call)
                return await call(self._client())
        except Exception as exc:          # down, frozen, restarting: count here meanwhile
            log.warning("rate limit counters: Redis did not answer (%s: %s); counting in this "
                        "process for %.0f s", type(exc).__name__, exc, REDIS_RETRY_SECONDS)
            self._skip_redis_until = time.monotonic() + REDIS_RETRY_SECONDS
            return None

    def _client(self):
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            from dispatch.redis_conn import connect_async

            client = self._clients[loop] = connect_async(
                self.redis_url, socket_connect_timeout=self.timeout, socket_timeout=self.timeout)
        return client


def _retry_after(window: int) -> int:
    return window - int(time.time()) % window


class LoginThrottle:
    """Applies ``throttle.refusal`` with the counters: ``check`` before the password is
    verified, ``failed`` after a wrong one."""

    def __init__(self, counters: Counters, limits: throttle.LoginLimits, *,
                 scope: str = "login") -> None:
        self.counters, self.limits, self.scope = counters, limits, scope

    def _keys(self, username: str, client: str) -> list[str]:
        window_no = int(time.time()) // self.limits.window
        return list(throttle.keys(username=username, client=client, window_no=window_no,
                                  scope=self.scope))

    async def check(self, *, username: str, client: str) -> None:
        seen = throttle.Failures(*await self.counters.get(self._keys(username, client)))
        reason = throttle.refusal(self.limits, seen)
        if reason is not None:
            retry = _retry_after(self.limits.window)
            raise TooManyRequests(reason, details={"retry_after": retry},
                                  headers={"Retry-After": str(retry)})

    async def failed(self, *, username: str, client: str) -> None:
        await self.counters.incr(self._keys(username, client), self.limits.window + 1)


class RateLimit:
    """Requests per client address and window on the paths of ``rules`` (their methods)."""

    def __init__(self, app: ASGIApp, *, rules: list[Rule], counters: Counters) -> None:
        self.app, self.rules, self.counters = app, rules, counters

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self._rule(scope)
        if rule is not None:
            client = (scope.get("client") or ("?", 0))[0]
            key = f"hotline:rl:{rule.prefix}:{client}:{int(time.time()) // rule.window}"
            if await self.counters.incr_soon(key, rule.window + 1) > rule.limit:
                retry = _retry_after(rule.window)
                resp = error_response(scope["path"], 429, "rate_limited", f"too many requests: "
                                      f"{rule.limit} per {rule.window}s", {"retry_after": retry},
                                      {"Retry-After": str(retry)})
                await resp(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _rule(self, scope: Scope) -> Rule | None:
        if scope["type"] != "http":
            return None
        return next((r for r in self.rules if scope["path"].startswith(r.prefix)
                     and scope.get("method") in r.methods), None)

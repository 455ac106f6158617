"""Fixed-window rate limits per client address on login and the public channel endpoints.

Counters live in Redis in production (shared by every API replica) and in memory otherwise.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send


@dataclass(frozen=True)
class Rule:
    prefix: str
    limit: int          # requests per window per client address
    window: int         # seconds


class MemoryCounter:
    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def incr(self, key: str, window: int) -> int:
        with self._lock:
            if len(self._counts) > 100_000:  # old windows: drop them all rather than grow
                self._counts.clear()
            self._counts[key] = self._counts.get(key, 0) + 1
            return self._counts[key]


class RedisCounter:
    def __init__(self, url: str) -> None:
        from redis import Redis

        self.redis = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)

    def incr(self, key: str, window: int) -> int:
        pipe = self.redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, window + 1)
        return int(pipe.execute()[0])


class RateLimit:
    def __init__(self, app: ASGIApp, *, rules: list[Rule], counter) -> None:
        self.app, self.rules, self.counter = app, rules, counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self._rule(scope)
        if rule is not None:
            window_no = int(time.time()) // rule.window
            client = (scope.get("client") or ("?", 0))[0]
            key = f"hotline:rl:{rule.prefix}:{client}:{window_no}"
            try:
                count = self.counter.incr(key, rule.window)
            except Exception:  # the limiter must never take the service down with it
                count = 0
            if count > rule.limit:
                retry = rule.window - int(time.time()) % rule.window
                resp = JSONResponse({"code": "rate_limited", "message":
                                     f"too many requests: {rule.limit} per {rule.window}s",
                                     "details": {"retry_after": retry}}, status_code=429,
                                    headers={"Retry-After": str(retry)})
                await resp(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _rule(self, scope: Scope) -> Rule | None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            return None
        return next((r for r in self.rules if scope["path"].startswith(r.prefix)), None)

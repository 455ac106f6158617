"""Signed nonces seen within the signature window, so that one signed query carries one body.

WeChat's plaintext-mode signature covers token, timestamp and nonce but not the body: whoever
saw one delivery could put another body under its query string while the timestamp is fresh.
`first_body` remembers the SHA-256 of the first body under a key for the window's length;
the same body again is WeChat's own retry (answered as the first time), another body is a
forgery. Kept in Redis (SET NX: every API replica sees it) when HOTLINE_REDIS_URL is set, in
this process otherwise. If Redis does not answer, this process's memory stands in: a replay to
another replica then goes unseen until Redis is back, but messages keep flowing.
"""
from __future__ import annotations

import logging
import threading
import time
from functools import lru_cache

from redis.exceptions import RedisError

from dispatch.config import get_settings
from dispatch.redis_conn import connect

log = logging.getLogger(__name__)
PREFIX = "hotline:nonce:"


class MemoryNonces:
    """Keys with their first value until they expire; expired keys are dropped as it grows."""

    def __init__(self, sweep_at: int = 10_000) -> None:
        self._seen: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._sweep_at = sweep_at

    def first(self, key: str, value: str, ttl: int) -> str:
        now = time.monotonic()
        with self._lock:
            if len(self._seen) >= self._sweep_at:
                self._seen = {k: v for k, v in self._seen.items() if v[1] > now}
            kept = self._seen.get(key)
            if kept is None or kept[1] <= now:
                self._seen[key] = kept = (value, now + ttl)
            return kept[0]


class RedisNonces:
    def __init__(self, url: str) -> None:
        self.redis = connect(url, socket_connect_timeout=1, socket_timeout=1)

    def first(self, key: str, value: str, ttl: int) -> str:
        if self.redis.set(PREFIX + key, value, nx=True, ex=ttl):
            return value
        kept = self.redis.get(PREFIX + key)
        return kept.decode() if kept is not None else value   # (expired in between)


_MEMORY = MemoryNonces()


@lru_cache(maxsize=2)
def _redis(url: str) -> RedisNonces:
    return RedisNonces(url)


def first_body(key: str, digest: str, ttl: int) -> str:
    """The body digest first seen under `key` within `ttl` seconds (`digest` if none was)."""
    url = get_settings().redis_url
    if url:
        try:
            return _redis(url).first(key, digest, ttl)
        except RedisError as exc:
            log.warning("nonce store: Redis unavailable (%s); this process remembers", exc)
    return _MEMORY.first(key, digest, ttl)

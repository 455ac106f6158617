"""Redis clients for every part that talks to Redis: a plain URL, or the primary that Redis
Sentinel names.

With ``HOTLINE_REDIS_SENTINELS=host:port,host:port,…`` set, a client is
``Sentinel(...).master_for(HOTLINE_REDIS_SENTINEL_MASTER)``: each new connection asks the
sentinels where the primary is, and a connection that loses the primary (or finds it demoted
to a replica, READONLY) is dropped, so the next command reaches the primary Sentinel promoted.
``HOTLINE_REDIS_URL`` still says that Redis is used at all and gives the database number and
the password; its host and port are not used then. Without sentinels, the URL is used as it
always was: the single-machine mode does not change.

The callers keep their own timeouts and their own handling of a Redis that is down (the job
queue's sweeper, the relay's reconnect loop, the rate limiter counting in-process); a failover
looks to them like a short Redis restart.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from dispatch.config import get_settings


def sentinel_addresses(text: str) -> list[tuple[str, int]]:
    """``"h1:26379, h2:26380"`` → ``[("h1", 26379), ("h2", 26380)]``; a missing port is
    Sentinel's 26379. Empty text: no sentinels."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        host, sep, port = part.rpartition(":")
        if not sep:
            host, port = part, "26379"
        if not host or not port.isdigit():
            raise ValueError(f"a sentinel is host:port, not {part!r}")
        out.append((host.strip("[]"), int(port)))
    return out


def _url_parts(url: str) -> dict[str, Any]:
    """The database number, user, password and TLS a URL gives (what Sentinel mode keeps)."""
    u = urlsplit(url)
    db = u.path.lstrip("/")
    parts: dict[str, Any] = {"db": int(db) if db.isdigit() else 0}
    if u.password:
        parts["password"] = u.password
    if u.username:
        parts["username"] = u.username
    if u.scheme == "rediss":
        parts["ssl"] = True
    return parts


def _client(url: str, kwargs: dict[str, Any], *, asyncio: bool):
    s = get_settings()
    addresses = sentinel_addresses(s.redis_sentinels)
    if asyncio:
        from redis.asyncio import Redis
        from redis.asyncio.sentinel import Sentinel
    else:
        from redis import Redis
        from redis.sentinel import Sentinel
    if not addresses:
        return Redis.from_url(url, **kwargs)
    # the sentinels themselves answer quickly or not at all: a dead one is skipped
    timeout = kwargs.get("socket_connect_timeout") or 2
    sentinels = Sentinel(addresses, sentinel_kwargs={"socket_connect_timeout": timeout,
                                                     "socket_timeout": timeout})
    return sentinels.master_for(s.redis_sentinel_master, **{**_url_parts(url), **kwargs})


def connect(url: str, **kwargs: Any):
    """A synchronous client (``redis.Redis``) for ``url``, or for the Sentinel primary."""
    return _client(url, kwargs, asyncio=False)


def connect_async(url: str, **kwargs: Any):
    """An asyncio client (``redis.asyncio.Redis``) for ``url``, or for the Sentinel primary."""
    return _client(url, kwargs, asyncio=True)

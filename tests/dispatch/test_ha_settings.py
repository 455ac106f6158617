"""The settings of the high-availability layout (docs/high-availability.md): a multi-host
database URL reaches both drivers whole, and HOTLINE_REDIS_SENTINELS makes every Redis client a
Sentinel-managed one. The failovers themselves are in tests/ha (``-m ha``)."""
from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine

from dispatch.config import Settings, get_settings
from dispatch.db import intake_url
from dispatch.redis_conn import connect, connect_async, sentinel_addresses

MULTI = ("postgresql+psycopg://hotline:s%40cret@/hotline?host=db1:5432&host=db2:5433"
         "&target_session_attrs=read-write&connect_timeout=3")


@pytest.mark.parametrize("text, addresses", [
    ("", []),
    ("10.0.0.1:26379", [("10.0.0.1", 26379)]),
    ("s1:26379, s2:26380 ,s3", [("s1", 26379), ("s2", 26380), ("s3", 26379)]),
    ("[::1]:26379,", [("::1", 26379)]),
])
def test_sentinel_addresses_are_read_from_the_setting(text, addresses):
    assert sentinel_addresses(text) == addresses


@pytest.mark.parametrize("text", ["s1:port", ":26379"])
def test_a_malformed_sentinel_address_is_refused(text):
    with pytest.raises(ValueError, match="host:port"):
        sentinel_addresses(text)


def test_sqlalchemy_hands_psycopg_every_host_and_the_read_write_requirement():
    engine = create_engine(MULTI)
    _, params = engine.dialect.create_connect_args(engine.url)
    assert (params["host"], params["port"]) == ("db1,db2", "5432,5433")
    assert params["target_session_attrs"] == "read-write" and params["connect_timeout"] == "3"


def test_the_intake_pool_gets_every_host_and_the_timeout_asyncpg_takes():
    from sqlalchemy.ext.asyncio import create_async_engine

    url, args = intake_url(create_engine(MULTI).url)
    engine = create_async_engine(url, connect_args=args)
    _, params = engine.sync_engine.dialect.create_connect_args(engine.url)
    assert params["host"] == ["db1", "db2"] and params["port"] == [5432, 5433]
    assert params["target_session_attrs"] == "read-write" and "connect_timeout" not in params
    assert args["timeout"] == 3.0


def test_sentinels_need_the_redis_url_for_the_database_number(monkeypatch):
    monkeypatch.delenv("HOTLINE_REDIS_URL", raising=False)
    with pytest.raises(ValidationError, match="HOTLINE_REDIS_SENTINELS needs HOTLINE_REDIS_URL"):
        Settings(redis_sentinels="s1:26379")


@pytest.fixture
def sentinels(monkeypatch):
    monkeypatch.setenv("HOTLINE_REDIS_SENTINELS", "s1:26379,s2:26379")
    monkeypatch.setenv("HOTLINE_REDIS_SENTINEL_MASTER", "hotline")
    monkeypatch.setenv("HOTLINE_REDIS_URL", "redis://ignored/0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_with_sentinels_a_client_asks_them_for_the_primary(sentinels):
    """No connection is made until a command: the pools only say where they will look."""
    client = connect("redis://:pw@ignored:6379/3", socket_connect_timeout=2)
    pool = client.connection_pool
    assert pool.service_name == "hotline" and pool.is_master
    assert [c.connection_pool.connection_kwargs["host"] for c in pool.sentinel_manager.sentinels] \
        == ["s1", "s2"]
    assert (pool.connection_kwargs["db"], pool.connection_kwargs["password"]) == (3, "pw")
    aclient = connect_async("redis://ignored/5")
    assert aclient.connection_pool.service_name == "hotline"
    assert aclient.connection_pool.connection_kwargs["db"] == 5


def test_without_sentinels_the_url_is_used_as_before():
    client = connect("redis://127.0.0.1:6390/4")
    assert client.connection_pool.connection_kwargs["port"] == 6390
    assert not hasattr(client.connection_pool, "service_name")

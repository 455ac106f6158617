"""Failed sign-ins are throttled per client address and per account, on the real client
address (trusted proxies only), whether Redis answers, is down or is frozen; an unknown
username costs a password verification like a known one."""
from __future__ import annotations

import asyncio
import os
import signal
from contextlib import contextmanager
from unittest import mock

import httpx
import pytest

from hotline.demo import DEMO_PASSWORD
from tests.dispatch.fault_stack import redis_server
from tests.dispatch.test_realtime_hub import run


@pytest.mark.parametrize("client, account_here, account, refused", [
    (0, 0, 0, False),
    (29, 4, 99, False),
    (30, 0, 0, True),          # this address sprays many accounts
    (5, 5, 5, True),           # this address guesses one account
    (5, 4, 100, True),         # the account is under attack and this address failed on it
    (5, 0, 1000, False),       # ... but an address that has not failed on it may try
])
def test_which_addresses_must_wait(client, account_here, account, refused):
    from dispatch.auth.throttle import Failures, LoginLimits, refusal

    limits = LoginLimits(window=900, per_client=30, per_account=5, account_alarm=100)
    assert (refusal(limits, Failures(client, account_here, account)) is not None) == refused


@contextmanager
def settings_env(**env: str):
    """Settings read from these HOTLINE_* variables while the block runs (the app under test is
    built inside it); the session's own settings afterwards."""
    from dispatch.config import get_settings

    with mock.patch.dict(os.environ, {f"HOTLINE_{k.upper()}": v for k, v in env.items()}):
        get_settings.cache_clear()
        try:
            yield
        finally:
            get_settings.cache_clear()
    get_settings.cache_clear()


def login_app(**env: str):
    from hotline.api import create_app

    with settings_env(**env):
        return create_app(run_sweeper=False)


def tight(**more: str) -> dict[str, str]:
    """Small limits in one long window (no test straddles two); the old single per-address
    limit set alike."""
    return {"login_window_seconds": "100000000", "login_failures_per_client": "5", "login_failures_per_account": "3",
            "login_failures_account_alarm": "1000", "login_rate_per_minute": "5", **more}


def sign_in(app, username: str, password: str, address: str = "10.1.1.1", **headers) -> int:
    from starlette.testclient import TestClient

    c = TestClient(app, client=(address, 40000))
    return c.post("/api/v1/auth/token", data={"username": username, "password": password},
                  headers=headers).status_code


def test_failed_sign_ins_are_throttled_while_redis_is_down(seeded):
    app = login_app(**tight(redis_url="redis://127.0.0.1:1/0"))   # nothing listens there
    codes = [sign_in(app, f"nobody-{i}", "wrong-password") for i in range(40)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}


def test_an_address_that_failed_does_not_lock_the_account_for_anyone_else(seeded):
    app = login_app(**tight())
    assert [sign_in(app, "county_supervisor", "wrong", "10.2.0.1") for _ in range(4)] == \
        [401, 401, 401, 429]
    # that address waits, even with the right password (a 200 would confirm a guess) ...
    assert sign_in(app, "county_supervisor", DEMO_PASSWORD, "10.2.0.1") == 429
    # ... its other users do not, nor does the account's owner elsewhere
    assert sign_in(app, "county_dispatcher", DEMO_PASSWORD, "10.2.0.1") == 200
    assert sign_in(app, "county_supervisor", DEMO_PASSWORD, "10.2.0.2") == 200


def test_an_account_attacked_from_many_addresses_gives_each_one_failure(seeded):
    app = login_app(**tight(login_failures_account_alarm="4"))
    assert [sign_in(app, "county_callback", "wrong", f"10.3.0.{i}") for i in range(4)] == [401] * 4
    assert sign_in(app, "county_callback", "wrong", "10.3.0.9") == 401   # its first failure
    assert sign_in(app, "county_callback", "wrong", "10.3.0.9") == 429
    assert sign_in(app, "county_callback", DEMO_PASSWORD, "10.3.0.1") == 429
    assert sign_in(app, "county_callback", DEMO_PASSWORD, "10.3.0.20") == 200


def test_sign_ins_served_as_the_cli_serves_them_count_the_real_client(seeded):
    """uvicorn configured by `hotline serve` (hotline/cli.py): X-Forwarded-For is believed
    from the trusted proxy only, so a client rotating it is still one client, and the clients
    behind the proxy are counted apart."""
    import uvicorn

    from hotline.cli import server_options
    from dispatch.config import get_settings

    with settings_env(**tight(trusted_proxies="10.9.9.9")):
        config = uvicorn.Config(login_app(**tight(trusted_proxies="10.9.9.9")),
                                **server_options(get_settings()), log_config=None)
        config.load()

    async def post(peer: str, forwarded: str, password: str = "wrong") -> int:
        transport = httpx.ASGITransport(config.loaded_app, client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as c:
            r = await c.post("/api/v1/auth/token", headers={"X-Forwarded-For": forwarded},
                             data={"username": "township_handler", "password": password})
            return r.status_code

    async def scenario():
        # from 127.0.0.1, which uvicorn itself would trust, the header is ignored: not a proxy
        rotating = [await post("127.0.0.1", f"198.51.100.{i}") for i in range(8)]
        assert rotating[-1] == 429
        behind = [await post("10.9.9.9", "203.0.113.7") for _ in range(4)]
        assert behind == [401, 401, 401, 429]
        assert await post("10.9.9.9", "203.0.113.8", DEMO_PASSWORD) == 200

    run(scenario())


def test_the_cli_believes_no_forwarded_header_unless_told():
    from hotline.cli import server_options
    from dispatch.config import Settings

    assert server_options(Settings())["proxy_headers"] is False
    assert server_options(Settings(trusted_proxies="172.28.0.10")) == {
        "proxy_headers": True, "forwarded_allow_ips": "172.28.0.10"}


@pytest.fixture
def private_redis():
    with redis_server() as running:
        yield running


def test_a_frozen_redis_holds_up_neither_the_server_nor_the_count(seeded, private_redis):
    """Redis stops answering (SIGSTOP) with an address at its limit: while its next sign-in
    waits for Redis, the server answers other requests, and once Redis answers, that sign-in
    is refused on Redis' count (not let through for want of one)."""
    proc, url = private_redis
    app = login_app(**tight(redis_url=url, limiter_timeout_seconds="120"))

    async def scenario():
        transport = httpx.ASGITransport(app, client=("10.5.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as c:
            def attempt(i: int):
                return c.post("/api/v1/auth/token", data={"username": f"nobody-frozen-{i}",
                                                          "password": "wrong"})
            assert [(await attempt(i)).status_code for i in range(5)] == [401] * 5
            proc.send_signal(signal.SIGSTOP)
            waiting = asyncio.ensure_future(attempt(5))
            for _ in range(200):
                await asyncio.sleep(0)
            assert (await c.get("/healthz")).status_code == 200
            assert not waiting.done()
            proc.send_signal(signal.SIGCONT)
            assert (await waiting).status_code == 429

    run(scenario())


def test_an_unknown_username_costs_a_password_verification_like_a_known_one(session):
    """Timing: without a verification for unknown names, an unknown name answers in a few
    milliseconds and a known one in a few hundred."""
    from dispatch.auth import security, service
    from dispatch.errors import Unauthorized

    verified = []
    real = security._hasher.verify

    def counting(password, hashed):
        verified.append(hashed)
        return real(password, hashed)

    with mock.patch.object(security._hasher, "verify", side_effect=counting):
        for username in ("county_supervisor", "no-such-user-anywhere"):
            with pytest.raises(Unauthorized):
                service.authenticate(session, username=username, password="wrong-password")
    assert len(verified) == 2

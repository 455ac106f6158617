"""Live push: a console hears about orders within its unit's reach, and only those."""
from __future__ import annotations

import queue
import threading

import pytest
from starlette.websockets import WebSocketDisconnect

from hotline.demo import DEMO_PASSWORD
from tests.helpers import act, auth, new_call, wait_state


def _listen(ws, into: queue.Queue, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            into.put(ws.receive_json())
        except Exception:
            return


def _events_for(q: queue.Queue, order_id: int, timeout: float = 10.0) -> list[dict]:
    got = []
    try:
        while True:
            ev = q.get(timeout=timeout)
            if ev.get("order_id") == order_id:
                got.append(ev)
                timeout = 1.0
    except queue.Empty:
        return got


def test_village_console_hears_order_passed_down_to_it_and_other_village_does_not(
        client, tokens, seeded, session):
    from dispatch.orgs import service as orgs

    other = [v for v in orgs.children(session, seeded.township.id) if v.id != seeded.village.id][0]
    client.post("/api/v1/users", headers=auth(tokens["admin"]),
                json={"username": "ws_other_village", "role": "handler", "unit_id": other.id,
                      "password": DEMO_PASSWORD})
    other_token = client.post("/api/v1/auth/token", data={"username": "ws_other_village",
                                                         "password": DEMO_PASSWORD}).json()[
        "access_token"]
    oid = new_call(client, tokens["county_operator"], division_code=seeded.village.id)["order_id"]
    wait_state(client, tokens["county_dispatcher"], oid, "pending_dispatch")
    act(client, tokens["county_dispatcher"], oid, "dispatch", target_unit_id=seeded.township.id)
    act(client, tokens["township_handler"], oid, "sign_for")
    mine, theirs, stop = queue.Queue(), queue.Queue(), threading.Event()
    with client.websocket_connect(f"/api/v1/ws?token={tokens['village_handler']}") as ws, \
            client.websocket_connect(f"/api/v1/ws?token={other_token}") as ws2:
        assert ws.receive_json()["type"] == "hello" and ws2.receive_json()["type"] == "hello"
        for w, q in ((ws, mine), (ws2, theirs)):
            threading.Thread(target=_listen, args=(w, q, stop), daemon=True).start()
        act(client, tokens["township_handler"], oid, "pass_down", target_unit_id=seeded.village.id,
            reason="请村里处理")
        events = _events_for(mine, oid)
        assert events and events[-1]["state"] == "dispatched"
        assert events[-1]["action"] == "pass_down"
        assert _events_for(theirs, oid, timeout=2.0) == []
        stop.set()


def test_socket_without_valid_token_is_closed_with_4401(client):
    with pytest.raises(WebSocketDisconnect) as err:
        with client.websocket_connect("/api/v1/ws?token=not-a-jwt") as ws:
            ws.receive_json()
    assert err.value.code == 4401


def test_logout_revokes_the_token_for_api_and_socket(client, tokens, seeded):
    # its own user: logging out revokes every token of that user, shared fixtures included
    client.post("/api/v1/users", headers=auth(tokens["admin"]),
                json={"username": "logout_probe", "role": "supervisor",
                      "unit_id": seeded.county.id, "password": DEMO_PASSWORD})
    r = client.post("/api/v1/auth/token", data={"username": "logout_probe",
                                               "password": DEMO_PASSWORD})
    token = r.json()["access_token"]
    assert client.get("/api/v1/auth/me", headers=auth(token)).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=auth(token)).status_code == 204
    r = client.get("/api/v1/auth/me", headers=auth(token))
    assert r.status_code == 401 and r.json()["message"] == "token revoked"
    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect(f"/api/v1/ws?token={token}") as ws:
            ws.receive_json()


def test_an_expired_token_is_refused_by_api_and_socket(client, session):
    from datetime import UTC, datetime, timedelta

    from sqlmodel import select

    from dispatch.auth.models import User
    from dispatch.auth.security import create_token
    from dispatch.config import get_settings

    user = session.exec(select(User).where(User.username == "county_supervisor")).one()
    token = create_token(user_id=user.id, token_version=user.token_version,
                         secret=get_settings().secret_key, minutes=60,
                         now=datetime.now(UTC) - timedelta(minutes=61))   # expired a minute ago
    assert client.get("/api/v1/auth/me", headers=auth(token)).status_code == 401
    with pytest.raises(WebSocketDisconnect) as err:
        with client.websocket_connect(f"/api/v1/ws?token={token}") as ws:
            ws.receive_json()
    assert err.value.code == 4401


def _fresh_user(client, tokens, seeded, username: str) -> str:
    """A token of a user of its own: a sign-out revokes every token of its user."""
    client.post("/api/v1/users", headers=auth(tokens["admin"]),
                json={"username": username, "role": "supervisor", "unit_id": seeded.county.id,
                      "password": DEMO_PASSWORD})
    r = client.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    return r.json()["access_token"]


def test_logout_closes_the_users_open_socket_before_another_event(client, tokens, seeded):
    token = _fresh_user(client, tokens, seeded, "ws_logout_probe")
    with client.websocket_connect(f"/api/v1/ws?token={token}") as ws:
        assert ws.receive_json()["type"] == "hello"
        assert client.post("/api/v1/auth/logout", headers=auth(token)).status_code == 204
        new_call(client, tokens["county_operator"])      # an event the county would hear
        with pytest.raises(WebSocketDisconnect) as err:
            ws.receive_json()
    assert err.value.code == 4401


def test_the_socket_takes_its_token_as_a_subprotocol_and_never_echoes_it(client, tokens):
    from dispatch.realtime.views import SUBPROTOCOL

    with client.websocket_connect("/api/v1/ws", subprotocols=[
            SUBPROTOCOL, f"bearer.{tokens['county_supervisor']}"]) as ws:
        assert ws.accepted_subprotocol == SUBPROTOCOL
        assert ws.receive_json()["type"] == "hello"
    with pytest.raises(WebSocketDisconnect) as err:
        with client.websocket_connect("/api/v1/ws", subprotocols=[SUBPROTOCOL, "bearer.x"]) as ws:
            ws.receive_json()
    assert err.value.code == 4401


def test_a_sign_out_closes_the_users_sockets_on_every_api_process():
    """Two brokers on one Redis, as two API replicas: a sign-out on one closes the user's
    socket held by the other, and only those opened with an earlier token."""
    import asyncio

    from redis import Redis

    from dispatch.realtime.broker import CHANNEL, Broker
    from tests.conftest import wait_until
    from tests.dispatch.fault_stack import redis_server
    from tests.dispatch.test_realtime_hub import run

    with redis_server() as (_, url):
        async def scenario():
            here, there = Broker(url), Broker(url)
            await there.start_relay()
            await asyncio.to_thread(wait_until, lambda: Redis.from_url(url).pubsub_numsub(
                CHANNEL)[0][1] >= 1, 10)
            old = there.hub.subscribe("/4311/", user_id=7, token_version=0)
            new = there.hub.subscribe("/4311/", user_id=7, token_version=1)
            other = there.hub.subscribe("/4311/", user_id=8, token_version=0)
            here.revoke(user_id=7, version=1)
            assert await asyncio.wait_for(old.queue.get(), 10) is None and old.revoked
            # one revocation closes its sockets at once: the others are not among them
            assert new.queue.empty() and other.queue.empty()
            await there.stop_relay()

        run(scenario())


def test_an_event_published_while_redis_is_down_reaches_another_replicas_console_once(
        seeded, tmp_path, monkeypatch):
    """Two brokers on a private Redis, as two API replicas. Redis is killed, one publishes (the
    event is kept in the outbox), Redis comes back: the other's console gets the event once,
    whether its relay took it from the outbox's replay, from Redis, or both."""
    import asyncio
    import json

    from redis import Redis

    from dispatch.jobs import recovery
    from dispatch.realtime.broker import CHANNEL, Broker
    from tests.conftest import wait_until
    from tests.dispatch.fault_stack import Stack
    from tests.dispatch.test_realtime_hub import run

    stack = Stack(tmp_path)
    stack.start_redis()
    url = stack.env["HOTLINE_REDIS_URL"]
    here, there = Broker(url), Broker(url)
    probe = recovery.Recovery(url)            # this test's, not the suite's (its own Redis)
    monkeypatch.setattr(recovery, "get_recovery", lambda: probe)
    monkeypatch.setattr(recovery, "catch_up", lambda: (here.publish_outbox(), 0))
    event = {"type": "order", "action": "intake", "order_id": -424242, "paths": ["/43/4311/"]}
    try:
        async def scenario():
            await there.start_relay()
            await asyncio.to_thread(wait_until, lambda: Redis.from_url(url).pubsub_numsub(
                CHANNEL)[0][1] >= 1, 10)
            console = there.hub.subscribe("/43/")
            await asyncio.to_thread(stack.stop_redis)
            await asyncio.to_thread(here.publish, event)
            await asyncio.sleep(1)
            assert console.queue.empty(), "nothing can travel while Redis is down"
            await asyncio.to_thread(stack.start_redis)
            got = json.loads(await asyncio.wait_for(console.queue.get(), 30))
            assert got["order_id"] == event["order_id"] and got["event_id"]
            await asyncio.to_thread(wait_until, lambda: probe.passes >= 1, 30)
            await asyncio.sleep(2)     # a repeat (replay, then Redis) would be here by now
            assert console.queue.empty()
            await there.stop_relay()

        run(scenario())
    finally:
        stack.close()

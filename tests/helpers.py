"""Small helpers the API tests share."""
from __future__ import annotations

import itertools
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from tests.conftest import wait_until

_seq = itertools.count()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_call(client, token: str, **fields) -> dict:
    body = {"channel": "12345", "external_id": f"call-{uuid.uuid4().hex}",
            "content": "小区门口下水道堵塞，污水横流，请尽快处理。", "citizen_name": "张三",
            "citizen_phone": "13912345678", **fields}
    r = client.post("/api/v1/intake", json=body, headers=auth(token))
    assert r.status_code in (200, 201), r.text
    return r.json()


def act(client, token: str, order_id: int, action: str, expect: int = 200, **body) -> dict:
    r = client.post(f"/api/v1/orders/{order_id}/actions/{action}", json=body, headers=auth(token))
    assert r.status_code == expect, f"{action}: {r.status_code} {r.text}"
    return r.json()


def detail(client, token: str, order_id: int) -> dict:
    r = client.get(f"/api/v1/orders/{order_id}", headers=auth(token))
    assert r.status_code == 200, r.text
    return r.json()


def wait_state(client, token: str, order_id: int, *states: str, timeout: float = 30.0) -> dict:
    """Wait for the routing job (in-process or an RQ worker) to move the order on; until then
    the order may still be outside this user's reach (404), e.g. before a platform transfer."""
    def reached():
        r = client.get(f"/api/v1/orders/{order_id}", headers=auth(token))
        if r.status_code == 404:
            return None
        assert r.status_code == 200, r.text
        return r.json() if r.json()["state"] in states else None
    return wait_until(reached, timeout=timeout)


def unrouted_order(session, **fields):
    """An order straight from intake, with no routing job racing the test."""
    import uuid as _uuid

    from dispatch.intake import flows as intake
    from dispatch.intake.schemas import IntakeRequest
    from dispatch.orders.models import Order

    req = IntakeRequest(**{"channel": "12345", "external_id": _uuid.uuid4().hex, **fields})
    stored = intake.write(session, [req], actor=None, actor_name=intake.CHANNEL_ACTOR)[0]
    session.commit()
    return session.get(Order, stored.id)


@contextmanager
def serve(app) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port, in a background thread of this
    process (same database as the session); yields its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on",
                                           timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name="live-server")
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()

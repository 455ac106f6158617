"""Request ids, metrics, body size limits and rate limits."""
from __future__ import annotations

import logging
import socket
import threading

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from websockets.sync.client import connect

from hotline.api import create_app
from dispatch.ratelimit import Counters, RateLimit, Rule
from tests.conftest import wait_until
from tests.helpers import auth, new_call


def test_every_response_carries_a_request_id_and_echoes_the_callers(client):
    assert len(client.get("/healthz").headers["x-request-id"]) == 32
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"


def test_metrics_expose_orders_by_state_queue_and_latency(client, tokens):
    new_call(client, tokens["city_operator"])
    body = client.get("/metrics").text
    assert 'hotline_orders{state="' in body
    assert "hotline_queue_depth" in body and "hotline_sla_breaches" in body
    assert 'hotline_http_request_seconds_count{method="POST",route="/api/v1/intake"}' in body


def test_oversize_json_body_is_refused_with_413_before_parsing(client, tokens):
    from dispatch.config import get_settings

    big = "投" * get_settings().max_body_bytes
    r = client.post("/api/v1/intake", headers={**auth(tokens["city_operator"]),
                                               "Content-Type": "application/json"},
                    content=f'{{"channel":"12345","external_id":"big","content":"{big}"}}')
    assert r.status_code == 413 and r.json()["code"] == "too_large"


def test_malformed_json_is_a_422_with_a_reason(client, tokens):
    r = client.post("/api/v1/intake", headers={**auth(tokens["city_operator"]),
                                               "Content-Type": "application/json"},
                    content=b'{"channel": "12345", "content": ')
    assert r.status_code == 422 and r.json()["code"] == "invalid" and r.json()["message"]


def test_a_rate_limited_path_answers_429_with_retry_after():
    app = Starlette(routes=[Route("/api/v1/channels/x", lambda r: PlainTextResponse("ok"),
                                  methods=["GET", "POST"])])
    limited = RateLimit(app, rules=[Rule("/api/v1/channels/", 3, 60)], counters=Counters(None))
    c = TestClient(limited)
    codes = [c.post("/api/v1/channels/x").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    r = c.post("/api/v1/channels/x")
    assert 0 < int(r.headers["retry-after"]) <= 60 and r.json()["code"] == "rate_limited"
    assert c.get("/api/v1/channels/x").status_code == 200  # only POSTs count


def test_the_app_limits_public_channels_and_throttles_failed_sign_ins(app):
    rules = [m.kwargs["rules"] for m in app.user_middleware if m.cls is RateLimit][0]
    assert {r.prefix for r in rules} == {"/api/v1/channels/", "/api/v1/public/", "/open311/"}
    assert app.state.login_throttle.limits.per_account > 0


def test_tokens_in_urls_never_reach_the_servers_logs(seeded, tokens):
    """uvicorn logs every path with its query (the access log; the websocket's lines): a
    socket opened the old way, ``/api/v1/ws?token=…``, leaves the token out of them."""
    token = tokens["county_supervisor"]
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    loggers = [logging.getLogger(n) for n in ("uvicorn.access", "uvicorn.error")]
    levels = [lg.level for lg in loggers]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(run_sweeper=False), lifespan="off",
                                           log_config=None, access_log=True))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
    try:
        thread.start()
        wait_until(lambda: server.started, timeout=30)
        port = sock.getsockname()[1]
        with connect(f"ws://127.0.0.1:{port}/api/v1/ws?token={token}") as ws:
            assert '"hello"' in ws.recv(timeout=10)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz?token={token}").status_code == 200
        wait_until(lambda: any("/healthz" in line for line in lines), timeout=10)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        for lg, level in zip(loggers, levels):
            lg.removeHandler(handler)
            lg.setLevel(level)
    assert any("/api/v1/ws?token=[redacted]" in line for line in lines), lines
    assert not any(token in line for line in lines)


def test_the_public_citizen_and_open311_paths_count_reads_too(app):
    """The app's own rules, tightened to 2 a minute: a third GET of Open311 (or POST of the
    status look-up) from one address is 429 (Open311's in the spec's shape); a channel door's
    GETs are not counted."""
    rules = [m.kwargs["rules"] for m in app.user_middleware if m.cls is RateLimit][0]
    stub = Starlette(routes=[Route("/{rest:path}", lambda r: PlainTextResponse("ok"),
                                   methods=["GET", "POST"])])
    c = TestClient(RateLimit(stub, counters=Counters(None),
                             rules=[Rule(r.prefix, 2, 60, r.methods) for r in rules]))
    answers = [c.get("/open311/v2/services.json") for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 429]
    refused = answers[-1]                  # in the spec's error shape, as every Open311 error
    assert refused.json()[0]["code"] == 429 and refused.headers["Retry-After"]
    assert c.get("/open311/v2/services.xml").text.count("<code>429</code>") == 1
    assert [c.post("/api/v1/public/status").status_code for _ in range(3)] == [200, 200, 429]
    assert {c.get("/api/v1/channels/wechat").status_code for _ in range(4)} == {200}

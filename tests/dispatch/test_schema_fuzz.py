"""Hostile input: schemathesis sends generated requests — valid and invalid — to every operation
of the OpenAPI schema, and every answer must be a declared status with a body of the declared
shape, never a server error. Each request carries what its operation asks for: an admin's token,
a channel client's API key, the CTI's and Weibo relay's HMAC over the body, WeChat's signature
(the generated message encrypted as in safe mode). The last test checks that every operation of
the schema was called and got past its credentials at least once.

A quick profile (HOTLINE_FUZZ_EXAMPLES examples per operation, 8 by default, derandomized so a
CI run is repeatable); raise it for a deeper search, e.g. HOTLINE_FUZZ_EXAMPLES=300. The fuzzer
rewrites calendars, time-limit policies and KPI weights with arbitrary valid data, so the
conftest runs this module after every other test of the session.
"""
from __future__ import annotations

import base64
import json
import os
import time
import uuid

import pytest
import schemathesis
from defusedxml.ElementTree import fromstring
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from channels.security import sign
from hotline.api import create_app
from hotline.demo import DEMO_PASSWORD
from tests.helpers import auth

pytestmark = pytest.mark.fuzz
EXAMPLES = int(os.environ.get("HOTLINE_FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module", autouse=True)
def channels_configured():
    """Every channel with its test secrets (the channel tests' own when they ran first), WeChat
    in safe mode, so that signed requests can be made and reach what lies behind the signature
    check (an unconfigured channel rightly answers 503, which would hide everything behind it)."""
    from channels.config import get_channel_settings

    for name in ("CTI_SECRET", "WEIBO_SECRET", "WECHAT_TOKEN"):
        os.environ.setdefault(f"HOTLINE_{name}", f"fuzz-{name.lower()}")
    os.environ.setdefault("HOTLINE_WECHAT_AES_KEY", base64.b64encode(b"f" * 32).decode()[:43])
    os.environ.setdefault("HOTLINE_WECHAT_APP_ID", "wxf0220fuzz0000000")
    get_channel_settings.cache_clear()


@pytest.fixture(scope="module")
def sign_in(client, tokens, seeded):
    """Users of the fuzzer's own: an admin for most operations, an operator for the call desk's
    (an admin may not log calls), another admin that signs out (which revokes that user's
    tokens), so that nobody else's token is revoked."""
    def token(name: str, role: str = "admin") -> str:
        r = client.post("/api/v1/users", headers=auth(tokens["admin"]),
                        json={"username": name, "role": role, "unit_id": seeded.city.id,
                              "password": DEMO_PASSWORD})
        assert r.status_code in (201, 409), r.text
        r = client.post("/api/v1/auth/token", data={"username": name, "password": DEMO_PASSWORD})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]
    return token


@pytest.fixture(scope="module")
def admin_token(sign_in):
    return sign_in("fuzz_admin")


# built at import, as schemathesis parametrizes at collection (its lazy fixture loader does not
# run on pytest 9); requests reach the database the session's fixtures seeded
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(run_sweeper=False))
ANSWERED: dict[str, set[int]] = {}      # operation → the statuses it answered in this run
KEYED = {"/api/v1/channels/110/incidents": "110", "/api/v1/channels/app/reports": "app",
         "/api/v1/channels/grid/events": "grid", "/api/v1/channels/grid/batches": "grid",
         "/api/v1/channels/website/letters": "website", "/api/v1/channels/cppcc/items": "cppcc",
         "/api/v1/channels/attachments": "app", "/open311/v2/requests.{format}": "open311"}
HMAC = {"/api/v1/channels/cti/calls": "cti_secret",
        "/api/v1/channels/weibo/messages": "weibo_secret"}
WECHAT = "/api/v1/channels/wechat"
DESK = {"/api/v1/intake", "/api/v1/orders/by-phone/{phone}"}      # the call desk's alone


def hmac_signed(case, secret: str) -> dict:
    """The body as it will be sent, and the signature over it."""
    body = case.as_transport_kwargs()
    raw = json.dumps(body["json"]).encode() if "json" in body else body.get("data") or b""
    ts = str(int(time.time()))
    return {"data": raw, "headers": {"X-Timestamp": ts, "X-Signature": sign(secret, ts, raw)}}


def wechat_signed(case) -> dict:
    """WeChat's query signature; a POST's generated message encrypted into its envelope."""
    from wechatpy.crypto import WeChatCrypto
    from wechatpy.utils import WeChatSigner

    from channels.config import get_channel_settings

    s = get_channel_settings()
    ts, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    signer = WeChatSigner()
    signer.add_data(s.wechat_token, ts, nonce)
    params = {"signature": signer.signature, "timestamp": ts, "nonce": nonce}
    if case.method.upper() == "GET":
        return {"params": params}
    message = case.as_transport_kwargs().get("data") or b""
    message = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
    crypto = WeChatCrypto(s.wechat_token, s.wechat_aes_key, s.wechat_app_id)
    envelope = crypto.encrypt_message(message, nonce, ts)
    return {"params": {**params, "encrypt_type": "aes",
                       "msg_signature": fromstring(envelope).findtext("MsgSignature")},
            "data": envelope.encode()}


@pytest.fixture
def credentials(client, admin_token, sign_in):
    """The call arguments that satisfy an operation's own credentials. A client key is made
    for each operation that needs one (the fuzz may revoke the keys made earlier)."""
    from channels.config import get_channel_settings

    keys: dict[str, str] = {}

    def key(channel: str) -> str:
        if channel not in keys:
            r = client.post("/api/v1/channels/clients", headers=auth(admin_token),
                            json={"channel": channel, "name": "fuzz"})
            assert r.status_code == 201, r.text
            keys[channel] = r.json()["api_key"]
        return keys[channel]

    def of(case) -> dict:
        path = case.path
        token = (sign_in("fuzz_leaver") if path == "/api/v1/auth/logout" else
                 sign_in("fuzz_operator", "operator") if path in DESK else admin_token)
        extra: dict = {}
        if path in KEYED:
            extra = {"headers": {"X-Api-Key": key(KEYED[path])}}
        elif path in HMAC:
            extra = hmac_signed(case, getattr(get_channel_settings(), HMAC[path]))
        elif path == WECHAT:
            extra = wechat_signed(case)
        return {**extra, "headers": {**auth(token), **extra.get("headers", {})}}
    return of


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_schema_says(case, credentials):
    response = case.call_and_validate(checks=CHECKS, **credentials(case))
    if case.method.upper() == case.operation.method.upper():   # (not a probe of another method)
        ANSWERED.setdefault(case.operation.label, set()).add(response.status_code)


def test_every_operation_was_called_and_got_past_its_credentials():
    """Runs after the fuzz above (same module, later): nothing left out, nothing locked out."""
    documented = {f"{method.upper()} {path}" for path, item in schema.raw_schema["paths"].items()
                  for method in item if method in ("get", "put", "post", "delete", "patch")}
    assert documented - set(ANSWERED) == set()
    locked_out = {op: answers for op, answers in ANSWERED.items() if answers <= {401, 403, 503}}
    assert locked_out == {}

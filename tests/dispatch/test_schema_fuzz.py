"""Hostile input: schemathesis sends generated requests — valid and invalid — to every operation
of the OpenAPI schema, signed in as an admin, and every answer must be a declared status with a
body of the declared shape, never a server error.

A quick profile (HOTLINE_FUZZ_EXAMPLES examples per operation, 8 by default, derandomized so a
CI run is repeatable); raise it for a deeper search, e.g. HOTLINE_FUZZ_EXAMPLES=300. The fuzzer
rewrites calendars, time-limit policies and KPI weights with arbitrary valid data, so the
conftest runs this module after every other test of the session.
"""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dispatch.api import create_app
from dispatch.demo import DEMO_PASSWORD
from tests.helpers import auth

pytestmark = pytest.mark.fuzz
EXAMPLES = int(os.environ.get("HOTLINE_FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module", autouse=True)
def channels_configured():
    """Signed channels with secrets, so that their requests reach the signature check (an
    unconfigured channel rightly answers 503, which would hide everything behind it)."""
    from channels.config import get_channel_settings

    for name in ("CTI_SECRET", "WEIBO_SECRET", "WECHAT_TOKEN"):
        os.environ.setdefault(f"HOTLINE_{name}", f"fuzz-{name.lower()}")
    get_channel_settings.cache_clear()


@pytest.fixture(scope="module")
def sign_in(client, tokens, seeded):
    """Admins of the fuzzer's own: one for every operation, another that signs out (which
    revokes that user's tokens), so that nobody else's token is revoked."""
    def token(name: str) -> str:
        r = client.post("/api/v1/users", headers=auth(tokens["admin"]),
                        json={"username": name, "role": "admin", "unit_id": seeded.city.id,
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


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_schema_says(case, sign_in, admin_token):
    token = sign_in("fuzz_leaver") if case.path == "/api/v1/auth/logout" else admin_token
    case.call_and_validate(headers=auth(token), checks=CHECKS)

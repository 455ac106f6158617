"""The intake endpoint's two paths store the same order and answer the same errors: the lean one
(PostgreSQL, plain intakes) and the full one (every database; attachments, closing at once and
the duplicate search, `?duplicates=true`, always take it)."""
from __future__ import annotations

import uuid

from sqlmodel import select

from dispatch.orders.models import Order, TimelineEntry
from tests.conftest import DB_URL
from tests.helpers import auth

# what intake decides; routing (which may already run) changes other columns
INTAKE_COLUMNS = ("channel", "title", "content", "citizen_name", "citizen_phone", "confidential",
                  "address", "division_code", "division_path", "division_unresolved",
                  "latitude", "longitude", "is_grid", "platform_id", "platform_path", "raw",
                  "received_at")
TIMELINE_COLUMNS = ("action", "actor_name", "actor_role", "actor_user_id", "to_state",
                    "attachment_ids")


def _post(client, token: str, body: dict, **params):
    return client.post("/api/v1/intake", json=body, params=params, headers=auth(token))


def _stored(session, order_id: int) -> tuple[dict, dict, str]:
    session.expire_all()
    order = session.get(Order, order_id)
    entry = session.exec(select(TimelineEntry).where(TimelineEntry.order_id == order_id,
                                                     TimelineEntry.action == "intake")).one()
    data = {k: v for k, v in entry.data.items() if k != "external_id"}
    return ({c: getattr(order, c) for c in INTAKE_COLUMNS},
            {**{c: getattr(entry, c) for c in TIMELINE_COLUMNS}, "data": data}, order.number)


def test_postgresql_api_processes_take_the_lean_path(client):
    assert (client.app.state.lean is not None) == DB_URL.startswith("postgresql")


def test_lean_and_full_paths_store_the_same_order(client, tokens, session, seeded):
    token = tokens["county_operator"]
    base = {"channel": "12345", "content": "村口路灯坏了三天，晚上很黑。", "title": "",
            "citizen_name": "李四", "citizen_phone": "13800001111", "address": "某村口",
            "division_code": seeded.county.id, "latitude": 26.2, "longitude": 111.6,
            "received_at": "2026-11-27T08:00:00+08:00", "raw": {"来源": "测试", "n": 1}}
    for extra in ({}, {"division_code": "no-such-place"}, {"confidential": True,
                                                           "division_code": None}):
        body = {**base, **extra}
        lean = _post(client, token, {**body, "external_id": f"lean-{uuid.uuid4().hex}"})
        full = _post(client, token, {**body, "external_id": f"full-{uuid.uuid4().hex}"},
                     duplicates="true")
        assert lean.status_code == full.status_code == 201, (lean.text, full.text)
        got, want = _stored(session, lean.json()["order_id"]), _stored(session,
                                                                        full.json()["order_id"])
        assert got[:2] == want[:2], extra
        assert got[2][:-7] == want[2][:-7] and got[2] == lean.json()["number"]


def test_a_retry_answers_the_stored_order_on_either_path(client, tokens):
    token = tokens["county_operator"]
    body = {"channel": "12345", "external_id": f"retry-{uuid.uuid4().hex}", "content": "噪音扰民"}
    first = _post(client, token, body)
    assert first.status_code == 201
    for params in ({}, {"duplicates": "true"}):
        again = _post(client, token, body, **params)
        assert again.status_code == 200 and again.json()["order_id"] == first.json()["order_id"]
        assert again.json()["created"] is False


def test_a_signed_out_operator_is_refused_before_anything_is_stored(client, tokens, session,
                                                                    seeded):
    username = f"op-{uuid.uuid4().hex[:8]}"
    made = client.post("/api/v1/users", headers=auth(tokens["admin"]), json={
        "username": username, "password": "a-long-password", "role": "operator",
        "unit_id": seeded.county.id})
    assert made.status_code == 201, made.text
    token = client.post("/api/v1/auth/token", data={"username": username,
                                                    "password": "a-long-password"}
                        ).json()["access_token"]
    body = {"channel": "12345", "external_id": f"out-{uuid.uuid4().hex}", "content": "井盖丢失"}
    assert client.post("/api/v1/auth/logout", headers=auth(token)).status_code == 204
    refused = _post(client, token, body)
    assert refused.status_code == 401 and refused.json()["message"] == "token revoked"
    assert _post(client, tokens["village_handler"], body).status_code == 403
    assert session.exec(select(Order).where(Order.external_id == body["external_id"])).first() \
        is None


def test_a_logout_refuses_the_very_next_intake_on_either_path(client, tokens, session, seeded):
    """The lean path remembers who a caller is for a few seconds; their token is still checked
    by the statement that stores the order, and before handing a request to the full path, so a
    logout takes effect at once."""
    username = f"op-{uuid.uuid4().hex[:8]}"
    assert client.post("/api/v1/users", headers=auth(tokens["admin"]), json={
        "username": username, "password": "a-long-password", "role": "operator",
        "unit_id": seeded.county.id}).status_code == 201
    late = {"channel": "12345", "external_id": f"late-{uuid.uuid4().hex}", "content": "井盖丢失"}
    first = {"channel": "12345", "external_id": f"in-{uuid.uuid4().hex}", "content": "路灯不亮"}
    cases = [(late, {}), (late, {"duplicates": "true"}),
             ({**late, "division_code": "439999999"}, {}),    # a place the snapshot lacks
             (first, {})]                                      # a retry of a stored order
    for n, (body, params) in enumerate(cases):
        token = client.post("/api/v1/auth/token", data={"username": username,
                                                        "password": "a-long-password"}
                            ).json()["access_token"]
        remembered = {"channel": "12345", "external_id": f"in-{n}-{uuid.uuid4().hex}",
                      "content": "路灯不亮"}
        assert _post(client, token, first if n == 0 else remembered).status_code in (200, 201)
        assert client.post("/api/v1/auth/logout", headers=auth(token)).status_code == 204

        refused = _post(client, token, body, **params)
        assert refused.status_code == 401, (n, refused.text)
        assert refused.json()["message"] == "token revoked"
    assert session.exec(select(Order).where(Order.external_id == late["external_id"])).first() \
        is None


def test_a_value_the_database_cannot_store_is_a_422_not_a_crash(client, tokens, session):
    """PostgreSQL's text refuses NUL characters (SQLite stores them)."""
    body = {"channel": "12345", "external_id": f"nul-{uuid.uuid4().hex}", "content": "a\u0000b"}
    r = _post(client, tokens["county_operator"], body)
    assert r.status_code == (422 if DB_URL.startswith("postgresql") else 201), r.text
    stored = session.exec(select(Order).where(Order.external_id == body["external_id"])).first()
    assert (stored is not None) == (r.status_code == 201)

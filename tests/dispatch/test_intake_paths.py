"""The desk's intake endpoint: what it stores (the order and its timeline row), retries, and who
may log a call; with or without the duplicate search (`?duplicates=true`), which composes on
top of the same write."""
from __future__ import annotations

import uuid

from sqlmodel import select

from dispatch.orders.models import Order, TimelineEntry
from tests.conftest import DB_URL
from tests.helpers import auth

def _post(client, token: str, body: dict, **params):
    return client.post("/api/v1/intake", json=body, params=params, headers=auth(token))


def test_an_intake_stores_the_order_its_timeline_row_and_the_operator(client, tokens, session,
                                                                      seeded):
    body = {"channel": "12345", "content": "村口路灯坏了三天，晚上很黑。", "citizen_name": "李四",
            "citizen_phone": "13800001111", "address": "某村口", "raw": {"来源": "测试"},
            "received_at": "2026-11-27T08:00:00+08:00"}
    for place, params in ((seeded.county.id, {}), ("no-such-place", {"duplicates": "true"})):
        sent = {**body, "external_id": f"new-{uuid.uuid4().hex}", "division_code": place}
        r = _post(client, tokens["county_operator"], sent, **params)
        assert r.status_code == 201, r.text
        session.expire_all()
        order = session.get(Order, r.json()["order_id"])
        assert (order.number, order.content, order.citizen_phone, order.raw) == (
            r.json()["number"], sent["content"], "13800001111", {"来源": "测试"})
        assert order.platform_id == seeded.county.id       # the operator's platform
        assert order.division_unresolved is (place == "no-such-place") \
            is r.json()["division_unresolved"]
        entry = session.exec(select(TimelineEntry).where(TimelineEntry.order_id == order.id,
                                                         TimelineEntry.action == "intake")).one()
        assert (entry.actor_role, entry.to_state, entry.data["external_id"]) == (
            "operator", "received", sent["external_id"])
        assert entry.actor_user_id is not None and entry.actor_name


def test_a_retry_answers_the_stored_order_with_or_without_the_duplicate_search(client, tokens):
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


def test_a_logout_refuses_the_very_next_intake(client, tokens, session, seeded):
    """Whatever the intake (plain, with the duplicate search, an unknown place, a retry of a
    stored order), the caller's token is checked in the transaction that would store it."""
    username = f"op-{uuid.uuid4().hex[:8]}"
    assert client.post("/api/v1/users", headers=auth(tokens["admin"]), json={
        "username": username, "password": "a-long-password", "role": "operator",
        "unit_id": seeded.county.id}).status_code == 201
    late = {"channel": "12345", "external_id": f"late-{uuid.uuid4().hex}", "content": "井盖丢失"}
    first = {"channel": "12345", "external_id": f"in-{uuid.uuid4().hex}", "content": "路灯不亮"}
    cases = [(late, {}), (late, {"duplicates": "true"}),
             ({**late, "division_code": "439999999"}, {}),    # a place no unit names
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


def test_a_place_added_by_another_process_since_the_snapshot_is_placed(client, tokens, session,
                                                                      seeded):
    """Intake reads the unit tree from a snapshot; a unit it does not hold yet (another process
    added it: no event here empties the snapshot) is read from the database, not unresolved."""
    from sqlalchemy import insert

    from dispatch.orgs.models import OrgUnit

    token = tokens["county_operator"]
    body = {"channel": "12345", "content": "新建小区门口积水"}
    assert _post(client, token, {**body, "external_id": uuid.uuid4().hex}).status_code == 201
    county = session.get(OrgUnit, seeded.county.id)
    code = f"{county.id}{uuid.uuid4().int % 10**6:06d}"
    session.execute(insert(OrgUnit.__table__).values(
        id=code, name="新社区", short_name="", level="township", kind="territorial",
        parent_id=county.id, division_code=code, path=f"{county.path}{code}/", dept_type=None,
        categories=[], primary_categories=[]))
    session.commit()
    r = _post(client, token, {**body, "external_id": uuid.uuid4().hex, "division_code": code})
    assert r.status_code == 201 and r.json()["division_unresolved"] is False
    session.expire_all()
    order = session.get(Order, r.json()["order_id"])
    assert (order.division_code, order.division_path) == (code, f"{county.path}{code}/")

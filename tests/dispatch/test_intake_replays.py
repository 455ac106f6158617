"""A replay of an intake (the same channel and external id again) answers the stored order only
to a caller who may see it, and only for the same payload; anything else is a 409 that says
nothing about the order, with or without the duplicate search on top of the write."""
from __future__ import annotations

import uuid

import pytest

from hotline.demo import DEMO_PASSWORD
from dispatch.orgs import service as orgs
from tests.helpers import auth

PATHS = [{}, {"duplicates": "true"}]     # the plain write, and with the duplicate search on top


def _post(client, token: str, body: dict, **params):
    return client.post("/api/v1/intake", json=body, params=params, headers=auth(token))


@pytest.fixture(scope="module")
def other_county_operator(client, tokens, seeded) -> str:
    """An operator of a county other than the demo county."""
    from sqlmodel import Session

    from dispatch.db import get_engine

    with Session(get_engine()) as session:
        county = next(u for u in orgs.children(session, seeded.city.id)
                      if u.kind == "platform" and u.id != seeded.county.id)
    name = f"x-op-{uuid.uuid4().hex[:8]}"
    made = client.post("/api/v1/users", headers=auth(tokens["admin"]), json={
        "username": name, "role": "operator", "unit_id": county.id, "password": DEMO_PASSWORD})
    assert made.status_code == 201, made.text
    return client.post("/api/v1/auth/token", data={"username": name, "password": DEMO_PASSWORD}
                       ).json()["access_token"]


def _call(**fields) -> dict:
    return {"channel": "12345", "external_id": f"replay-{uuid.uuid4().hex}",
            "content": "小区门口下水道堵塞，污水横流。", "citizen_phone": "13912345678", **fields}


def test_another_countys_replay_learns_nothing_of_the_order(client, tokens, other_county_operator):
    body = _call()
    first = _post(client, tokens["county_operator"], body)
    assert first.status_code == 201, first.text
    order = first.json()
    assert client.get(f"/api/v1/orders/{order['order_id']}",
                      headers=auth(other_county_operator)).status_code == 404
    for params in PATHS:
        replay = _post(client, other_county_operator, body, **params)
        assert replay.status_code == 409, (params, replay.text)
        assert replay.json()["code"] == "conflict" and replay.json()["details"] is None
        assert str(order["order_id"]) not in replay.text and order["number"] not in replay.text


def test_a_replay_within_reach_answers_the_stored_order(client, tokens):
    """The city platform sees the county's orders: its replay is answered as a retry."""
    body = _call()
    first = _post(client, tokens["county_operator"], body).json()
    for params in PATHS:
        again = _post(client, tokens["city_operator"], body, **params)
        assert again.status_code == 200, (params, again.text)
        assert again.json()["order_id"] == first["order_id"] and not again.json()["created"]


def test_a_replay_with_another_payload_is_a_conflict_not_the_stored_order(client, tokens):
    body = _call()
    first = _post(client, tokens["county_operator"], body).json()
    for params in PATHS:
        for change in ({"content": "另一件事：路灯不亮。"}, {"citizen_phone": "13800001111"},
                       {"confidential": True}):
            replay = _post(client, tokens["county_operator"], {**body, **change}, **params)
            assert replay.status_code == 409, (params, change, replay.text)
            assert replay.json()["details"] is None
            assert str(first["order_id"]) not in replay.text
        same = _post(client, tokens["county_operator"], body, **params)
        assert same.status_code == 200 and same.json()["order_id"] == first["order_id"]


def test_a_replay_may_give_the_same_instant_in_another_offset(client, tokens):
    body = _call(received_at="2026-11-27T08:00:00+08:00")
    first = _post(client, tokens["county_operator"], body).json()
    again = _post(client, tokens["county_operator"], {**body,
                                                      "received_at": "2026-11-27T00:00:00Z"})
    assert again.status_code == 200 and again.json()["order_id"] == first["order_id"]


def test_nfc_and_nfd_spellings_of_one_external_id_are_one_order(client, tokens, session):
    import unicodedata

    from sqlmodel import select

    from dispatch.orders.models import Order

    body = _call(external_id=f"José-{uuid.uuid4().hex}", content="Café 门口占道经营")
    nfd = {k: unicodedata.normalize("NFD", v) if isinstance(v, str) else v
           for k, v in body.items()}
    assert nfd["external_id"] != body["external_id"]
    first = _post(client, tokens["county_operator"], body)
    assert first.status_code == 201, first.text
    for params in PATHS:
        again = _post(client, tokens["county_operator"], nfd, **params)
        assert again.status_code == 200, (params, again.text)
        assert again.json()["order_id"] == first.json()["order_id"]
    stored = session.exec(select(Order).where(Order.external_id == body["external_id"])).all()
    assert [o.id for o in stored] == [first.json()["order_id"]]

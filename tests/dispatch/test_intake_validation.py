"""What the intake endpoint refuses (422 with the reason) and what it flags: text of nothing but
spaces, phone numbers that are not numbers, booleans that are not booleans, and a division code
that names no place (kept, flagged and said so in the answer)."""
from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from dispatch.orders.models import Order, TimelineEntry
from tests.helpers import auth

PATHS = [{}, {"duplicates": "true"}]     # the plain write, and with the duplicate search on top


def _post(client, token: str, params: dict | None = None, **fields):
    body = {"channel": "12345", "external_id": f"v-{uuid.uuid4().hex}",
            "content": "小区门口下水道堵塞。", **fields}
    return body, client.post("/api/v1/intake", json=body, params=params or {},
                             headers=auth(token))


def _stored(session, external_id: str) -> Order | None:
    session.expire_all()
    return session.exec(select(Order).where(Order.external_id == external_id)).first()


@pytest.mark.parametrize("params", PATHS)
@pytest.mark.parametrize("field,value,where", [
    ("content", "   ", "content"), ("content", " \n\t\u3000", "content"),
    ("direct_answer", "  ", "direct_answer"),
    ("citizen_phone", "123", "citizen_phone"), ("citizen_phone", "138000011112", "citizen_phone"),
    ("confidential", "yes", "confidential"), ("confidential", 1, "confidential"),
    ("settled_on_spot", "true", "settled_on_spot"),
])
def test_bad_input_is_refused_with_its_reason_and_nothing_stored(client, tokens, session, params,
                                                                 field, value, where):
    body, r = _post(client, tokens["county_operator"], params=params, **{field: value})
    assert r.status_code == 422, r.text
    assert r.json()["message"].startswith(f"body.{where}:"), r.text
    assert _stored(session, body["external_id"]) is None


def test_a_phone_refusal_says_why(client, tokens):
    _, short = _post(client, tokens["county_operator"], citizen_phone="123")
    assert "too short" in short.json()["message"]
    _, long = _post(client, tokens["county_operator"], citizen_phone="138000011112")
    assert "not a valid Chinese mobile" in long.json()["message"]


@pytest.mark.parametrize("phone", ["13800001111", "0746-8223456", "12345", "+852 9123 4567"])
def test_real_numbers_are_taken(client, tokens, session, phone):
    body, r = _post(client, tokens["county_operator"], citizen_phone=phone)
    assert r.status_code == 201, r.text
    assert _stored(session, body["external_id"]).citizen_phone == phone


@pytest.mark.parametrize("params", PATHS)
def test_a_code_that_names_no_place_is_kept_flagged_and_said_so(client, tokens, session, seeded,
                                                                 params):
    for code in ("no-such-place", seeded.county_dept.id, seeded.city_dept.id):
        body, r = _post(client, tokens["county_operator"], division_code=code, params=params)
        assert r.status_code == 201, r.text
        assert r.json()["division_unresolved"] is True, code
        order = _stored(session, body["external_id"])
        assert order.division_unresolved and order.division_code is None, code
        entry = session.exec(select(TimelineEntry).where(TimelineEntry.order_id == order.id,
                                                         TimelineEntry.action == "intake")).one()
        assert entry.data["division_unresolved"] and entry.data["division_code_given"] == code
    for code in (seeded.village.id, seeded.county.id, None):
        body, r = _post(client, tokens["county_operator"], division_code=code, params=params)
        assert r.status_code == 201 and r.json()["division_unresolved"] is False, code
        assert not _stored(session, body["external_id"]).division_unresolved


"""GET /api/v1/console/approvals: the returns, extensions and suspensions a unit has to decide."""
from __future__ import annotations

from tests.helpers import act, auth, new_call, wait_state


def _at_township(client, t, seeded) -> int:
    oid = new_call(client, t["county_operator"], division_code=seeded.village.id)["order_id"]
    wait_state(client, t["county_dispatcher"], oid, "pending_dispatch")
    act(client, t["county_dispatcher"], oid, "dispatch", target_unit_id=seeded.township.id)
    act(client, t["township_handler"], oid, "sign_for")
    return oid


def _ids(client, token, kind="any") -> list[int]:
    r = client.get("/api/v1/console/approvals", params={"kind": kind}, headers=auth(token))
    assert r.status_code == 200, r.text
    return [o["id"] for o in r.json()["items"]]


def test_platform_dispatcher_sees_requests_of_the_unit_it_dispatched_to(client, tokens, seeded):
    t = tokens
    ext = _at_township(client, t, seeded)
    act(client, t["township_handler"], ext, "request_extension", reason="需协调多部门", extension_days=3)
    ret = _at_township(client, t, seeded)
    act(client, t["township_handler"], ret, "return_order", reason="不属于本街道辖区")
    assert ext in _ids(client, t["county_dispatcher"], "request")
    assert ret not in _ids(client, t["county_dispatcher"], "request")
    assert ret in _ids(client, t["county_dispatcher"], "return")
    assert {ext, ret} <= set(_ids(client, t["county_dispatcher"]))
    # the city platform is above the county and may decide too; the township may not
    assert ext in _ids(client, t["city_dispatcher"])
    assert ext not in _ids(client, t["township_handler"])

    act(client, t["county_dispatcher"], ext, "approve_extension")
    assert ext not in _ids(client, t["county_dispatcher"])


def test_township_sees_the_requests_of_the_village_it_passed_down_to(client, tokens, seeded):
    t = tokens
    oid = _at_township(client, t, seeded)
    act(client, t["township_handler"], oid, "pass_down", target_unit_id=seeded.village.id)
    act(client, t["village_handler"], oid, "sign_for")
    act(client, t["village_handler"], oid, "request_suspension", reason="等待产权单位答复")
    assert oid in _ids(client, t["township_handler"], "request")
    assert oid not in _ids(client, t["county_dispatcher"])
    assert _ids(client, t["county_operator"]) == []


def test_approvals_are_keyset_paginated(client, tokens, seeded):
    t = tokens
    for _ in range(3):
        oid = _at_township(client, t, seeded)
        act(client, t["township_handler"], oid, "request_suspension", reason="等待答复")
    first = client.get("/api/v1/console/approvals", params={"limit": 2},
                       headers=auth(t["county_dispatcher"])).json()
    assert len(first["items"]) == 2 and first["next_cursor"] == first["items"][-1]["id"]
    rest = client.get("/api/v1/console/approvals", params={"limit": 2, "before_id": first["next_cursor"]},
                      headers=auth(t["county_dispatcher"])).json()
    assert all(o["id"] < first["next_cursor"] for o in rest["items"])

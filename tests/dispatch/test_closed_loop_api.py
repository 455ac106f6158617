"""The six steps end to end through the API, across platform, township and village."""
from __future__ import annotations

from tests.helpers import act, auth, detail, new_call, wait_state


def test_call_passes_down_to_village_and_closes_after_satisfied_callback(client, tokens, seeded):
    t = tokens
    r = new_call(client, t["county_operator"], division_code=seeded.village.id)
    oid = r["order_id"]
    assert r["number"] and r["created"]
    wait_state(client, t["county_dispatcher"], oid, "pending_dispatch")
    act(client, t["county_dispatcher"], oid, "dispatch", target_unit_id=seeded.township.id,
        reason="属地处理")
    act(client, t["township_handler"], oid, "sign_for")
    act(client, t["township_handler"], oid, "pass_down", target_unit_id=seeded.village.id,
        reason="请村里处理")
    assert detail(client, t["village_handler"], oid)["state"] == "dispatched"
    act(client, t["village_handler"], oid, "sign_for")
    act(client, t["village_handler"], oid, "feedback", reason="已疏通", contacted=True, solved=True)
    back = detail(client, t["township_handler"], oid)
    assert back["state"] == "handling" and back["current_unit_name"] == seeded.township.name
    act(client, t["township_handler"], oid, "feedback", reason="村已疏通，镇复核", contacted=True,
        solved=True, public_reply="已疏通下水道")
    act(client, t["county_dispatcher"], oid, "audit_pass")
    act(client, t["county_callback"], oid, "callback", reached=True, contacted=True, solved=True,
        satisfied=True)
    closed = act(client, t["county_callback"], oid, "close")
    assert closed["state"] == "closed" and closed["close_kind"] == "dispatched"
    d = detail(client, t["county_supervisor"], oid)
    actions = [e["action"] for e in d["timeline"]]
    assert actions == ["intake", "queue_for_dispatcher", "dispatch", "sign_for", "pass_down",
                       "sign_for", "feedback", "feedback", "audit_pass", "callback", "close"]
    assert [e["id"] for e in d["timeline"]] == sorted(e["id"] for e in d["timeline"])


def test_illegal_action_answers_409_with_state_in_message(client, tokens, seeded):
    oid = new_call(client, tokens["county_operator"])["order_id"]
    wait_state(client, tokens["county_dispatcher"], oid, "pending_dispatch")
    r = client.post(f"/api/v1/orders/{oid}/actions/close", json={},
                    headers=auth(tokens["county_dispatcher"]))
    assert r.status_code == 409
    assert r.json()["message"] == "cannot close an order that is pending_dispatch"
    assert r.json()["code"] == "illegal_transition"


def test_retried_intake_returns_the_same_order(client, tokens):
    first = new_call(client, tokens["city_operator"], external_id="cti-call-777")
    again = new_call(client, tokens["city_operator"], external_id="cti-call-777")
    assert again["order_id"] == first["order_id"] and again["created"] is False


def test_village_staff_never_see_another_villages_order(client, tokens, seeded, session):
    from dispatch.orgs import service as orgs

    other = [v for v in orgs.children(session, seeded.township.id) if v.id != seeded.village.id][0]
    oid = new_call(client, tokens["county_operator"], division_code=other.id)["order_id"]
    wait_state(client, tokens["county_dispatcher"], oid, "pending_dispatch")
    act(client, tokens["county_dispatcher"], oid, "dispatch", target_unit_id=seeded.township.id)
    act(client, tokens["township_handler"], oid, "sign_for")
    act(client, tokens["township_handler"], oid, "pass_down", target_unit_id=other.id)
    r = client.get(f"/api/v1/orders/{oid}", headers=auth(tokens["village_handler"]))
    assert r.status_code == 404
    listed = client.get("/api/v1/orders", headers=auth(tokens["village_handler"])).json()
    assert oid not in [o["id"] for o in listed["items"]]


def test_city_call_about_a_county_goes_through_the_county_platform(client, tokens, seeded):
    """Two platforms: the city hands the call to the county platform, whose routing dispatches
    it to its own department; the county's dispatcher and supervisor own it from then on."""
    oid = new_call(client, tokens["city_operator"], division_code=seeded.village.id,
                   category_hint="交通运输")["order_id"]
    d = wait_state(client, tokens["county_dispatcher"], oid, "dispatched")
    assert d["platform_id"] == seeded.county.id
    assert d["current_unit_path"] == f"{seeded.county.path}{seeded.county.id}-transport/"
    steps = [(e["action"], e["to_state"]) for e in d["timeline"]]
    assert steps == [("intake", "received"), ("transfer_platform", "pending_dispatch"),
                     ("auto_dispatch", "dispatched")]


def test_a_return_without_a_reason_is_invalid_input_not_a_conflict(client, tokens, seeded):
    oid = new_call(client, tokens["county_operator"])["order_id"]
    wait_state(client, tokens["county_dispatcher"], oid, "pending_dispatch")
    act(client, tokens["county_dispatcher"], oid, "dispatch", target_unit_id=seeded.township.id)
    for reason in (None, "", "   "):
        body = {"reason_code": "wrong_unit"} | ({"reason": reason} if reason is not None else {})
        r = client.post(f"/api/v1/orders/{oid}/actions/return_order", json=body,
                        headers=auth(tokens["township_handler"]))
        assert r.status_code == 422, r.text
        assert "a reason is required" in r.json()["message"]
    act(client, tokens["township_handler"], oid, "return_order", reason="非本单位职责",
        reason_code="wrong_unit")

"""Role × action × own/other unit: every cell outside the rules is refused (403, or 404 when the
order is outside the user's reach), and the one rightful actor succeeds."""
from __future__ import annotations

import pytest

from hotline.demo import DEMO_PASSWORD
from dispatch.orgs import service as orgs
from tests.helpers import act, auth, new_call, wait_state

REFUSED = (403, 404)


@pytest.fixture(scope="module")
def everyone(client, tokens, seeded):
    """The demo users plus strangers: another county, another township, another village."""
    from sqlmodel import Session

    from dispatch.db import get_engine

    session = Session(get_engine())
    other_county = [u for u in orgs.children(session, seeded.city.id)
                    if u.kind == "platform" and u.id != seeded.county.id][0]
    other_town = [u for u in orgs.children(session, seeded.county.id)
                  if u.kind == "territorial" and u.id != seeded.township.id][0]
    other_village = [v for v in orgs.children(session, seeded.township.id)
                     if v.id != seeded.village.id][0]
    extra = {"x_county_dispatcher": ("dispatcher", other_county.id),
             "x_county_callback": ("callback_agent", other_county.id),
             "x_township_handler": ("handler", other_town.id),
             "x_village_handler": ("handler", other_village.id)}
    session.close()
    out = dict(tokens)
    for name, (role, unit) in extra.items():
        r = client.post("/api/v1/users", headers=auth(tokens["admin"]),
                        json={"username": name, "role": role, "unit_id": unit,
                              "password": DEMO_PASSWORD})
        assert r.status_code in (201, 409), r.text
        r = client.post("/api/v1/auth/token", data={"username": name, "password": DEMO_PASSWORD})
        out[name] = r.json()["access_token"]
    return out


def _pending(client, t, seeded=None) -> int:
    oid = new_call(client, t["county_operator"])["order_id"]
    wait_state(client, t["county_dispatcher"], oid, "pending_dispatch")
    return oid


def _dispatched(client, t, seeded) -> int:
    oid = _pending(client, t)
    act(client, t["county_dispatcher"], oid, "dispatch", target_unit_id=seeded.township.id)
    return oid


def _handling(client, t, seeded) -> int:
    oid = _dispatched(client, t, seeded)
    act(client, t["township_handler"], oid, "sign_for")
    return oid


def _reported(client, t, seeded) -> int:
    oid = _handling(client, t, seeded)
    act(client, t["township_handler"], oid, "feedback", reason="已处理", contacted=True, solved=True)
    return oid


def _callback(client, t, seeded) -> int:
    oid = _reported(client, t, seeded)
    act(client, t["county_dispatcher"], oid, "audit_pass")
    return oid


def _verified(client, t, seeded) -> int:
    oid = _callback(client, t, seeded)
    act(client, t["county_callback"], oid, "callback", reached=True, satisfied=True, solved=True)
    return oid


PLATFORM_DESK = {"county_dispatcher", "city_dispatcher", "county_operator", "city_operator"}
DISPATCHERS = {"county_dispatcher", "city_dispatcher"}
CALLBACK = {"county_callback", "city_callback", "county_dispatcher", "city_dispatcher"}
CELLS = [
    ("dispatch", _pending, {"target_unit_id": "TOWN"}, DISPATCHERS),
    ("refuse", _pending, {"reason": "不属于受理范围"}, PLATFORM_DESK),
    ("direct_close", _pending, {"reason": "已当场答复"}, PLATFORM_DESK),
    ("sign_for", _dispatched, {}, {"township_handler"}),
    ("return_order", _dispatched, {"reason": "非本单位职责"}, {"township_handler"}),
    ("pass_down", _handling, {"target_unit_id": "VILLAGE", "reason": "属地"}, {"township_handler"}),
    ("request_extension", _handling, {"reason": "需协调", "extension_days": 3},
     {"township_handler"}),
    ("feedback", _handling, {"reason": "已处理"}, {"township_handler"}),
    ("hand_over", _handling, {"reason": "有人员被困", "service": "119"},
     PLATFORM_DESK | {"township_handler"}),
    ("audit_pass", _reported, {}, DISPATCHERS),
    ("audit_fail", _reported, {"reason": "未附照片"}, DISPATCHERS),
    ("callback", _callback, {"reached": True, "satisfied": True}, CALLBACK),
    ("close", _verified, {}, CALLBACK),
]


@pytest.mark.parametrize("action,setup,body,allowed", CELLS, ids=[c[0] for c in CELLS])
def test_only_the_rightful_roles_and_units_may_act(client, everyone, seeded, action, setup, body,
                                                   allowed):
    body = {k: {"TOWN": seeded.township.id, "VILLAGE": seeded.village.id}.get(v, v)
            for k, v in body.items()}
    oid = setup(client, everyone, seeded)
    for user, token in sorted(everyone.items()):
        if user in allowed:
            continue
        r = client.post(f"/api/v1/orders/{oid}/actions/{action}", json=body, headers=auth(token))
        assert r.status_code in REFUSED, f"{user} could {action}: {r.status_code} {r.text}"
    rightful = sorted(allowed)[0]
    act(client, everyone[rightful], oid, action, **body)


def test_strangers_do_not_even_see_the_order(client, everyone, seeded):
    oid = _handling(client, everyone, seeded)
    for user in ("x_county_dispatcher", "x_township_handler", "x_village_handler",
                 "village_handler", "dept_handler"):
        r = client.get(f"/api/v1/orders/{oid}", headers=auth(everyone[user]))
        assert r.status_code == 404, user
    for user in ("county_supervisor", "city_supervisor", "township_handler", "admin"):
        assert client.get(f"/api/v1/orders/{oid}", headers=auth(everyone[user])).status_code == 200


@pytest.mark.parametrize("user,allowed", [("city_operator", True), ("county_dispatcher", True),
                                          ("township_handler", False), ("city_supervisor", False),
                                          ("village_handler", False), ("admin", False)])
def test_only_platform_desks_log_calls(client, everyone, user, allowed):
    r = client.post("/api/v1/intake", headers=auth(everyone[user]),
                    json={"channel": "12345", "external_id": f"matrix-{user}", "content": "咨询"})
    assert (r.status_code in (200, 201)) == allowed, r.text
    assert allowed or r.status_code == 403


@pytest.mark.parametrize("user", ["city_dispatcher", "county_supervisor", "township_handler"])
def test_only_admins_create_users(client, everyone, seeded, user):
    r = client.post("/api/v1/users", headers=auth(everyone[user]),
                    json={"username": f"u-{user}", "role": "handler", "unit_id": seeded.village.id,
                          "password": DEMO_PASSWORD})
    assert r.status_code == 403


def test_handlers_see_citizen_phone_unless_confidential_and_supervisors_never(client, everyone,
                                                                             seeded):
    t = everyone
    oid = _dispatched(client, t, seeded)
    secret = new_call(client, t["county_operator"], confidential=True)["order_id"]
    wait_state(client, t["county_dispatcher"], secret, "pending_dispatch")
    act(client, t["county_dispatcher"], secret, "dispatch", target_unit_id=seeded.township.id)
    phone = lambda who, o: client.get(f"/api/v1/orders/{o}", headers=auth(t[who])).json()[  # noqa
        "citizen_phone"]
    assert phone("township_handler", oid) == "13912345678"
    assert phone("township_handler", secret) == "139****5678"
    assert phone("county_supervisor", oid) == "139****5678"
    assert phone("county_dispatcher", secret) == "13912345678"

"""Two cities on one deployment, over the API: each city's users see and act on their own
city's orders only, the province's supervisor sees both (read-only), an order crosses cities
only by a dispatcher's hand-over, routing keeps a text naming the other city's place in its own
city, and the province's KPIs are the sum of its cities'.

Needs the province test database (HOTLINE_TEST_PROVINCE, tests/conftest.py): .ci/run's province
pass. The demo users are in HOTLINE_CITY's city; the other city's are made here.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from hotline.demo import DEMO_PASSWORD
from dispatch.orgs import service as orgs
from tests.helpers import act, auth, detail, new_call, unrouted_order, wait_state

REFUSED = (403, 404)


@pytest.fixture(scope="module")
def world(client, tokens, seeded):
    """The province root, the other city with a county and a township, and their users."""
    from sqlmodel import Session

    from dispatch.db import get_engine

    with Session(get_engine()) as session:
        root = orgs.get_unit(session, seeded.city.parent_id)
        city = next(u for u in orgs.children(session, root.id) if u.id != seeded.city.id)
        county = next(u for u in orgs.children(session, city.id) if u.kind == "platform")
        town = next(u for u in orgs.children(session, county.id) if u.kind == "territorial")
    users = {"p_supervisor": ("supervisor", root.id), "o_operator": ("operator", city.id),
             "o_dispatcher": ("dispatcher", city.id), "o_supervisor": ("supervisor", city.id),
             "o_county_dispatcher": ("dispatcher", county.id),
             "o_township_handler": ("handler", town.id)}
    t = dict(tokens)
    for name, (role, unit) in users.items():
        r = client.post("/api/v1/users", headers=auth(tokens["admin"]),
                        json={"username": name, "role": role, "unit_id": unit,
                              "password": DEMO_PASSWORD})
        assert r.status_code in (201, 409), r.text
        r = client.post("/api/v1/auth/token", data={"username": name, "password": DEMO_PASSWORD})
        t[name] = r.json()["access_token"]
    return SimpleNamespace(root=root, city=city, county=county, town=town, home=seeded.city, t=t)


def _pending(client, t, operator: str, dispatcher: str) -> dict:
    oid = new_call(client, t[operator])["order_id"]
    return wait_state(client, t[dispatcher], oid, "pending_dispatch")


def _status(client, token: str, oid: int) -> int:
    return client.get(f"/api/v1/orders/{oid}", headers=auth(token)).status_code


def test_each_city_sees_its_own_orders_and_the_province_sees_both(client, world):
    t = world.t
    home = _pending(client, t, "city_operator", "city_dispatcher")
    other = _pending(client, t, "o_operator", "o_dispatcher")
    assert (home["platform_id"], other["platform_id"]) == (world.home.id, world.city.id)
    seen = {u: (_status(client, t[u], home["id"]), _status(client, t[u], other["id"]))
            for u in ("city_dispatcher", "city_supervisor", "county_dispatcher", "township_handler",
                      "o_dispatcher", "o_supervisor", "o_county_dispatcher", "o_township_handler",
                      "p_supervisor")}
    assert seen == {"city_dispatcher": (200, 404), "city_supervisor": (200, 404),
                    "county_dispatcher": (404, 404), "township_handler": (404, 404),
                    "o_dispatcher": (404, 200), "o_supervisor": (404, 200),
                    "o_county_dispatcher": (404, 404), "o_township_handler": (404, 404),
                    "p_supervisor": (200, 200)}
    for user, wanted in (("city_supervisor", {home["id"]}), ("o_supervisor", {other["id"]}),
                         ("p_supervisor", {home["id"], other["id"]})):
        listed = set()
        for o in (home, other):
            r = client.get("/api/v1/orders", params={"q": o["number"]}, headers=auth(t[user]))
            listed |= {i["id"] for i in r.json()["items"]}
        assert listed == wanted, user


def test_nobody_acts_on_another_citys_order_and_the_province_only_reads(client, world):
    t = world.t
    home = _pending(client, t, "city_operator", "city_dispatcher")
    for user in ("o_dispatcher", "o_county_dispatcher", "o_township_handler"):
        r = client.post(f"/api/v1/orders/{home['id']}/actions/dispatch", headers=auth(t[user]),
                        json={"target_unit_id": world.town.id})
        assert r.status_code in REFUSED, user
    assert detail(client, t["p_supervisor"], home["id"])["allowed_actions"] == []
    act(client, t["p_supervisor"], home["id"], "dispatch", expect=403,
        target_unit_id=world.county.id)
    # nor does the home city's dispatcher dispatch into the other city's units
    act(client, t["city_dispatcher"], home["id"], "dispatch", expect=409,
        target_unit_id=world.town.id)
    assert detail(client, t["city_dispatcher"], home["id"])["state"] == "pending_dispatch"


def test_a_dispatcher_hands_an_order_to_the_other_city_with_a_reason(client, world):
    t = world.t
    home = _pending(client, t, "city_operator", "city_dispatcher")
    assert "transfer_city" in detail(client, t["city_dispatcher"], home["id"])["allowed_actions"]
    act(client, t["city_dispatcher"], home["id"], "transfer_city", expect=422,
        target_unit_id=world.city.id)
    act(client, t["city_dispatcher"], home["id"], "transfer_city", expect=409,
        target_unit_id=world.county.id, reason="属商洛辖区")      # a county, not a city
    act(client, t["city_dispatcher"], home["id"], "transfer_city", expect=409,
        target_unit_id=world.home.id, reason="本市")
    act(client, t["city_dispatcher"], home["id"], "transfer_city",
        target_unit_id=world.city.id, reason="事发地在外市，转该市办理")
    moved = detail(client, t["o_dispatcher"], home["id"])
    assert (moved["state"], moved["platform_id"]) == ("pending_dispatch", world.city.id)
    step = [e for e in moved["timeline"] if e["action"] == "transfer_city"]
    assert [(e["reason"], e["data"]["from_platform"]) for e in step] == \
        [("事发地在外市，转该市办理", world.home.id)]
    assert _status(client, t["city_dispatcher"], home["id"]) == 404   # it left the city
    act(client, t["o_dispatcher"], home["id"], "transfer_platform", target_unit_id=world.county.id)
    act(client, t["o_county_dispatcher"], home["id"], "dispatch", target_unit_id=world.town.id)
    act(client, t["o_township_handler"], home["id"], "sign_for")


def test_routing_keeps_a_text_naming_the_other_citys_place_in_its_own_city(session, world):
    from classifiers.routing import ClassifierRouter

    text = f"{world.city.name}{world.county.name}{world.town.name}的路灯坏了一个月，晚上很黑"
    for given in (None, world.town.id):     # a desk may even key in the other city's place
        home = unrouted_order(session, content=text, platform_id=world.home.id,
                              division_code=given)
        d = ClassifierRouter().route(session, home)
        reached = [orgs.get_unit(session, c) for c in (d.target_unit_id, d.division_code) if c]
        assert all(u.path.startswith(world.home.path) for u in reached), d
    other = unrouted_order(session, content=text, platform_id=world.city.id)
    d = ClassifierRouter().route(session, other)
    reached = [orgs.get_unit(session, c) for c in (d.target_unit_id, d.division_code) if c]
    assert reached and all(u.path.startswith(world.city.path) for u in reached), d


def _kpi(client, token: str, unit_id: str) -> dict:
    r = client.get("/api/v1/sla/kpi", params={"unit_id": unit_id}, headers=auth(token))
    assert r.status_code == 200, r.text
    return r.json()


def test_the_provinces_kpis_are_the_sum_of_its_cities(client, world):
    t = world.t
    _pending(client, t, "city_operator", "city_dispatcher")
    _pending(client, t, "o_operator", "o_dispatcher")
    province = _kpi(client, t["p_supervisor"], world.root.id)
    cities = [_kpi(client, t["p_supervisor"], c.id)["total"]["counts"]
              for c in (world.home, world.city)]
    assert all(c["received"] >= 1 for c in cities)
    assert province["total"]["counts"] == {k: sum(c.get(k, 0) for c in cities)
                                           for k in province["total"]["counts"]}
    assert {r["label"] for r in province["rows"]} >= {world.home.name, world.city.name}
    for user, unit in (("city_supervisor", world.root.id), ("city_supervisor", world.city.id),
                       ("o_supervisor", world.home.id)):
        r = client.get("/api/v1/sla/kpi", params={"unit_id": unit}, headers=auth(t[user]))
        assert r.status_code == 403, (user, unit)

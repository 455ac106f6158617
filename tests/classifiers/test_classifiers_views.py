"""POST /classify: what the operator's screen shows while a call is typed."""
from __future__ import annotations

from tests.helpers import auth


def test_operator_gets_category_place_and_responsible_unit(client, tokens, seeded):
    r = client.post("/api/v1/classify", headers=auth(tokens["county_operator"]),
                    json={"text": "学校食堂卫生条件差，孩子吃了拉肚子", "division_code": seeded.village.id})
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["top"]) == 3 and body["model_version"]
    assert body["place"]["code"] == seeded.village.id
    assert body["request_type"] in {"consultation", "help", "complaint", "report", "suggestion",
                                    "praise", "other"}
    assert body["unit"] is None or body["unit"]["id"].startswith(seeded.county.id)


def test_classify_needs_a_signed_in_user(client):
    assert client.post("/api/v1/classify", json={"text": "停水了"}).status_code == 401


def test_classify_previews_the_unit_the_routing_job_picks(client, tokens, seeded, session):
    """One decision behind the routing job, POST /classify and route-letters: an operator's
    address field (零陵区朝阳街道柳子街) used to preview one unit while the job picked another."""
    from classifiers.routing import ClassifierRouter, city_routing
    from tests.helpers import unrouted_order

    text, address = "路灯坏了一个月了，晚上走路很危险", "零陵区朝阳街道柳子街"
    r = client.post("/api/v1/classify", headers=auth(tokens["city_operator"]),
                    json={"text": text, "address": address})
    assert r.status_code == 200, r.text
    preview = r.json()
    order = unrouted_order(session, content=text, address=address, platform_id=seeded.city.id)
    job = ClassifierRouter().route(session, order)
    direct = city_routing().decide(text=text, address=address, category=preview["category"])
    assert preview["routing"]["county_code"] == direct.county_code == "431102"
    assert preview["unit"]["id"] == job.target_unit_id == direct.unit_code
    assert job.kind == "transfer"

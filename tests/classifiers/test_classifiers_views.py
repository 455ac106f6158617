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

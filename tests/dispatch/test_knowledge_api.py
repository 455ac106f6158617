"""Knowledge base routes: everyone signed in searches; only administrators change entries."""
from __future__ import annotations

from tests.helpers import auth


def test_seeded_knowledge_base_answers_a_consultation(client, tokens):
    r = client.get("/api/v1/knowledge", params={"q": "社保卡丢了怎么补办"},
                   headers=auth(tokens["city_operator"]))
    assert r.status_code == 200, r.text
    hits = r.json()
    assert hits and "社保卡" in hits[0]["entry"]["question"] and hits[0]["score"] > 0


def test_a_message_with_nothing_in_common_with_any_entry_gets_no_answer(client, tokens):
    """The operator's screen searches with what the caller says: a shared everyday word (问题,
    部门, 处理) offered an unrelated answer."""
    r = client.get("/api/v1/knowledge", headers=auth(tokens["city_operator"]),
                   params={"q": "你好，我想反映一下火星探测器的发射时间问题，请相关部门尽快处理"})
    assert r.status_code == 200 and r.json() == []


def test_admin_adds_edits_and_deletes_an_entry_and_search_follows(client, tokens):
    admin, op = auth(tokens["admin"]), auth(tokens["city_operator"])
    body = {"question": "犬类免疫证在哪里办理？", "answer": "到指定动物诊疗机构接种狂犬疫苗后办理。",
            "keywords": ["犬证", "狂犬疫苗"], "category": "农村农业"}
    created = client.post("/api/v1/knowledge", json=body, headers=admin)
    assert created.status_code == 201, created.text
    eid = created.json()["id"]
    assert created.json()["updated_by"] == "admin"
    found = client.get("/api/v1/knowledge", params={"q": "狂犬疫苗"}, headers=op).json()
    assert found[0]["entry"]["id"] == eid

    edited = client.put(f"/api/v1/knowledge/{eid}", headers=admin,
                        json={**body, "question": "宠物犬登记在哪里办理？", "keywords": ["养犬登记"]})
    assert edited.status_code == 200 and edited.json()["question"] == "宠物犬登记在哪里办理？"
    found = client.get("/api/v1/knowledge", params={"q": "养犬登记"}, headers=op).json()
    assert found[0]["entry"]["id"] == eid

    assert client.delete(f"/api/v1/knowledge/{eid}", headers=admin).status_code == 204
    found = client.get("/api/v1/knowledge", params={"q": "养犬登记"}, headers=op).json()
    assert eid not in [h["entry"]["id"] for h in found]
    assert client.get(f"/api/v1/knowledge/{eid}", headers=op).status_code == 404


def test_only_admins_change_the_knowledge_base(client, tokens):
    body = {"question": "测试问题？", "answer": "测试答案。"}
    r = client.post("/api/v1/knowledge", json=body, headers=auth(tokens["city_operator"]))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_knowledge_search_needs_sign_in(client):
    assert client.get("/api/v1/knowledge", params={"q": "社保"}).status_code == 401

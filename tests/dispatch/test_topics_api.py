"""GET /insights/hot-topics: the supervisor's clusters, only inside their unit's reach."""
from __future__ import annotations

from tests.helpers import auth, unrouted_order

RABIES = ["社区卫生服务中心狂犬疫苗断货，被狗咬了打不到疫苗", "狂犬疫苗缺货，孩子被狗咬伤去了三家医院都没有疫苗",
          "被流浪狗咬了，卫生院说狂犬疫苗没货了", "狂犬疫苗断货一个星期了，被咬的人打不上疫苗",
          "被狗咬了要打狂犬疫苗，跑了几个卫生院疫苗都断货"]


def _topics(client, token, **params):
    r = client.get("/api/v1/insights/hot-topics", params={"days": 7, "top": 50, **params},
                   headers=auth(token))
    assert r.status_code == 200, r.text
    return r.json()


def test_supervisor_sees_a_topic_with_keywords_size_and_place(client, tokens, seeded, session):
    ids = {unrouted_order(session, content=t, division_code=seeded.village.id,
                          platform_id=seeded.county.id).id for t in RABIES}
    body = _topics(client, tokens["county_supervisor"])
    topic = next(t for t in body["topics"] if ids & {s["order_id"] for s in t["samples"]})
    assert topic["size"] == len(RABIES) and "疫苗" in topic["keywords"][:3]
    assert topic["places"][0]["code"] == seeded.township.id
    assert topic["places"][0]["name"] == seeded.township.name
    assert topic["emerging"] and topic["previous"] == 0


def test_a_topic_outside_the_users_reach_is_not_shown(client, tokens, seeded, session):
    ids = {unrouted_order(session, content=f"市本级{t}", platform_id=seeded.city.id).id
           for t in RABIES}
    county = _topics(client, tokens["county_supervisor"])
    assert not any(ids & {s["order_id"] for s in t["samples"]} for t in county["topics"])
    city = _topics(client, tokens["city_supervisor"])
    assert any(ids & {s["order_id"] for s in t["samples"]} for t in city["topics"])


def test_handlers_and_operators_do_not_get_hot_topics(client, tokens):
    for who in ("township_handler", "county_operator"):
        r = client.get("/api/v1/insights/hot-topics", headers=auth(tokens[who]))
        assert r.status_code == 403

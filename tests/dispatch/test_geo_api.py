"""The dashboard map's endpoints: the loaded city's polygons matched to its units, every unit
listed with or without a polygon, and the orders with coordinates inside a county."""
from __future__ import annotations

import json

from dispatch.config import get_settings
from tests.helpers import auth, new_call


WITHOUT_POLYGON = {"yongzhou": ["永州市回龙圩管理区", "永州经济技术开发区"], "shangluo": []}
RENAMED = {"yongzhou": [("祁阳市", "祁阳县", "431181")], "shangluo": []}


def _geo_names() -> set[str]:
    data = json.loads(get_settings().geo_file.read_text(encoding="utf-8"))
    return {f["properties"]["name"] for f in data["features"]}


def test_the_city_map_has_every_county_polygon_and_lists_the_units_without_one(client, tokens, seeded):
    r = client.get("/api/v1/geo/map", headers=auth(tokens["city_supervisor"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["unit_id"] == seeded.city.id and body["level"] == "city"
    features = body["geojson"]["features"]
    assert len(features) == len(_geo_names())
    units = {u["unit_id"]: u for u in body["units"]}
    # each polygon carries the unit it was matched to, under the unit's name of today
    assert all(units[f["properties"]["unit_id"]]["has_polygon"] for f in features)
    assert {f["properties"]["name"] for f in features} == {u["name"] for u in units.values() if u["has_polygon"]}
    assert body["polygons_without_unit"] == []
    # the units the 2019 file has no polygon for are listed, never dropped
    areas = [u for u in client.get(f"/api/v1/units/{seeded.city.id}/children",
                                   headers=auth(tokens["city_supervisor"])).json() if u["kind"] != "department"]
    assert set(units) == {u["id"] for u in areas}
    without = sorted(u["name"] for u in units.values() if not u["has_polygon"])
    assert without == WITHOUT_POLYGON.get(get_settings().city, without)


def test_a_renamed_county_is_matched_by_its_name(client, tokens):
    body = client.get("/api/v1/geo/map", headers=auth(tokens["city_supervisor"])).json()
    renamed = [u for u in body["units"] if u["matched_by"] == "name"]
    assert [(u["name"], u["geo_name"], u["unit_id"]) for u in renamed] == RENAMED[get_settings().city]


def test_a_county_sees_its_own_outline_and_its_townships_listed(client, tokens, seeded):
    body = client.get("/api/v1/geo/map", headers=auth(tokens["county_supervisor"])).json()
    assert body["unit_id"] == seeded.county.id and body["level"] == "county"
    [feature] = body["geojson"]["features"]
    assert feature["properties"]["unit_id"] == seeded.county.id
    assert seeded.township.id in {u["unit_id"] for u in body["units"]}
    assert not any(u["has_polygon"] for u in body["units"])


def test_a_county_may_not_look_at_the_city_map(client, tokens, seeded):
    r = client.get("/api/v1/geo/map", params={"unit_id": seeded.city.id},
                   headers=auth(tokens["county_supervisor"]))
    assert r.status_code == 403


def test_orders_with_coordinates_are_the_countys_points(client, tokens, seeded):
    located = new_call(client, tokens["city_operator"], content="地图测试：路灯不亮，位置已发送",
                       division_code=seeded.township.id, latitude=26.2, longitude=111.6)
    plain = new_call(client, tokens["city_operator"], content="地图测试：没有坐标的来电",
                     division_code=seeded.township.id)
    r = client.get("/api/v1/geo/points", params={"unit_id": seeded.county.id},
                   headers=auth(tokens["county_supervisor"]))
    assert r.status_code == 200, r.text
    ids = {p["order_id"]: p for p in r.json()["points"]}
    assert located["order_id"] in ids and plain["order_id"] not in ids
    assert (ids[located["order_id"]]["latitude"], ids[located["order_id"]]["longitude"]) == (26.2, 111.6)
    elsewhere = client.get("/api/v1/geo/points", params={"unit_id": seeded.county_dept.id},
                           headers=auth(tokens["city_supervisor"])).json()
    assert located["order_id"] not in {p["order_id"] for p in elsewhere["points"]}


def test_points_refuse_an_unknown_period(client, tokens):
    r = client.get("/api/v1/geo/points", params={"period": "year"}, headers=auth(tokens["city_supervisor"]))
    assert r.status_code == 422

"""Matching the boundary file's polygons to units: by code, by an alias, by the name's stem."""
from __future__ import annotations

import json

import pytest

from dispatch.city import load_city, shipped_cities
from console_ui.geo.codes import Place, match, stem
from dispatch.orgs.service import read_divisions

P = Place


@pytest.mark.parametrize("name, expected", [
    ("祁阳县", "祁阳"), ("祁阳市", "祁阳"), ("零陵区", "零陵"), ("江华瑶族自治县", "江华"),
    ("永州市回龙圩管理区", "永州市回龙圩"), ("道县", "道"), ("县", "县"), (" 商州区 ", "商州"),
])
def test_stem_drops_the_administrative_suffix(name, expected):
    assert stem(name) == expected


CASES = [
    # features, units, aliases -> by_unit, units without polygon, features without unit
    ("same code",
     [P("431102", "零陵区")], [P("431102", "零陵区")], {},
     {"431102": ("431102", "code")}, [], []),
    ("county became a city: new code, same stem",
     [P("431121", "祁阳县")], [P("431181", "祁阳市")], {},
     {"431181": ("431121", "name")}, [], []),
    ("an alias names the unit's code",
     [P("611002", "商县")], [P("611099", "商州区")], {"商县": "611099"},
     {"611099": ("611002", "alias")}, [], []),
    ("a zone without a polygon is reported, not dropped",
     [P("431102", "零陵区")], [P("431102", "零陵区"), P("431171", "永州经济技术开发区")], {},
     {"431102": ("431102", "code")}, ["431171"], []),
    ("a polygon nobody claims is reported",
     [P("431102", "零陵区"), P("431199", "某某县")], [P("431102", "零陵区")], {},
     {"431102": ("431102", "code")}, [], ["431199"]),
    ("a stem two units share matches neither",
     [P("9001", "安平县")], [P("9101", "安平市"), P("9102", "安平区")], {},
     {}, ["9101", "9102"], ["9001"]),
    ("a code match wins over a name match for the same unit",
     [P("1", "甲县"), P("2", "甲市")], [P("2", "甲市")], {},
     {"2": ("2", "code")}, [], ["1"]),
    ("an alias to a code that is no unit is ignored",
     [P("5", "旧县")], [P("6", "新区")], {"旧县": "7"},
     {}, ["6"], ["5"]),
]


@pytest.mark.parametrize("case, features, units, aliases, by_unit, no_polygon, no_unit", CASES,
                         ids=[c[0] for c in CASES])
def test_match(case, features, units, aliases, by_unit, no_polygon, no_unit):
    m = match(features, units, aliases)
    assert (m.by_unit, m.units_without_polygon, m.features_without_unit) == (by_unit, no_polygon, no_unit)


@pytest.mark.parametrize("key", shipped_cities())
def test_each_shipped_citys_polygons_all_find_a_county(key):
    """The files as shipped: every polygon names a county; what has none is the listed zones."""
    city = load_city(key)
    data = json.loads(city.geo_file.read_text(encoding="utf-8"))
    features = [P(str(f["properties"]["adcode"]), f["properties"]["name"]) for f in data["features"]]
    counties = [P(d.code, d.name) for d in read_divisions(city.divisions_csv) if d.level == "county"]
    m = match(features, counties)
    assert m.features_without_unit == []
    names = {c.code: c.name for c in counties}
    expected = {"yongzhou": ["永州经济技术开发区", "永州市回龙圩管理区"], "shangluo": []}.get(key, [])
    assert [names[c] for c in m.units_without_polygon] == expected

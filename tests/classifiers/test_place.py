import csv

import pytest

from classifiers.place import Gazetteer, get_gazetteer


@pytest.fixture(scope="module")
def yongzhou() -> Gazetteer:
    return get_gazetteer()


def test_village_named_with_county_and_township_resolves_to_village(yongzhou):
    r = yongzhou.resolve("零陵区朝阳街道东岳宫社区路灯坏了")
    assert r.status == "resolved"
    assert r.match.code == "431102001001"
    assert r.match.level == "village"
    assert r.match.path == ("431102", "431102001", "431102001001")
    assert 0.9 <= r.match.confidence <= 1.0


def test_repeated_village_name_is_settled_by_its_township(yongzhou):
    # 团结村 exists in eight townships; two of them are in 道县.
    r = yongzhou.resolve("道县寿雁镇团结村的路坏了")
    assert r.status == "resolved"
    assert r.match.code == "431124102270"
    assert r.match.full_name == "道县寿雁镇团结村"


def test_repeated_village_name_alone_is_left_unresolved(yongzhou):
    r = yongzhou.resolve("团结村的路坏了")
    assert r.status == "ambiguous"
    assert r.match is None
    assert len(r.candidates) == 8


def test_namesakes_in_one_county_resolve_to_that_county_only(yongzhou):
    r = yongzhou.resolve("道县团结村")
    assert r.match.code == "431124"
    assert r.match.level == "county"
    assert r.match.confidence < 1.0


def test_repeated_township_settled_by_county(yongzhou):
    assert yongzhou.resolve("新圩镇").status == "ambiguous"
    assert yongzhou.resolve("蓝山县新圩镇").match.code == "431127105"


def test_county_name_without_suffix_resolves_with_lower_confidence(yongzhou):
    full = yongzhou.resolve("江华瑶族自治县").match
    bare = yongzhou.resolve("江华这边").match
    assert full.code == bare.code == "431129"
    assert bare.confidence < full.confidence


def test_ordinary_words_that_are_weak_names_need_a_parent(yongzhou):
    assert yongzhou.resolve("我住在火车站附近").status == "not_found"
    assert yongzhou.resolve("水口有垃圾").status == "not_found"
    assert yongzhou.resolve("东安县火车站居委会").match.code == "431122105001"


def test_text_without_a_division_is_not_found(yongzhou):
    r = yongzhou.resolve("A市A3区某小区停车难")
    assert r.status == "not_found" and r.match is None and not r.resolved


def test_resolve_code_gives_the_same_shape_for_villages_and_grid_codes(yongzhou):
    village = yongzhou.resolve_code("431102001001")
    grid = yongzhou.resolve_code("43110200100105")
    assert village.match.code == grid.match.code == "431102001001"
    assert village.match.confidence == 1.0 and grid.match.confidence < 1.0
    assert yongzhou.resolve_code("12345").status == "not_found"


def test_result_is_json_friendly(yongzhou):
    import json

    d = yongzhou.resolve("冷水滩区").to_dict()
    assert json.loads(json.dumps(d, ensure_ascii=False))["match"]["code"] == "431103"


def test_another_city_loads_its_own_divisions(tmp_path):
    path = tmp_path / "other.csv"
    rows = [
        ("3301", "样例市", "city", "33", "样例市"),
        ("330101", "东湖区", "county", "3301", "东湖区"),
        ("330101001", "桥头镇", "township", "330101", "桥头镇"),
        ("330101001001", "柳树村村委会", "village", "330101001", "柳树村"),
    ]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name", "level", "parent_code", "short_name"])
        w.writerows(rows)
    g = Gazetteer.from_csv(path)
    assert g.resolve("东湖桥头镇柳树村停电").match.code == "330101001001"
    assert g.resolve("零陵区").status == "not_found"

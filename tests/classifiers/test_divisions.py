import pytest

from classifiers.divisions import Division, Divisions, strip_suffix, urban_district

ROWS = [
    Division("9901", "样例市", "city", "99", "样例市"),
    Division("990101", "江华瑶族自治县", "county", "9901", "江华瑶族自治县"),
    Division("990102", "北区", "county", "9901", "北区"),
    Division("990101001", "水口镇", "township", "990101", "水口镇"),
    Division("990102001", "水口乡", "township", "990102", "水口乡"),
    Division("990101001001", "东岳宫社区居委会", "village", "990101001", "东岳宫社区"),
    Division("990101001002", "火车站居委会", "village", "990101001", "火车站"),
]


def test_strip_suffix_removes_the_longest_administrative_suffix():
    assert strip_suffix("江华瑶族自治县", "county") == "江华"
    assert strip_suffix("朝阳街道", "township") == "朝阳"
    assert strip_suffix("东岳宫社区居委会", "village") == "东岳宫"
    assert strip_suffix("县", "county") == ""


def test_aliases_include_official_short_and_bare_names():
    aliases = Divisions(ROWS).aliases()
    assert aliases["江华瑶族自治县"] == [("990101", "name")]
    assert aliases["江华"] == [("990101", "bare")]
    assert aliases["东岳宫社区"] == [("990101001001", "short")]
    assert aliases["东岳宫"] == [("990101001001", "bare")]


def test_ambiguous_and_one_character_bare_names_are_dropped():
    aliases = Divisions(ROWS).aliases()
    assert "水口" not in aliases  # 水口镇 and 水口乡
    assert "北" not in aliases


def test_village_alias_without_a_village_marker_is_weak():
    aliases = Divisions(ROWS).aliases()
    assert aliases["火车站"] == [("990101001002", "bare")]


def test_ancestors_are_nearest_first():
    divisions = Divisions(ROWS)
    assert [d.code for d in divisions.ancestors("990101001001")] == ["990101001", "990101", "9901"]


def test_unknown_level_is_rejected():
    import pytest

    with pytest.raises(ValueError, match="expected level"):
        Divisions([Division("1", "x", "province", "", "x")])


@pytest.mark.parametrize("code, district", [
    ("611002", True), ("431103", True), ("431120", True), ("611021", False),
    ("431181", False), ("431171", False), ("431173", False), ("6110", False), (None, False),
])
def test_urban_districts_are_numbered_01_to_20_under_their_city(code, district):
    assert urban_district(code) is district

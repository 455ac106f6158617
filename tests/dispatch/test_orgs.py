"""The org tree from another city's divisions file and the departments config."""
from __future__ import annotations

import json

import pytest

from dispatch.city import CITIES_DIR

YONGZHOU = CITIES_DIR / "yongzhou"
from dispatch.orgs.service import build_units, load_org_tree, read_departments, read_divisions

CSV = """code,name,level,parent_code,short_name
990100,样例市,city,99,样例市
990102,东城区,county,990100,东城区
990102001,东华街道,township,990102,东华街道
990102001001,东华社区居委会,village,990102001,东华社区
990102001002,西华村委会,village,990102001,西华村
"""


def _units(tmp_path, text=CSV):
    path = tmp_path / "divisions.csv"
    path.write_text(text, encoding="utf-8")
    return {u["id"]: u for u in build_units(read_divisions(path),
                                            read_departments(YONGZHOU / "departments.json"))}


def test_another_citys_file_builds_platforms_territories_and_departments(tmp_path):
    units = _units(tmp_path)
    assert units["990100"]["kind"] == "platform" and units["990102"]["kind"] == "platform"
    assert units["990102001"]["kind"] == "territorial"
    assert units["990102001002"]["path"] == "/990100/990102/990102001/990102001002/"
    dept = units["990102-housing"]
    assert dept["name"] == "东城区住房和城乡建设局" and dept["parent_id"] == "990102"
    assert dept["path"].startswith(units["990102"]["path"])
    n_depts = len(json.loads((YONGZHOU / "departments.json").read_text())["departments"])
    assert sum(1 for u in units.values() if u["kind"] == "department") == 2 * n_depts


def test_children_listed_before_parents_still_load(tmp_path):
    lines = CSV.strip().split("\n")
    units = _units(tmp_path, "\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    assert units["990102001001"]["parent_id"] == "990102001"


def test_unknown_parent_is_a_clear_error(tmp_path):
    bad = CSV + "990102009001,孤村,village,990102009,孤村\n"
    with pytest.raises(ValueError, match="990102009001 names unknown parent 990102009"):
        _units(tmp_path, bad)


def test_shipped_yongzhou_file_has_the_four_levels():
    rows = read_divisions(YONGZHOU / "divisions.csv")
    levels = [r.level for r in rows]
    assert (levels.count("county"), levels.count("township"), levels.count("village")) == \
        (13, 195, 3331)


def test_loading_a_second_city_into_a_database_that_holds_one_is_refused(session, seeded):
    """It used to add a second tree silently, and city_platform() then picked either city."""
    from dispatch.orgs.service import SecondCity

    shangluo = CITIES_DIR / "shangluo"
    with pytest.raises(SecondCity, match="永州市 \\(4311\\).*商洛市 \\(6110\\)"):
        load_org_tree(session, shangluo / "divisions.csv", shangluo / "departments.json")
    assert load_org_tree(session, YONGZHOU / "divisions.csv", YONGZHOU / "departments.json") == 0


def test_an_empty_database_says_which_command_loads_a_city():
    """Intake on a fresh database answered 500 'no city platform'; now 503 with the command."""
    from sqlmodel import Session, SQLModel, create_engine

    from dispatch.errors import Unavailable
    from dispatch.orgs.service import city_platform

    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as empty, pytest.raises(Unavailable, match="hotline init-db"):
        city_platform(empty)


def test_the_empty_database_message_names_the_configured_city(monkeypatch):
    """It said 'default yongzhou' whatever HOTLINE_CITY was."""
    from sqlmodel import Session, SQLModel, create_engine

    from dispatch.config import get_settings
    from dispatch.errors import Unavailable
    from dispatch.orgs.service import city_platform

    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    monkeypatch.setenv("HOTLINE_CITY", "shangluo")
    get_settings.cache_clear()
    try:
        with Session(engine) as empty, pytest.raises(Unavailable) as err:
            city_platform(empty)
    finally:
        monkeypatch.delenv("HOTLINE_CITY")
        get_settings.cache_clear()
    assert "HOTLINE_CITY names, now shangluo" in str(err.value)

"""The routing decision: which county a message names, namesakes outside the city, renamed places,
the title, the address field, and one decision behind the routing job, /classify and the CLI."""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import pytest

from classifiers.answering import AnswerReader
from classifiers.decide import CityRouting
from classifiers.divisions import Divisions
from classifiers.units import UnitModel, history_examples
from dispatch.orgs.service import read_departments

ROOT = Path(__file__).resolve().parents[2]
SHANGLUO = ROOT / "cities" / "shangluo"
YONGZHOU_CSV = ROOT / "cities" / "yongzhou" / "divisions.csv"
YONGZHOU_DEPTS = ROOT / "cities" / "yongzhou" / "departments.json"


@lru_cache
def shangluo(with_model: bool = False) -> CityRouting:
    divisions = Divisions.from_csv(SHANGLUO / "divisions.csv", SHANGLUO / "aliases.csv")
    departments = read_departments(SHANGLUO / "departments.json")
    routing = CityRouting(divisions, departments)
    if not with_model:
        return routing
    examples = history_examples(SHANGLUO / "answered_letters.csv",
                                AnswerReader(divisions, departments, divisions.extra_aliases))
    votes = [routing.voter.vote(title=e.title, body=e.body) for e in examples]
    return CityRouting(divisions, departments, UnitModel().fit(examples, votes), routing.voter)


@lru_cache
def yongzhou() -> CityRouting:
    return CityRouting(Divisions.from_csv(YONGZHOU_CSV), read_departments(YONGZHOU_DEPTS))


@pytest.mark.parametrize("title, text, county", [
    ("", "我是洛南人，家门口的路一直没修好", "611021"),            # a bare county name
    ("山阳的路", "家门口的路一直没修好，下雨就走不了", "611024"),   # the place only in the title
    ("", "丹凤县龙驹寨镇中街的下水道堵了", "611022"),             # 龙驹寨镇 is now 龙驹寨街道
    ("", "商县城关的老房子漏雨没人管", "611002"),                 # 商县: 商州's old name (aliases file)
    # a village named right after its township lies in it: 赵湾村's namesake in 丹凤 and
    # 花庙村's in 洛南 do not vote
    ("", "我家在杨峪河镇赵湾村，村里自来水停了三天", "611002"),
    ("", "铁峪铺镇花庙村的通村路坑坑洼洼，下雨出不了门", "611022"),
    ("", "金陵寺政府答应的补助款一直没发", "611002"),             # a township's body, bare name
])
def test_the_county_a_message_names_is_where_it_goes(title, text, county):
    d = shangluo().decide(title=title, text=text)
    assert d.county_code == county and d.destination == f"county:{county}" and d.auto


def test_a_county_name_inside_a_common_word_is_not_a_place():
    d = shangluo().decide(text="城镇安全生产检查要加强，建议多宣传")   # 镇安 inside 城镇安全
    assert d.county_code is None


def test_a_namesake_village_in_another_city_is_never_resolved_into_this_one():
    d = yongzhou().decide(text="我是长沙市岳麓区小正村村民，反映村里修路的问题")
    assert d.county_code is None and d.rule == "outside_city" and not d.auto
    # the same village under its own county is local
    local = yongzhou().decide(text="我是东安县小正村村民，反映村里修路的问题")
    assert local.county_code == "431122"


@pytest.mark.parametrize("text, dept", [
    ("我是咸阳市秦都区的车主，收到违章停车的短信，可我从没来过，请交警核实撤销", "traffic_police"),
    ("我是西安市未央区人，在你们这里买的房子一直不交房，开发商不理", "housing"),
])
def test_a_matter_from_outside_the_city_is_suggested_to_a_city_department_never_a_county(text, dept):
    d = shangluo(with_model=True).decide(text=text)
    assert d.county_code is None and not d.auto and d.rule == "outside_city"
    assert d.destination == f"dept:{dept}" and d.unit_level == "city"


def test_an_unsure_decision_suggests_a_unit_not_the_platform_it_waits_on():
    d = shangluo(with_model=True).decide(text="我想咨询一下公积金贷款的额度怎么算")
    assert not d.auto and d.destination == "dept:housing_fund"


def test_a_place_in_another_county_of_the_country_does_not_pull_a_local_namesake():
    d = shangluo().decide(text="2015年我搬迁到兴平市南市镇张家村，户口问题一直没解决")
    assert d.county_code is None


@pytest.mark.parametrize("text, address", [
    ("柳子街的路灯坏了一个月了", "零陵区朝阳街道柳子街"),
    ("零陵区朝阳街道柳子街路灯坏了一个月了", "零陵区朝阳街道柳子街"),
    ("零陵区朝阳街道柳子街路灯坏了一个月了", "朝阳街道"),
    ("冷水滩区梧桐街道停水两天了", None),
])
def test_the_address_field_never_makes_the_decision_worse_than_the_text(text, address):
    alone = yongzhou().decide(text=text)
    both = yongzhou().decide(text=text, address=address)
    if alone.county_code:
        assert both.county_code == alone.county_code
    assert both.county_code is not None and both.auto


def test_a_division_code_from_the_channel_decides_the_county():
    d = shangluo().decide(text="路灯坏了", division_code="611024001")
    assert d.county_code == "611024" and d.place_code == "611024001" and d.auto


def test_without_a_place_the_learned_model_names_a_city_department_with_its_top_three():
    d = shangluo(True).decide(title="驾驶证换证", text="在车管所办理驾驶证换证，排队一上午没办成")
    assert d.county_code is None and d.rule.startswith("unit_model")
    assert any(t["unit_code"] == "6110-traffic_police" for t in d.top)
    assert len(d.top) == 3


def test_answering_bodies_are_read_as_the_city_configures_them():
    r = shangluo()
    reader = AnswerReader(r.divisions, read_departments(SHANGLUO / "departments.json"),
                          r.divisions.extra_aliases)
    assert reader.read("商州区人民政府办公室").county == "611002"
    assert reader.read("商洛市公安局交通警察支队").dept_type == "traffic_police"
    assert reader.read("商洛市公安局商州分局").county == "611002"
    assert reader.read("市信息办").level == "platform"
    assert reader.read("彭珊") is None


def test_route_letters_writes_the_decision_the_router_takes(tmp_path, monkeypatch):
    """`hotline route-letters` and CityRouting.decide agree row by row."""
    from classifiers import routing as live
    from classifiers.route_letters import route_letters

    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    rows = [("1", "洛南修路", "石门镇的路坏了"), ("2", "", "我是长沙市岳麓区的，问个事"),
            ("3", "驾照", "车管所办事太慢")]
    with open(src, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["mail_id", "title", "text"])
        w.writerows(rows)
    monkeypatch.setattr(live, "city_routing", lambda: shangluo())
    assert route_letters(src, out) == 3
    with open(out, encoding="utf-8") as fh:
        got = list(csv.DictReader(fh))
    for (mail_id, title, text), row in zip(rows, got):
        d = shangluo().decide(title=title, text=text, category=row["category"] or None)
        assert row["mail_id"] == mail_id
        assert (row["county_code"], row["unit_code"]) == (d.county_code or "", d.unit_code or "")

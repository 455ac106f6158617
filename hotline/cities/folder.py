"""The files of a new city folder: divisions, a department template to edit, aliases, city.toml.

``new_folder_files`` is pure (rows and the template in, file texts out). ``folder_path`` refuses
a folder that exists unless forced, before the slow read of the national list, so a second
``hotline city new`` never loses an edited departments.json. Only the four files are written:
a forced rebuild leaves anything else in the folder (geo.geojson, answered letters) alone.

city.toml is written as text, not through a TOML library, to carry a comment on every key for
the admin who edits it; the values are JSON strings, which TOML reads as basic strings.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from classifiers.divisions import Division
from dispatch.city import CITY_KEYS
from hotline.cities.nbs import divisions_csv

ALIASES_HEADER = "alias,code,note\n"
NEW_FILES = ("divisions.csv", "departments.json", "aliases.csv", "city.toml")
TEMPLATE_DOC = (
    "TEMPLATE written by `hotline city new` from the project's default list: edit it before use. "
    "`name` is the body's name without the city or county in front (the org tree adds it: "
    "住房和城乡建设局 becomes <city>住房和城乡建设局 and <county>住房和城乡建设局): change each to "
    "the name the body really has in this city, delete those the city does not have and add its "
    "own (`type` is a stable English code). Add to `aliases` the other names the same body has "
    "used (renamed, merged, short forms such as 住建局): routing's training labels and the "
    "answering-body matcher read them; `platform_aliases` are the names of the centre's own "
    "office. `categories` are the content categories a department handles (together they must "
    "cover every category of the model: `hotline city check` names the missing ones); `primary` "
    "marks the department routing picks first for those categories. `levels`: city, county.")
# 湘西土家族苗族自治州 → 湘西: the peoples named by China's autonomous prefectures
PEOPLES = "朝鲜|土家|苗|藏|羌|彝|布依|侗|哈尼|壮|傣|白|景颇|傈僳|回|蒙古|哈萨克|柯尔克孜"
CITY_SUFFIX = re.compile(rf"^(.+?)(?:(?:(?:{PEOPLES})族?)+自治州|市|地区|盟)$")
FOLDER_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


class FolderError(ValueError):
    """The folder cannot be written (the message says why and what to do)."""


def city_short_name(name: str) -> str:
    """郴州市 → 郴州, 湘西土家族苗族自治州 → 湘西, 阿克苏地区 → 阿克苏 (else the name)."""
    m = CITY_SUFFIX.match(name)
    return m.group(1) if m else name


def city_toml(city: Division) -> str:
    short = city_short_name(city.name)
    values = {"name": city.name, "short_name": short, "code": city.code,
              "app_name": f"我的{short}", "centre_name": f"{city.name}12345政务服务便民热线",
              "order_prefix": "GD", "time_zone": "Asia/Shanghai"}
    lines = [f"# {city.name}: the city's settings, written by `hotline city new`. Edit the names to",
             "# those the city really uses, then run `hotline city check` on this folder."]
    for key, comment in CITY_KEYS.items():
        lines += ["", f"# {comment}", f"{key} = {json.dumps(values[key], ensure_ascii=False)}"]
    return "\n".join(lines) + "\n"


def departments_template(default: dict) -> dict:
    """The project's department list with the admin's instructions and empty alias lists."""
    out = {"_doc": TEMPLATE_DOC,
           "departments": [{**d, "aliases": list(d.get("aliases", []))}
                           for d in default["departments"]],
           "platform_aliases": list(default.get("platform_aliases", []))}
    out.update({k: v for k, v in default.items() if k not in out})
    return out


def new_folder_files(rows: list[Division], default_departments: dict) -> dict[str, str]:
    """File name → text of a new city folder."""
    template = departments_template(default_departments)
    return {"divisions.csv": divisions_csv(rows),
            "departments.json": json.dumps(template, ensure_ascii=False, indent=1) + "\n",
            "aliases.csv": ALIASES_HEADER,
            "city.toml": city_toml(rows[0])}


def default_departments() -> dict:
    """The template's source: the usual city and county departments (departments_template.json)."""
    return json.loads((Path(__file__).parent / "departments_template.json").read_text(encoding="utf-8"))


def folder_path(out: Path, name: str, *, force: bool = False) -> Path:
    """Where ``city new NAME`` writes; refuses a bad name, or a folder that exists unless forced."""
    if not FOLDER_NAME.match(name):
        raise FolderError(f"city name {name!r}: use lowercase letters, digits, - or _, "
                          f"starting with a letter (the pinyin, e.g. chenzhou)")
    folder = out / name
    if folder.exists() and not force:
        raise FolderError(f"{folder} exists: choose another name or --out, or pass --force to "
                          f"overwrite its {', '.join(NEW_FILES)}")
    return folder


def write_folder(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")

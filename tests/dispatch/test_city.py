"""A city is one folder, selected by HOTLINE_CITY: every path and name follows it."""
from __future__ import annotations

import pytest

from classifiers.tokenizer import userdict_words
from dispatch.city import CITIES_DIR, CityError, load_city, shipped_cities
from dispatch.config import Settings


def test_both_shipped_cities_load():
    assert {"yongzhou", "shangluo"} <= set(shipped_cities())
    assert load_city("shangluo").code == "6110" and load_city("yongzhou").code == "4311"


def test_the_city_setting_fills_every_path_and_name_not_set_on_its_own(monkeypatch):
    s = Settings(city="shangluo")
    folder = CITIES_DIR / "shangluo"
    assert s.divisions_csv == folder / "divisions.csv"
    assert s.departments_file == folder / "departments.json"
    assert s.aliases_file == folder / "aliases.csv"
    assert s.routing_history == folder / "answered_letters.csv"
    own = Settings(city="shangluo", order_prefix="SL")
    assert own.order_prefix == "SL" and own.divisions_csv == folder / "divisions.csv"


def test_a_city_folder_given_as_a_path_works(tmp_path):
    folder = tmp_path / "mycity"
    folder.mkdir()
    (folder / "city.toml").write_text((CITIES_DIR / "shangluo" / "city.toml").read_text("utf-8"),
                                      encoding="utf-8")
    assert Settings(city=str(folder)).divisions_csv == folder / "divisions.csv"


@pytest.mark.parametrize("toml, message", [
    (None, "city.toml missing"),
    ('name = "某市"\n', "missing short_name"),
    ("name = \n", "Invalid"),
])
def test_a_broken_city_folder_says_what_is_wrong(tmp_path, toml, message):
    folder = tmp_path / "broken"
    folder.mkdir()
    if toml is not None:
        (folder / "city.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(CityError, match=message):
        load_city(folder)


def test_the_jieba_dictionary_is_the_loaded_citys():
    folder = CITIES_DIR / "shangluo"
    words = dict(userdict_words(folder / "divisions.csv", folder / "departments.json",
                                folder / "aliases.csv"))
    assert words["柞水县"] == "ns" and words["商县"] == "ns"        # a division and an alias
    assert words["交警支队"] == "nt"                                   # a department alias
    assert "冷水滩区" not in words                                     # no other city's places


def test_channel_replies_name_the_loaded_citys_centre_and_app(monkeypatch):
    """Replies said '12345热线' and '城市App' whatever the city; now city.toml's names."""
    from channels.config import ChannelSettings

    for name in ("HOTLINE_CENTRE_NAME", "HOTLINE_APP_NAME"):   # the suite sets them for channels
        monkeypatch.delenv(name, raising=False)
    city = load_city("shangluo")
    s = ChannelSettings(city="shangluo")
    assert (s.centre_name, s.app_name) == (city.centre_name, city.app_name)
    assert ChannelSettings(city="shangluo", centre_name="某热线").centre_name == "某热线"


def test_an_installed_copy_finds_its_city_folders_and_their_default(tmp_path):
    """The image installs the packages away from the checkout: HOTLINE_CITIES_DIR names the
    folders, and their DEFAULT file the city used without HOTLINE_CITY (no city in the code)."""
    import os
    import shutil
    import subprocess
    import sys

    from dispatch.city import CITIES_DIR

    shutil.copytree(CITIES_DIR / "shangluo", tmp_path / "shangluo")
    (tmp_path / "DEFAULT").write_text("shangluo\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    out = subprocess.run([sys.executable, "-c", "from dispatch.city import load_city; "
                          "print(load_city().name)"], env={**env, "HOTLINE_CITIES_DIR": str(tmp_path)},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "商洛市"

"""A province on one deployment: two shipped cities under one root, each a tree of its own; a
second city without the province is still refused. The scope matrix, hand-over and KPIs across
the two cities run over the API in test_province_api.py (the province pass of .ci/run)."""
from __future__ import annotations

import pytest
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine, select

import dispatch.models  # noqa: F401  registers every table
from dispatch.city import CITIES_DIR, city_by_code
from dispatch.intake.flows import order_values
from dispatch.intake.schemas import IntakeRequest
from dispatch.orders.enums import Channel
from dispatch.orgs import directory
from dispatch.orgs.models import OrgUnit
from dispatch.orgs.service import Province, SecondCity, city_of, city_platform, load_org_tree
from dispatch.sqltypes import utcnow

YONGZHOU, SHANGLUO = CITIES_DIR / "yongzhou", CITIES_DIR / "shangluo"
PROVINCE = Province("示范省")


def _load(session: Session, folder, province: Province | None = PROVINCE) -> int:
    return load_org_tree(session, folder / "divisions.csv", folder / "departments.json", province)


@pytest.fixture
def empty():
    engine = create_engine("sqlite://", connect_args={"check_same_thread": False},
                           poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def province(empty):
    _load(empty, YONGZHOU)
    _load(empty, SHANGLUO)
    return empty


def test_two_cities_hang_under_one_province_root_with_their_own_trees(province):
    root = province.get(OrgUnit, "00")
    cities = province.exec(select(OrgUnit).where(OrgUnit.parent_id == root.id)
                           .order_by(OrgUnit.id)).all()
    assert (root.name, root.path, root.level) == ("示范省", "/00/", "province")
    assert [(c.name, c.path) for c in cities] == [("永州市", "/00/4311/"), ("商洛市", "/00/6110/")]
    county = province.get(OrgUnit, "611002")
    assert county.path == "/00/6110/611002/"
    dept = province.get(OrgUnit, "6110-housing") or province.exec(
        select(OrgUnit).where(OrgUnit.parent_id == "6110", OrgUnit.kind == "department")).first()
    assert dept.path.startswith("/00/6110/")


def test_loading_a_city_of_the_province_again_adds_nothing(province):
    assert _load(province, YONGZHOU, None) == 0
    assert _load(province, SHANGLUO) == 0


def test_every_city_platform_lookup_takes_the_citys_own(province):
    assert city_platform(province, "6110").name == "商洛市"
    assert city_platform(province).name == "永州市"       # HOTLINE_CITY's, the default
    village = province.exec(select(OrgUnit).where(OrgUnit.level == "village",
                                                  OrgUnit.path.startswith("/00/6110/"))).first()
    assert city_of(province, village).id == "6110"


@pytest.mark.parametrize("division,owner", [("611002", "6110"), ("431102", "4311"), (None, "4311")])
def test_a_channels_order_goes_to_the_city_of_its_place(province, division, owner):
    req = IntakeRequest(channel=Channel.wechat, external_id=f"p-{division}", content="路灯不亮",
                        division_code=division)
    values = order_values(directory.SessionUnits(province), req, utcnow())
    assert values["platform_id"] == owner


def test_a_second_city_without_the_province_is_still_refused(empty):
    _load(empty, YONGZHOU, None)
    with pytest.raises(SecondCity, match="永州市 \\(4311\\).*商洛市 \\(6110\\).*--province"):
        _load(empty, SHANGLUO, None)


def test_a_province_over_a_lone_city_is_refused(empty):
    _load(empty, YONGZHOU, None)
    with pytest.raises(SecondCity, match="single city.*empty database"):
        _load(empty, SHANGLUO)


def test_a_new_city_joins_a_province_only_when_named(empty):
    _load(empty, YONGZHOU)
    with pytest.raises(SecondCity, match="province 示范省.*--province 示范省"):
        _load(empty, SHANGLUO, None)
    with pytest.raises(SecondCity, match="holds the province 示范省"):
        _load(empty, SHANGLUO, Province("别的省"))
    assert empty.exec(select(OrgUnit).where(OrgUnit.id == "6110")).first() is None


def test_routing_reads_each_citys_own_files():
    from classifiers.routing import city_files

    assert city_files("6110").divisions_csv == SHANGLUO / "divisions.csv"
    assert city_files("6110").departments_file == SHANGLUO / "departments.json"
    assert city_files("4311").divisions_csv == YONGZHOU / "divisions.csv"
    assert city_by_code("6110").order_prefix        # a province's city has its own city.toml

"""Validation of one historical-order row: every problem reported, units by code, name or path."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.orders.import_rows import RowError, Unit, UnitIndex, parse_row

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
UNITS = UnitIndex.build([
    Unit("4311", "永州市", "city", "platform", None, "/4311/"),
    Unit("431102", "零陵区", "county", "platform", "4311", "/4311/431102/"),
    Unit("431103", "冷水滩区", "county", "platform", "4311", "/4311/431103/"),
    Unit("431102001", "朝阳街道", "township", "territorial", "431102", "/4311/431102/431102001/"),
    Unit("431103001", "朝阳街道", "township", "territorial", "431103", "/4311/431103/431103001/"),
    Unit("431102-housing", "住房和城乡建设局", "county", "department", "431102",
         "/4311/431102/431102-housing/"),
    Unit("431103-housing", "住房和城乡建设局", "county", "department", "431103",
         "/4311/431103/431103-housing/"),
])


def fixed_deadline(start, request_type, urgency, step):
    return start + {"sign_for": timedelta(days=1), "return_window": timedelta(days=2),
                    "handling": timedelta(days=5)}[step]


def row(**changes):
    base = {"channel": "12345", "external_id": "old-1", "received_at": "2025-03-03 09:00:00",
            "content": "朝阳街道路灯不亮", "division": "431102001", "state": "closed",
            "handled_by": "零陵区/住房和城乡建设局", "dispatched_at": "2025-03-03 10:00:00",
            "closed_at": "2025-03-05 16:00:00", "reached": "是", "satisfied": "1"}
    return {**base, **changes}


def parse(raw):
    return parse_row(raw, units=UNITS, now=NOW, deadline=fixed_deadline)


def test_a_closed_order_handled_by_a_county_department_belongs_to_that_county():
    got = parse(row())
    assert got.order["platform_id"] == "431102" and got.order["close_kind"] == "dispatched"
    assert got.order["received_at"].utcoffset() == timedelta(hours=8)   # naive means Beijing
    assert got.hop["to_unit_id"] == "431102-housing" and got.hop["status"] == "done"
    assert got.hop["deadline"] == got.hop["dispatched_at"] + timedelta(days=5)  # policy when absent
    assert got.order["callback"]["satisfied"] is True and got.order["callback"]["reached"] is True


def test_an_order_answered_directly_stays_with_the_city_and_has_no_hop():
    got = parse(row(handled_by="", dispatched_at=""))
    assert got.hop is None and got.order["platform_id"] == "4311"
    assert got.order["close_kind"] == "direct"


def test_in_a_province_an_order_answered_directly_stays_with_the_city_of_its_place():
    """Two cities under one root (docs/province.md): the place decides the city."""
    province = UnitIndex.build([
        Unit("00", "示范省", "province", "platform", None, "/00/"),
        Unit("4311", "永州市", "city", "platform", "00", "/00/4311/"),
        Unit("6110", "商洛市", "city", "platform", "00", "/00/6110/"),
        Unit("611002", "商州区", "county", "platform", "6110", "/00/6110/611002/"),
        Unit("611002001", "城关街道", "township", "territorial", "611002",
             "/00/6110/611002/611002001/"),
    ])
    got = parse_row(row(handled_by="", dispatched_at="", division="611002001"), units=province,
                    now=NOW, deadline=fixed_deadline)
    assert got.order["platform_id"] == "6110"


@pytest.mark.parametrize("changes, problem", [
    ({"channel": "fax"}, "channel: 'fax' is not one of"),
    ({"external_id": ""}, "external_id: required"),
    ({"received_at": "03/03/2025"}, "received_at: '03/03/2025' is not a date and time"),
    ({"received_at": "2027-01-01 00:00:00"}, "received_at: in the future"),
    ({"received_at": "0001-01-01 00:00:00"}, "received_at: '0001-01-01 00:00:00' is not between 2000-01-01"),
    ({"closed_at": "9999-12-31 23:59:59-08:00"}, "closed_at: '9999-12-31 23:59:59-08:00' is not between"),
    ({"division": "朝阳街道"}, "division: 2 units are named '朝阳街道'; give the code or a path"),
    ({"division": "月亮村"}, "division: unknown unit '月亮村'"),
    ({"handled_by": "住房和城乡建设局"}, "handled_by: 2 units are named"),
    ({"closed_at": ""}, "closed_at: required when state is closed"),
    ({"closed_at": "2025-03-01 00:00:00"}, "closed_at: before received_at"),
    ({"state": "transferred", "handled_by": ""}, "emergency: required when state is transferred"),
    ({"state": "refused"}, "handled_by: a refused order was never handed to a unit"),
    ({"state": "handling"}, "state: 'handling' is not one of closed, refused, transferred"),
    ({"urgency": "asap"}, "urgency: 'asap' is not one of"),
    ({"satisfied": "maybe"}, "satisfied: 'maybe' is not yes/no"),
    ({"rehandle_count": "-1"}, "rehandle_count: '-1' is not a count"),
    ({"citizen_phone": "1" * 40}, "citizen_phone: longer than 32 characters"),
])
def test_a_bad_row_names_the_column_and_the_problem(changes, problem):
    with pytest.raises(RowError) as err:
        parse(row(**changes))
    assert any(p.startswith(problem) for p in err.value.problems), err.value.problems


def test_every_problem_of_a_row_is_reported_at_once():
    with pytest.raises(RowError) as err:
        parse(row(channel="", content="", division="x"))
    assert [p.split(":")[0] for p in err.value.problems] == ["channel", "content", "division"]


@pytest.mark.parametrize("text, unit_id", [
    ("431103001", "431103001"), ("冷水滩区/朝阳街道", "431103001"), ("零陵区", "431102"),
    ("冷水滩区／住房和城乡建设局", "431103-housing"),
])
def test_units_resolve_by_code_unique_name_or_name_path(text, unit_id):
    assert UNITS.resolve(text).id == unit_id


@pytest.mark.parametrize("name, paths", [
    ("朝阳街道", "零陵区/朝阳街道 (431102001), 冷水滩区/朝阳街道 (431103001)"),
    ("住房和城乡建设局", "零陵区/住房和城乡建设局 (431102-housing), "
                         "冷水滩区/住房和城乡建设局 (431103-housing)"),
])
def test_an_ambiguous_name_is_answered_with_the_paths_of_its_namesakes(name, paths):
    """The hint named one fixed county (零陵区/…) whatever units and city were loaded."""
    with pytest.raises(ValueError) as err:
        UNITS.resolve(name)
    assert str(err.value) == f"2 units are named {name!r}; give the code or a path: {paths}"

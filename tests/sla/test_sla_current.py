"""Every process's calendar and policy follow the stored configuration version; schedule files parse."""
from __future__ import annotations

from datetime import date

import pytest

from sla import current, service
from sla.calendar import YearSchedule
from sla.schedule_files import parse_schedule_file


def test_a_change_stored_by_another_process_is_picked_up_by_its_version(session, monkeypatch):
    current.calendar()                       # this process has its copy
    monkeypatch.setattr(current, "TTL", 3600.0)
    # another process (no invalidate here) loads 2033 with New Year's Day on a Monday off
    service.save_schedule(session, schedule=YearSchedule(2033, frozenset({date(2033, 1, 3)})))
    try:
        assert current.calendar().source_for_year(2033) != "loaded"   # still trusted for TTL
        monkeypatch.setattr(current, "TTL", 0.0)
        assert current.calendar().source_for_year(2033) == "loaded"
        assert not current.calendar().is_working_day(date(2033, 1, 3))
    finally:
        service.delete_schedule(session, year=2033)
        current.invalidate()
    assert current.calendar().source_for_year(2033) == "weekends_only"


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("a.csv", "date,type\n2034-01-02,holiday\n2034-01-07,workday\n", {2034: ({"2034-01-02"}, {"2034-01-07"})}),
    ("a.csv", "\ufeffDate,Type,name\n2034-01-02,假,元旦\n2035-02-03,补班,春节\n",
     {2034: ({"2034-01-02"}, set()), 2035: (set(), {"2035-02-03"})}),
    ("a.json", '{"year": 2034, "holidays": ["2034-01-02"]}', {2034: ({"2034-01-02"}, set())}),
    ("noext", '[{"year": 2034, "workdays": ["2034-01-07"]}]', {2034: (set(), {"2034-01-07"})}),
    # saved with a bare carriage return between lines (classic Mac, some Excel exports)
    ("a.csv", "date,type\r2034-01-02,holiday\r2034-01-07,workday\r",
     {2034: ({"2034-01-02"}, {"2034-01-07"})}),
    ("a.csv", "date,type\r\n2034-01-02,holiday\r\n", {2034: ({"2034-01-02"}, set())}),
])
def test_schedule_files_in_json_or_csv(name, content, expected):
    got = {s.year: ({d.isoformat() for d in s.holidays}, {d.isoformat() for d in s.workdays})
           for s in parse_schedule_file(name, content.encode())}
    assert got == expected


@pytest.mark.parametrize(("name", "content", "message"), [
    ("a.csv", "day,kind\n2034-01-02,holiday\n", "expected a header with date and type"),
    ("a.csv", "date,type\n2034/01/02,holiday\n", "line 2: expected YYYY-MM-DD"),
    ("a.csv", "date,type\n", "no dates found"),
    ("a.json", "[{", "not valid JSON"),
    ("a.json", '[{"year": 2034}, {"year": 2034}]', "years [2034] appear more than once"),
    ("a.csv", "date,type\n2034-01-02\r,holiday\n", "line 2: type must be holiday or workday"),
    ("a.csv", "date,type\n" + "9" * 200_000 + ",holiday\n", "line 2: field larger than field limit"),
    ("a.csv", "date,type\n9999-12-31,holiday\n", "between 2000-01-01 and 2100-12-31"),
    ("a.json", '{"year": 1, "holidays": ["0001-01-01"]}', "year from 2000 to 2100"),
])
def test_bad_schedule_files_say_what_is_wrong(name, content, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_schedule_file(name, content.encode())

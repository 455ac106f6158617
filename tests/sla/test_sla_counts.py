"""Tests for sla.counts: which buckets one order and its hops add to, and their difference."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import pytest

from sla.counts import (COUNT_DEFINITIONS, COUNT_FIELDS, closing_hop, contribution, difference,
                        from_json, responsible_unit, to_json)

UTC = timezone.utc
PLATFORM, TOWN, VILLAGE, DEPT = "/c/p/", "/c/p/t/", "/c/p/t/v/", "/c/p/p-dept/"


def at(text: str) -> datetime:
    """Shanghai local time given as text, stored as UTC (like the database)."""
    return datetime.fromisoformat(text + "+08:00").astimezone(UTC)


@dataclass
class O:
    state: str = "closed"
    received_at: datetime = at("2025-03-03T09:00")
    close_kind: str | None = "dispatched"
    platform_path: str = PLATFORM
    repeat_of_id: int | None = None
    master_id: int | None = None
    rehandle_count: int = 0
    failed_site_checks: int = 0
    callback: dict = field(default_factory=dict)


@dataclass
class H:
    to_path: str = TOWN
    role: str = "lead"
    from_platform: bool = True
    status: str = "done"
    dispatched_at: datetime = at("2025-03-03T10:00")
    deadline: datetime | None = at("2025-03-10T10:00")
    sign_deadline: datetime | None = at("2025-03-04T10:00")
    signed_at: datetime | None = at("2025-03-03T11:00")
    reported_at: datetime | None = at("2025-03-07T16:00")


GOOD_CALLBACK = {"reached": True, "contacted": True, "solved": True, "satisfied": True,
                 "at": at("2025-03-08T10:00").isoformat()}


def test_closed_order_adds_intake_closing_callback_and_hop_buckets():
    got = contribution(O(callback=GOOD_CALLBACK), [H()])
    assert got == {
        (date(2025, 3, 3), TOWN): {"received": 1, "valid": 1, "closed_after_dispatch": 1,
                                   "dispatched_assignments": 1, "signed_on_time": 1},
        (date(2025, 3, 10), TOWN): {"due_to_close": 1, "closed": 1, "closed_on_time": 1,
                                    "closed_first_time": 1, "callbacks_due": 1, "callbacks_done": 1},
        (date(2025, 3, 8), TOWN): {"evaluated": 1, "contacted": 1, "solved": 1, "satisfied": 1},
    }


def test_days_are_shanghai_dates_not_utc_dates():
    # 2025-03-04 07:30 in Shanghai is still 2025-03-03 in UTC
    order = O(state="received", close_kind=None, received_at=at("2025-03-04T07:30"))
    assert list(contribution(order, [])) == [(date(2025, 3, 4), PLATFORM)]


@pytest.mark.parametrize(("state", "close_kind", "expected"), [
    ("closed", "direct", {"received": 1, "valid": 1, "closed_direct": 1}),
    ("closed", "on_spot", {"received": 1, "valid": 1, "closed_direct": 1}),
    ("refused", None, {"received": 1}),
    ("transferred", None, {"received": 1}),
    ("pending_dispatch", None, {"received": 1, "valid": 1}),
])
def test_orders_never_dispatched_count_only_at_intake_for_the_platform(state, close_kind, expected):
    assert contribution(O(state=state, close_kind=close_kind), []) == {
        (date(2025, 3, 3), PLATFORM): expected}


def test_merged_order_is_a_repeat_call_and_not_valid():
    assert contribution(O(state="merged", close_kind=None, master_id=7), []) == {
        (date(2025, 3, 3), PLATFORM): {"received": 1, "repeat_calls": 1}}


def test_passed_down_order_belongs_to_the_village_but_closes_on_the_platform_hops_deadline():
    town = H(status="done", deadline=at("2025-03-10T10:00"), reported_at=at("2025-03-11T09:00"))
    village = H(to_path=VILLAGE, from_platform=False, dispatched_at=at("2025-03-04T09:00"),
                deadline=at("2025-03-09T10:00"), sign_deadline=at("2025-03-05T09:00"),
                signed_at=at("2025-03-06T09:00"), reported_at=at("2025-03-08T09:00"))
    got = contribution(O(), [town, village])
    assert got[(date(2025, 3, 10), VILLAGE)] == {
        "due_to_close": 1, "closed": 1, "closed_first_time": 1, "callbacks_due": 1}
    assert got[(date(2025, 3, 4), VILLAGE)] == {"dispatched_assignments": 1}  # signed late
    assert got[(date(2025, 3, 3), TOWN)] == {"dispatched_assignments": 1, "signed_on_time": 1}
    assert got[(date(2025, 3, 3), VILLAGE)] == {"received": 1, "valid": 1, "closed_after_dispatch": 1}


def test_returned_hop_counts_for_its_unit_and_the_order_moves_to_the_next_one():
    returned = H(status="returned", signed_at=None, reported_at=None)
    redispatched = H(to_path=DEPT, dispatched_at=at("2025-03-04T09:00"),
                     deadline=at("2025-03-11T09:00"))
    hops = [returned, redispatched]
    assert responsible_unit(O(), hops) == DEPT and closing_hop(hops) is redispatched
    got = contribution(O(), hops)
    assert got[(date(2025, 3, 3), TOWN)] == {"dispatched_assignments": 1, "returned": 1}
    assert (date(2025, 3, 11), DEPT) in got


def test_rehandled_order_is_subtracted_once_even_with_a_failed_site_check():
    got = contribution(O(rehandle_count=1, failed_site_checks=2), [H()])
    assert got[(date(2025, 3, 10), TOWN)] == {
        "due_to_close": 1, "closed": 1, "closed_on_time": 1, "reopened_unsatisfied": 1,
        "rehandled": 1, "callbacks_due": 1}


def test_failed_site_check_without_rehandle_is_counted():
    got = contribution(O(failed_site_checks=1), [H()])
    assert got[(date(2025, 3, 10), TOWN)]["failed_site_checks"] == 1


def test_open_order_is_due_on_its_deadline_but_not_closed():
    got = contribution(O(state="handling", close_kind=None), [H(status="handling", reported_at=None)])
    assert got[(date(2025, 3, 10), TOWN)] == {"due_to_close": 1}


def test_unanswered_callback_is_due_but_neither_done_nor_evaluated():
    cb = {**GOOD_CALLBACK, "reached": False}
    got = contribution(O(callback=cb), [H()])
    assert got[(date(2025, 3, 10), TOWN)]["callbacks_due"] == 1
    assert "callbacks_done" not in got[(date(2025, 3, 10), TOWN)]
    assert (date(2025, 3, 8), TOWN) not in got


def rated(rating: str, **callback) -> dict:
    own = {"rating": rating, "comment": None, "at": at("2025-03-12T20:00").isoformat()}
    return {**GOOD_CALLBACK, **callback, "citizen": own}


@pytest.mark.parametrize("callback, satisfied", [
    (GOOD_CALLBACK, 1),                                      # the callback alone
    ({**GOOD_CALLBACK, "satisfied": False}, 0),
    (rated("unsatisfied"), 0),                               # the citizen's own rating wins
    (rated("basically_satisfied", satisfied=False), 1),     # 基本满意 counts as satisfied
    (rated("satisfied", satisfied=False), 1),
])
def test_satisfied_is_the_citizens_own_rating_first_then_the_callbacks(callback, satisfied):
    bucket = contribution(O(callback=callback), [H()])[(date(2025, 3, 8), TOWN)]
    assert bucket["evaluated"] == 1 and bucket.get("satisfied", 0) == satisfied
    assert bucket["contacted"] == bucket["solved"] == 1     # the rating changes neither


def test_a_rating_without_a_reached_callback_is_not_evaluated():
    got = contribution(O(close_kind="direct", callback=rated("satisfied", reached=False)), [])
    assert all("evaluated" not in counts and "satisfied" not in counts for counts in got.values())


def test_callback_before_a_rehandle_is_not_evaluated_until_called_back_again():
    order = O(state="dispatched", close_kind=None, rehandle_count=1, callback=GOOD_CALLBACK)
    got = contribution(order, [H(), H(status="dispatched", signed_at=None, reported_at=None)])
    assert (date(2025, 3, 8), TOWN) not in got


def test_cancelled_hops_and_orders_that_left_the_loop_are_not_due():
    order = O(state="transferred", close_kind=None)
    assert contribution(order, [H(status="cancelled")]) == {(date(2025, 3, 3), PLATFORM): {"received": 1}}


def test_co_handler_hops_count_as_assignments_only():
    co = H(to_path=DEPT, role="co", status="reported")
    got = contribution(O(), [H(), co])
    assert got[(date(2025, 3, 3), DEPT)] == {"dispatched_assignments": 1, "signed_on_time": 1}
    assert responsible_unit(O(), [H(), co]) == TOWN


def test_difference_retracts_what_changed_only():
    before = contribution(O(state="handling", close_kind=None), [H(status="handling", reported_at=None)])
    after = contribution(O(callback=GOOD_CALLBACK), [H()])
    delta = difference(after, before)
    assert delta[(date(2025, 3, 10), TOWN)] == {"closed": 1, "closed_on_time": 1,
                                                "closed_first_time": 1, "callbacks_due": 1,
                                                "callbacks_done": 1}
    assert difference(after, after) == {}
    assert difference({}, after)[(date(2025, 3, 3), TOWN)]["received"] == -1


def test_json_form_round_trips():
    contrib = contribution(O(callback=GOOD_CALLBACK), [H()])
    assert from_json(to_json(contrib)) == contrib


def test_every_count_has_a_chinese_name_and_a_definition():
    assert set(COUNT_DEFINITIONS) == set(COUNT_FIELDS)
    assert all(name and text for name, text in COUNT_DEFINITIONS.values())


def test_a_day_boundary_deadline_uses_the_local_date():
    hop = H(deadline=at("2025-03-10T23:59") + timedelta(minutes=2))  # 00:01 on the 11th
    assert (date(2025, 3, 11), TOWN) in contribution(O(), [hop])

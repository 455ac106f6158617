"""Which orders a unit's list, counts and exports hold: those owned by a platform inside the unit
and those with a hop to a unit inside it, each once, on every page. The reads find the two
halves through their own indexes (orders.newest_reached, count_by_state), so the halves are
checked here one against the other, with a neighbour whose path only looks like a prefix."""
from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timezone

import pytest
from sqlmodel import func, select

from dispatch.orders import service as orders
from dispatch.orders.models import Assignment, Order


@pytest.fixture
def tree(session):
    """A private tree: city /C/, its county platform /C/K/, township /C/K/T/ with village
    /C/K/T/V/, and a neighbouring township /C/K/T0/ whose path starts with "/C/K/T" too."""
    root = f"/t{uuid.uuid4().hex[:8]}/"
    city, county = root, root + "K/"
    town, village, neighbour = county + "T/", county + "T/V/", county + "T0/"
    made: list[tuple[int, str]] = []

    def order(owner: str, state: str, *hops: str) -> int:
        o = Order(channel="12345", external_id=uuid.uuid4().hex, platform_id=owner.strip("/"),
                  platform_path=owner, state=state)
        session.add(o)
        session.flush()
        for to in hops:
            session.add(Assignment(order_id=o.id, from_unit_id="x", from_path=owner,
                                   to_unit_id=to.strip("/"), to_path=to))
        made.append((o.id, state))
        return o.id

    ids = {
        "city only": order(city, "handling", city + "dept/"),
        "county own": order(county, "dispatched"),
        "county to town": order(county, "handling", town),
        "city to town twice": order(city, "handling", town, town),
        "county to village": order(county, "closed", town, village),
        "city to neighbour": order(city, "handling", neighbour),
        "county to neighbour": order(county, "closed", neighbour),
        "town again": order(county, "closed", town),
        "village again": order(city, "handling", village),
    }
    session.commit()
    return {"paths": {"city": city, "county": county, "town": town, "village": village,
                      "neighbour": neighbour}, "ids": ids, "made": made}


EXPECTED = {
    "city": None,   # every order of the tree
    "county": {"county own", "county to town", "city to town twice", "county to village",
               "city to neighbour", "county to neighbour", "town again", "village again"},
    "town": {"county to town", "city to town twice", "county to village", "town again",
             "village again"},
    "village": {"county to village", "village again"},
    "neighbour": {"city to neighbour", "county to neighbour"},
}


def _expected(tree, unit: str) -> list[int]:
    names = EXPECTED[unit]
    ids = tree["ids"].values() if names is None else [tree["ids"][n] for n in names]
    return sorted(ids, reverse=True)


def _pages(session, path: str, size: int, **flt) -> list[list[int]]:
    now = datetime.now(timezone.utc)
    pages, before = [], None
    while True:
        rows = orders.list_orders(session, reach_path=path, flt=orders.OrderFilter(**flt),
                                  now=now, before_id=before, limit=size)
        pages.append([o.id for o in rows])
        if len(rows) < size:
            return pages
        before = rows[-1].id


@pytest.mark.parametrize("unit", list(EXPECTED))
@pytest.mark.parametrize("size", [1, 2, 50])
def test_every_page_holds_the_units_orders_newest_first_each_once(session, tree, unit, size):
    pages = _pages(session, tree["paths"][unit], size)
    assert all(len(p) <= size for p in pages)
    assert [i for p in pages for i in p] == _expected(tree, unit)


@pytest.mark.parametrize("unit", list(EXPECTED))
def test_filters_apply_to_both_halves(session, tree, unit):
    state = {i: s for i, s in tree["made"]}
    listed = [i for p in _pages(session, tree["paths"][unit], 2, state=["handling"]) for i in p]
    assert listed == [i for i in _expected(tree, unit) if state[i] == "handling"]


@pytest.mark.parametrize("unit", list(EXPECTED))
def test_counts_by_state_count_each_order_once(session, tree, unit):
    state = {i: s for i, s in tree["made"]}
    assert orders.count_by_state(session, reach_path=tree["paths"][unit]) == \
        Counter(state[i] for i in _expected(tree, unit))


@pytest.mark.parametrize("unit", list(EXPECTED))
def test_exports_read_the_same_orders(session, tree, unit):
    flt, now = orders.OrderFilter(), datetime.now(timezone.utc)
    path = tree["paths"][unit]
    rows = session.exec(orders.filtered(select(Order.id), reach_path=path, flt=flt, now=now)
                        .order_by(Order.id.desc())).all()
    total = session.exec(orders.filtered(select(func.count()).select_from(Order),
                                         reach_path=path, flt=flt, now=now)).one()
    assert list(rows) == _expected(tree, unit) and total == len(rows)

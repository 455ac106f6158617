"""The routing job builds its hops and timeline rows with ``new_row``, not the models'
constructors: the rows stored must be the ones the constructors would have stored."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dispatch.orders.models import Assignment, TimelineEntry
from dispatch.sqltypes import new_row

NOW = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)
HOP = dict(order_id=7, hop_no=2, parent_id=3, role="lead", from_unit_id="4311",
           from_path="/4311/", from_platform=True, to_unit_id="431102", to_path="/4311/431102/",
           dispatched_at=NOW, deadline=NOW)
ENTRY = dict(order_id=7, at=NOW, actor_name="智能分拨", actor_role="system", action="auto_dispatch",
             from_state="received", to_state="dispatched", data={"to_unit": {"id": "431102"}})


@pytest.mark.parametrize("model, values", [(Assignment, HOP), (TimelineEntry, ENTRY)])
def test_new_row_holds_what_the_constructor_holds(model, values):
    built, made = new_row(model, **values), model(**values)
    assert built.model_dump() == made.model_dump()
    assert built.model_fields_set == made.model_fields_set


def test_mutable_defaults_are_not_shared_between_rows():
    a, b = new_row(TimelineEntry, **ENTRY), new_row(TimelineEntry, **ENTRY)
    a.attachment_ids.append(1)
    assert b.attachment_ids == []


def test_an_unknown_field_is_refused_not_dropped():
    with pytest.raises(TypeError, match="no field colour"):
        new_row(Assignment, **HOP, colour="red")


def test_a_row_built_so_is_stored_with_every_value(session):
    from tests.helpers import unrouted_order

    order = unrouted_order(session, content="村口路灯不亮")
    hop = new_row(Assignment, **{**HOP, "order_id": order.id, "parent_id": None})
    session.add(hop)
    session.commit()
    session.expire_all()
    stored = session.get(Assignment, hop.id)
    assert stored.model_dump() == {**Assignment(**{**HOP, "order_id": order.id,
                                                   "parent_id": None}).model_dump(), "id": hop.id}

"""The optimistic lock rides on the order's own UPDATE: a transition that someone else's commit
overtook between reading the order and writing it is refused, and leaves nothing behind."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from dispatch.db import get_engine
from dispatch.errors import Conflict
from dispatch.orders import flows
from dispatch.orders.enums import Action
from dispatch.orders.models import Assignment, Order, TimelineEntry
from dispatch.orders.effects import ActionInput
from tests.helpers import unrouted_order


def test_a_transition_overtaken_by_another_commit_is_refused_and_leaves_nothing(
        session, seeded, monkeypatch):
    order = unrouted_order(session, content="路灯坏了一个星期", platform_id=seeded.county.id,
                           division_code=seeded.village.id)
    real = flows.EFFECTS[Action.auto_dispatch]

    def overtaken(change):
        # a colleague raises the urgency and commits while this dispatch is being applied
        with Session(get_engine()) as other:
            theirs = other.get(Order, order.id)
            theirs.urgency, theirs.version = "urgent", theirs.version + 1
            other.add(theirs)
            other.commit()
        real(change)

    monkeypatch.setitem(flows.EFFECTS, Action.auto_dispatch, overtaken)
    with pytest.raises(Conflict, match="changed by someone else"):
        flows.apply_action(session, order_id=order.id, action=Action.auto_dispatch,
                           actor=flows.system_actor(order),
                           inp=ActionInput(target_unit_id=seeded.township.id, reason="派单"))
    session.expire_all()
    stored = session.get(Order, order.id)
    assert (stored.state, stored.urgency, stored.current_hop_id) == ("received", "urgent", None)
    seen = stored.version
    assert session.exec(select(Assignment).where(Assignment.order_id == order.id)).all() == []
    assert [e.action for e in session.exec(select(TimelineEntry)
                                           .where(TimelineEntry.order_id == order.id))] == ["intake"]

    monkeypatch.setitem(flows.EFFECTS, Action.auto_dispatch, real)   # reloaded, it goes through
    done = flows.apply_action(session, order_id=order.id, action=Action.auto_dispatch,
                              actor=flows.system_actor(order),
                              inp=ActionInput(target_unit_id=seeded.township.id, reason="派单"))
    assert (done.state, done.urgency, done.version) == ("dispatched", "urgent", seen + 1)

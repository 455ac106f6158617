"""The aggregates follow real transitions (post-commit listener) and the reconcile job repairs misses."""
from __future__ import annotations

import threading

from sqlalchemy import update
from sqlmodel import select

from dispatch.orders import flows
from dispatch.orders.effects import ActionInput
from dispatch.orders.enums import Action, Role
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Assignment, Order
from dispatch.orgs import service as orgs
from sla import aggregates, scheduled
from sla.models import KpiFact
from tests.helpers import act, auth, new_call, wait_state
from tests.sla.conftest import SHANGHAI, Builder

OUTCOME = ("closed", "closed_on_time", "closed_first_time", "callbacks_due", "callbacks_done")


def row_counts(client, token, unit_id, key, **params):
    r = client.get("/api/v1/sla/kpi", params={"unit_id": unit_id, **params}, headers=auth(token))
    assert r.status_code == 200, r.text
    return next(row["counts"] for row in r.json()["rows"] if row["key"] == key)


def test_each_transition_moves_the_order_between_counts(client, tokens, seeded, session):
    t, county = tokens, seeded.county
    other = [u for u in orgs.children(session, county.id) if u.kind == "territorial"][1]
    oid = new_call(client, t["county_operator"])["order_id"]
    wait_state(client, t["county_dispatcher"], oid, "pending_dispatch")
    act(client, t["county_dispatcher"], oid, "dispatch", target_unit_id=other.id)
    hop = session.exec(select(Assignment).where(Assignment.order_id == oid)).one()
    due_day, today = hop.deadline.astimezone(SHANGHAI).date(), hop.dispatched_at.astimezone(SHANGHAI).date()
    look = lambda day: row_counts(client, t["county_supervisor"], county.id, other.path,  # noqa: E731
                                  period="day", at=day.isoformat())
    before_due, before_today = look(due_day), look(today)
    handler, platform = Actor(Role.handler, other.path), Actor(Role.dispatcher, county.path)
    for action, actor, inp in [
        (Action.sign_for, handler, ActionInput()),
        (Action.feedback, handler, ActionInput(reason="已处理", contacted=True, solved=True)),
        (Action.audit_pass, platform, ActionInput()),
        (Action.callback, Actor(Role.callback_agent, county.path),
         ActionInput(reached=True, contacted=True, solved=True, satisfied=False)),
        (Action.close, platform, ActionInput()),
    ]:
        flows.apply_action(session, order_id=oid, action=action, actor=actor, inp=inp)
    after_due, after_today = look(due_day), look(today)
    delta_due = {k: after_due[k] - before_due[k] for k in after_due if after_due[k] != before_due[k]}
    delta_today = {k: after_today[k] - before_today[k] for k in after_today if after_today[k] != before_today[k]}
    if due_day == today:
        delta_due = {k: v for k, v in delta_due.items() if k in OUTCOME}
    assert delta_due == dict.fromkeys(OUTCOME, 1)
    assert {k: v for k, v in delta_today.items() if k not in OUTCOME} == {
        "closed_after_dispatch": 1, "signed_on_time": 1, "evaluated": 1, "contacted": 1, "solved": 1}
    order = session.get(Order, oid)
    fact = session.exec(select(KpiFact).where(KpiFact.order_id == oid)
                        .execution_options(populate_existing=True)).one()
    assert fact.final and fact.buckets is None and fact.version == order.version


def _march_2001_like(session, seeded, month="2001-06"):
    b = Builder(session, seeded.county)
    order = b.order(received=f"{month}-04 08:00", state="handling", category="城乡建设")
    b.hop(order, seeded.township, dispatched=f"{month}-04 09:00", sign_deadline=f"{month}-05 09:00",
          signed=f"{month}-04 10:00", deadline=f"{month}-11 09:00", status="handling")
    b.refresh(order)
    return order


def test_reconcile_repairs_a_change_whose_listener_never_ran(client, tokens, seeded, session):
    order = _march_2001_like(session, seeded)
    look = lambda: {r["key"]: r["counts"]["received"] for r in client.get(  # noqa: E731
        "/api/v1/sla/kpi", params={"unit_id": seeded.county.id, "at": "2001-06-10", "group_by": "category"},
        headers=auth(tokens["county_supervisor"])).json()["rows"]}
    assert look() == {"城乡建设": 1}
    # a change committed by a process that died before its listener ran
    session.execute(update(Order).where(Order.id == order.id)
                    .values(category="环境保护", version=Order.version + 1))
    session.commit()
    assert look() == {"城乡建设": 1}
    assert order.id in aggregates.stale_order_ids(session, since=order.received_at)
    assert scheduled.reconcile_kpis() >= 1
    assert look() == {"环境保护": 1}
    assert order.id not in aggregates.stale_order_ids(session, since=order.received_at)


def test_concurrent_refreshes_of_one_order_apply_its_change_once(client, tokens, seeded, session):
    from dispatch.db import get_engine
    from sqlmodel import Session

    order = _march_2001_like(session, seeded, month="2001-07")
    session.execute(update(Order).where(Order.id == order.id).values(state="refused",
                                                                     version=Order.version + 1))
    session.commit()
    gate = threading.Barrier(4)

    def refresh():
        gate.wait()
        with Session(get_engine()) as own:
            aggregates.refresh_order(own, order_id=order.id)

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    total = client.get("/api/v1/sla/kpi", params={"unit_id": seeded.county.id, "at": "2001-07-10"},
                       headers=auth(tokens["county_supervisor"])).json()["total"]["counts"]
    # refused: still received, no longer valid; its hop was not cancelled in this hand-made row
    assert (total["received"], total["valid"], total["due_to_close"]) == (1, 0, 0)
    assert total["dispatched_assignments"] == 1


def test_a_batch_refresh_counts_each_order_once_and_follows_a_later_change(client, tokens, seeded, session):
    from sla import listeners
    from tests.sla.conftest import local

    b = Builder(session, seeded.county)
    orders = []
    for day in ("03", "06", "09"):
        order = b.order(received=f"2001-08-{day} 08:00", state="handling")
        b.hop(order, seeded.township, dispatched=f"2001-08-{day} 09:00", sign_deadline=f"2001-08-{day} 18:00",
              signed=f"2001-08-{day} 10:00", deadline="2001-08-20 09:00", status="handling")
        orders.append(order)
    session.commit()   # expires the orders, as a flow's commit does before the listeners run
    listeners.refresh_kpis_batch(session, orders=orders)
    listeners.refresh_kpis_batch(session, orders=orders)   # a repeat adds nothing
    total = lambda: client.get("/api/v1/sla/kpi", params={"unit_id": seeded.county.id, "at": "2001-08-15"},  # noqa: E731
                               headers=auth(tokens["county_supervisor"])).json()["total"]["counts"]
    before = total()
    assert (before["received"], before["due_to_close"], before["closed"], before["dispatched_assignments"],
            before["signed_on_time"]) == (3, 3, 0, 3, 3)
    first = orders[0]
    first.state, first.close_kind, first.closed_at = "closed", "dispatched", local("2001-08-12 10:00")
    first.version += 1
    hop = session.exec(select(Assignment).where(Assignment.order_id == first.id)).one()
    hop.status, hop.reported_at = "done", local("2001-08-11 10:00")
    session.commit()
    listeners.refresh_kpis_batch(session, orders=orders)
    after = total()
    assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == {
        "closed": 1, "closed_on_time": 1, "closed_first_time": 1, "closed_after_dispatch": 1,
        "callbacks_due": 1}   # closed without a callback that reached the citizen: due, not done


def test_the_citizens_rating_through_the_closure_link_moves_the_satisfaction_count(
        client, tokens, seeded, session):
    from datetime import timedelta

    from dispatch.citizens.rating import make_token
    from dispatch.config import get_settings
    from dispatch.sqltypes import utcnow

    t, county = tokens, seeded.county
    unit = [u for u in orgs.children(session, county.id) if u.kind == "territorial"][1]
    oid = new_call(client, t["county_operator"])["order_id"]
    wait_state(client, t["county_dispatcher"], oid, "pending_dispatch")
    act(client, t["county_dispatcher"], oid, "dispatch", target_unit_id=unit.id)
    handler, platform = Actor(Role.handler, unit.path), Actor(Role.dispatcher, county.path)
    for action, actor, inp in [
        (Action.sign_for, handler, ActionInput()),
        (Action.feedback, handler, ActionInput(reason="已处理", contacted=True, solved=True)),
        (Action.audit_pass, platform, ActionInput()),
        (Action.callback, Actor(Role.callback_agent, county.path),
         ActionInput(reached=True, contacted=True, solved=True, satisfied=False)),
        (Action.close, platform, ActionInput()),
    ]:
        flows.apply_action(session, order_id=oid, action=action, actor=actor, inp=inp)
    day = _local_day(session, oid)        # the callback's day: the three rates' anchor
    look = lambda: row_counts(client, t["county_supervisor"], county.id, unit.path,  # noqa: E731
                              period="day", at=day)
    before = look()
    token = make_token(oid, expires_at=utcnow() + timedelta(days=1),
                       secret=get_settings().secret_key)
    r = client.post("/api/v1/public/ratings", json={"token": token, "rating": "satisfied"})
    assert r.status_code == 200, r.text
    after = look()
    assert after["satisfied"] - before["satisfied"] == 1
    assert after["evaluated"] == before["evaluated"]        # one evaluation per order


def _local_day(session, oid: int) -> str:
    from datetime import datetime

    session.expire_all()
    called = datetime.fromisoformat(session.get(Order, oid).callback["at"])
    return called.astimezone(SHANGHAI).date().isoformat()

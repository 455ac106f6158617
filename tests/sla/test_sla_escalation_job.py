"""The escalation job on stored hops: each due level recorded exactly once, whatever happens."""
from __future__ import annotations

import secrets
import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from dispatch.orders.models import Assignment, TimelineEntry
from dispatch.orgs import service as orgs
from dispatch.sqltypes import utcnow
from sla import flows, scheduled
from sla.models import EscalationRecord, Notification
from tests.conftest import wait_until
from tests.helpers import auth
from tests.sla.conftest import SHANGHAI, Builder

FMT = "%Y-%m-%d %H:%M"


@pytest.fixture(scope="module")
def quiet_county(seeded):
    """The last county and its first township: no other test dispatches there."""
    from dispatch.db import get_engine

    with Session(get_engine(), expire_on_commit=False) as session:
        county = [u for u in orgs.children(session, seeded.city.id) if u.kind == "platform"][-1]
        township = next(u for u in orgs.children(session, county.id) if u.kind == "territorial")
    return county, township


def _open_hop(quiet_county, *, dispatched_ago: timedelta, due_in: timedelta, status="handling"):
    from dispatch.db import get_engine

    county, township = quiet_county
    now = utcnow()
    with Session(get_engine(), expire_on_commit=False) as session:
        b = Builder(session, county)
        order = b.order(received=local(now - dispatched_ago - timedelta(hours=1)), state=status)
        hop = b.hop(order, township, dispatched=local(now - dispatched_ago), status=status,
                    sign_deadline=local(now - dispatched_ago + timedelta(days=1)),
                    deadline=local(now + due_in))
        session.commit()
        return order.id, hop.id


def _earlier_today(most: timedelta) -> timedelta:
    """How long ago a deadline may have passed, at most ``most``, and still be today in Shanghai.

    督办 (supervise) falls due at the start of the next working day after the deadline, so a
    deadline "3 hours ago" run between midnight and 3 a.m. on a working day would have it due
    too; a deadline earlier today never does, whatever the hour the test runs."""
    now = utcnow().astimezone(SHANGHAI)
    return min(most, (now - now.replace(hour=0, minute=0, second=0, microsecond=0)) / 2)


def local(moment):
    return moment.astimezone(SHANGHAI).strftime(FMT)


def _levels(session, hop_id):
    rows = session.exec(select(EscalationRecord.level).where(EscalationRecord.hop_id == hop_id)
                        .order_by(EscalationRecord.id)).all()
    return list(rows)


def _timeline(session, order_id):
    return list(session.exec(select(TimelineEntry.action, TimelineEntry.actor_role)
                             .where(TimelineEntry.order_id == order_id).order_by(TimelineEntry.id)))


@pytest.fixture
def published(monkeypatch):
    from dispatch.realtime.broker import get_broker

    events = []
    monkeypatch.setattr(get_broker(), "publish", events.append)
    return events


def test_running_twice_records_each_due_level_once(session, quiet_county, published):
    overdue_order, overdue_hop = _open_hop(quiet_county, dispatched_ago=timedelta(days=45),
                                           due_in=-timedelta(days=30))
    chase_order, chase_hop = _open_hop(quiet_county, dispatched_ago=timedelta(days=4),
                                       due_in=timedelta(hours=12), status="dispatched")
    now = utcnow().isoformat()
    first = scheduled.run_escalations(now)
    second = scheduled.run_escalations(now)
    assert first["overdue"] >= 1 and first["chase"] >= 1
    assert second == {"chase": 0, "overdue": 0, "supervise": 0, "criticise": 0}
    # a missed chase is dropped: the ladder starts at overdue once the deadline has passed
    assert _levels(session, overdue_hop) == ["overdue", "supervise", "criticise"]
    assert _levels(session, chase_hop) == ["chase"]
    assert _timeline(session, overdue_order) == [("overdue", "system"), ("supervise", "system"),
                                                 ("criticise", "system")]
    hop = session.exec(select(Assignment).where(Assignment.id == overdue_hop)
                       .execution_options(populate_existing=True)).one()
    assert hop.escalations == ["overdue", "supervise", "criticise"]
    county, township = quiet_county
    notes = session.exec(select(Notification.recipient_path, Notification.level)
                         .where(Notification.hop_id == chase_hop)).all()
    assert sorted(notes) == sorted([(township.path, "chase"), (county.path, "chase")])
    mine = [e for e in published if e["hop_id"] in (overdue_hop, chase_hop)]
    assert sorted(e["level"] for e in mine) == ["chase", "criticise", "overdue", "supervise"]
    assert all(set(e["paths"]) == {township.path, county.path} for e in mine)


def test_concurrent_runs_record_a_level_once(session, quiet_county, published):
    order_id, hop_id = _open_hop(quiet_county, dispatched_ago=timedelta(days=10),
                                 due_in=-_earlier_today(timedelta(hours=2)))
    now, gate, errors = utcnow().isoformat(), threading.Barrier(3), []

    def run():
        try:
            gate.wait()
            scheduled.run_escalations(now)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert _levels(session, hop_id) == ["overdue"]
    assert [a for a, _ in _timeline(session, order_id)] == ["overdue"]
    assert len([e for e in published if e["hop_id"] == hop_id]) == 1


def test_a_run_that_dies_half_way_leaves_nothing_and_the_next_run_records_all(
        session, quiet_county, published, monkeypatch):
    order_id, hop_id = _open_hop(quiet_county, dispatched_ago=timedelta(days=45),
                                 due_in=-timedelta(days=30))
    real = flows._record
    calls = []

    def dies_on_second_level(session_, **kw):
        calls.append(kw["escalation"].level)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real(session_, **kw)

    monkeypatch.setattr(flows, "_record", dies_on_second_level)
    with pytest.raises(RuntimeError):
        flows.escalate_hop(hop_id=hop_id, now=utcnow(), calendar=scheduled.current.calendar(),
                           settings=scheduled.get_sla_settings().escalation)
    assert _levels(session, hop_id) == [] and _timeline(session, order_id) == []
    monkeypatch.setattr(flows, "_record", real)
    scheduled.run_escalations()
    assert _levels(session, hop_id) == ["overdue", "supervise", "criticise"]


def test_the_minute_beat_starts_the_job_once_per_minute_and_it_escalates(session, quiet_county):
    _, hop_id = _open_hop(quiet_county, dispatched_ago=timedelta(days=3),
                          due_in=-_earlier_today(timedelta(hours=1)))
    # a minute far ahead: the app's own beat (running in the background) claims the current
    # minute in Redis, and an earlier run may have claimed a fixed one
    now = utcnow() + timedelta(minutes=10**6 + secrets.randbelow(10**6))
    scheduled._last_slot.clear()
    started = scheduled.tick(now)
    assert f"sla-escalate-{now:%Y%m%d%H%M}" in started
    assert scheduled.tick(now) == []            # this process already beat this minute
    scheduled._last_slot.clear()                # another process beating the same minute:
    again = scheduled.tick(now)                 # RQ: claimed in Redis, not enqueued twice
    assert again == ([] if not scheduled.get_settings().embedded_queue else started)
    wait_until(lambda: _levels(session, hop_id) == ["overdue"])
    later = now + timedelta(minutes=1)
    assert f"sla-escalate-{later:%Y%m%d%H%M}" in scheduled.tick(later)


def test_notifications_reach_the_unit_and_its_supervisors(client, tokens, quiet_county, published):
    county, township = quiet_county
    _, hop_id = _open_hop(quiet_county, dispatched_ago=timedelta(days=3),
                          due_in=-_earlier_today(timedelta(hours=3)))
    scheduled.run_escalations()
    city = client.get("/api/v1/sla/notifications", headers=auth(tokens["city_supervisor"])).json()
    mine = [n for n in city if n["hop_id"] == hop_id]
    assert {n["recipient_path"] for n in mine} == {county.path, township.path}
    assert mine[0]["title"].startswith("超期：")
    demo = client.get("/api/v1/sla/notifications", headers=auth(tokens["county_supervisor"])).json()
    assert not [n for n in demo if n["hop_id"] == hop_id]   # another county's supervisor
    r = client.post(f"/api/v1/sla/notifications/{mine[0]['id']}/read", headers=auth(tokens["city_supervisor"]))
    assert r.status_code == 200 and r.json()["read_at"]
    unread = client.get("/api/v1/sla/notifications", params={"unread": True},
                        headers=auth(tokens["city_supervisor"])).json()
    assert mine[0]["id"] not in [n["id"] for n in unread]


def test_overdue_list_and_its_excel_export(client, tokens, quiet_county):
    from io import BytesIO

    from openpyxl import load_workbook

    county, township = quiet_county
    order_id, _ = _open_hop(quiet_county, dispatched_ago=timedelta(days=20), due_in=-timedelta(days=12))
    rows = client.get("/api/v1/sla/overdue", params={"unit_id": county.id},
                      headers=auth(tokens["city_supervisor"])).json()
    row = next(r for r in rows if r["order_id"] == order_id)
    assert row["unit_name"] == township.name and row["overdue_working_days"] > 5
    r = client.get("/api/v1/sla/overdue.xlsx", params={"unit_id": county.id},
                   headers=auth(tokens["city_supervisor"]))
    ws = load_workbook(BytesIO(r.content))["超期工单"]
    assert [ws.cell(2, c).value for c in (1, 3, 6)] == ["工单编号", "承办单位", "超期工作日"]
    assert ws.cell(3, 6).value.startswith("超期工作日 = ")
    assert row["number"] in [ws.cell(r_, 1).value for r_ in range(4, ws.max_row + 1)]
    denied = client.get("/api/v1/sla/overdue", params={"unit_id": county.id},
                        headers=auth(tokens["county_supervisor"]))
    assert denied.status_code == 403

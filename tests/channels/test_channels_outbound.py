"""Outbound notices: recorded once per order and kind, sent once, retried on failure, skipped
where the transport is not configured."""
from __future__ import annotations

import pytest
from channels_support import REMOTE, close_directly, deliveries, remote_bodies, wait_delivery
from sqlmodel import Session

from channels.enums import DeliveryKind, DeliveryStatus, Transport
from channels.outbound import jobs, service
from channels.outbound.flows import on_order_event
from channels.outbound.messages import Planned
from channels.outbound.transports import SendFailed
from dispatch.db import get_engine
from dispatch.orders.models import Order
from dispatch.sqltypes import utcnow
from tests.helpers import new_call


def test_announcing_twice_records_and_sends_each_notice_once(client, session, tokens):
    made = new_call(client, tokens["city_operator"], citizen_phone="13307460001")
    oid = made["order_id"]
    wait_delivery(session, oid, "accepted")
    order = session.get(Order, oid)
    on_order_event(session, order=order, action="intake")     # a second announcement
    assert jobs.deliver(deliveries(session, oid)["accepted"].id) == "skipped"
    close_directly(client, tokens["city_dispatcher"], oid, "已答复")
    wait_delivery(session, oid, "closed")
    session.expire_all()
    on_order_event(session, order=session.get(Order, oid), action="close")
    assert len(remote_bodies("/sms/send", ref=f"{made['number']}-accepted")) == 1
    assert len(remote_bodies("/sms/send", ref=f"{made['number']}-closed")) == 1
    assert set(deliveries(session, oid)) == {"accepted", "closed"}


def test_failed_send_is_marked_failed_and_a_rerun_sends_it(client, session, tokens):
    oid = new_call(client, tokens["city_operator"], citizen_phone=None)["order_id"]
    planned = Planned(DeliveryKind.closed, Transport.sms, "13307460002",
                      {"phone": "13307460002", "text": "测试", "ref": f"retry-{oid}"})
    with Session(get_engine(), expire_on_commit=False) as s:
        first = service.add_deliveries(s, rows=[(oid, planned, DeliveryStatus.pending)],
                                       now=utcnow())
        again = service.add_deliveries(s, rows=[(oid, planned, DeliveryStatus.pending)],
                                       now=utcnow())
        s.commit()
    assert len(first) == 1 and again == []   # one row per order and kind
    delivery_id = first[0]
    REMOTE.fail_next["/sms/send"] = 1
    with pytest.raises(SendFailed, match="HTTP 503"):   # raised so that the queue retries
        jobs.deliver(delivery_id)
    failed = deliveries(session, oid)["closed"]
    assert (failed.status, failed.attempts) == ("failed", 1) and "503" in failed.last_error
    assert jobs.deliver(delivery_id) == "sent"
    assert jobs.deliver(delivery_id) == "skipped"
    done = deliveries(session, oid)["closed"]
    assert (done.status, done.attempts, done.last_error) == ("sent", 2, None)
    assert len(remote_bodies("/sms/send", ref=f"retry-{oid}")) == 1


def test_transport_not_configured_is_logged_as_skipped_and_never_queued(client, session,
                                                                          tokens, monkeypatch):
    from channels.config import get_channel_settings

    monkeypatch.delenv("HOTLINE_SMS_GATEWAY_URL")
    get_channel_settings.cache_clear()
    try:   # answered on the call: its notice is planned inside this request, in this process
        made = new_call(client, tokens["city_operator"], citizen_phone="13307460003",
                        direct_answer="已电话答复")
    finally:
        monkeypatch.undo()
        get_channel_settings.cache_clear()
    skipped = deliveries(session, made["order_id"])["closed"]
    assert skipped.status == "skipped" and skipped.attempts == 0
    assert skipped.last_error == "transport not configured"
    assert remote_bodies("/sms/send", ref=f"{made['number']}-closed") == []


def test_a_batch_records_each_orders_notice_and_one_bad_order_costs_no_other(
        session, seeded, monkeypatch):
    """The routing job announces its batch at once; should one order's notice fail, the others
    still get theirs."""
    from channels.outbound import flows
    from tests.helpers import unrouted_order

    orders = [unrouted_order(session, content="路灯不亮", citizen_phone=f"1330746010{i}",
                             platform_id=seeded.county.id) for i in range(3)]
    flows.on_order_event_batch(session, orders=orders, action="intake")
    assert all("accepted" in deliveries(session, o.id) for o in orders)

    more = [unrouted_order(session, content="路灯不亮", citizen_phone=f"1330746011{i}",
                           platform_id=seeded.county.id) for i in range(3)]
    real = flows._planned

    def broken_for_the_second(session, order, action, texts):
        if order.id == more[1].id:
            raise RuntimeError("a bad order")
        return real(session, order, action, texts)

    monkeypatch.setattr(flows, "_planned", broken_for_the_second)
    flows.on_order_event_batch(session, orders=more, action="intake")
    got = {o.id: "accepted" in deliveries(session, o.id) for o in more}
    assert got == {more[0].id: True, more[1].id: False, more[2].id: True}

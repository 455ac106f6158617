"""并单: the master's result reaches every citizen whose report was merged into it, once each."""
from __future__ import annotations

import random

from channels_support import close_directly, deliveries, remote_bodies, uid, wait_delivery

from channels.outbound.flows import on_order_event
from dispatch.orders.models import Order
from tests.helpers import act, new_call, wait_state

REPLY = "已安排环卫所清掏化粪池并冲洗路面"


def _phone() -> str:
    return "137" + "".join(random.choice("0123456789") for _ in range(8))


def _closing_texts(phone: str) -> list[str]:
    return [r.body["text"] for r in remote_bodies("/sms/send", phone=phone)
            if "已办结" in r.body["text"]]


def test_closing_the_master_tells_every_merged_caller_once(client, session, tokens):
    op, disp = tokens["city_operator"], tokens["city_dispatcher"]
    estate = uid("园")[:6]
    p_master, p_other, p_later = _phone(), _phone(), _phone()
    master = new_call(client, op, citizen_phone=p_master,
                      content=f"{estate}小区化粪池满溢，污水流到路上一个星期了。")
    other = new_call(client, op, citizen_phone=p_other, content=f"{estate}小区化粪池污水外溢。")
    again = new_call(client, op, citizen_phone=p_master, content=f"{estate}化粪池还没人管。")
    for made in (other, again):
        wait_state(client, disp, made["order_id"], "pending_dispatch")
        act(client, disp, made["order_id"], "merge", reason="同一事项",
            master_id=master["order_id"])

    close_directly(client, disp, master["order_id"], REPLY)
    wait_delivery(session, master["order_id"], "closed")
    wait_delivery(session, other["order_id"], "closed")
    on_order_event(session, order=session.get(Order, master["order_id"]), action="close")

    told = _closing_texts(p_other)
    assert len(told) == 1
    assert other["number"] in told[0] and master["number"] in told[0] and REPLY in told[0]
    assert len(_closing_texts(p_master)) == 1          # called twice, told once
    assert "closed" not in deliveries(session, again["order_id"])

    later = new_call(client, op, citizen_phone=p_later, content=f"{estate}小区化粪池又满了。")
    wait_state(client, disp, later["order_id"], "pending_dispatch")
    act(client, disp, later["order_id"], "merge", reason="同一事项", master_id=master["order_id"])
    wait_delivery(session, later["order_id"], "closed")
    assert [REPLY in t for t in _closing_texts(p_later)] == [True]

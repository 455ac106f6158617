"""A handler with 1,000 open orders: the inbox shows one keyset page at a time and stays quick."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from tests.console_ui.pages import row

pytestmark = pytest.mark.browser
N = 1000


@pytest.fixture(scope="module")
def crowded_unit(seeded):
    """A township of another county holding N dispatched orders (rows written directly: fast)."""
    from dispatch.auth import service as users
    from dispatch.auth.models import User, UserCreate
    from dispatch.db import get_engine
    from dispatch.orders.models import Assignment, Order
    from dispatch.orgs import service as orgs
    from dispatch.sqltypes import utcnow

    with Session(get_engine(), expire_on_commit=False) as s:
        county = [u for u in orgs.children(s, seeded.city.id)
                  if u.kind == "platform" and u.id != seeded.county.id][0]
        town = [u for u in orgs.children(s, county.id) if u.kind == "territorial"][0]
        if s.exec(select(User).where(User.username == "crowded_handler")).first() is None:
            users.create_user(s, data=UserCreate(username="crowded_handler", full_name="压力测试承办人",
                                                 role="handler", unit_id=town.id, password="demo12345"))
        now = utcnow()
        orders = [Order(channel="12345", external_id=f"scale-{town.id}-{i}", number=f"SC{town.id}{i:05d}",
                        title=f"批量工单 {i}", content=f"第 {i} 件：路面破损需要修补", state="dispatched",
                        platform_id=county.id, platform_path=county.path, current_unit_path=town.path,
                        division_code=town.id, division_path=town.path,
                        due_at=now + timedelta(days=1 + i % 9), received_at=now - timedelta(minutes=i),
                        dispatched_at=now) for i in range(N)]
        s.add_all(orders)
        s.flush()
        hops = [Assignment(order_id=o.id, from_unit_id=county.id, from_path=county.path,
                           to_unit_id=town.id, to_path=town.path, dispatched_at=now, deadline=o.due_at)
                for o in orders]
        s.add_all(hops)
        s.flush()
        for o, hop in zip(orders, hops):
            o.current_hop_id = hop.id
        s.commit()
        return town, [o.id for o in orders]


def test_inbox_with_a_thousand_orders_pages_by_keyset(console, client, crowded_unit):
    _, ids = crowded_unit
    token = client.post("/api/v1/auth/token", data={"username": "crowded_handler",
                                                    "password": "demo12345"}).json()["access_token"]
    handler = console("crowded_handler", token=token)
    p = handler.page
    started = time.monotonic()
    handler.go("inbox")
    row(p, ids[-1], "inbox").wait_for()
    first_page = time.monotonic() - started
    assert first_page < 5, f"first page took {first_page:.1f}s"
    shown = p.eval_on_selector_all("#inbox tbody tr", "rs => rs.map(r => Number(r.dataset.orderId))")
    assert shown == ids[-1:-51:-1]           # newest first, one page of 50, nothing more rendered

    for page_no in (1, 2, 3):
        p.click(".pager-next")
        row(p, ids[-1 - 50 * page_no], "inbox").wait_for()
        assert p.locator("#inbox tbody tr").count() == 50
    assert p.inner_text(".page-no") == "第 4 页"
    p.click(".pager-prev")
    row(p, ids[-101], "inbox").wait_for()
    assert p.locator("#inbox tbody tr").count() == 50
    handler.shot("11-handler-inbox-1000")

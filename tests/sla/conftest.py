"""Builders for hand-made orders and hops written straight to the database (SLA DB tests)."""
from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(text: str | None) -> datetime | None:
    """'2001-03-05 09:00' in Shanghai time, as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI) if text else None


class Builder:
    """Orders and hops with explicit times, so every count can be worked out by hand."""

    def __init__(self, session, platform):
        self.session, self.platform = session, platform

    def order(self, *, received: str, state: str, channel: str = "12345", category: str | None = "城乡建设",
              close_kind: str | None = None, closed: str | None = None, callback: dict | None = None,
              **fields):
        from dispatch.orders.models import Order

        order = Order(channel=channel, external_id=f"sla-{uuid.uuid4().hex}", category=category,
                      title="测试工单", content="SLA 测试", platform_id=self.platform.id,
                      platform_path=self.platform.path, state=state, close_kind=close_kind,
                      received_at=local(received), closed_at=local(closed),
                      callback={**callback, "at": local(callback["at"]).isoformat()} if callback else {},
                      **fields)
        self.session.add(order)
        self.session.flush()
        order.number = f"SLA{order.id:09d}"
        return order

    def hop(self, order, unit, *, dispatched: str, deadline: str, sign_deadline: str,
            signed: str | None = None, reported: str | None = None, status: str = "done",
            from_platform: bool = True, role: str = "lead", parent=None):
        from dispatch.orders.models import Assignment

        src = parent.to_path if parent is not None else order.platform_path
        hop = Assignment(order_id=order.id, role=role, from_unit_id=src.strip("/").split("/")[-1],
                         from_path=src, from_platform=from_platform, to_unit_id=unit.id,
                         to_path=unit.path, status=status, dispatched_at=local(dispatched),
                         sign_deadline=local(sign_deadline), deadline=local(deadline),
                         signed_at=local(signed), reported_at=local(reported),
                         parent_id=parent.id if parent is not None else None, policy_version=1)
        self.session.add(hop)
        self.session.flush()
        if status not in ("done", "returned", "cancelled", "reported"):
            order.current_hop_id, order.current_unit_path, order.due_at = hop.id, hop.to_path, hop.deadline
        return hop

    def refresh(self, *orders):
        """Commit, then run the post-commit KPI listener for each order (as the flows do)."""
        from dispatch import hooks

        self.session.commit()
        for order in orders:
            hooks.emit(self.session, order=order, action="test")


@pytest.fixture
def build(session, seeded):
    return Builder(session, seeded.county)

"""Routing: which unit gets a received order. A `Router` proposes, the routing job applies.

`HintRouter` is the simple rule (the channel's category hint and the given division); the
classifier-backed router implements the same interface and is named in `ROUTERS` by its import
path, like the listeners of `dispatch.hooks`: the core never imports the classifiers built on it
(docs/architecture.md).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

from sqlmodel import Session

from dispatch.config import get_settings
from dispatch.orders.models import Order
from dispatch.orgs import service as orgs


@dataclass
class RoutingDecision:
    kind: str                           # dispatch | transfer | queue
    rule: str                           # which rule fired, recorded on the timeline
    target_unit_id: str | None = None
    category: str | None = None
    request_type: str | None = None
    urgency: str | None = None
    emergency: str | None = None
    confidence: float | None = None
    model_version: str = "rule-v1"
    scores: list[dict[str, Any]] = field(default_factory=list)   # top suggestions
    division_code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """As ``dataclasses.asdict``, without its deep copy of every value (a suggestion is a
        flat dict of plain values): it took a tenth of a classifier routing step."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["scores"] = [dict(s) for s in self.scores]
        return out


class Router(Protocol):
    """Proposes where an order goes. A router may also have ``prepare(session, orders)``,
    called with a routing job's whole group first (the classifier reads all their texts in
    one go there); ``route`` is then called order by order."""

    def route(self, session: Session, order: Order) -> RoutingDecision: ...


class HintRouter:
    """Category from the channel's hint; the place from the division the channel gave."""

    def route(self, session: Session, order: Order) -> RoutingDecision:
        category = order.category or order.category_hint
        platform = orgs.get_unit(session, order.platform_id)
        county = county_below(session, platform, order.division_code)
        if county is not None:      # the city hands a county's matter to its platform
            return RoutingDecision("transfer", "division->county_platform",
                                   target_unit_id=county.id, category=category)
        if category:
            dept = orgs.department_for(session, platform=platform, category=category)
            if dept:
                return RoutingDecision("dispatch", f"hint:{category}->{dept.dept_type}",
                                       target_unit_id=dept.id, category=category, confidence=1.0)
        return RoutingDecision("queue", "no_hint_no_division", category=category)


def county_below(session: Session, platform, division_code: str | None):
    """The county platform below `platform` whose area holds the place, if any: the city
    dispatches to a county platform, never past it (domain.md, two platforms)."""
    county = orgs.county_platform_for_division(session, division_code)
    if county is not None and county.id != platform.id and county.path.startswith(platform.path):
        return county
    return None


_router: Router | None = None
# HOTLINE_ROUTER's values beside "rule" (HintRouter): the class to build, by import path.
ROUTERS: dict[str, str] = {"classifier": "classifiers.routing.ClassifierRouter"}


def get_router() -> Router:
    """The configured router: the classifier (default) or the plain rule (HOTLINE_ROUTER=rule)."""
    if _router is not None:
        return _router
    path = ROUTERS.get(get_settings().router)
    if path is not None:
        module, _, name = path.rpartition(".")
        return getattr(importlib.import_module(module), name)()
    return HintRouter()


def prepare(router: Router, session: Session, orders: list[Order]) -> None:
    """Hand the router a job's group before it routes each order (if it reads groups)."""
    ahead = getattr(router, "prepare", None)
    if ahead is not None and orders:
        ahead(session, orders)


def set_router(router: Router | None) -> None:
    """Swap the router (the classifier installs itself here)."""
    global _router
    _router = router

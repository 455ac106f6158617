"""Suggestions while the operator types: category, type, urgency, place and responsible unit."""
from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from classifiers.routing import ClassifierRouter, _classifier, city_routing
from dispatch.deps import CurrentPrincipal, SessionDep
from dispatch.orders.enums import Level
from dispatch.orgs import service as orgs

router = APIRouter(tags=["classify"])


class ClassifyRequest(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    title: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    division_code: str | None = Field(default=None, max_length=32)


@router.post("/classify")
async def classify(body: ClassifyRequest, session: SessionDep,
                   principal: CurrentPrincipal) -> dict:
    """The classifier's proposal for a text, and the unit the routing policy would pick."""
    platform = orgs.platform_of(session, principal.unit)
    city = orgs.city_of(session, platform)      # the caller's own city (None: a province's)
    code = city.id if city is not None else None
    c = await run_in_threadpool(_classifier(code).classify, body.text, address=body.address,
                                division_code=body.division_code)
    out = c.to_dict()
    if platform.level == Level.city.value:     # the decision the routing job takes
        d = city_routing(code).decide(title=body.title or "", text=body.text, address=body.address,
                                  division_code=body.division_code, category=c.category,
                                  category_auto=c.auto)
        out["routing"] = d.to_dict()
        out["unit"] = {"id": d.unit_code, "name": d.unit_name} if d.auto else None
        return out
    division = orgs.get_unit(session, c.place.code) if c.place else None
    unit = ClassifierRouter().target(session, platform, division, c.category) \
        if c.category else None
    out["unit"] = {"id": unit.id, "name": unit.name} if unit else None
    return out

"""Hot topics (热点诉求) for the supervisor's dashboard."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from classifiers.topics import Settings
from dispatch.deps import Principal, SessionDep, require_roles
from dispatch.orders.enums import Role
from dispatch.sqltypes import utcnow
from classifiers.hot_topics import flows
from classifiers.hot_topics.schemas import HotTopics

router = APIRouter(prefix="/insights", tags=["insights"])
WatchDep = Annotated[Principal, Depends(require_roles(Role.supervisor, Role.admin,
                                                      Role.dispatcher))]


@router.get("/hot-topics", response_model=HotTopics)
def hot_topics(session: SessionDep, principal: WatchDep,
               days: Annotated[int, Query(ge=1, le=90)] = 7,
               top: Annotated[int, Query(ge=1, le=50)] = 10) -> HotTopics:
    """The biggest clusters of the last ``days`` days' orders in the user's unit subtree, with
    keywords, size, places and growth against the ``days`` before."""
    return flows.hot_topics(session, reach_path=principal.unit.path, days=days, now=utcnow(),
                            settings=Settings(top=top))

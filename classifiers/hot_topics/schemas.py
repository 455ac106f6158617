"""Hot topics as the supervisor's dashboard shows them."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class PlacePublic(BaseModel):
    code: str
    name: str | None
    orders: int


class SamplePublic(BaseModel):
    order_id: int
    number: str | None
    title: str


class TopicPublic(BaseModel):
    keywords: list[str]
    size: int
    previous: int            # similar orders in the window before
    growth: float
    emerging: bool
    places: list[PlacePublic]
    samples: list[SamplePublic]
    first_at: datetime | None
    last_at: datetime | None


class HotTopics(BaseModel):
    days: int
    since: datetime
    until: datetime
    orders: int               # orders of the window the clustering saw
    topics: list[TopicPublic]

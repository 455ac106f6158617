"""What the public status and rating endpoints take and answer."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from dispatch.citizens.rating import Rating


class StatusQuery(BaseModel):
    number: str = Field(min_length=1, max_length=40, description="the order number (工单号)")
    phone_suffix: str = Field(pattern=r"^[0-9]{4}$",
                              description="the last four digits of the reporter's phone")


class StatusPublic(BaseModel):
    number: str
    state_text: str = Field(description="the state in plain Chinese")
    open: bool
    received_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    reply: str | None = Field(default=None, description="the public reply, once finished")


class RatingLink(BaseModel):
    token: str = Field(min_length=1, max_length=80, description="the token after '#' in the link")


class RatingSubmit(RatingLink):
    rating: Rating = Field(description="satisfied 满意 | basically_satisfied 基本满意 | "
                                       "unsatisfied 不满意")
    comment: str | None = Field(default=None, max_length=500, description="optional words")


class RatingLinkPublic(BaseModel):
    number: str
    closed_at: datetime | None = None
    reply: str | None = Field(default=None, description="the public reply")
    rated: bool = Field(description="the link was used already")
    rating: Rating | None = None

"""Weibo: mentions of the centre's account and private messages, pushed by a signed relay."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, HttpUrl

from channels.base import ChannelAdapter, Timestamp, build_intake, raw_of
from channels.enums import Auth
from dispatch.intake.schemas import Content, IntakeRequest
from dispatch.orders.enums import Channel

# mentions and private messages are numbered separately by Weibo: the kind is part of the id
ID_PREFIX = {"mention": "m", "private_message": "dm"}


class WeiboMessage(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    kind: Literal["mention", "private_message"]
    created_at: Timestamp
    sender_id: str = Field(min_length=1, max_length=64)
    sender_name: str | None = Field(default=None, max_length=64)
    text: Content
    url: HttpUrl | None = None
    pics: list[HttpUrl] = Field(default_factory=list, max_length=9)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    address: str | None = Field(default=None, max_length=300)


class WeiboAdapter(ChannelAdapter[WeiboMessage]):
    name = "weibo"
    label = "微博"
    channels = (Channel.weibo,)
    auth = Auth.hmac
    path = "/weibo/messages"
    payload_model = WeiboMessage

    def to_intake(self, msg: WeiboMessage) -> IntakeRequest:
        return build_intake(
            channel=Channel.weibo, external_id=f"{ID_PREFIX[msg.kind]}:{msg.id}",
            received_at=msg.created_at, content=msg.text, citizen_name=msg.sender_name,
            latitude=msg.latitude, longitude=msg.longitude, address=msg.address,
            raw=raw_of(msg))

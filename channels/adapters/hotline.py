"""Hotlines 12345 / 12328 / 12319: the call centre's (CTI) record of a finished call."""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field, StrictBool

from channels.base import ChannelAdapter, Timestamp, build_intake, raw_of
from channels.enums import Auth
from dispatch.config import get_settings
from dispatch.intake.phones import Phone
from dispatch.intake.schemas import IntakeRequest
from dispatch.orders.enums import Channel, RequestType, Urgency


@lru_cache
def channel_hints() -> dict[str, str]:
    """The category each parallel number brings (12328 transport, 12319 urban utilities)."""
    with open(get_settings().departments_file, encoding="utf-8") as fh:
        return dict(json.load(fh).get("channel_hints", {}))


class CtiCall(BaseModel):
    call_id: str = Field(min_length=1, max_length=128)
    line: Literal["12345", "12328", "12319"] = "12345"   # the number the citizen dialled
    caller: Phone
    caller_name: str | None = Field(default=None, max_length=64)
    agent: str = Field(min_length=1, max_length=64)
    started_at: Timestamp
    ended_at: Timestamp | None = None
    recording_id: str | None = Field(default=None, max_length=128)
    # the agent's record of the call; absent when the CTI only asks who is calling (screen pop)
    content: str | None = Field(default=None, max_length=5000)
    title: str = Field(default="", max_length=200)
    address: str | None = Field(default=None, max_length=300)
    division_code: str | None = Field(default=None, max_length=32)
    request_type: RequestType | None = None
    urgency: Urgency | None = None
    confidential: StrictBool = False
    direct_answer: str | None = Field(default=None, max_length=2000)


class CtiAdapter(ChannelAdapter[CtiCall]):
    name = "cti"
    label = "呼叫中心"
    channels = (Channel.hotline_12345, Channel.hotline_12328, Channel.hotline_12319)
    auth = Auth.hmac
    path = "/cti/calls"
    payload_model = CtiCall

    def to_intake(self, call: CtiCall) -> IntakeRequest:
        return build_intake(
            channel=call.line, external_id=call.call_id, received_at=call.started_at,
            title=call.title, content=call.content or "", citizen_name=call.caller_name,
            citizen_phone=call.caller, confidential=call.confidential, address=call.address,
            division_code=call.division_code, request_type=call.request_type,
            urgency=call.urgency, category_hint=channel_hints().get(call.line),
            direct_answer=call.direct_answer,
            raw=raw_of(call, recording_id=call.recording_id, agent=call.agent))

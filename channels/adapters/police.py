"""110 non-police incidents handed over by the police system (非警务警情移交)."""
from __future__ import annotations

from pydantic import BaseModel, Field

from channels.base import ChannelAdapter, Timestamp, build_intake, raw_of
from channels.enums import Auth, Transport
from dispatch.intake.phones import Phone
from dispatch.intake.schemas import Content, IntakeRequest
from dispatch.orders.enums import Channel, RequestType, Urgency


class PoliceIncident(BaseModel):
    incident_no: str = Field(min_length=1, max_length=64)      # 110 警情编号
    reported_at: Timestamp
    caller: Phone | None = None
    caller_name: str | None = Field(default=None, max_length=64)
    content: Content
    police_category: str | None = Field(default=None, max_length=64)  # e.g. 噪音扰民
    address: str | None = Field(default=None, max_length=300)
    division_code: str | None = Field(default=None, max_length=32)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    urgency: Urgency | None = None
    handed_over_by: str | None = Field(default=None, max_length=64)  # the 110 operator


class PoliceAdapter(ChannelAdapter[PoliceIncident]):
    name = "police"
    label = "110"
    channels = (Channel.police_110,)
    auth = Auth.api_key
    path = "/110/incidents"
    payload_model = PoliceIncident

    def to_intake(self, inc: PoliceIncident) -> IntakeRequest:
        return build_intake(
            channel=Channel.police_110, external_id=inc.incident_no, received_at=inc.reported_at,
            content=inc.content, citizen_name=inc.caller_name, citizen_phone=inc.caller,
            address=inc.address, division_code=inc.division_code, latitude=inc.latitude,
            longitude=inc.longitude, urgency=inc.urgency, request_type=RequestType.help,
            raw=raw_of(inc, reply_to={"transport": Transport.police.value,
                                      "incident_no": inc.incident_no}))

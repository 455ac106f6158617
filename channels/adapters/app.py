"""The city app (its name comes from HOTLINE_APP_NAME): JSON reports with photos and GPS."""
from __future__ import annotations

from pydantic import Field, StrictBool

from channels.base import ChannelAdapter, Timestamp, WithPhotos, build_intake, raw_of
from channels.config import get_channel_settings
from channels.enums import Auth, Transport
from dispatch.intake.phones import Phone
from dispatch.intake.schemas import Content, IntakeRequest
from dispatch.orders.enums import Channel, RequestType


class AppReport(WithPhotos):
    report_id: str = Field(min_length=1, max_length=64)
    user_id: str = Field(min_length=1, max_length=64)    # the app account: push goes there
    submitted_at: Timestamp
    name: str | None = Field(default=None, max_length=64)
    phone: Phone | None = None
    title: str = Field(default="", max_length=200)
    content: Content
    request_type: RequestType | None = None
    confidential: StrictBool = False
    address: str | None = Field(default=None, max_length=300)
    division_code: str | None = Field(default=None, max_length=32)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class AppAdapter(ChannelAdapter[AppReport]):
    name = "app"
    channels = (Channel.app,)
    auth = Auth.api_key
    path = "/app/reports"
    payload_model = AppReport
    carries_photos = True

    @property
    def label(self) -> str:  # type: ignore[override]
        return get_channel_settings().app_name

    def to_intake(self, r: AppReport) -> IntakeRequest:
        return build_intake(
            channel=Channel.app, external_id=r.report_id, received_at=r.submitted_at,
            title=r.title, content=r.content, citizen_name=r.name, citizen_phone=r.phone,
            confidential=r.confidential, address=r.address, division_code=r.division_code,
            latitude=r.latitude, longitude=r.longitude, request_type=r.request_type,
            raw=raw_of(r, reply_to={"transport": Transport.app_push.value,
                                    "user_id": r.user_id}))

"""Grid events (网格事件) from the grid system: one report, or a batch of its sync."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, StrictBool

from channels.base import ChannelAdapter, Timestamp, WithPhotos, build_intake, raw_of
from channels.enums import Auth
from dispatch.intake.phones import Phone
from dispatch.intake.schemas import Content, IntakeRequest
from dispatch.orders.enums import Channel

VILLAGE_CODE_LEN = 12   # statistical village code; a grid code starts with its village's code


class GridReport(WithPhotos):
    event_id: str = Field(min_length=1, max_length=64)
    reported_at: Timestamp
    worker_id: str = Field(min_length=1, max_length=64)
    worker_name: str | None = Field(default=None, max_length=64)
    worker_phone: Phone | None = None
    grid_code: str | None = Field(default=None, max_length=32)
    village_code: str | None = Field(default=None, max_length=32)
    event_code: str | None = Field(default=None, max_length=32)   # 部件/事件 code
    title: str = Field(default="", max_length=200)
    content: Content
    address: str | None = Field(default=None, max_length=300)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    settled_on_spot: StrictBool = False


class GridBatch(BaseModel):
    batch_id: str = Field(min_length=1, max_length=64)
    # items are checked one by one so that one bad item (even a number or a string where a
    # report should be) does not refuse the others
    items: list[Any] = Field(min_length=1, max_length=500,
                             description="grid reports (GridReport), each checked on its own")


def division_of(report: GridReport) -> str | None:
    """The village code, else the village part of the grid code; unknown codes are kept and
    flagged by intake, never dropped."""
    if report.village_code:
        return report.village_code
    if report.grid_code and len(report.grid_code) >= VILLAGE_CODE_LEN:
        return report.grid_code[:VILLAGE_CODE_LEN]
    return report.grid_code


class GridAdapter(ChannelAdapter[GridReport]):
    name = "grid"
    label = "网格平台"
    channels = (Channel.grid,)
    auth = Auth.api_key
    path = "/grid/events"
    payload_model = GridReport
    carries_photos = True

    def to_intake(self, r: GridReport) -> IntakeRequest:
        # the worker reports on behalf of residents: no citizen phone, so no SMS to the worker
        return build_intake(
            channel=Channel.grid, external_id=r.event_id, received_at=r.reported_at,
            title=r.title, content=r.content, citizen_name=r.worker_name, address=r.address,
            division_code=division_of(r), latitude=r.latitude, longitude=r.longitude,
            settled_on_spot=r.settled_on_spot, raw=raw_of(r, grid_code=r.grid_code))

"""The government website / mayor's mailbox (市长信箱) and CPPCC cloud (政协云)."""
from __future__ import annotations

from pydantic import BaseModel, Field, StrictBool

from channels.base import ChannelAdapter, Timestamp, build_intake, raw_of
from channels.enums import Auth
from dispatch.intake.phones import Phone
from dispatch.intake.schemas import Content, IntakeRequest
from dispatch.orders.enums import Channel, RequestType


class MailboxLetter(BaseModel):
    letter_id: str = Field(min_length=1, max_length=64)
    submitted_at: Timestamp
    name: str | None = Field(default=None, max_length=64)
    phone: Phone | None = None
    email: str | None = Field(default=None, max_length=200)
    title: str = Field(default="", max_length=200)
    content: Content
    address: str | None = Field(default=None, max_length=300)
    public: StrictBool = False        # the writer agrees to publish the letter and its reply
    confidential: StrictBool = False


class CppccItem(BaseModel):
    item_id: str = Field(min_length=1, max_length=64)
    submitted_at: Timestamp
    member_name: str = Field(min_length=1, max_length=64)
    member_phone: Phone | None = None
    kind: str = Field(default="社情民意", max_length=32)   # 社情民意 / 提案 / 意见建议
    title: str = Field(default="", max_length=200)
    content: Content
    address: str | None = Field(default=None, max_length=300)


class WebsiteAdapter(ChannelAdapter[MailboxLetter]):
    name = "website"
    label = "政府网站"
    channels = (Channel.website,)
    auth = Auth.api_key
    path = "/website/letters"
    payload_model = MailboxLetter

    def to_intake(self, m: MailboxLetter) -> IntakeRequest:
        return build_intake(
            channel=Channel.website, external_id=m.letter_id, received_at=m.submitted_at,
            title=m.title, content=m.content, citizen_name=m.name, citizen_phone=m.phone,
            confidential=m.confidential, address=m.address, raw=raw_of(m))


class CppccAdapter(ChannelAdapter[CppccItem]):
    name = "cppcc"
    label = "政协云"
    channels = (Channel.cppcc,)
    auth = Auth.api_key
    path = "/cppcc/items"
    payload_model = CppccItem

    def to_intake(self, c: CppccItem) -> IntakeRequest:
        return build_intake(
            channel=Channel.cppcc, external_id=c.item_id, received_at=c.submitted_at,
            title=c.title, content=c.content, citizen_name=c.member_name,
            citizen_phone=c.member_phone, address=c.address,
            request_type=RequestType.suggestion, raw=raw_of(c))

"""The WeChat official account's server URL (GET: URL check, POST: messages)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse, Response

from channels import flows, registry
from channels.adapters.wechat import WeChatQuery
from channels.deps import SmallBody
from dispatch.deps import SessionDep
from dispatch.errors import ErrorBody

router = APIRouter(prefix="/wechat", tags=["channels"])
Query = Annotated[WeChatQuery, Depends()]


TEXT = {"schema": {"type": "string"}}
# what WeChat posts: a message (plaintext mode), or its envelope (safe mode: ToUserName and
# Encrypt, the message encrypted); the fields wechatpy reads for the types that become orders
_FIELDS = {"ToUserName": "string", "FromUserName": "string", "CreateTime": "integer",
           "MsgId": "integer", "Content": "string", "Recognition": "string", "PicUrl": "string",
           "MediaId": "string", "Location_X": "number", "Location_Y": "number",
           "Label": "string", "Title": "string", "Url": "string", "Event": "string",
           "Encrypt": "string"}
MESSAGE = {"schema": {"type": "object", "xml": {"name": "xml"}, "properties": {
    "MsgType": {"type": "string", "enum": ["text", "voice", "image", "location", "video",
                                           "shortvideo", "link", "event"]},
    **{name: {"type": kind} for name, kind in _FIELDS.items()}}}}


# the echostr comes back as plain text; refusals keep the JSON error shape of every endpoint
@router.get("", response_class=Response, responses={200: {
    "description": "the echostr", "content": {"text/plain": TEXT}}})
def wechat_verify(q: Query) -> PlainTextResponse:
    """WeChat checks the URL: the echostr comes back when the signature is ours."""
    return PlainTextResponse(registry.wechat.verify_url(q))


@router.post("", response_class=Response, openapi_extra={"requestBody": {
                 "required": True, "content": {"text/xml": MESSAGE, "application/xml": MESSAGE}}},
             responses={200: {"description": "the passive reply (XML), or `success` when none",
                              "content": {"application/xml": TEXT, "text/plain": TEXT}},
                        400: {"model": ErrorBody,
                              "description": "malformed XML, DTD or entities; nothing stored"},
                        401: {"model": ErrorBody,
                              "description": "signature mismatch; nothing stored"}})
def wechat_message(body: SmallBody, q: Query, session: SessionDep) -> Response:
    """A message (plaintext or safe mode): the passive reply carries the order number."""
    reply = flows.receive_wechat(session, body, q)
    return Response(reply, media_type="text/plain" if reply == "success" else "application/xml")

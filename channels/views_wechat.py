"""The WeChat official account's server URL (GET: URL check, POST: messages)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse, Response

from channels import flows, registry
from channels.adapters.wechat import WeChatQuery
from channels.deps import SmallBody
from dispatch.deps import SessionDep

router = APIRouter(prefix="/wechat", tags=["channels"])
Query = Annotated[WeChatQuery, Depends()]


# the echostr comes back as plain text; refusals keep the JSON error shape of every endpoint
@router.get("", response_model=None, responses={200: {
    "description": "the echostr", "content": {"text/plain": {"schema": {"type": "string"}}}}})
def wechat_verify(q: Query) -> PlainTextResponse:
    """WeChat checks the URL: the echostr comes back when the signature is ours."""
    return PlainTextResponse(registry.wechat.verify_url(q))


@router.post("", response_class=Response,
             responses={200: {"content": {"application/xml": {}}},
                        400: {"description": "malformed XML, DTD or entities; nothing stored"},
                        401: {"description": "signature mismatch; nothing stored"}})
def wechat_message(body: SmallBody, q: Query, session: SessionDep) -> Response:
    """A message (plaintext or safe mode): the passive reply carries the order number."""
    reply = flows.receive_wechat(session, body, q)
    return Response(reply, media_type="text/plain" if reply == "success" else "application/xml")

"""The live console feed: a websocket per console, events filtered by the user's reach.

The token travels in the ``Sec-WebSocket-Protocol`` header: the client offers the subprotocols
``hotline.v1`` and ``bearer.<JWT>``, and the server answers ``hotline.v1`` (never the token).
A URL is written to access logs (uvicorn's, a proxy's); a header is not. ``?token=`` still
works for older clients and is redacted from uvicorn's logs (hotline/observability.py).
A sign-out closes the user's open sockets with WS_UNAUTHORIZED on every API process.
"""
from __future__ import annotations

import asyncio

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from dispatch.db import get_engine
from dispatch.deps import principal_for
from dispatch.errors import DomainError
from dispatch.realtime.broker import get_broker

router = APIRouter(tags=["realtime"])
WS_UNAUTHORIZED = 4401   # the token was missing, expired or revoked, or its user signed out
SUBPROTOCOL = "hotline.v1"
BEARER_PREFIX = "bearer."


def _principal(token: str | None):
    with Session(get_engine()) as session:
        return principal_for(session, token)


def offered_token(websocket: WebSocket, query_token: str | None) -> str | None:
    """The ``bearer.<JWT>`` subprotocol's token, else the (deprecated) query's."""
    for offered in websocket.scope.get("subprotocols") or ():
        if offered.startswith(BEARER_PREFIX):
            return offered[len(BEARER_PREFIX):]
    return query_token


@router.websocket("/ws")
async def feed(websocket: WebSocket, token: str | None = None) -> None:
    """Connect with the subprotocols ``hotline.v1`` and ``bearer.<JWT>``; receives
    {"type":"order",...} for orders within reach, and a {"type":"ping"} now and then."""
    token = offered_token(websocket, token)
    try:
        principal = await run_in_threadpool(_principal, token)
    except DomainError as exc:
        await websocket.close(code=WS_UNAUTHORIZED, reason=exc.message)
        return
    sub = get_broker().hub.subscribe(principal.unit.path, user_id=principal.user.id,
                                     token_version=principal.user.token_version)
    try:   # a sign-out between the check above and the subscription: check once more
        await run_in_threadpool(_principal, token)
    except DomainError as exc:
        get_broker().hub.unsubscribe(sub)
        await websocket.close(code=WS_UNAUTHORIZED, reason=exc.message)
        return
    offered = websocket.scope.get("subprotocols") or ()
    await websocket.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
    receiver = asyncio.create_task(_drain(websocket))
    receiver.add_done_callback(lambda _: sub.close())
    try:
        await websocket.send_json({"type": "hello", "unit_id": principal.unit.id,
                                   "role": principal.role.value})
        while True:   # the hub's keep-alive pass wakes this up at least every PING_SECONDS
            text = await sub.queue.get()
            if text is None:
                break
            await websocket.send_text(text)
        if sub.revoked:
            await websocket.close(code=WS_UNAUTHORIZED, reason="signed out")
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        receiver.cancel()
        get_broker().hub.unsubscribe(sub)


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the console sends, so a closed socket is noticed."""
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        return

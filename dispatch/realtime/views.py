"""The live console feed: a websocket per console, events filtered by the user's reach."""
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
WS_UNAUTHORIZED = 4401   # the token was missing, expired or revoked


def _principal(token: str | None):
    with Session(get_engine()) as session:
        return principal_for(session, token)


@router.websocket("/ws")
async def feed(websocket: WebSocket, token: str | None = None) -> None:
    """Connect with ?token=<JWT>; receives {"type":"order",...} for orders within reach, and a
    {"type":"ping"} now and then."""
    try:
        principal = await run_in_threadpool(_principal, token)
    except DomainError as exc:
        await websocket.close(code=WS_UNAUTHORIZED, reason=exc.message)
        return
    await websocket.accept()
    sub = get_broker().hub.subscribe(principal.unit.path)
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

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
PING_SECONDS = 25


def _principal(token: str | None):
    with Session(get_engine()) as session:
        return principal_for(session, token)


@router.websocket("/ws")
async def feed(websocket: WebSocket, token: str | None = None) -> None:
    """Connect with ?token=<JWT>; receives {"type":"order",...} for orders within reach."""
    try:
        principal = await run_in_threadpool(_principal, token)
    except DomainError as exc:
        await websocket.close(code=WS_UNAUTHORIZED, reason=exc.message)
        return
    await websocket.accept()
    sub = get_broker().hub.subscribe(principal.unit.path)
    try:
        await websocket.send_json({"type": "hello", "unit_id": principal.unit.id,
                                   "role": principal.role.value})
        receiver = asyncio.create_task(_drain(websocket))
        while not receiver.done():
            try:
                event = await asyncio.wait_for(sub.queue.get(), timeout=PING_SECONDS)
            except TimeoutError:
                event = {"type": "ping"}
            await websocket.send_json(event)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        get_broker().hub.unsubscribe(sub)


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the console sends, so a closed socket is noticed."""
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect:
        return

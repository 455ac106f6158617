"""Request pieces the channel endpoints share: a size-limited body and the API-key client."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from channels.security import API_KEY_HEADER
from dispatch.config import get_settings
from dispatch.errors import TooLarge


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes the limit (before anything is parsed)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"body is {declared} bytes; the limit is {limit}",
                       details={"limit": limit})
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"body exceeds the limit of {limit} bytes", details={"limit": limit})
        chunks.append(chunk)
    return b"".join(chunks)


async def small_body(request: Request) -> bytes:
    return await read_limited(request, get_settings().max_body_bytes)


async def upload_body(request: Request) -> bytes:
    return await read_limited(request, get_settings().max_upload_body_bytes)


SmallBody = Annotated[bytes, Depends(small_body)]
UploadBody = Annotated[bytes, Depends(upload_body)]
ApiKey = Annotated[str | None, Header(alias=API_KEY_HEADER)]
Timestamp = Annotated[str | None, Header(alias="X-Timestamp")]
Signature = Annotated[str | None, Header(alias="X-Signature")]

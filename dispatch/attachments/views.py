"""Upload and download attachments (photos, recordings).

A download answers with the file itself, under the type it was stored with; the OpenAPI schema
lists the configured types (HOTLINE_ATTACHMENT_TYPES) as the answer's media types."""
from __future__ import annotations

from fastapi import APIRouter, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from dispatch.attachments.service import save_attachment
from dispatch.attachments.storage import get_storage
from dispatch.config import get_settings
from dispatch.deps import CurrentPrincipal, SessionDep
from dispatch.errors import NotFound, TooLarge
from dispatch.orders import service as orders
from dispatch.orders.models import Attachment

router = APIRouter(prefix="/attachments", tags=["attachments"])


class AttachmentPublic(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


@router.post("", response_model=AttachmentPublic, status_code=201)
async def upload(file: UploadFile, session: SessionDep,
                 principal: CurrentPrincipal) -> AttachmentPublic:
    limit = get_settings().attachment_max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"attachment exceeds {limit} bytes")
    att = save_attachment(session, filename=file.filename or "file",
                          content_type=file.content_type or "", data=data,
                          uploaded_by=principal.user.id)
    return AttachmentPublic(**att.model_dump())


def _file_answer() -> dict:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": "the file, as stored",
                  "content": {t: binary for t in sorted(get_settings().allowed_attachment_types)}}}


@router.get("/{attachment_id}", response_class=Response, responses=_file_answer())
def download(attachment_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    att = session.get(Attachment, attachment_id)
    if att is None:
        raise NotFound("attachment not found")
    if att.order_id is not None:
        orders.get_visible_order(session, order_id=att.order_id, unit_path=principal.unit.path)
    elif att.uploaded_by != principal.user.id:
        raise NotFound("attachment not found")
    return Response(get_storage().get(att.storage_key), media_type=att.content_type,
                    headers={"X-Content-Type-Options": "nosniff",
                             "Content-Disposition": "inline"})

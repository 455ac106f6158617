"""Accept an upload: check type and size, store the bytes, record the row."""
from __future__ import annotations

import hashlib
import uuid

from sqlmodel import Session

from dispatch.attachments.storage import get_storage
from dispatch.config import get_settings
from dispatch.errors import Invalid, TooLarge
from dispatch.orders.models import Attachment

# the first bytes of each allowed type: the declared content type must match the file
_MAGIC = {"image/jpeg": [b"\xff\xd8\xff"], "image/png": [b"\x89PNG\r\n\x1a\n"],
          "image/webp": [b"RIFF"], "application/pdf": [b"%PDF"], "audio/wav": [b"RIFF"],
          "audio/amr": [b"#!AMR"], "audio/mpeg": [b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"]}


def save_attachment(session: Session, *, filename: str, content_type: str, data: bytes,
                    uploaded_by: int | None, order_id: int | None = None) -> Attachment:
    s = get_settings()
    if content_type not in s.allowed_attachment_types:
        raise Invalid(f"attachment type {content_type!r} is not allowed",
                      details={"allowed": sorted(s.allowed_attachment_types)})
    if len(data) > s.attachment_max_bytes:
        raise TooLarge(f"attachment is {len(data)} bytes; the limit is {s.attachment_max_bytes}")
    if not data:
        raise Invalid("attachment is empty")
    if not any(data.startswith(m) for m in _MAGIC.get(content_type, [b""])):
        raise Invalid(f"file content does not look like {content_type}")
    digest = hashlib.sha256(data).hexdigest()
    key = f"{digest[:2]}/{uuid.uuid4().hex}"
    get_storage().put(key, data, content_type)
    att = Attachment(order_id=order_id, filename=filename[:200] or "file", content_type=content_type,
                     size=len(data), sha256=digest, storage_key=key, uploaded_by=uploaded_by)
    session.add(att)
    session.commit()
    session.refresh(att)
    return att

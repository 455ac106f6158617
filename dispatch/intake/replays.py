"""Replays: an intake whose (channel, external id) is stored already. Pure: no database.

A channel retries when it missed our answer, and then sends the same payload; the answer is the
stored order. Anything else that reuses the id is refused as a conflict that says nothing of the
order (409, no details): a caller who may not see the order (else an external id would disclose
another unit's orders, which GET answers with 404), or a payload that differs from the stored one
(else a changed report would be dropped with a 200).

The payload is compared by its fingerprint, a SHA-256 of the normalised request, kept on the
order. Left out of it: the owning platform (the server's, from the caller) and the attachment
ids (a channel's are those of the photos stored for this try; its raw payload, which is in the
fingerprint, carries the photos). Times count as instants, whatever offset they are written in,
and text as its NFC form (an id or a word spelt in NFD is the same payload).
An order stored without a fingerprint (before it existed, or by the bulk import) matches any.
"""
from __future__ import annotations

import hashlib
import json
import unicodedata
from datetime import UTC

from dispatch.errors import Conflict
from dispatch.intake.schemas import IntakeRequest

REUSED = "this channel's external_id is already taken by another intake"
NOT_FINGERPRINTED = frozenset({"platform_id", "attachment_ids"})


def fingerprint(req: IntakeRequest) -> str:
    data = req.model_dump(mode="json", exclude=set(NOT_FINGERPRINTED))
    if req.received_at is not None:
        data["received_at"] = req.received_at.astimezone(UTC).isoformat()
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode()).hexdigest()


def same_payload(stored: str | None, given: str) -> bool:
    return stored is None or stored == given


def check_replay(*, stored: str | None, given: str, visible: bool) -> None:
    """Nothing when the replay may be answered with the stored order; else a bare Conflict."""
    if not (visible and same_payload(stored, given)):
        raise Conflict(REUSED)

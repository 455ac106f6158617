"""Pure checks at the door: HMAC signatures, API keys, safe XML. No DB, no clock of its own."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from dispatch.errors import DomainError, Unauthorized

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
API_KEY_HEADER = "X-Api-Key"
KEY_PREFIX = "hk"


class Malformed(DomainError):
    status, code = 400, "malformed"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>." + body)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def check_timestamp(timestamp: str | None, *, name: str, now: datetime,
                    tolerance_seconds: int) -> None:
    """Raise Unauthorized unless the signed timestamp (unix seconds) is within the window."""
    try:
        sent = int(timestamp or "")
    except ValueError:
        raise Unauthorized(f"{name} must be unix seconds") from None
    if abs(now.timestamp() - sent) > tolerance_seconds:
        raise Unauthorized("signature timestamp is outside the allowed window",
                           details={"tolerance_seconds": tolerance_seconds})


def verify_signature(secret: str, *, timestamp: str | None, signature: str | None, body: bytes,
                     now: datetime, tolerance_seconds: int) -> None:
    """Raise Unauthorized unless the body was signed with the secret within the time window."""
    if not timestamp or not signature:
        raise Unauthorized(f"{TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers are required")
    check_timestamp(timestamp, name=TIMESTAMP_HEADER, now=now, tolerance_seconds=tolerance_seconds)
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise Unauthorized("signature does not match the body")


def new_api_key() -> tuple[str, str]:
    """A fresh key `hk_<id>_<secret>` and its id (the id finds the row, the hash checks the key)."""
    key_id = secrets.token_hex(6)
    return f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}", key_id


def key_id_of(api_key: str) -> str | None:
    parts = api_key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1]


def hash_api_key(api_key: str) -> str:
    # keys are 256-bit random: a fast hash is enough (unlike passwords, nothing to brute-force)
    return hashlib.sha256(api_key.encode()).hexdigest()


def key_matches(api_key: str, key_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(api_key), key_hash)


def ensure_safe_xml(data: bytes | str) -> None:
    """Refuse DTDs, entities (XML bombs, external entities) and broken XML before any parser
    with fewer guards (wechatpy hands XML to xmltodict/expat) sees it."""
    try:
        fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise Malformed("XML with a DTD or entities is refused",
                        details={"reason": type(exc).__name__}) from None
    except (ParseError, ValueError) as exc:
        raise Malformed("body is not well-formed XML", details={"reason": str(exc)}) from None

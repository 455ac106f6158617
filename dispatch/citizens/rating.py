"""The citizen's own rating of a closed order (群众评价): the one-time link's token and the
three choices. Pure: the key and "now" come from the caller.

The token is ``<order id>.<expiry>.<signature>`` (base 36, base 36, 16 bytes of HMAC-SHA256
under a key derived from the app's secret, base64url): 40-odd characters, so the link fits in
the closure SMS, and no table of tokens. One-time use is the order's, not the token's: the
``rate`` action applies once per order (a second rating is 409), whoever holds the link.
A forged, damaged and expired token read the same to the citizen (``BadToken``).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timezone
from enum import StrEnum

SIGNATURE_BYTES = 16
PURPOSE = b"hotline:citizen-rating:v1"


class Rating(StrEnum):
    satisfied = "satisfied"                      # 满意
    basically_satisfied = "basically_satisfied"  # 基本满意
    unsatisfied = "unsatisfied"                  # 不满意


RATING_TEXT = {Rating.satisfied: "满意", Rating.basically_satisfied: "基本满意",
               Rating.unsatisfied: "不满意"}
# what counts as satisfied in the satisfaction rate (满意率): 满意 and 基本满意
SATISFIED = frozenset({Rating.satisfied, Rating.basically_satisfied})


class BadToken(ValueError):
    """Forged, damaged or expired: the citizen is told the link is not valid (no more)."""


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), PURPOSE, hashlib.sha256).digest()


def _sign(body: str, secret: str) -> str:
    mac = hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def make_token(order_id: int, *, expires_at: datetime, secret: str) -> str:
    body = f"{_b36(order_id)}.{_b36(int(expires_at.timestamp()))}"
    return f"{body}.{_sign(body, secret)}"


def read_token(token: str, *, secret: str, now: datetime) -> int:
    """The order id the token was made for; BadToken when forged, damaged or expired."""
    parts = (token or "").strip().split(".")
    if len(parts) != 3 or len(token) > 80:
        raise BadToken("malformed")
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_sign(body, secret).encode(), parts[2].encode()):
        raise BadToken("signature")
    try:
        order_id, expiry = int(parts[0], 36), int(parts[1], 36)
    except ValueError:
        raise BadToken("malformed") from None
    if now >= datetime.fromtimestamp(expiry, timezone.utc):
        raise BadToken("expired")
    return order_id


def citizen_satisfied(callback: dict) -> bool | None:
    """Satisfied for the satisfaction rate: the citizen's own rating first, else the callback's
    answer (None when neither says)."""
    own = (callback.get("citizen") or {}).get("rating")
    if own in Rating.__members__:
        return Rating(own) in SATISFIED
    said = callback.get("satisfied")
    return said if isinstance(said, bool) else None

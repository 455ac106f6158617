"""Password hashing (argon2 via pwdlib) and JWT access tokens (pyjwt)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt
from pwdlib import PasswordHash

_hasher = PasswordHash.recommended()
ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    return _hasher.verify(password, hashed)


def verify_nothing(password: str) -> bool:
    """A verification as costly as a real one, for a username that does not exist: without it
    an unknown name answers in milliseconds and a known one in a few hundred (enumeration)."""
    _hasher.verify(password, _dummy_hash())
    return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("no user has this password")


def create_token(*, user_id: int, token_version: int, secret: str, minutes: int,
                 now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    claims: dict[str, Any] = {"sub": str(user_id), "ver": token_version, "iat": now,
                              "exp": now + timedelta(minutes=minutes)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_token(token: str, secret: str) -> dict[str, Any]:
    """Claims of a valid token; raises jwt.InvalidTokenError (expired, tampered, malformed)."""
    return jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]})

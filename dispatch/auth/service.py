"""User reads and writes."""
from __future__ import annotations

import time

import jwt
from sqlmodel import Session, col, select

from dispatch.auth.models import User, UserCreate
from dispatch.auth.security import decode_token, hash_password, verify_nothing, verify_password
from dispatch.errors import Conflict, Invalid, Unauthorized
from dispatch.orders.enums import Role
from dispatch.orgs.models import OrgUnit
from dispatch.sqltypes import starts_with


def create_user(session: Session, *, data: UserCreate) -> User:
    if data.role not in {r.value for r in Role} or data.role == Role.system.value:
        raise Invalid(f"unknown role {data.role!r}")
    if session.get(OrgUnit, data.unit_id) is None:
        raise Invalid(f"unknown unit {data.unit_id!r}")
    if session.exec(select(User).where(User.username == data.username)).first():
        raise Conflict(f"username {data.username!r} is taken")
    user = User(**data.model_dump(exclude={"password"}), password_hash=hash_password(data.password))
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def users_under(session: Session, *, unit_path: str, limit: int) -> list[User]:
    """Users of the unit at ``unit_path`` and of every unit below it."""
    return list(session.exec(select(User).join(OrgUnit, OrgUnit.id == User.unit_id)
                             .where(starts_with(col(OrgUnit.path), unit_path))
                             .order_by(User.id).limit(limit)).all())


def authenticate(session: Session, *, username: str, password: str) -> User:
    """The user with this password; every refusal costs one password verification, so an
    unknown or deactivated name takes as long as a wrong password."""
    user = session.exec(select(User).where(User.username == username)).first()
    ok = verify_password(password, user.password_hash) if user else verify_nothing(password)
    if not ok or not user.active:
        raise Unauthorized("incorrect username or password")
    return user


def user_from_token(session: Session, *, token: str, secret: str) -> User:
    user_id, version = token_claims(token, secret)
    user = _with_unit(session, user_id) if user_id is not None else None
    return check_current(user, version)


def token_claims(token: str, secret: str) -> tuple[int | None, object]:
    """(user id, token version) of a valid token; Unauthorized when expired or invalid.

    A client sends the same token with every request: its signature is checked once and its
    claims kept (a few thousand tokens at most), its expiry checked every time."""
    key = (token, secret)
    known = _verified.get(key)
    if known is None:
        try:
            claims = decode_token(token, secret)
        except jwt.ExpiredSignatureError:
            raise Unauthorized("token expired") from None
        except jwt.InvalidTokenError:
            raise Unauthorized("invalid token") from None
        sub = str(claims["sub"])
        known = ((int(sub) if sub.isdigit() else None), claims.get("ver"), int(claims["exp"]))
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()
        _verified[key] = known
    if known[2] <= time.time():
        raise Unauthorized("token expired")
    return known[0], known[1]


_VERIFIED_MAX = 4096
_verified: dict[tuple[str, str], tuple[int | None, object, int]] = {}


def check_current(user, version: object):
    """The user, unless gone, deactivated or signed out since the token was issued (a logout
    bumps the user's token version, so every token issued before it is refused)."""
    if user is None or not user.active or version != user.token_version:
        raise Unauthorized("token revoked")
    return user


def _with_unit(session: Session, user_id: int) -> User | None:
    """The user, and their unit into the session (one round trip for every signed request)."""
    row = session.exec(select(User, OrgUnit).join(OrgUnit, OrgUnit.id == User.unit_id)
                       .where(User.id == user_id)).first()
    return row[0] if row else None


def revoke_tokens(session: Session, *, user: User) -> None:
    user.token_version += 1
    session.add(user)
    session.commit()

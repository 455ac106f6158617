"""User reads and writes."""
from __future__ import annotations

import jwt
from sqlmodel import Session, select

from dispatch.auth.models import User, UserCreate
from dispatch.auth.security import decode_token, hash_password, verify_password
from dispatch.errors import Conflict, Invalid, Unauthorized
from dispatch.orders.enums import Role
from dispatch.orgs.models import OrgUnit


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


def authenticate(session: Session, *, username: str, password: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active or not verify_password(password, user.password_hash):
        raise Unauthorized("incorrect username or password")
    return user


def user_from_token(session: Session, *, token: str, secret: str) -> User:
    try:
        claims = decode_token(token, secret)
    except jwt.ExpiredSignatureError:
        raise Unauthorized("token expired") from None
    except jwt.InvalidTokenError:
        raise Unauthorized("invalid token") from None
    user = _with_unit(session, int(claims["sub"])) if str(claims["sub"]).isdigit() else None
    if user is None or not user.active or claims.get("ver") != user.token_version:
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

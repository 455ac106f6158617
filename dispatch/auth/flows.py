"""Sign-in behind the throttle (dispatch/auth/throttle.py), and sign-out, which also closes the
user's live sockets on every API process."""
from __future__ import annotations

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from dispatch.auth import service as users
from dispatch.auth.models import User
from dispatch.auth.security import create_token
from dispatch.config import get_settings
from dispatch.errors import Unauthorized
from dispatch.ratelimit import LoginThrottle
from dispatch.realtime.broker import get_broker


async def sign_in(session: Session, throttle: LoginThrottle, *, username: str, password: str,
                  client: str) -> str:
    """An access token; TooManyRequests before the password is checked when this client must
    wait, Unauthorized (counted) for a wrong one. The hashing runs in a worker thread."""
    await throttle.check(username=username, client=client)
    try:
        user = await run_in_threadpool(users.authenticate, session, username=username,
                                       password=password)
    except Unauthorized:
        await throttle.failed(username=username, client=client)
        raise
    s = get_settings()
    return create_token(user_id=user.id, token_version=user.token_version, secret=s.secret_key,
                        minutes=s.token_minutes)


def sign_out(session: Session, *, user: User) -> None:
    users.revoke_tokens(session, user=user)
    get_broker().revoke(user_id=user.id, version=user.token_version)

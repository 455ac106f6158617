"""Sign-in (OAuth2 password flow → JWT), sign-out (revokes every earlier token), and the users
an administrator manages: those of its own unit's subtree."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from dispatch.auth import flows
from dispatch.auth import service as users
from dispatch.auth.models import User, UserCreate, UserPublic
from dispatch.deps import AdminDep, CurrentPrincipal, SessionDep
from dispatch.errors import Forbidden
from dispatch.orgs.models import OrgUnit, OrgUnitPublic

router = APIRouter(tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class Me(BaseModel):
    user: UserPublic
    unit: OrgUnitPublic


@router.post("/auth/token", response_model=Token)
async def login(request: Request, session: SessionDep,
                form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """429 when this client address has failed too often (dispatch/auth/throttle.py)."""
    client = request.client.host if request.client else "unknown"
    return Token(access_token=await flows.sign_in(
        session, request.app.state.login_throttle, username=form.username,
        password=form.password, client=client))


@router.post("/auth/logout", status_code=204)
def logout(session: SessionDep, principal: CurrentPrincipal) -> None:
    """Revokes every earlier token and closes the user's open live sockets."""
    flows.sign_out(session, user=session.get(User, principal.user.id))


@router.get("/auth/me", response_model=Me)
def me(principal: CurrentPrincipal) -> Me:
    return Me(user=UserPublic(**principal.user.model_dump()),
              unit=OrgUnitPublic(**principal.unit.model_dump()))


@router.post("/users", response_model=UserPublic, status_code=201)
def create_user(body: UserCreate, session: SessionDep, admin: AdminDep) -> UserPublic:
    """A user in the administrator's own unit or below it."""
    unit = session.get(OrgUnit, body.unit_id)
    if unit is not None and not admin.reaches(unit.path):
        raise Forbidden("admins create users only inside their own unit")
    return UserPublic(**users.create_user(session, data=body).model_dump())


@router.get("/users", response_model=list[UserPublic])
def list_users(session: SessionDep, admin: AdminDep) -> list[UserPublic]:
    """The users of the administrator's unit and the units below it."""
    return [UserPublic(**u.model_dump())
            for u in users.users_under(session, unit_path=admin.unit.path, limit=1000)]

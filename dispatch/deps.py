"""FastAPI dependencies in one place: the session and the signed-in principal."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from dispatch.auth.models import User
from dispatch.auth.service import user_from_token
from dispatch.config import get_settings
from dispatch.db import get_engine
from dispatch.errors import Forbidden, Unauthorized
from dispatch.orders.enums import Role
from dispatch.orders.lifecycle import Actor
from dispatch.orgs.models import OrgUnit

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_session() -> Iterator[Session]:
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


@dataclass(frozen=True)
class Principal:
    user: User
    unit: OrgUnit

    @property
    def role(self) -> Role:
        return Role(self.user.role)

    @property
    def actor(self) -> Actor:
        return Actor(role=self.role, unit_path=self.unit.path, user_id=self.user.id)

    def reaches(self, path: str | None) -> bool:
        return bool(path) and path.startswith(self.unit.path)

    @property
    def at_centre(self) -> bool:
        """Of the unit at the top of the tree (the city platform, or a province's root above its
        cities), whose reach is everything."""
        return self.unit.parent_id is None


def principal_for(session: Session, token: str | None) -> Principal:
    if not token:
        raise Unauthorized("not signed in", headers={"WWW-Authenticate": "Bearer"})
    user = user_from_token(session, token=token, secret=get_settings().secret_key)
    unit = session.get(OrgUnit, user.unit_id)
    return Principal(user=user, unit=unit)


def current_principal(session: SessionDep,
                      token: Annotated[str | None, Depends(oauth2_scheme)]) -> Principal:
    return principal_for(session, token)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role):
    """A dependency that refuses every role but these."""
    def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"role {principal.role.value} may not do this")
        return principal
    return check


def require_centre_admin(principal: Annotated[Principal, Depends(require_roles(Role.admin))]
                         ) -> Principal:
    """An administrator of the centre itself: what is set centre-wide (calendars, policies,
    KPI weights, the knowledge base, channel keys, the classifier) applies to every county,
    so a county's administrator, who manages its own subtree, may not change or read it."""
    if not principal.at_centre:
        raise Forbidden("only the centre's administrators manage centre-wide settings")
    return principal


AdminDep = Annotated[Principal, Depends(require_roles(Role.admin))]        # its own subtree
CentreAdminDep = Annotated[Principal, Depends(require_centre_admin)]

"""Users: each belongs to one org unit and has one role."""
from __future__ import annotations

from sqlmodel import Field, SQLModel


class UserBase(SQLModel):
    username: str = Field(index=True, unique=True, min_length=2, max_length=64)
    full_name: str = ""
    role: str                                # Role code
    unit_id: str = Field(foreign_key="org_unit.id", index=True)


class User(UserBase, table=True):
    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    password_hash: str
    active: bool = True
    token_version: int = 0                   # bumped on logout: earlier tokens stop working


class UserCreate(UserBase):
    password: str = Field(min_length=8, max_length=128)


class UserPublic(UserBase):
    id: int
    active: bool

"""Column types that behave the same on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out (SQLite forgets the zone)."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def dt_field(*, nullable: bool = True, index: bool = False, default_now: bool = False) -> Any:
    kw: dict[str, Any] = {"default_factory": utcnow} if default_now else {"default": None}
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index), **kw)


def _empty_list() -> list:
    return []


def _empty_dict() -> dict:
    return {}


# a table model built in Python asks pydantic whether each default factory takes arguments,
# every time: for the builtin `list` that means parsing its text signature (~80 µs a field)
_FACTORIES = {list: _empty_list, dict: _empty_dict}


def json_field(default_factory=dict) -> Any:
    return Field(default_factory=_FACTORIES.get(default_factory, default_factory),
                 sa_column=Column(JSON, nullable=False))

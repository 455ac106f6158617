"""Column types that behave the same on SQLite and PostgreSQL, and a fast constructor of table rows."""
from __future__ import annotations

import copy
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import JSON, Column, DateTime, String, and_, false, or_, true
from sqlalchemy.orm.attributes import set_attribute
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field

T = TypeVar("T")


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


def path_string(length: int | None = None) -> String:
    """A path ("/6100/610001/") or code that reach checks test by prefix: byte order ("C") on
    PostgreSQL, as SQLite's default, so that a subtree (``starts_with``) is one range of its
    index whatever the database's own collation (C.UTF-8, zh_CN.UTF-8). Equality and the order
    of the codes are the same either way."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


PathString = path_string()


def starts_with(column, prefix: str):
    """``column`` starts with ``prefix``, as a range of a byte-ordered column (``PathString``):
    ``prefix <= column < prefix with its last character raised by one``. Unlike ``LIKE :p ||
    '%'`` it is answered from the column's index on both databases, also by a statement that
    PostgreSQL has prepared once for any parameters (a generic plan cannot see a bound pattern's
    prefix: each run read every row again)."""
    if not prefix:
        return true()
    return and_(column >= prefix, column < _past(prefix))


def not_starts_with(column, prefix: str):
    """The complement of ``starts_with`` as two ranges of the same index (NULL matches neither)."""
    if not prefix:
        return false()
    return or_(column < prefix, column >= _past(prefix))


def _past(prefix: str) -> str:
    """The first string after every string that starts with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


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


_IMMUTABLE = (type(None), str, int, float, bool, bytes, tuple, frozenset, datetime)


@lru_cache(maxsize=None)
def _defaults(cls: type) -> tuple[frozenset[str], tuple[tuple[str, Any, Any], ...]]:
    fields = cls.model_fields
    return frozenset(fields), tuple((name, f.default, f.default_factory)
                                    for name, f in fields.items() if not f.is_required())


class DirectSet:
    """For a table model set many times per routed order (an order: about fifteen of its columns
    by the two routing steps): a column is set straight through SQLAlchemy's instrumentation
    (its history for the flush) and recorded as set for pydantic, which is what SQLModel's own
    ``__setattr__`` ends up doing, after asking each time whether the class is a table model,
    whether the name is instrumented and which pydantic handler applies: 2.2 -> 1.05 µs a set,
    about 2 % of a routing job's CPU. Anything else (no table model here validates on
    assignment) goes the usual way."""
    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _column_keys(type(self)):
            set_attribute(self, name, value)
            self.__pydantic_fields_set__.add(name)
        else:
            super().__setattr__(name, value)


@lru_cache(maxsize=None)
def _column_keys(cls: type) -> frozenset[str]:
    return frozenset(prop.key for prop in cls.__mapper__.column_attrs)


def new_row(cls: type[T], **values: Any) -> T:
    """``cls(**values)`` for a table model, built as SQLModel builds it (every default, then the
    values given) without its path through pydantic and SQLAlchemy's events for each field (about
    a fifth of a routing job's CPU went there). The instance is made as SQLAlchemy makes one for a
    loaded row, then filled in: a flush inserts what its ``__dict__`` holds, as after ``cls()``.
    No validation runs, as none runs for a table model's constructor. For the hot paths (a hop
    and timeline rows per routed order); an unknown field is a TypeError, not ignored."""
    obj = cls._sa_class_manager.new_instance()
    obj.__dict__.update(plain_row(cls, **values))
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    return obj


def plain_row(cls: type, **values: Any) -> dict[str, Any]:
    """The row ``new_row`` would insert, as a dict of every field (the defaults, then the values
    given): rows of one model have the same keys, for one executemany of a Core INSERT."""
    names, defaults = _defaults(cls)
    unknown = values.keys() - names
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(unknown))}")
    d = {}
    for name, default, factory in defaults:
        if name not in values:
            d[name] = factory() if factory is not None else (
                default if isinstance(default, _IMMUTABLE) else copy.deepcopy(default))
    d.update(values)
    return d

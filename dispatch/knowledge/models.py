"""Knowledge base entries (知识库): the answers operators read out to close a consultation."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, field_validator
from sqlmodel import Field, SQLModel

from dispatch.sqltypes import dt_field, json_field


class KbEntryBase(SQLModel):
    question: str = Field(min_length=2, max_length=300)
    answer: str = Field(min_length=2, max_length=4000)
    category: str | None = Field(default=None, max_length=64)


class KbEntry(KbEntryBase, table=True):
    __tablename__ = "kb_entry"
    id: int | None = Field(default=None, primary_key=True)
    keywords: list[str] = json_field(list)
    updated_at: datetime = dt_field(nullable=False, default_now=True)
    updated_by: str = ""                      # username of the last editor ("" for seed data)


class KbEntryWrite(KbEntryBase):
    """What an administrator sends to add or replace an entry."""
    keywords: list[str] = Field(default_factory=list, max_length=30)

    @field_validator("keywords")
    @classmethod
    def _clean(cls, v: list[str]) -> list[str]:
        out = [k.strip() for k in v if k and k.strip()]
        if any(len(k) > 30 for k in out):
            raise ValueError("a keyword is at most 30 characters")
        return list(dict.fromkeys(out))


class KbEntryPublic(KbEntryBase):
    id: int
    keywords: list[str]
    updated_at: datetime
    updated_by: str


class KbHit(BaseModel):
    entry: KbEntryPublic
    score: float

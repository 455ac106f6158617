"""Export jobs: a request for a large Excel file, written in the background with its progress."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from dispatch.sqltypes import dt_field, json_field


class ExportJob(SQLModel, table=True):
    __tablename__ = "export_job"
    id: str = Field(primary_key=True, max_length=32)       # random hex: not guessable
    kind: str                                              # orders | kpi | overdue
    params: dict[str, Any] = json_field(dict)              # the filters, as given
    user_id: int = Field(index=True)                       # only its owner sees it
    status: str = "queued"                                 # queued | running | done | failed
    rows_done: int = 0
    rows_total: int | None = None
    filename: str | None = None
    storage_key: str | None = None
    error: str | None = None
    created_at: datetime = dt_field(nullable=False, default_now=True)
    started_at: datetime | None = dt_field()
    finished_at: datetime | None = dt_field()

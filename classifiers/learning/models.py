"""Labelled examples from the dispatch floor, and the retraining runs that use them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from dispatch.sqltypes import dt_field, json_field


class TrainingExample(SQLModel, table=True):
    """One message with the category a person gave it (never edited; a later one supersedes)."""
    __tablename__ = "training_example"
    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    label: str = Field(max_length=64)
    source: str = Field(max_length=16)            # correction | return
    order_id: int | None = Field(default=None, foreign_key="work_order.id", index=True)
    timeline_id: int | None = Field(default=None, unique=True)   # the dispatch it came from
    created_by: int | None = None
    created_at: datetime = dt_field(nullable=False, default_now=True)
    used_in_version: str | None = Field(default=None, max_length=40, index=True)


class RetrainingRun(SQLModel, table=True):
    """One retraining: queued → running → done | failed, with its progress and outcome."""
    __tablename__ = "retraining_run"
    id: int | None = Field(default=None, primary_key=True)
    # "retrain" while queued or running, NULL after: the unique index lets one run at a time
    active: str | None = Field(default=None, max_length=16, unique=True)
    status: str = Field(default="queued", max_length=16)
    stage: str = Field(default="queued", max_length=32)
    progress: int = 0                              # percent
    trigger: str = Field(default="admin", max_length=16)   # admin | cli | threshold
    requested_by: int | None = None
    created_at: datetime = dt_field(nullable=False, default_now=True)
    updated_at: datetime = dt_field(nullable=False, default_now=True)
    finished_at: datetime | None = dt_field()
    current_version: str | None = Field(default=None, max_length=40)
    candidate_version: str | None = Field(default=None, max_length=40)
    promoted: bool | None = None
    metrics: dict[str, Any] = json_field(dict)     # candidate / current on the fixed split
    example_ids: list[int] = json_field(list)      # the stored examples the candidate learned
    skipped: dict[str, int] = json_field(dict)     # examples left out, by reason
    error: str | None = Field(default=None, sa_column=Column(Text))

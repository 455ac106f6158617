"""API shapes of the learning loop."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class VersionPublic(BaseModel):
    version: str
    current: bool
    trained_at: str | None = None
    n_examples: int | None = None
    n_extra: int | None = None
    threshold: float | None = None
    inner_cv: dict[str, Any] = {}
    validation: dict[str, Any] | None = None      # the fixed split, for retrained candidates
    compared_with: dict[str, Any] | None = None   # the version it was compared with, same split


class RunPublic(BaseModel):
    id: int
    job_id: str
    status: str
    stage: str
    progress: int
    trigger: str
    requested_by: int | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    current_version: str | None
    candidate_version: str | None
    promoted: bool | None
    metrics: dict[str, Any]
    example_ids: list[int]
    skipped: dict[str, int]
    error: str | None


class ExamplePublic(BaseModel):
    id: int
    text: str
    label: str
    source: str
    order_id: int | None
    created_by: int | None
    created_at: datetime
    used_in_version: str | None


class CurrentPublic(BaseModel):
    current: str | None

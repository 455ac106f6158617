"""What the consoles see of a possible duplicate (并单 candidate) or a merged report."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class DuplicatePublic(BaseModel):
    order_id: int
    number: str | None
    title: str
    state: str
    division_code: str | None
    received_at: datetime
    score: float | None = None          # None for a report already merged
    similarity: float | None = None
    place: str | None = None            # village | township | county | other | unknown
    same_caller: bool = False
    days_apart: float | None = None


class DuplicatesOf(BaseModel):
    order_id: int
    candidates: list[DuplicatePublic]   # while it can be merged: open or recent orders like it
    merged: list[DuplicatePublic]       # reports already merged into this order

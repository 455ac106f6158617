"""A period's figures as the report first read them: a re-run renders the same document."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from dispatch.sqltypes import dt_field, json_field


class ReportSnapshot(SQLModel, table=True):
    __tablename__ = "report_snapshot"
    __table_args__ = (UniqueConstraint("unit_id", "period", name="uq_report_snapshot_unit_period"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: str = Field(max_length=64)
    period: str = Field(max_length=16)                 # "2026-11"
    figures: dict[str, Any] = json_field(dict)         # figures.collect(): JSON only
    final: bool = False                                # read after the period ended: never redone
    created_at: datetime = dt_field(nullable=False, default_now=True)

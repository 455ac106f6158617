"""Export kinds and job states (stable codes; the console shows Chinese labels)."""
from __future__ import annotations

from enum import StrEnum


class ExportKind(StrEnum):
    orders = "orders"      # 工单明细
    kpi = "kpi"            # 考核指标
    overdue = "overdue"    # 超期工单
    report = "report"      # 运行分析月报 (Word)


class ExportStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"

"""How the report words its numbers: rates, and changes against the previous period (pure)."""
from __future__ import annotations


def pct(rate: float | None) -> str:
    """0.8567 → 85.7%; no denominator → —."""
    return "—" if rate is None else f"{100 * rate:.1f}%"


def count_change(current: int, previous: int) -> str:
    """环比 of a count: +12.5%, −20.0%, 持平; 新增 when there was nothing before."""
    if current == previous:
        return "持平"
    if previous == 0:
        return "新增"
    change = 100 * (current - previous) / previous
    return f"{'+' if change > 0 else '−'}{abs(change):.1f}%"


def rate_change(current: float | None, previous: float | None) -> str:
    """A rate's change in percentage points: +3.2个百分点, −0.5个百分点, 持平; — without both."""
    if current is None or previous is None:
        return "—"
    points = round(100 * (current - previous), 1)
    if points == 0:
        return "持平"
    return f"{'+' if points > 0 else '−'}{abs(points):.1f}个百分点"


def month_title(period: str) -> str:
    """2026-11 → 2026年11月."""
    year, month = period.split("-")
    return f"{year}年{int(month)}月"

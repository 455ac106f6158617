"""The report's wording of rates and of changes against the previous month."""
from __future__ import annotations

import pytest

from console_ui.monthly.wording import count_change, month_title, pct, rate_change


@pytest.mark.parametrize("rate, text", [(None, "—"), (0, "0.0%"), (0.85666, "85.7%"), (1, "100.0%")])
def test_pct(rate, text):
    assert pct(rate) == text


@pytest.mark.parametrize("current, previous, text", [
    (10, 10, "持平"), (0, 0, "持平"), (5, 0, "新增"), (9, 8, "+12.5%"), (8, 10, "−20.0%"), (0, 4, "−100.0%"),
])
def test_count_change(current, previous, text):
    assert count_change(current, previous) == text


@pytest.mark.parametrize("current, previous, text", [
    (None, 0.5, "—"), (0.5, None, "—"), (0.9, 0.868, "+3.2个百分点"), (0.8, 0.805, "−0.5个百分点"),
    (0.8, 0.8004, "持平"),
])
def test_rate_change(current, previous, text):
    assert rate_change(current, previous) == text


@pytest.mark.parametrize("period, text", [("2026-11", "2026年11月"), ("2027-01", "2027年1月")])
def test_month_title(period, text):
    assert month_title(period) == text

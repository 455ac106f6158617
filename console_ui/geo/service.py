"""Reads for the map: the loaded city's boundary file and orders with coordinates."""
from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, col, select

from classifiers.divisions import read_aliases
from dispatch.orders.models import Order
from sla.reports import subtree


@lru_cache(maxsize=4)
def _read(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if data.get("type") != "FeatureCollection":
        raise ValueError(f"{path}: expected a GeoJSON FeatureCollection, got {data.get('type')!r}")
    return data


def boundaries(path: Path | None) -> dict | None:
    """The boundary file (cached until it changes), or None when the city has none."""
    if path is None or not Path(path).exists():
        return None
    return _read(str(path), Path(path).stat().st_mtime)


def aliases(path: Path | None) -> dict[str, str]:
    return read_aliases(path) if path is not None and Path(path).exists() else {}


def located_orders(session: Session, *, under_path: str, start: datetime, end: datetime,
                   limit: int) -> list[Order]:
    """Orders received in [start, end) whose place lies under ``under_path`` and that carry
    coordinates, newest first."""
    stmt = (select(Order).where(col(Order.latitude).is_not(None), col(Order.longitude).is_not(None),
                                subtree(col(Order.division_path), under_path),
                                Order.received_at >= start, Order.received_at < end)
            .order_by(col(Order.received_at).desc()).limit(limit))
    return list(session.exec(stmt).all())

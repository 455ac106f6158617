"""One CSV row of a historical order → the order and its hop, or the reasons it is refused.

Pure: no database, no clock (``now`` is passed in). The columns (header names) are listed in
``COLUMNS``; a historical order has left the loop: closed (结案), refused (不予受理) or handed
over to 110/119/120 (转警). Places and units are given by code, by a unique name, or by a name
path below the city ("某某区/城关街道", "某某区/住房和城乡建设局"); a name several units bear is
answered with their paths.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from dispatch.client_dates import EARLIEST, LATEST, RANGE_TEXT
from dispatch.orders.enums import Channel, Level, RequestType, UnitKind, Urgency

SHANGHAI = ZoneInfo("Asia/Shanghai")
REQUIRED = ("channel", "external_id", "received_at", "content", "division")
OPTIONAL = ("title", "request_type", "category", "urgency", "citizen_name", "citizen_phone",
            "address", "state", "emergency", "handled_by", "dispatched_at", "deadline", "signed_at",
            "reported_at", "closed_at", "reached", "contacted", "solved", "satisfied",
            "callback_at", "rehandle_count", "public_reply")
COLUMNS = REQUIRED + OPTIONAL
STATES = ("closed", "refused", "transferred")
YES, NO = {"1", "true", "yes", "y", "是", "t"}, {"0", "false", "no", "n", "否", "f", ""}
CHANNELS = tuple(c.value for c in Channel)
REQUEST_TYPES = tuple(t.value for t in RequestType)
URGENCIES = tuple(u.value for u in Urgency)
GRID = Channel.grid.value
HINTS = 3   # the units an ambiguous name's error lists
LIMITS = {"external_id": 128, "title": 200, "content": 5000, "citizen_name": 64,
          "citizen_phone": 32, "address": 500, "category": 64, "public_reply": 2000}


class RowError(ValueError):
    """Every problem of one row, each as "column: what is wrong"."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    level: str
    kind: str
    parent_id: str | None
    path: str


@dataclass
class UnitIndex:
    """Units by code, by unique name and by name path below the city."""
    by_id: dict[str, Unit]
    by_name: dict[str, list[Unit]] = field(default_factory=dict)
    by_name_path: dict[str, Unit | None] = field(default_factory=dict)   # None: ambiguous
    city: Unit | None = None

    @classmethod
    def build(cls, units: Iterable[Unit]) -> "UnitIndex":
        index = cls({u.id: u for u in units})
        for u in index.by_id.values():
            index.by_name.setdefault(u.name, []).append(u)
            for key in index._name_paths(u):   # "区/镇/村", "镇/村" (if unique it resolves)
                index.by_name_path[key] = None if key in index.by_name_path else u
        index.city = next((u for u in index.by_id.values()
                           if u.level == Level.city.value and u.kind == UnitKind.platform.value), None)
        return index

    def _name_paths(self, unit: Unit) -> list[str]:
        """The name paths ending in ``unit`` below the city, shortest first."""
        names, p = [], unit
        while p is not None and p.level != Level.city.value:
            names.append(p.name)
            p = self.by_id.get(p.parent_id) if p.parent_id else None
        return ["/".join(reversed(names[:i])) for i in range(2, len(names) + 1)]

    def _hint(self, unit: Unit) -> str:
        """The shortest name path that resolves to ``unit``, with its code."""
        path = next((k for k in self._name_paths(unit) if self.by_name_path.get(k) == unit), None)
        return f"{path} ({unit.id})" if path else unit.id

    def resolve(self, text: str) -> Unit:
        text = text.strip().replace("／", "/")
        if text in self.by_id:
            return self.by_id[text]
        if "/" in text:
            unit = self.by_name_path.get(text)
            if unit is None:
                raise ValueError(f"{'ambiguous' if text in self.by_name_path else 'unknown'} unit path {text!r}")
            return unit
        named = self.by_name.get(text, [])
        if len(named) == 1:
            return named[0]
        if named:
            more = ", …" if len(named) > HINTS else ""
            raise ValueError(f"{len(named)} units are named {text!r}; give the code or a path: "
                             + ", ".join(self._hint(u) for u in named[:HINTS]) + more)
        raise ValueError(f"unknown unit {text!r}")

    def platform_above(self, unit: Unit) -> Unit:
        """The nearest platform holding ``unit`` (a county's, else the city's)."""
        p: Unit | None = unit
        while p is not None:
            if p.kind == UnitKind.platform.value:
                return p
            p = self.by_id.get(p.parent_id) if p.parent_id else None
        return self.city

    def city_of(self, unit: Unit) -> Unit | None:
        """The city holding ``unit`` (a province holds several), else the one city."""
        p: Unit | None = unit
        while p is not None:
            if p.level == Level.city.value and p.kind == UnitKind.platform.value:
                return p
            p = self.by_id.get(p.parent_id) if p.parent_id else None
        return self.city


@dataclass
class ImportRow:
    order: dict[str, Any]
    hop: dict[str, Any] | None


# deadline(start, request_type, urgency, step) → the policy's deadline for a step
DeadlineFn = Callable[[datetime, str, str, str], datetime]


class _Reader:
    """Collects every problem of one row instead of stopping at the first."""

    def __init__(self, raw: Mapping[str, str | None]) -> None:
        self.raw = {k: v.strip() for k, v in raw.items() if v}
        self.problems = []

    def text(self, name: str, required: bool = False) -> str | None:
        value = self.raw.get(name)
        if not value:
            if required:
                self.problems.append(f"{name}: required")
            return None
        if len(value) > LIMITS.get(name, 10_000):
            self.problems.append(f"{name}: longer than {LIMITS[name]} characters")
        return value

    def choice(self, name: str, allowed: tuple[str, ...], default: str | None,
               required: bool = False) -> str | None:
        value = self.text(name, required)
        if value is None:
            return default
        if value not in allowed:
            self.problems.append(f"{name}: {value!r} is not one of {', '.join(allowed)}")
        return value

    def moment(self, name: str, required: bool = False) -> datetime | None:
        value = self.text(name, required)
        if value is None:
            return None
        try:
            at = datetime.fromisoformat(value)
        except ValueError:
            self.problems.append(f"{name}: {value!r} is not a date and time (2024-05-01 08:30:00)")
            return None
        if not EARLIEST <= at.date() <= LATEST:     # as for every date a client sends
            self.problems.append(f"{name}: {value!r} is not {RANGE_TEXT}")
            return None
        if at.tzinfo:
            return at
        # local (Beijing) time; the constructor costs a third of .replace(tzinfo=...)
        return datetime(at.year, at.month, at.day, at.hour, at.minute, at.second, at.microsecond, SHANGHAI)

    def flag(self, name: str) -> bool | None:
        value = self.raw.get(name, "").lower()
        if value in YES:
            return True
        if value in NO:
            return None if not value else False
        self.problems.append(f"{name}: {value!r} is not yes/no (是/否, 1/0)")
        return None

    def unit(self, name: str, units: UnitIndex, required: bool = False) -> Unit | None:
        value = self.text(name, required)
        if value is None:
            return None
        try:
            return units.resolve(value)
        except ValueError as exc:
            self.problems.append(f"{name}: {exc}")
            return None

    def count(self, name: str) -> int:
        value = self.text(name) or "0"
        if not value.isdigit() or int(value) > 100:
            self.problems.append(f"{name}: {value!r} is not a count from 0 to 100")
            return 0
        return int(value)

    def after(self, later: str, at: datetime | None, earlier: str, than: datetime | None) -> None:
        if at and than and at < than:
            self.problems.append(f"{later}: before {earlier}")


def parse_row(raw: Mapping[str, str | None], *, units: UnitIndex, now: datetime,
              deadline: DeadlineFn) -> ImportRow:
    """The order (and its one hop when a unit handled it); raises RowError listing every problem."""
    r = _Reader(raw)
    channel = r.choice("channel", CHANNELS, None, required=True)
    external_id = r.text("external_id", required=True)
    received = r.moment("received_at", required=True)
    content = r.text("content", required=True)
    place = r.unit("division", units, required=True)
    state = r.choice("state", STATES, "closed")
    rtype = r.choice("request_type", REQUEST_TYPES, "other")
    urgency = r.choice("urgency", URGENCIES, "normal")
    emergency = r.choice("emergency", ("110", "119", "120"), None)
    handler = r.unit("handled_by", units)
    times = {n: r.moment(n) for n in ("dispatched_at", "deadline", "signed_at", "reported_at",
                                      "closed_at", "callback_at")}
    callback = {n: r.flag(n) for n in ("reached", "contacted", "solved", "satisfied")}
    rehandles = r.count("rehandle_count")
    order = {n: r.text(n) for n in ("title", "category", "citizen_name", "citizen_phone",
                                    "address", "public_reply")}
    if received and received > now:
        r.problems.append("received_at: in the future")
    if state == "transferred" and not emergency:
        r.problems.append("emergency: required when state is transferred (110, 119 or 120)")
    if state == "closed" and not times["closed_at"]:
        r.problems.append("closed_at: required when state is closed")
    if state != "closed" and handler:
        r.problems.append(f"handled_by: a {state} order was never handed to a unit")
    for name, at in times.items():
        r.after(name, at, "received_at", received)
    r.after("closed_at", times["closed_at"], "dispatched_at", times["dispatched_at"])
    if r.problems:
        raise RowError(r.problems)
    platform = units.platform_above(handler) if handler else (
        units.platform_above(place) if channel == GRID else units.city_of(place))
    order.update(
        channel=channel, external_id=external_id, received_at=received, content=content,
        title=order["title"] or content[:24], request_type=rtype, urgency=urgency, state=state,
        emergency=emergency, division_code=place.id, division_path=place.path,
        is_grid=channel == GRID, platform_id=platform.id, platform_path=platform.path,
        closed_at=times["closed_at"], rehandle_count=rehandles, version=1,
        close_kind=("dispatched" if handler else "direct") if state == "closed" else None,
        created_at=now, updated_at=times["closed_at"] or received)
    if {*callback.values()} != {None}:
        order["callback"] = {**{k: bool(v) for k, v in callback.items()}, "rehandle": rehandles > 0,
                             "at": (times["callback_at"] or times["closed_at"] or received).isoformat()}
    if not handler:
        return ImportRow(order, None)
    dispatched = times["dispatched_at"] or received
    order["dispatched_at"] = dispatched
    hop = {"hop_no": 1, "role": "lead", "from_unit_id": platform.id, "from_path": platform.path,
           "from_platform": True, "to_unit_id": handler.id, "to_path": handler.path,
           "status": "done", "dispatched_at": dispatched,
           "sign_deadline": deadline(dispatched, rtype, urgency, "sign_for"),
           "return_deadline": deadline(dispatched, rtype, urgency, "return_window"),
           "deadline": times["deadline"] or deadline(dispatched, rtype, urgency, "handling"),
           "signed_at": times["signed_at"], "reported_at": times["reported_at"] or times["closed_at"],
           "ended_at": times["closed_at"]}
    return ImportRow(order, hop)

"""The life of one synthetic order, for the benchmark generator: realistic mixes and timings.

Mixes (our model of a city 12345 + grid centre): channels 12345-heavy, consultations ~half of
the calls and mostly answered at once, grid events partly settled on the spot; the city
platform hands most orders to the county platforms, which dispatch to a department or a
township; townships pass a third down to villages. Deadlines follow ``sla.policy.DEFAULT_POLICY``
on the official calendar. Every step can be cut by "now", leaving the order open in that step.
"""
from __future__ import annotations

import csv
import random
from bisect import bisect
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace

from sla.calendar import SHANGHAI, Duration, WorkingCalendar
from sla.policy import DEFAULT_POLICY

ROOT = Path(__file__).resolve().parent.parent
CHANNELS = {"12345": 52, "wechat": 8, "app": 6, "website": 4, "weibo": 1, "12328": 4, "12319": 5,
            "110": 6, "grid": 13, "cppcc": 1}
CATEGORIES = {"劳动和社会保障": 482, "城乡建设": 478, "教育文体": 381, "商贸旅游": 272, "卫生计生": 203,
              "环境保护": 195, "交通运输": 148}
CHANNEL_CATEGORY = {"12328": "交通运输", "12319": "城乡建设"}
REQUEST_TYPES = {"consultation": 48, "help": 14, "complaint": 22, "report": 5, "suggestion": 6,
                 "praise": 2, "other": 3}
URGENCIES = {"normal": 94, "urgent": 5, "extra_urgent": 1}
HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 15, 12, 8, 9, 13, 14, 13, 11, 8, 6, 5, 4, 3, 2]
SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗蒋唐"


class Mix:
    """A weighted choice with its cumulative weights worked out once."""

    def __init__(self, table: dict) -> None:
        self.keys, self.cum, total = list(table), [], 0
        for weight in table.values():
            total += weight
            self.cum.append(total)

    def pick(self, rng: random.Random):
        return self.keys[bisect(self.cum, rng.random() * self.cum[-1])]


CHANNEL_MIX, CATEGORY_MIX, TYPE_MIX = Mix(CHANNELS), Mix(CATEGORIES), Mix(REQUEST_TYPES)
URGENCY_MIX, HOUR_MIX = Mix(URGENCIES), Mix(dict(enumerate(HOURS)))


class FastCalendar:
    """``WorkingCalendar.add`` for the few limits the generator uses, memoised by local date."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.cal, self.tz = calendar, calendar.tz
        self._days: dict[tuple, object] = {}

    def add(self, start: datetime, limit: Duration) -> datetime:
        if limit.unit != "working_days" or limit.amount != int(limit.amount):
            return self.cal.add(start, limit)
        local = start.astimezone(self.tz)
        key = (local.date(), int(limit.amount))
        day = self._days.get(key)
        if day is None:
            day = self._days[key] = self.cal.local_date(self.cal.add(self.cal.start_of_day(key[0]), limit))
        if not self.cal.is_working_day(local.date()):
            return datetime.combine(day, time(), tzinfo=self.tz)   # snapped to the next working day
        return datetime.combine(day, local.timetz())

    def __getattr__(self, name):
        return getattr(self.cal, name)


@dataclass
class Units:
    """The org tree as the generator needs it (paths, ids, departments by category)."""
    city: SimpleNamespace
    counties: list[SimpleNamespace]
    townships: dict[str, list[SimpleNamespace]]      # county id -> townships
    villages: dict[str, list[SimpleNamespace]]       # township id -> villages
    departments: dict[str, dict[str, SimpleNamespace]] = field(default_factory=dict)  # platform id -> category -> dept

    @classmethod
    def from_rows(cls, rows) -> "Units":
        units = [SimpleNamespace(**r) for r in rows]
        by_parent: dict[str | None, list] = {}
        for u in units:
            by_parent.setdefault(u.parent_id, []).append(u)
        city = next(u for u in units if u.level == "city" and u.kind == "platform")
        counties = [u for u in by_parent[city.id] if u.kind == "platform"]
        towns = {c.id: [u for u in by_parent.get(c.id, []) if u.kind == "territorial"] for c in counties}
        villages = {t.id: by_parent.get(t.id, []) for ts in towns.values() for t in ts}
        depts: dict[str, dict[str, SimpleNamespace]] = {}
        for u in units:
            if u.kind == "department":
                for cat in u.primary_categories or u.categories[:1]:
                    depts.setdefault(u.parent_id, {}).setdefault(cat, u)
        return cls(city, counties, towns, villages, depts)


class Simulator:
    def __init__(self, units: Units, calendar: WorkingCalendar, now: datetime, seed: int = 7) -> None:
        self.u, self.cal, self.now, self.rng = units, FastCalendar(calendar), now, random.Random(seed)
        self.county_mix = Mix({c.id: len(units.townships[c.id]) + 3 for c in units.counties})
        self.county_by_id = {c.id: c for c in units.counties}
        self.texts = _texts()
        self.limits = {}

    # -- helpers ---------------------------------------------------------------------------
    def _limits(self, request_type: str, urgency: str):
        key = (request_type, urgency)
        if key not in self.limits:
            self.limits[key] = DEFAULT_POLICY.limits_for(request_type, urgency)
        return self.limits[key]

    def _later(self, moment: datetime, mean_hours: float) -> datetime:
        """A random delay after ``moment``; a hop capped below its start still takes some time."""
        return moment + timedelta(hours=self.rng.expovariate(1 / max(mean_hours, 0.25)))

    def _working_hours_after(self, moment: datetime, days: int = 1) -> datetime:
        day = self.cal.local_date(moment)
        for _ in range(days):
            day = self.cal.next_working_day(day)
        hour = self.rng.uniform(8.5, 17.5)
        return datetime.combine(day, time(), tzinfo=SHANGHAI) + timedelta(hours=hour)

    def received_at(self, day) -> datetime:
        hour = HOUR_MIX.pick(self.rng)
        return datetime.combine(day, time(hour), tzinfo=SHANGHAI) + timedelta(seconds=self.rng.randrange(3600))

    # -- one order -------------------------------------------------------------------------
    def order(self, order_id: int, received: datetime, recent_ids: list[int]) -> tuple[dict, list[dict]]:
        rng = self.rng
        channel = CHANNEL_MIX.pick(rng)
        category = CHANNEL_CATEGORY.get(channel) or CATEGORY_MIX.pick(rng)
        rtype = "help" if channel == "110" else TYPE_MIX.pick(rng)
        urgency = URGENCY_MIX.pick(rng)
        county = self.county_by_id[self.county_mix.pick(rng)]
        town = rng.choice(self.u.townships[county.id])
        place = rng.choice(self.u.villages[town.id] or [town])
        text = rng.choice(self.texts.get(category) or self.texts["*"])
        platform = county if channel == "grid" else self.u.city
        o = {"id": order_id, "channel": channel, "category": category, "request_type": rtype,
             "urgency": urgency, "received_at": received, "title": text[:24], "content": text[:90],
             "division_code": place.id, "division_path": place.path, "is_grid": channel == "grid",
             "platform_id": platform.id, "platform_path": platform.path, "state": "received",
             "citizen_name": rng.choice(SURNAMES) + rng.choice(["先生", "女士"]),
             "citizen_phone": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
             "repeat_of_id": rng.choice(recent_ids) if recent_ids and rng.random() < 0.06 else None,
             "version": 1, "callback": {}, "rehandle_count": 0, "return_count": 0,
             "failed_site_checks": 0, "audit_failures": 0}
        hops: list[dict] = []
        self._life(o, hops, county, town, place, recent_ids)
        return o, hops

    def _life(self, o, hops, county, town, place, recent_ids) -> None:
        rng, t = self.rng, o["received_at"]
        roll = rng.random()
        if roll < 0.015 or (roll < 0.035 and recent_ids):
            o["state"] = "refused" if roll < 0.015 else "merged"
            o["master_id"] = rng.choice(recent_ids) if o["state"] == "merged" else None
            return
        if roll < 0.04:
            o["state"], o["emergency"] = "transferred", rng.choice(["110", "119", "120"])
            return
        if (o["request_type"] == "consultation" and rng.random() < 0.72) or \
                (o["is_grid"] and rng.random() < 0.35):
            o.update(state="closed", close_kind="on_spot" if o["is_grid"] else "direct",
                     settled_on_spot=o["is_grid"], closed_at=self._later(t, 0.1), version=2)
            return
        t = self._later(t, 1.5)
        if t > self.now:
            o["state"] = "received" if t - o["received_at"] < timedelta(minutes=5) else "pending_dispatch"
            return
        if o["platform_path"] == self.u.city.path and rng.random() < 0.85:
            o["platform_id"], o["platform_path"] = county.id, county.path     # transfer_platform
        platform = county if o["platform_path"] == county.path else self.u.city
        dept = self.u.departments.get(platform.id, {}).get(o["category"])
        if platform is self.u.city:
            target, other = dept or town, town
        else:
            target, other = (dept, town) if dept and rng.random() < 0.5 else (town, dept or town)
        o["dispatched_at"] = t
        self._handle(o, hops, platform, target, other, place, t)

    def _hop(self, o, hops, frm, to, at, *, parent=None, cap=None) -> dict:
        lim = self._limits(o["request_type"], o["urgency"])
        deadline = self.cal.add(at, lim.handling)
        if cap is not None and deadline > cap:
            deadline = cap
        hop = {"id": None, "order_id": o["id"], "hop_no": len(hops) + 1, "role": "lead",
               "from_unit_id": frm.id, "from_path": frm.path, "from_platform": parent is None,
               "to_unit_id": to.id, "to_path": to.path, "status": "dispatched", "dispatched_at": at,
               "sign_deadline": min(self.cal.add(at, lim.sign_for), deadline),
               "return_deadline": self.cal.add(at, lim.return_window), "deadline": deadline,
               "policy_version": DEFAULT_POLICY.version, "limit_unit": lim.handling.unit,
               "parent": parent, "extensions": []}
        hops.append(hop)
        o.update(current_hop=hop, current_unit_path=to.path, due_at=deadline, state="dispatched")
        o["version"] += 1
        return hop

    def _sign(self, o, hop) -> bool:
        """Sign for it (late now and then); False if "now" comes first."""
        span = (hop["sign_deadline"] - hop["dispatched_at"]).total_seconds() / 3600
        signed = self._later(hop["dispatched_at"], span * (0.3 if self.rng.random() < 0.95 else 3))
        if signed > self.now:
            return False
        hop.update(signed_at=signed, status="handling")
        o.update(state="handling", version=o["version"] + 1)
        return True

    def _work(self, o, hop, start: datetime) -> datetime | None:
        """When the unit reports: mostly before the deadline; None if not yet."""
        rng = self.rng
        if rng.random() < 0.03:  # an approved extension of 5 working days
            hop["deadline"] = self.cal.add(hop["deadline"], Duration(5, "working_days"))
            hop["extensions"] = [{"days": 5}]
            o["due_at"] = hop["deadline"]
        span = max(hop["deadline"] - start, timedelta(minutes=10))
        done = start + span * rng.uniform(0.15, 0.95) if rng.random() < 0.92 \
            else hop["deadline"] + timedelta(hours=rng.expovariate(1 / 40))
        return done if done <= self.now else None

    def _handle(self, o, hops, platform, target, other, place, t) -> None:
        rng = self.rng
        hop = self._hop(o, hops, platform, target, t)
        if rng.random() < 0.03:  # returned as out of remit, re-dispatched to the other unit
            back = self._later(t, 6)
            if back > self.now:
                o["state"] = "return_requested"
                hop["status"] = "return_requested"
                return
            hop.update(status="returned", ended_at=back, returns=1)
            o["return_count"] += 1
            hop = self._hop(o, hops, platform, other, back)
        if not self._sign(o, hop):
            return
        start = hop["signed_at"]
        if hop["to_path"] != place.path and place.path.startswith(hop["to_path"]) and rng.random() < 0.35:
            child = self._hop(o, hops, hop_unit(hop), place, self._later(start, 3), parent=hop,
                              cap=hop["deadline"])
            hop["status"] = "delegated"
            if child["dispatched_at"] > self.now or not self._sign(o, child):
                return
            start = self._work(o, child, child["signed_at"])
            if start is None:
                return
            child.update(status="reported", reported_at=start)
            hop["status"] = "handling"
            o.update(state="handling", current_hop=hop, current_unit_path=hop["to_path"],
                     due_at=hop["deadline"])
        self._finish(o, hops, hop, platform, start)

    def _finish(self, o, hops, hop, platform, start: datetime) -> None:
        rng = self.rng
        reported = self._work(o, hop, start)
        if reported is None:
            return
        hop.update(status="reported", reported_at=reported)
        o.update(state="feedback_submitted", version=o["version"] + 1)
        if o["is_grid"] and rng.random() < 0.03:
            o["failed_site_checks"] += 1
        called = self._working_hours_after(reported)
        if called > self.now:
            o["state"] = "callback_pending"
            return
        solved = rng.random() < 0.88
        satisfied = rng.random() < (0.93 if solved else 0.25)
        reached = rng.random() < 0.95
        o["callback"] = {"reached": reached, "contacted": reached and rng.random() < 0.93,
                         "solved": reached and solved, "satisfied": reached and satisfied,
                         "rehandle": False, "at": called.isoformat()}
        if reached and not satisfied and o["rehandle_count"] == 0 and rng.random() < 0.3:
            o["rehandle_count"] = 1
            o["callback"]["rehandle"] = True
            hop.update(status="done", ended_at=called)
            again = self._hop(o, hops, platform, hop_unit(hop), called)
            if self._sign(o, again):
                self._finish(o, hops, again, platform, again["signed_at"])
            return
        closed = self._later(called, 2)
        if closed > self.now:
            o["state"] = "verified"
            return
        for h in hops:
            if h["status"] == "reported":
                h.update(status="done", ended_at=closed)
        o.update(state="closed", close_kind="dispatched", closed_at=closed, current_hop=None,
                 current_unit_path=None, due_at=None, version=o["version"] + 2)


def hop_unit(hop: dict) -> SimpleNamespace:
    return SimpleNamespace(id=hop["to_unit_id"], path=hop["to_path"])


def _texts() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"*": []}
    with open(ROOT / "classifiers" / "data" / "taidi2020_train.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text = row["text"].strip()
            out.setdefault(row["label"], []).append(text)
            out["*"].append(text)
    return out

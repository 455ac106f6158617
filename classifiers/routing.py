"""Routing policy: category × place → the responsible unit, behind dispatch.routing's Router.

On the city platform the decision is `classifiers.decide.CityRouting.decide` (the county the
message names, or the unit the city's answered history points to), the same function behind
`POST /classify` and `hotline route-letters`. A county platform places the order by category:

The policy table is built from each department's duties (权责清单) in the departments file:
`primary` categories pick the department; `routing.territorial_categories` go to the township of
the place (属地管理); a functional matter goes to the department of the owning platform. The city
platform hands every matter whose place lies in a county to that county's platform (the routing
job then routes it again there), and keeps for its own departments the ones with no known place.
Confident predictions are dispatched at once; the rest wait in a dispatcher's queue with top-3.

A province holds several cities (docs/province.md): each order is routed with its own city's
files (`city_files`, keyed by the city above the order's platform), and a place the text names
in another city is no place to route to. Orders cross cities only by a dispatcher's
`transfer_city`.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session

from classifiers.answering import AnswerReader
from classifiers.decide import CityRouting, UnitDecision
from classifiers.divisions import Divisions
from classifiers.units import (UNIT_MODEL_VERSION, WEAK_LABELS_CSV, UnitModel, history_examples,
                               weak_examples)
from dispatch.city import city_by_code, load_city
from dispatch.config import get_settings
from dispatch.orders.enums import Level, UnitKind, Urgency
from dispatch.orders.models import Order
from dispatch.orgs import service as orgs
from dispatch.orgs.models import OrgUnit
from dispatch.routing import RoutingDecision, county_below

PLACE_CONFIDENCE = 0.8
OWN_HISTORY = "answered_history.csv"     # written by `hotline routing-history` (classifiers/history.py)        # below this the text's place is a suggestion, not a fact


_DEPTH = {Level.city.value: 0, Level.county.value: 1, Level.township.value: 2,
          Level.village.value: 3}


@dataclass(frozen=True)
class Policy:
    territorial: dict[str, str]      # category → the level the place must be known down to

    def is_territorial(self, category: str, division: OrgUnit | None) -> bool:
        need = self.territorial.get(category)
        return bool(need and division is not None
                    and _DEPTH.get(division.level, 0) >= _DEPTH[need])


@dataclass(frozen=True)
class CityFiles:
    """The files one city's routing reads: HOTLINE_CITY's from the settings (each file's own
    setting wins), any other city of a province from its folder under cities/."""
    divisions_csv: Path
    departments_file: Path
    aliases_file: Path | None
    routing_history: Path | None
    own_history: Path | None = None     # the centre's own export: the home city's only


@lru_cache(maxsize=16)
def _files_of(code: str | None, home: str, s_files: CityFiles) -> CityFiles:
    if code is None or code == _home_code(home):
        return s_files
    c = city_by_code(code, home)
    return CityFiles(c.divisions_csv, c.departments_file, c.aliases_file, c.routing_history)


@lru_cache(maxsize=8)
def _home_code(home: str) -> str:
    return load_city(home).code


def city_files(code: str | None = None) -> CityFiles:
    """The files of the city `code` names (None: HOTLINE_CITY's)."""
    s = get_settings()
    own = s.var_dir / OWN_HISTORY
    home = CityFiles(s.divisions_csv, s.departments_file, s.aliases_file, s.routing_history,
                     own if own.exists() else None)
    return _files_of(code, s.city, home)


@lru_cache(maxsize=16)
def _policy(departments_file: Path) -> Policy:
    cfg = orgs.read_departments(departments_file)
    return Policy(territorial=dict(cfg.get("routing", {}).get("territorial_categories", {})))


def policy(code: str | None = None) -> Policy:
    return _policy(city_files(code).departments_file)


@lru_cache(maxsize=4)
def _city_routing(divisions_csv, departments_file, aliases_file, history,
                  own_history=None, _stamp=None) -> CityRouting:
    divisions = Divisions.from_csv(divisions_csv, aliases_file)
    departments = orgs.read_departments(departments_file)
    routing = CityRouting(divisions, departments)
    histories = [h for h in (history, own_history) if h and Path(h).exists()]
    if not histories:
        return routing
    inputs = (divisions_csv, departments_file, aliases_file, *histories, WEAK_LABELS_CSV)
    cache = get_settings().var_dir / "models" / f"units-{_digest(inputs)}.pkl"
    model = _read_model(cache)
    if model is None:
        reader = AnswerReader(divisions, departments, divisions.extra_aliases)
        examples = [e for h in histories for e in history_examples(h, reader)] + weak_examples()
        votes = [routing.voter.vote(title=e.title, body=e.body) for e in examples]
        model = UnitModel().fit(examples, votes)
        _write_model(cache, model)
    return CityRouting(divisions, departments, model, routing.voter)


def _digest(paths) -> str:
    """Names the trained unit model by what it was trained on (and the code's version of it)."""
    h = hashlib.sha256(UNIT_MODEL_VERSION.encode())
    for path in paths:
        h.update(Path(path).read_bytes() if path else b"-")
    return h.hexdigest()[:16]


def _read_model(path: Path) -> UnitModel | None:
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None


def _write_model(path: Path, model: UnitModel) -> None:
    """Every process after the first loads it in a fraction of a second instead of training
    (seconds): the write is atomic, so processes starting together never read half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(model, fh)
        os.replace(tmp, path)
    except OSError:
        pass            # a read-only var/ only costs start-up time


def city_routing(code: str | None = None) -> CityRouting:
    """A city's routing (divisions, aliases, departments, unit model), once per process and
    city: `code` names the order's own city (None: HOTLINE_CITY's). It knows that city's places
    and units only, so it never routes an order into another city of a province."""
    f = city_files(code)
    return _city_routing(f.divisions_csv, f.departments_file, f.aliases_file, f.routing_history,
                         f.own_history, _mtime(f.own_history) if f.own_history else None)


def _mtime(path: Path) -> float | None:
    """Part of the cache key: a new export of the centre's history is seen by the next call."""
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def decide_order(order: Order, category: str | None, category_auto: bool,
                 city_code: str | None = None) -> UnitDecision:
    return city_routing(city_code).decide(title=order.title, text=order.content, address=order.address,
                                 division_code=order.division_code, category=category,
                                 category_auto=category_auto)


def _classifier(code: str | None = None):
    from classifiers.service import get_classifier

    return get_classifier(model_dir=get_settings().var_dir / "models",
                          divisions_csv=city_files(code).divisions_csv)


class ClassifierRouter:
    """jieba + scikit-learn proposes; the policy table places; confidence decides who acts."""

    def prepare(self, session: Session, orders: list[Order]) -> None:
        """Classify a routing job's orders together before routing them one by one."""
        classify_ahead(session, orders)

    def route(self, session: Session, order: Order) -> RoutingDecision:
        platform = orgs.get_unit(session, order.platform_id)
        city = orgs.city_of(session, platform)
        code = city.id if city is not None else None
        c = _classified(session, order, code)
        division = self._division(session, order, c, city)
        category = order.category or order.category_hint or c.category
        scores = [self._suggest(session, platform, division, label, p) for label, p in c.top]
        base = dict(category=category, request_type=c.request_type,
                    urgency=Urgency.extra_urgent.value if c.emergency else c.urgency,
                    emergency=c.emergency, confidence=round(c.confidence, 4),
                    model_version=c.model_version, scores=scores,
                    division_code=division.id if division else None)
        confident = c.auto or bool(order.category or order.category_hint)
        if c.emergency:
            return RoutingDecision("queue", f"emergency:{c.emergency}", **base)
        if platform.level == Level.city.value:
            d = decide_order(order, category, confident, code)
            routed = self._city_decision(session, platform, d, base)
            if routed is not None:
                return routed
        county = county_below(session, platform, division.id if division else None)
        if county is not None:      # the city hands a county's matter to its platform
            rule = "place" if confident and category else "unclear"
            return RoutingDecision("transfer", f"{rule}->county_platform",
                                   target_unit_id=county.id, **base)
        if confident and category:
            target = self._batch_target(session, platform, division, category)
            if target is not None:
                rule = "territorial" if target.kind == UnitKind.territorial.value else "functional"
                return RoutingDecision("dispatch", f"{rule}:{category}->{target.id}",
                                       target_unit_id=target.id, **base)
        return RoutingDecision("queue", "low_confidence" if category else "no_category", **base)

    @staticmethod
    def _city_decision(session: Session, platform: OrgUnit, d: UnitDecision,
                       base: dict) -> RoutingDecision | None:
        """The city platform's move for decision `d`; None leaves it to the category rule."""
        if d.rule == "outside_city":
            return RoutingDecision("queue", "outside_city", **base)
        if d.destination.startswith("county:"):
            county = county_below(session, platform, d.county_code)
            if county is not None and d.auto:
                base = {**base, "division_code": d.place_code}
                return RoutingDecision("transfer", f"{d.rule}->county_platform",
                                       target_unit_id=county.id, **base)
        if d.rule.startswith("unit_model"):
            unit = orgs.get_unit(session, d.unit_code) if d.unit_code else None
            scores = [{"category": base["category"], "p": t["p"], "unit_id": t["unit_code"],
                       "unit_name": t["unit_name"]} for t in d.top] or base["scores"]
            base = {**base, "scores": scores}
            if unit is not None and d.auto and d.destination.startswith("dept:"):
                return RoutingDecision("dispatch", f"unit_model:{d.destination}",
                                       target_unit_id=unit.id, **base)
            return RoutingDecision("queue", "unit_model:unsure", **base)
        return None

    def target(self, session: Session, platform: OrgUnit, division: OrgUnit | None,
               category: str) -> OrgUnit | None:
        """The unit responsible for `category` at `division`, inside the owning platform."""
        city = orgs.city_of(session, platform)
        if policy(city.id if city else None).is_territorial(category, division):
            town = _township_of(session, division)
            if town is not None and town.path.startswith(platform.path):
                return town
        owner = orgs.county_platform_for_division(session, division.id) if division else None
        owner = owner if owner is not None and owner.path.startswith(platform.path) else platform
        return orgs.department_for(session, platform=owner, category=category) or \
            orgs.department_for(session, platform=platform, category=category)

    def _batch_target(self, session: Session, platform: OrgUnit, division: OrgUnit | None,
                      category: str) -> OrgUnit | None:
        """``target``, once per session (a routing job's batch): its orders share few (platform,
        place, category) combinations, and the top suggestion is the dispatch target too."""
        targets = session.info.setdefault("classifier.targets", {})
        key = (platform.id, division.id if division else None, category)
        if key not in targets:
            targets[key] = self.target(session, platform, division, category)
        return targets[key]

    def _suggest(self, session, platform, division, label: str, p: float) -> dict:
        unit = self._batch_target(session, platform, division, label)
        return {"category": label, "p": round(p, 4), "unit_id": unit.id if unit else None,
                "unit_name": unit.name if unit else None}

    @staticmethod
    def _division(session: Session, order: Order, c, city: OrgUnit | None) -> OrgUnit | None:
        """The order's place, only inside its own city: a place of another city of the
        province is no place to route to (crossing cities is a dispatcher's hand-over)."""
        unit = None
        if order.division_code:
            unit = orgs.get_unit(session, order.division_code)
        elif c.place is not None and c.place.confidence >= PLACE_CONFIDENCE:
            unit = orgs.get_unit(session, c.place.code)
        if unit is not None and city is not None and not unit.path.startswith(city.path):
            return None
        return unit


def _classified(session: Session, order: Order, city_code: str | None = None):
    """The classifier's reading of the order, once per session: a city call about a county is
    routed twice in one job (by the city, then by the county platform), on the same text. The
    session (a routing job's batch) asks the model store for the current model once."""
    memo = session.info.setdefault(READINGS, {})
    key = _reading_key(order)
    if key not in memo:
        memo[key] = _held_classifier(session, city_code).classify(
            order.content, address=order.address, division_code=order.division_code)
    return memo[key]


def classify_ahead(session: Session, orders: list[Order]) -> None:
    """Read a routing job's orders in one go, per city: all texts tokenised, then one sparse
    matrix and one product (``Classifier.classify_many``); ``_classified`` then answers from
    the session's memo. Same readings as one ``classify`` per order."""
    memo = session.info.setdefault(READINGS, {})
    by_city: dict[str | None, list[Order]] = {}
    for order in orders:
        if _reading_key(order) not in memo:
            city = orgs.city_of(session, orgs.get_unit(session, order.platform_id))
            by_city.setdefault(city.id if city is not None else None, []).append(order)
    for code, group in by_city.items():
        readings = _held_classifier(session, code).classify_many(
            [o.content for o in group], addresses=[o.address for o in group],
            division_codes=[o.division_code for o in group])
        memo.update(zip(map(_reading_key, group), readings))


READINGS = "classifier.readings"


def _reading_key(order: Order) -> tuple:
    return (order.id, order.content, order.address, order.division_code)


def _held_classifier(session: Session, city_code: str | None):
    held = session.info.setdefault("classifier", {})
    if (classifier := held.get(city_code)) is None:
        classifier = held[city_code] = _classifier(city_code)
    return classifier


def _township_of(session: Session, unit: OrgUnit) -> OrgUnit | None:
    if unit.level == Level.township.value:
        return unit
    if unit.level == Level.village.value and unit.parent_id:
        return orgs.get_unit(session, unit.parent_id)
    return None

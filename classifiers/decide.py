"""The one routing decision: where a message goes, for the live routing job, `POST /classify`
and `hotline route-letters` alike.

    decide(title, text, address, division_code, category)  ->  UnitDecision

Order of evidence, first that holds wins:

1. a division code the channel gave (a grid event's village): its county; certain.
2. places named outside the city and none inside: it stays with the city's dispatchers, with
   the likeliest city department as the suggestion (never a county).
3. a county the text names outright (the county vote, `evidence.py`: share >= VOTE_SHARE and a
   vote of strength >= VOTE_STRENGTH) goes to that county's platform, unless the unit model
   is sure a city department handles such matters (P >= CITY_OVERRIDE);
4. the unit model learned from the city's answered history (`units.py`): the likeliest level
   (county / city department), then the likeliest county or department in it;
5. a city without answered history: the category's department (the departments file's duties).

``auto`` (dispatch without a dispatcher) holds for 1, for 3 while P(city department) is under
the city's own bound (`UnitModel.doubt`, cross-fitted on its answered history to keep wrong
hand-overs at 3 %; always without a model), and for 4 when the destination's probability is
>= AUTO_THRESHOLD; the rest wait in the city's queue with the top three. The other thresholds
were set on cross-validated mailbox letters (docs/routing.md) and are not per-city.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from classifiers.divisions import Divisions
from classifiers.evidence import CountyVoter
from classifiers.place import Gazetteer
from classifiers.units import UnitModel

VOTE_SHARE = 0.6
VOTE_STRENGTH = 0.75
CITY_OVERRIDE = 0.7
AUTO_THRESHOLD = 0.9


@dataclass(frozen=True)
class UnitDecision:
    destination: str                   # county:<code> | dept:<type> | platform
    county_code: str | None            # None when the order stays at city level
    unit_code: str | None
    unit_name: str | None
    unit_level: str | None             # city | county
    auto: bool
    confidence: float
    rule: str
    place_code: str | None = None
    category: str | None = None
    top: list[dict] = field(default_factory=list)   # [{destination, unit_code, unit_name, p}]

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


class CityRouting:
    """One city's routing knowledge: its divisions, departments, county voter and unit model."""

    def __init__(self, divisions: Divisions, departments: dict, model: UnitModel | None = None,
                 voter: CountyVoter | None = None) -> None:
        self.divisions = divisions
        self.gazetteer = voter.gazetteer if voter else Gazetteer(divisions)
        self.voter = voter or CountyVoter(self.gazetteer)
        self.model = model
        self.city = next(d for d in divisions if d.level == "city")
        self._depts = {d["type"]: d for d in departments.get("departments", [])
                       if "city" in d.get("levels", ())}
        self._primary = {c: d["type"] for d in departments.get("departments", [])
                         for c in d.get("primary", []) if "city" in d.get("levels", ())}

    def decide(self, *, title: str = "", text: str = "", address: str | None = None,
               division_code: str | None = None, category: str | None = None,
               category_auto: bool = False) -> UnitDecision:
        county = self._county_of_code(division_code)
        if county is not None:
            return self._to_county(county, 1.0, True, "place", division_code, category)
        vote = self.voter.vote(title=title or "", body=text or "", address=address or "")
        best, share, strength = vote.best()
        scores = self.model.scores(title or "", text or "", vote) if self.model else None
        if vote.outside:
            return self._outside(scores or {}, category)
        p_city = sum(p for k, p in (scores or {}).items() if k.startswith("dept:"))
        place = self._place(best, title, text, address)
        if best and share >= VOTE_SHARE and strength >= VOTE_STRENGTH and p_city < CITY_OVERRIDE:
            doubt = getattr(self.model, "doubt", 0.0) if self.model else 1.0
            return self._to_county(best, round(share * strength, 4), p_city < doubt,
                                   "place", place, category, scores)
        if scores:
            return self._learned(scores, place, category)
        dept = self._primary.get(category or "")
        if dept:
            return self._to_dept(dept, 1.0 if category_auto else 0.5, category_auto,
                                 f"category:{category}", place, category)
        return self._stay("no_unit", category)

    # --- the destinations -------------------------------------------------------------------
    def _outside(self, scores: dict[str, float], category) -> UnitDecision:
        """Only places outside the city: never a county; a city department may still be the
        unit (a visitor's parking ticket), suggested to the dispatchers, never without them."""
        depts = {k: p for k, p in scores.items() if k.startswith("dept:") and k[5:] in self._depts}
        if not depts:
            return self._stay("outside_city", category)
        dest = max(depts, key=depts.get)
        return self._to_dept(dest[5:], depts[dest], False, "outside_city", None, category,
                             self._top(depts))

    def _learned(self, scores: dict[str, float], place: str | None, category) -> UnitDecision:
        """The likeliest unit. The platform itself is never the pick: a decision that is not
        sure waits with the dispatchers anyway, and a unit is the suggestion they need
        (departments reached 25.2 % → 31.9 % of their letters, counties unchanged)."""
        levels = {"county": 0.0, "dept": 0.0}
        for k, p in scores.items():
            if k != "platform":
                levels[k.split(":")[0]] += p
        level = max(levels, key=levels.get)
        within = {k: p for k, p in scores.items() if k.split(":")[0] == level}
        dest = max(within, key=within.get)
        p = scores[dest]
        top = self._top(scores)
        if dest.startswith("county:"):
            county = dest.split(":")[1]
            own = place if place and self._county_of_code(place) == county else None
            return self._to_county(county, p, p >= AUTO_THRESHOLD, "unit_model", own, category,
                                   scores, top)
        if dest.startswith("dept:") and dest[5:] in self._depts:
            return self._to_dept(dest[5:], p, p >= AUTO_THRESHOLD, "unit_model", place, category, top)
        return self._stay("unit_model:platform", category, top)

    def _to_county(self, code: str, p: float, auto: bool, rule: str, place: str | None,
                   category, scores=None, top=None) -> UnitDecision:
        d = self.divisions.by_code[code]
        return UnitDecision(f"county:{code}", code, code, d.name, "county", bool(auto), round(float(p), 4), rule,
                            place or code, category, top or (self._top(scores) if scores else []))

    def _to_dept(self, dept: str, p: float, auto: bool, rule: str, place, category, top=None):
        code, name = self._dept_unit(dept)
        return UnitDecision(f"dept:{dept}", None, code, name, "city", bool(auto), round(float(p), 4), rule,
                            place, category, top or [])

    def _stay(self, rule: str, category, top=None) -> UnitDecision:
        return UnitDecision("platform", None, self.city.code, self.city.name, "city", False, 0.0,
                            rule, None, category, top or [])

    def _dept_unit(self, dept: str) -> tuple[str, str]:
        return f"{self.city.code}-{dept}", f"{self.city.short_name or self.city.name}{self._depts[dept]['name']}"

    def _top(self, scores: dict[str, float], k: int = 3) -> list[dict]:
        out = []
        for dest in sorted(scores, key=scores.get, reverse=True):
            kind, _, key = dest.partition(":")
            if kind == "county" and key in self.divisions.by_code:
                code, name = key, self.divisions.by_code[key].name
            elif kind == "dept" and key in self._depts:
                code, name = self._dept_unit(key)
            elif kind == "platform":
                code, name = self.city.code, self.city.name
            else:
                continue
            out.append({"destination": dest, "unit_code": code, "unit_name": name,
                        "p": round(float(scores[dest]), 4)})
            if len(out) == k:
                break
        return out

    # --- places -----------------------------------------------------------------------------
    def _county_of_code(self, code: str | None) -> str | None:
        result = self.gazetteer.resolve_code(code) if code else None
        if result is None or not result.resolved:
            return None
        return result.match.path[0] if result.match.path else None

    def _place(self, county: str | None, title, text, address) -> str | None:
        """The deepest division named inside `county` (address first, then title and text)."""
        if county is None:
            return None
        for part in (address, f"{title or ''}。{text or ''}"):
            match = self.gazetteer.resolve(part).match if part else None
            if match is not None and match.path and match.path[0] == county:
                return match.code
        return county


"""Resolve a free-text message or address to an administrative division code.

The gazetteer looks names up in a dictionary of alias -> division codes (see
``divisions.py`` for the aliases) with a maximum-length window, keeping the
leftmost-longest match. Only positions whose two characters begin some alias are
tried; they are found by intersecting the text's bigrams with the alias prefixes
(C-level set operations), so a message without a place name costs microseconds.

Resolution, deepest level first (village -> township -> county -> city):

1. A weak mention -- a ``bare`` township or village alias (水口 for 水口镇,
   建设 for 建设村) or a village alias of 2 characters (新村) -- only counts when
   one of its ancestors is also mentioned: such names read too often as
   ordinary words. Bare county names (某某 for 某某县) count on their own.
2. At each level the candidates are the divisions mentioned at that level. When
   several remain, those with the most mentioned ancestors win (a repeated
   village name is settled by the township or county named beside it).
3. One candidate left: resolved. Several: the level is ambiguous; if they all
   lie in one county or township, that common parent is offered one level up,
   otherwise the next level up is tried with the divisions named there.
4. Nothing resolved: an explicit unresolved result (status ``ambiguous`` with the
   candidates, or ``not_found``) instead of a guess.

Confidence = alias strength (name 1.0, short 0.95, bare 0.75)
             x 0.9 if hierarchy was needed to choose among namesakes
             x 0.8 if resolved at a higher level because the deeper one was ambiguous
             x 0.6 if other mentioned divisions contradict it (not its ancestors)
             and 1.0 for ``resolve_code`` of a known code (0.9 for a longer grid code).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from operator import add
from pathlib import Path

from classifiers.divisions import LEVEL_DEPTH, Divisions, default_aliases_csv, default_divisions_csv

KIND_CONFIDENCE = {"name": 1.0, "short": 0.95, "bare": 0.75}
NAMESAKE_FACTOR = 0.9
FALLBACK_FACTOR = 0.8
CONTRADICTION_FACTOR = 0.6
GRID_CODE_CONFIDENCE = 0.9
LEVELS_DEEP_FIRST = ("village", "township", "county", "city")


@dataclass(frozen=True)
class PlaceMatch:
    """A division a text or code was resolved to."""

    code: str
    level: str
    name: str
    confidence: float
    path: tuple[str, ...] = ()  # codes from the county (or top) down to ``code``
    full_name: str = ""  # e.g. 某某区城关街道新华社区居委会

    def to_dict(self) -> dict:
        d = asdict(self)
        d["path"] = list(self.path)
        return d


@dataclass(frozen=True)
class PlaceResult:
    """Outcome of a resolution: resolved, ambiguous or not_found."""

    status: str
    match: PlaceMatch | None = None
    candidates: tuple[PlaceMatch, ...] = field(default=())

    @property
    def resolved(self) -> bool:
        return self.match is not None

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "match": self.match.to_dict() if self.match else None,
            "candidates": [c.to_dict() for c in self.candidates],
        }


NOT_FOUND = PlaceResult(status="not_found")


class Gazetteer:
    """Name -> division resolver built from one divisions table."""

    def __init__(self, divisions: Divisions) -> None:
        self.divisions = divisions
        self._index = divisions.aliases()
        # first two characters -> alias lengths, longest first
        lengths: dict[str, set[int]] = {}
        for alias in self._index:
            lengths.setdefault(alias[:2], set()).add(len(alias))
        self._lengths = {k: sorted(v, reverse=True) for k, v in lengths.items()}
        self._prefixes = frozenset(self._lengths)
        self._ancestors = {d.code: tuple(a.code for a in divisions.ancestors(d.code)) for d in divisions}

    @classmethod
    def from_csv(cls, path: str | Path | None = None, aliases_csv: str | Path | None = None) -> "Gazetteer":
        return cls(Divisions.from_csv(path, aliases_csv))

    def mentions(self, text: str) -> list[tuple[str, list[tuple[str, str]]]]:
        """Leftmost-longest alias matches: [(alias, [(code, kind)])]."""
        # Set intersection of the text's bigrams with the aliases' first two
        # characters runs in C and is empty for most messages.
        starts = set(map(add, text, text[1:])) & self._prefixes
        if not starts:
            return []
        positions = sorted(i for prefix in starts for i in _find_all(text, prefix))
        found, end = [], 0
        index = self._index
        for i in positions:
            if i < end:
                continue
            for length in self._lengths[text[i:i + 2]]:
                alias = text[i:i + length]
                if alias in index:
                    found.append((alias, index[alias]))
                    end = i + length
                    break
        return found

    def resolve(self, text: str) -> PlaceResult:
        """The deepest division the text names unambiguously; see the module docstring."""
        mentions = self.mentions(text or "")
        if not mentions:
            return NOT_FOUND
        kinds: dict[str, str] = {}  # code -> strongest kind
        namesakes: set[str] = set()
        for alias, entries in mentions:
            for code, kind in entries:
                if code not in kinds or KIND_CONFIDENCE[kind] > KIND_CONFIDENCE[kinds[code]]:
                    kinds[code] = kind
                if len(entries) > 1:
                    namesakes.add(code)
        mentioned = set(kinds)
        weak = self._weak_only(mentions)
        cands_by_level: dict[str, set[str]] = {}
        for code in mentioned:
            if code in weak and not mentioned.intersection(self._ancestors[code]):
                continue
            cands_by_level.setdefault(self._level(code), set()).add(code)
        return self._choose(cands_by_level, kinds, namesakes, mentioned)

    def resolve_code(self, code: str) -> PlaceResult:
        """A known division code, or a longer grid code below a known village."""
        code = (code or "").strip()
        if code in self.divisions.by_code:
            return PlaceResult(status="resolved", match=self._match(code, 1.0))
        for end in range(len(code) - 1, 1, -1):
            if code[:end] in self.divisions.by_code:
                return PlaceResult(status="resolved", match=self._match(code[:end], GRID_CODE_CONFIDENCE))
        return NOT_FOUND

    def _weak_only(self, mentions) -> set[str]:
        """Codes named only by weak village aliases (rule 1)."""
        weak, strong = set(), set()
        for alias, entries in mentions:
            for code, kind in entries:
                level = self._level(code)
                is_weak = (level in ("township", "village") and kind == "bare") or (
                    level == "village" and len(alias) <= 2
                )
                (weak if is_weak else strong).add(code)
        return weak - strong

    def _choose(self, cands_by_level, kinds, namesakes, mentioned) -> PlaceResult:
        fallback = 1.0
        ambiguous: tuple[PlaceMatch, ...] = ()
        carried: dict[str, set[str]] = {}  # common parents offered to a higher level
        for level in LEVELS_DEEP_FIRST:
            cands = cands_by_level.get(level, set()) | carried.get(level, set())
            if not cands:
                continue
            support = {c: len(mentioned.intersection(self._ancestors[c])) for c in cands}
            best = max(support.values())
            top = sorted(c for c in cands if support[c] == best)
            if len(top) == 1:
                code = top[0]
                conf = KIND_CONFIDENCE[kinds.get(code, "name")] * fallback
                if code in namesakes and len(cands) > 1:
                    conf *= NAMESAKE_FACTOR
                if self._contradicted(code, mentioned):
                    conf *= CONTRADICTION_FACTOR
                if code not in kinds:  # a common parent carried up
                    conf *= FALLBACK_FACTOR
                return PlaceResult(status="resolved", match=self._match(code, conf), candidates=ambiguous)
            if not ambiguous:
                ambiguous = tuple(self._match(c, 0.0) for c in top)
            fallback *= FALLBACK_FACTOR
            common = self._common_ancestor(top)
            if common is not None and self._level(common) in ("county", "township"):
                carried.setdefault(self._level(common), set()).add(common)
        if ambiguous:
            return PlaceResult(status="ambiguous", candidates=ambiguous)
        return NOT_FOUND

    def _contradicted(self, code: str, mentioned: set[str]) -> bool:
        # Another mentioned division at a shallower level that does not contain the match.
        ancestors = set(self._ancestors[code])
        depth = LEVEL_DEPTH[self._level(code)]
        return any(
            0 < LEVEL_DEPTH[self._level(m)] < depth and m not in ancestors for m in mentioned
        )

    def _common_ancestor(self, codes: list[str]) -> str | None:
        chains = [set(self._ancestors[c]) for c in codes]
        shared = set.intersection(*chains)
        return max(shared, key=lambda c: LEVEL_DEPTH[self._level(c)], default=None)

    def _level(self, code: str) -> str:
        return self.divisions.by_code[code].level

    def _match(self, code: str, confidence: float) -> PlaceMatch:
        d = self.divisions.by_code[code]
        chain = [a for a in reversed(self.divisions.ancestors(code)) if a.level != "city"]
        path = tuple(a.code for a in chain) + (code,)
        full = "".join(a.name for a in chain) + d.name
        return PlaceMatch(
            code=code, level=d.level, name=d.name, confidence=round(min(1.0, confidence), 3),
            path=path, full_name=full,
        )


def _find_all(text: str, sub: str):
    i = text.find(sub)
    while i >= 0:
        yield i
        i = text.find(sub, i + 1)


_CACHE: dict[str, Gazetteer] = {}


def get_gazetteer(path: str | Path | None = None) -> Gazetteer:
    """A shared gazetteer per divisions file (default: the loaded city's, with its aliases)."""
    if path is None:
        path = default_divisions_csv()
    key = str(Path(path).resolve())
    if key not in _CACHE:
        same_city = Path(path).resolve() == default_divisions_csv().resolve()
        _CACHE[key] = Gazetteer.from_csv(key, default_aliases_csv() if same_city else None)
    return _CACHE[key]

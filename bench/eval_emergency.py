"""Share of real letters the keyword rules flag as an emergency (classifiers/rules.py).

Mailbox letters and online messages are never emergencies (an emergency is phoned in), so
every flag on them is a false hand-over to 110/119/120; the target is <= 1 %. Prints the
flagged share and the 110/119/120 split for the letters CSV given (columns ``title`` and
``text``; the Shangluo letters live outside the repository, so the path is required) and for
the shipped online messages bench/data/taidi2020_unlabeled.csv. Title and text are joined
with "。". ``--show`` prints each flagged danger word in its context, to read before
changing the word lists.

    .venv/bin/python bench/eval_emergency.py ../shared/data/letters/shangluo_mailbox_2012_2019.csv [--show]
"""
from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifiers.rules import default_rules  # noqa: E402

UNLABELED = ROOT / "bench" / "data" / "taidi2020_unlabeled.csv"


def letters(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [f"{r.get('title') or ''}。{r.get('text') or ''}" for r in csv.DictReader(fh)]


def report(path: Path, show: bool) -> None:
    rules = default_rules()
    texts = letters(path)
    services = Counter(str(s) for s in map(rules.emergency, texts) if s is not None)
    flagged = sum(services.values())
    split = ", ".join(f"{s}: {n}" for s, n in sorted(services.items())) or "none"
    print(f"{path.name}: {flagged} of {len(texts)} flagged as an emergency "
          f"({flagged / max(len(texts), 1):.2%}; {split})")
    if not show:
        return
    for text in texts:
        for hit in rules.emergency_hits(text):
            print(f"  {hit.group()} | {text[max(0, hit.start() - 30):hit.end() + 20]}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("letters", type=Path, help="CSV with title and text columns")
    p.add_argument("--show", action="store_true", help="print each flagged word in context")
    args = p.parse_args()
    for path in (args.letters, UNLABELED):
        report(path, args.show)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

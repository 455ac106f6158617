"""Pure rules of the learning loop: which dispatch teaches the model, which examples train it.

No database, queue or clock here; flows read the rows, call these and persist the outcome.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Mapping, Sequence

WRONG_UNIT = "wrong_unit"
DISPATCHES = ("dispatch", "auto_dispatch")
# a label the base set does not know joins only with enough examples for the model's 5 inner folds
MIN_NEW_LABEL_EXAMPLES = 10
# a run that has not reported for this long died with its worker; another may start
RUN_STALE_AFTER = timedelta(hours=1)


def example_source(timeline: Sequence[tuple[str, Mapping]]) -> tuple[str, str] | None:
    """(label, source) taught by the last entry of an order's timeline, or None.

    `timeline` is (action, data) oldest first and ends with the dispatch in question. A
    dispatch with a category teaches it when the hop before was returned as "wrong unit" and
    the return approved (source "return"), or when the category differs from the model's
    proposal — from the category the order had when no model proposed one (source "correction").
    """
    if not timeline or timeline[-1][0] != "dispatch":
        return None
    given = timeline[-1][1].get("category") or {}
    label = (given.get("to") or "").strip()
    if not label:
        return None
    if _approved_wrong_unit_return(timeline[:-1]):
        return label, "return"
    before = given.get("proposed") or given.get("from")
    if before and before != label:
        return label, "correction"
    return None


def _approved_wrong_unit_return(earlier: Sequence[tuple[str, Mapping]]) -> bool:
    """A wrong-unit return was approved since the previous dispatch."""
    approved_codes, pending = [], None
    for action, data in earlier:
        if action in DISPATCHES:
            approved_codes, pending = [], None
        elif action == "return_order":
            pending = data.get("reason_code")
        elif action == "approve_return":
            approved_codes.append(pending)
            pending = None
    return WRONG_UNIT in approved_codes


@dataclass(frozen=True)
class Candidate:
    """A stored example as the selection sees it."""
    id: int
    text: str
    label: str


def select_examples(examples: Iterable[Candidate], *, known_labels: set[str],
                    validation_texts: set[str],
                    min_new_label: int = MIN_NEW_LABEL_EXAMPLES) -> tuple[list[Candidate], Counter]:
    """The examples a retraining learns from, and how many were left out by reason.

    Oldest first in, the latest label of a text wins ("superseded"); a text of the fixed
    validation split never trains ("validation"); a label the base set does not know needs
    `min_new_label` examples ("new_label_too_rare").
    """
    latest: dict[str, Candidate] = {}
    skipped: Counter = Counter()
    for e in examples:
        if e.text in validation_texts:
            skipped["validation"] += 1
            continue
        if e.text in latest:
            skipped["superseded"] += 1
        latest[e.text] = e
    counts = Counter(e.label for e in latest.values())
    used = []
    for e in latest.values():
        if e.label not in known_labels and counts[e.label] < min_new_label:
            skipped["new_label_too_rare"] += 1
        else:
            used.append(e)
    return sorted(used, key=lambda e: e.id), skipped


def is_stale(updated_at: datetime, now: datetime, after: timedelta = RUN_STALE_AFTER) -> bool:
    return now - updated_at > after


def should_retrain(new_examples: int, threshold: int, run_active: bool) -> bool:
    """Whether enough new examples accumulated to start a retraining by themselves."""
    return threshold > 0 and not run_active and new_examples >= threshold


STAGE_PROGRESS = {"queued": 0, "collecting": 5, "current": 15, "candidate": 45, "final": 70,
                  "done": 100, "failed": 100}

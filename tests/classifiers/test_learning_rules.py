"""Which dispatch teaches the category model, and which stored examples a retraining uses."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from classifiers.learning.rules import (Candidate, example_source, is_stale, select_examples,
                                        should_retrain)


def _dispatch(to=None, proposed=None, frm=None):
    return ("dispatch", {"category": {"to": to, "proposed": proposed, "from": frm}} if to else {})


QUEUED = ("queue_for_dispatcher", {})
AUTO = ("auto_dispatch", {})
WRONG = ("return_order", {"reason_code": "wrong_unit"})
AREA = ("return_order", {"reason_code": "outside_area"})
APPROVE = ("approve_return", {})
REJECT = ("reject_return", {})


@pytest.mark.parametrize("timeline, taught", [
    # the dispatcher overrides the model's proposal
    ([QUEUED, _dispatch("城乡建设", proposed="交通运输")], ("城乡建设", "correction")),
    # agrees with the model: nothing new to learn
    ([QUEUED, _dispatch("城乡建设", proposed="城乡建设")], None),
    # no model proposal (rule routing): a change of the order's category is a correction
    ([QUEUED, _dispatch("环境保护", frm="城乡建设")], ("环境保护", "correction")),
    ([QUEUED, _dispatch("环境保护")], None),
    # a dispatch without a category teaches nothing
    ([QUEUED, _dispatch()], None),
    # approved wrong-unit return, then a re-dispatch with a category: even the same category
    ([AUTO, WRONG, APPROVE, _dispatch("交通运输", proposed="交通运输")], ("交通运输", "return")),
    # the return was about the place, not the matter
    ([AUTO, AREA, APPROVE, _dispatch("交通运输", proposed="交通运输")], None),
    # a rejected wrong-unit return, later an approved one for another reason
    ([AUTO, WRONG, REJECT, AREA, APPROVE, _dispatch("交通运输", proposed="交通运输")], None),
    # a wrong-unit return before an earlier re-dispatch is already spent
    ([AUTO, WRONG, APPROVE, _dispatch("交通运输", proposed="交通运输"), AREA, APPROVE,
      _dispatch("交通运输", proposed="交通运输")], None),
    # only a dispatcher's dispatch teaches
    ([QUEUED, AUTO], None),
    ([], None),
])
def test_which_dispatch_teaches_a_label(timeline, taught):
    assert example_source(timeline) == taught


KNOWN = {"城乡建设", "交通运输"}


def test_selection_keeps_the_latest_label_of_a_text_and_never_a_validation_text():
    rows = [Candidate(1, "a", "城乡建设"), Candidate(2, "b", "交通运输"),
            Candidate(3, "a", "交通运输"), Candidate(4, "v", "城乡建设")]
    used, skipped = select_examples(rows, known_labels=KNOWN, validation_texts={"v"})
    assert [(e.id, e.text, e.label) for e in used] == [(2, "b", "交通运输"), (3, "a", "交通运输")]
    assert skipped == {"superseded": 1, "validation": 1}


def test_a_new_label_joins_only_with_enough_examples():
    rare = [Candidate(i, f"t{i}", "民政") for i in range(3)]
    used, skipped = select_examples(rare, known_labels=KNOWN, validation_texts=set(),
                                    min_new_label=4)
    assert used == [] and skipped == {"new_label_too_rare": 3}
    enough = rare + [Candidate(9, "t9", "民政")]
    used, _ = select_examples(enough, known_labels=KNOWN, validation_texts=set(), min_new_label=4)
    assert [e.id for e in used] == [0, 1, 2, 9]


NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


@pytest.mark.parametrize("age, stale", [(timedelta(minutes=5), False), (timedelta(hours=2), True)])
def test_a_run_silent_too_long_is_stale(age, stale):
    assert is_stale(NOW - age, NOW) is stale


@pytest.mark.parametrize("new, threshold, active, start", [
    (10, 0, False, False),     # threshold 0: never by itself
    (9, 10, False, False), (10, 10, False, True),
    (50, 10, True, False),     # one at a time
])
def test_enough_new_examples_start_a_retraining(new, threshold, active, start):
    assert should_retrain(new, threshold, active) is start

"""The replay rule, without a database: which replays get the stored order, and what counts as
the same payload."""
from __future__ import annotations

import unicodedata

import pytest

from dispatch.errors import Conflict
from dispatch.intake.replays import check_replay, fingerprint
from dispatch.intake.schemas import IntakeRequest

BASE = dict(channel="12345", external_id="call-1", content="Café 门口占道经营",
            received_at="2026-12-07T07:48:00+08:00", raw={"agent": "工号1024"})


def _print(**changes) -> str:
    return fingerprint(IntakeRequest(**{**BASE, **changes}))


@pytest.mark.parametrize("changes", [
    {"received_at": "2026-12-06T23:48:00Z"},                   # the same instant
    {"content": unicodedata.normalize("NFD", BASE["content"])},  # the same text in NFD
    {"platform_id": "431102"},                                 # the server's, not the client's
    {"attachment_ids": [7, 8]},                                # a channel's photos, stored anew
])
def test_the_same_payload_however_written(changes):
    assert _print(**changes) == _print()


@pytest.mark.parametrize("changes", [
    {"content": "另一件事"}, {"received_at": "2026-12-07T07:49:00+08:00"},
    {"citizen_phone": "13800001111"}, {"confidential": True}, {"raw": {"agent": "工号1025"}},
    {"division_code": "431102"}, {"channel": "12328"},
])
def test_another_payload(changes):
    assert _print(**changes) != _print()


@pytest.mark.parametrize("stored,given,visible,answered", [
    ("a", "a", True, True),
    (None, "a", True, True),      # stored before fingerprints were kept: any payload
    ("a", "b", True, False),
    ("a", "a", False, False),     # outside the caller's reach, even the same payload
    (None, "a", False, False),
])
def test_which_replays_get_the_stored_order(stored, given, visible, answered):
    if answered:
        check_replay(stored=stored, given=given, visible=visible)
    else:
        with pytest.raises(Conflict) as err:
            check_replay(stored=stored, given=given, visible=visible)
        assert err.value.details is None

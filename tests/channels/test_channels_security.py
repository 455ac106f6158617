"""The pure checks at the door: HMAC signatures, API keys, safe XML."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from channels.security import (Malformed, ensure_safe_xml, hash_api_key, key_id_of, key_matches,
                               new_api_key, sign, verify_signature)
from dispatch.errors import Unauthorized

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
TS = str(int(NOW.timestamp()))
BODY = '{"call_id":"c1"}'.encode()
VALID = "<a correct signature of BODY>"


def test_signature_over_timestamp_and_body_is_accepted():
    verify_signature("s3cret", timestamp=TS, signature=sign("s3cret", TS, BODY), body=BODY,
                     now=NOW, tolerance_seconds=300)


@pytest.mark.parametrize("timestamp,signature,body,why", [
    (None, "sha256=00", BODY, "headers are required"),
    (TS, None, BODY, "headers are required"),
    ("yesterday", "sha256=00", BODY, "unix seconds"),
    (str(int(NOW.timestamp()) - 301), VALID, BODY, "outside the allowed window"),
    (str(int(NOW.timestamp()) + 301), VALID, BODY, "outside the allowed window"),
    (TS, VALID, BODY + b" ", "does not match"),
    (TS, "sha256=" + "0" * 64, BODY, "does not match"),
])
def test_bad_signatures_are_refused_with_reason(timestamp, signature, body, why):
    if signature is VALID:
        signature = sign("s3cret", timestamp, BODY)
    with pytest.raises(Unauthorized, match=why):
        verify_signature("s3cret", timestamp=timestamp, signature=signature, body=body, now=NOW,
                         tolerance_seconds=300)


def test_signature_with_another_secret_is_refused():
    with pytest.raises(Unauthorized):
        verify_signature("s3cret", timestamp=TS, signature=sign("other", TS, BODY), body=BODY,
                         now=NOW, tolerance_seconds=300)


def test_api_key_carries_its_lookup_id_and_only_matches_its_hash():
    key, key_id = new_api_key()
    assert key_id_of(key) == key_id
    assert key_matches(key, hash_api_key(key))
    assert not key_matches(key + "x", hash_api_key(key))
    other, _ = new_api_key()
    assert other != key


@pytest.mark.parametrize("text", ["", "hk", "hk__abc", "xx_abc_def", "hk_abc_"])
def test_malformed_api_keys_have_no_lookup_id(text):
    assert key_id_of(text) is None


BOMB = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><Content>&lol3;</Content></xml>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><Content>&xxe;</Content></xml>"""
DTD_ONLY = b"""<?xml version="1.0"?><!DOCTYPE xml SYSTEM "http://127.0.0.1:1/evil.dtd"><xml/>"""


@pytest.mark.parametrize("xml", [BOMB, XXE, DTD_ONLY], ids=["bomb", "external-entity", "dtd"])
def test_xml_with_dtd_or_entities_is_refused(xml):
    with pytest.raises(Malformed, match="DTD or entities"):
        ensure_safe_xml(xml)


@pytest.mark.parametrize("xml", [b"<xml><Content>", b"not xml at all", b""])
def test_broken_xml_is_refused(xml):
    with pytest.raises(Malformed, match="well-formed"):
        ensure_safe_xml(xml)


def test_plain_wechat_xml_passes():
    ensure_safe_xml("<xml><Content><![CDATA[路灯坏了]]></Content></xml>".encode())


def test_nonce_store_keeps_the_first_body_until_the_window_ends():
    from channels.replay import MemoryNonces

    store = MemoryNonces(sweep_at=3)
    assert store.first("t1:n1", "body-a", 600) == "body-a"
    assert store.first("t1:n1", "body-b", 600) == "body-a"      # a second body: not the first
    assert store.first("t1:n2", "body-b", 600) == "body-b"
    assert store.first("t2:n3", "body-c", 0) == "body-c"        # no window: gone at once
    assert store.first("t2:n3", "body-d", 0) == "body-d"
    assert store.first("t1:n1", "body-e", 600) == "body-a"      # kept through a sweep


def test_nonces_are_remembered_in_this_process_while_redis_does_not_answer(monkeypatch):
    from types import SimpleNamespace

    from channels import replay

    monkeypatch.setattr(replay, "get_settings",
                        lambda: SimpleNamespace(redis_url="redis://127.0.0.1:1/0"))
    assert replay.first_body("wechat:t:away", "body-a", 600) == "body-a"
    assert replay.first_body("wechat:t:away", "body-b", 600) == "body-a"

"""The order list's text search (`q`): what is typed is searched for as it is."""
from __future__ import annotations

import uuid

from tests.helpers import auth, new_call


def _found(client, token: str, q: str) -> set[int]:
    r = client.get("/api/v1/orders", params={"q": q, "limit": 200}, headers=auth(token))
    assert r.status_code == 200, r.text
    return {o["id"] for o in r.json()["items"]}


def test_percent_underscore_and_backslash_are_searched_for_literally(client, tokens):
    token = tokens["county_operator"]
    marker = uuid.uuid4().hex[:12]
    made = {text: new_call(client, token, content=f"{marker}{text}：折扣没兑现")["order_id"]
            for text in ("%", "_", "\\", "x")}
    assert _found(client, token, f"{marker}%") == {made["%"]}
    assert _found(client, token, f"{marker}_") == {made["_"]}
    assert _found(client, token, f"{marker}\\") == {made["\\"]}
    assert _found(client, token, marker) == set(made.values())
    percent = _found(client, token, "%")              # the orders holding a percent sign
    assert made["%"] in percent and made["x"] not in percent

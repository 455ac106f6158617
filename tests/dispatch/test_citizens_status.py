"""The public status look-up behind /status/: the right order number and phone suffix show
the public part only; every miss answers the same; repeated misses are throttled per
client address and per order number."""
from __future__ import annotations

import pytest

from dispatch.auth.throttle import LoginLimits
from dispatch.ratelimit import Counters, LoginThrottle
from tests.helpers import act, new_call, wait_state

URL = "/api/v1/public/status"
PHONE = "13912345678"


@pytest.fixture
def tight(app):
    """The app's status throttle with small limits and counters of its own."""
    kept = app.state.status_throttle
    app.state.status_throttle = LoginThrottle(Counters(None), LoginLimits(
        window=900, per_client=6, per_account=3, account_alarm=100), scope="status")
    yield
    app.state.status_throttle = kept


def look(client, number: str, suffix: str):
    return client.post(URL, json={"number": number, "phone_suffix": suffix})


def test_the_reporter_sees_the_state_and_the_public_reply_and_nothing_private(client, tokens):
    made = new_call(client, tokens["city_operator"], citizen_phone=PHONE, citizen_name="王五",
                    address="冷水滩区梧桐路 8 号", content="楼下烧烤店油烟直排，王五 13912345678")
    r = look(client, made["number"].lower(), "5678")
    assert r.status_code == 200, r.text
    assert r.json()["state_text"] and r.json()["open"] is True and r.json()["reply"] is None
    wait_state(client, tokens["city_dispatcher"], made["order_id"], "pending_dispatch")
    act(client, tokens["city_dispatcher"], made["order_id"], "direct_close",
        reason="已告知城管部门依法查处", public_reply="已告知城管部门依法查处")
    r = look(client, made["number"], "5678")
    assert r.json()["state_text"] == "已办结" and r.json()["reply"] == "已告知城管部门依法查处"
    assert r.json()["closed_at"]
    for private in ("王五", "1391234", "梧桐路", "烧烤"):
        assert private not in r.text


def test_a_wrong_suffix_answers_exactly_as_a_number_that_does_not_exist(client, tokens, tight):
    made = new_call(client, tokens["city_operator"], citizen_phone=PHONE)
    wrong = look(client, made["number"], "0000")
    absent = look(client, "GD209912310009999", "5678")
    assert wrong.status_code == absent.status_code == 404
    assert wrong.json() == absent.json()


def test_repeated_misses_on_one_order_are_refused_even_with_the_right_suffix(client, tokens,
                                                                            tight):
    made = new_call(client, tokens["city_operator"], citizen_phone=PHONE)
    codes = [look(client, made["number"], f"{n:04d}").status_code for n in range(4)]
    assert codes == [404, 404, 404, 429]
    refused = look(client, made["number"], "5678")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "GD" not in refused.json()["message"]
    other = new_call(client, tokens["city_operator"], citizen_phone=PHONE)
    assert look(client, other["number"], "5678").status_code == 200   # another order may


def test_one_address_walking_many_numbers_is_refused(client, tight):
    codes = [look(client, f"GD20991231{n:07d}", "1234").status_code for n in range(8)]
    assert codes[:6] == [404] * 6 and set(codes[6:]) == {429}

"""The operator's screen: caller history, knowledge-base answers, emergency hand-over."""
from __future__ import annotations

import pytest

from tests.helpers import auth, detail, new_call

pytestmark = pytest.mark.browser


def test_caller_history_then_a_knowledge_answer_closes_the_consultation(console, client, tokens):
    earlier = new_call(client, tokens["city_operator"], citizen_phone="13600002222",
                       content="小区路灯不亮已经一周了")
    op = console("city_operator")
    op.go("intake")
    p = op.page
    p.fill("#f-phone", "13600002222")
    history = p.locator(f"#caller-history [data-order-id='{earlier['order_id']}']")
    history.wait_for()
    assert earlier["number"] in history.inner_text()

    p.fill("#f-content", "我的社保卡丢了，请问在哪里补办？")
    hit = p.locator("#kb-results .kb-hit").first
    hit.wait_for()
    assert "社保卡" in hit.locator("h4").inner_text()
    hit.locator(".kb-use").click()
    assert "社保卡" in p.input_value("#f-direct-answer")
    p.click("#direct-close")
    p.wait_for_selector("#big-number")
    assert p.inner_text("#intake-outcome") == "已直接办结"
    d = detail(client, tokens["city_operator"], int(p.get_attribute("#big-number", "data-order-id")))
    assert d["state"] == "closed" and d["close_kind"] == "direct"
    assert d["request_type"] == "consultation" and "社保卡" in d["public_reply"]


def test_extra_urgent_call_is_handed_over_to_119_in_one_click(console, client, tokens):
    op = console("city_operator")
    op.go("intake")
    p = op.page
    assert p.locator("#emergency").is_hidden()
    p.fill("#f-phone", "13600003333")
    p.fill("#f-content", "楼道里有很浓的煤气味，邻居家好像漏气了")
    p.select_option("#f-urgency", "extra_urgent")
    p.locator("#emergency").wait_for()
    op.shot("10-operator-emergency")
    p.click("#handover-119")
    p.wait_for_selector("#big-number")
    assert "119" in p.inner_text("#intake-outcome")
    d = detail(client, tokens["city_operator"], int(p.get_attribute("#big-number", "data-order-id")))
    assert d["state"] == "transferred" and d["emergency"] == "119" and d["urgency"] == "extra_urgent"


def test_classifier_suggestions_or_a_labelled_placeholder(console, client, tokens):
    """Suggestions appear when POST /classify exists; until then a placeholder says so."""
    exists = client.post("/api/v1/classify", json={"text": "下水道堵塞"},
                         headers=auth(tokens["city_operator"])).status_code != 404
    op = console("city_operator")
    op.go("intake")
    op.page.fill("#f-content", "小区门口下水道堵塞，污水横流，请尽快处理")
    if exists:
        op.page.locator("#suggestions dl.facts").wait_for()
    else:
        assert "尚未接入" in op.page.locator("#classifier-missing").inner_text()


def test_adopting_classifier_suggestions_fills_the_call(console, client, tokens, seeded):
    """The classifier's answer (shape of classifiers.service.Classification, plus duplicates) is
    served by a stub here, so the screen is tested whether or not the endpoint has landed."""
    import json

    earlier = new_call(client, tokens["city_operator"], content="东岳宫社区燃气管道漏气（首报）")
    answer = {"category": "城乡建设", "confidence": 0.91,
              "top": [["城乡建设", 0.91], ["环境保护", 0.05], ["交通运输", 0.02]],
              "auto": True, "request_type": "complaint", "urgency": "urgent", "emergency": "119",
              "place": {"code": seeded.village.id, "level": "village", "name": seeded.village.name,
                        "confidence": 0.95, "path": [], "full_name": f"{seeded.township.name}{seeded.village.name}"},
              "duplicates": [{"order_id": earlier["order_id"], "number": earlier["number"],
                              "title": "燃气管道漏气（首报）", "score": 0.88}]}
    op = console("city_operator")
    op.page.route("**/api/v1/classify", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(answer, ensure_ascii=False)))
    op.go("intake")
    p = op.page
    p.fill("#f-content", "东岳宫社区燃气管道漏气，味道很大")
    p.locator("#suggestions dl.facts").wait_for()
    assert p.locator("#emergency").is_visible()                 # the classifier flagged 119
    assert p.locator(f"#suggestions .duplicates a[href='#/order/{earlier['order_id']}']").count() == 1
    sug = p.locator("#suggestions")
    sug.locator("button", has_text="城乡建设 91%").first.click()
    sug.locator("button", has_text="投诉").click()
    sug.locator("button", has_text="紧急").click()
    sug.locator("button", has_text=seeded.village.name).click()
    assert p.inner_text("#f-category") == "城乡建设"
    assert p.input_value("#f-request-type") == "complaint" and p.input_value("#f-urgency") == "urgent"
    p.locator("#kb-results .kb-hit").first.wait_for()
    op.shot("15-operator-suggestions")
    p.click("#submit-intake")
    p.wait_for_selector("#big-number")
    d = detail(client, tokens["city_operator"], int(p.get_attribute("#big-number", "data-order-id")))
    assert d["request_type"] == "complaint" and d["urgency"] == "urgent"
    assert d["division_code"] == seeded.village.id

"""并单 over the API: the operator sees possible duplicates when logging a call, the dispatcher
sees them on the order and merges into the master; only inside the user's reach."""
from __future__ import annotations

import uuid

from tests.helpers import act, auth, wait_state
from tests.helpers import new_call as plain_call


def new_call(client, token, **fields) -> dict:
    """A call logged from the operator's screen, which asks for possible duplicates."""
    r = client.post("/api/v1/intake", params={"duplicates": True}, headers=auth(token), json={
        "channel": "12345", "external_id": f"call-{uuid.uuid4().hex}", **fields})
    assert r.status_code == 201, r.text
    return r.json()


MATTERS = {
    "sewage": ("{x}花园小区三栋楼下的化粪池满溢，污水流到路上，臭气熏天，已经一个星期了，"
               "物业一直不处理，请相关部门尽快解决。",
               "再次反映：{x}花园小区化粪池污水满溢流到路上一个星期了，物业始终不处理，臭气熏天。"),
    "noise": ("{x}路口的夜宵摊每天营业到凌晨三点，烧烤油烟和喧哗声让周边住户无法入睡，请城管查处。",
              "{x}路口夜宵摊凌晨三点还在营业，喧哗吵得住户睡不着，油烟很大，请城管来管管。"),
    "wages": ("我们在{x}工地干了半年活，包工头拖欠二十多名农民工工资共计四十万元，至今不给，请人社局帮忙讨薪。",
              "{x}工地包工头欠我们农民工工资四十万元半年了，二十多人讨薪无门，请人社局帮帮我们。"),
    "lamp": ("{x}大道从加油站到学校一段的路灯坏了一个月，晚上漆黑一片，学生放学很危险，请尽快修复。",
             "{x}大道加油站到学校那段路灯一个月都不亮，学生晚上放学摸黑走路，请早日维修路灯。"),
    "bus": ("{x}公交站的12路公交车经常不按时发车，等一个小时都等不到，司机还态度恶劣，请交通局管理。",
            "{x}公交站12路车一个小时等不来，发车不准时，司机态度差，请交通运输局处理。"),
}


def _matter(kind: str) -> tuple[str, str]:
    """A matter no other test reports: a made-up place name."""
    x = uuid.uuid4().hex[:4]
    first, again = MATTERS[kind]
    return first.format(x=x), again.format(x=x)


def test_operator_sees_the_earlier_order_when_logging_the_same_matter(client, tokens, seeded):
    first, again = _matter("sewage")
    a = new_call(client, tokens["county_operator"], content=first, citizen_phone="13511110001",
                 division_code=seeded.village.id)
    assert a["possible_duplicates"] == []
    b = new_call(client, tokens["county_operator"], content=again, citizen_phone="13511110002",
                 division_code=seeded.village.id)
    found = b["possible_duplicates"]
    assert [d["order_id"] for d in found] == [a["order_id"]]
    assert found[0]["number"] == a["number"] and found[0]["place"] == "village"
    assert found[0]["score"] >= 0.35


def test_machine_intakes_do_not_pay_for_the_search(client, tokens, seeded):
    first, again = _matter("lamp")
    new_call(client, tokens["county_operator"], content=first, division_code=seeded.village.id)
    b = plain_call(client, tokens["county_operator"], content=again,
                   division_code=seeded.village.id)
    assert b["possible_duplicates"] == []


def test_an_unrelated_call_lists_no_duplicates(client, tokens, seeded):
    first, _ = _matter("noise")
    new_call(client, tokens["county_operator"], content=first, division_code=seeded.village.id)
    other = new_call(client, tokens["county_operator"], division_code=seeded.village.id,
                     content=MATTERS["wages"][0].format(x=uuid.uuid4().hex[:4]))
    assert other["possible_duplicates"] == []


def test_dispatcher_merges_into_the_master_which_then_lists_the_merged_report(client, tokens,
                                                                               seeded):
    first, again = _matter("bus")
    disp = tokens["county_dispatcher"]
    a = new_call(client, tokens["county_operator"], content=first, division_code=seeded.village.id)
    b = new_call(client, tokens["county_operator"], content=again, division_code=seeded.village.id)
    wait_state(client, disp, b["order_id"], "pending_dispatch")
    r = client.get(f"/api/v1/orders/{b['order_id']}/duplicates", headers=auth(disp))
    assert r.status_code == 200, r.text
    assert [c["order_id"] for c in r.json()["candidates"]] == [a["order_id"]]
    merged = act(client, disp, b["order_id"], "merge", reason="同一事项",
                 master_id=a["order_id"])
    assert merged["state"] == "merged" and merged["master_id"] == a["order_id"]
    master = client.get(f"/api/v1/orders/{a['order_id']}/duplicates", headers=auth(disp)).json()
    assert [m["order_id"] for m in master["merged"]] == [b["order_id"]]
    assert b["order_id"] not in [c["order_id"] for c in master["candidates"]]


def test_duplicates_of_an_order_outside_the_users_reach_are_not_disclosed(client, tokens,
                                                                           seeded):
    first, _ = _matter("lamp")
    a = new_call(client, tokens["county_operator"], content=first, division_code=seeded.village.id)
    r = client.get(f"/api/v1/orders/{a['order_id']}/duplicates",
                   headers=auth(tokens["dept_handler"]))
    assert r.status_code == 404
    assert client.get(f"/api/v1/orders/{a['order_id']}/duplicates").status_code == 401


def test_merge_needs_another_visible_order_that_can_still_give_a_result(client, tokens, seeded):
    first, again = _matter("wages")
    disp = tokens["county_dispatcher"]
    a = new_call(client, tokens["county_operator"], content=first, division_code=seeded.village.id)
    b = new_call(client, tokens["county_operator"], content=again, division_code=seeded.village.id)
    city = new_call(client, tokens["city_operator"], content=first)
    wait_state(client, disp, a["order_id"], "pending_dispatch")
    wait_state(client, disp, b["order_id"], "pending_dispatch")
    act(client, disp, b["order_id"], "merge", expect=422, reason="x", master_id=b["order_id"])
    act(client, disp, b["order_id"], "merge", expect=404, reason="x", master_id=city["order_id"])
    act(client, disp, a["order_id"], "refuse", reason="重复诉求")
    refused = act(client, disp, b["order_id"], "merge", expect=409, reason="x",
                  master_id=a["order_id"])
    assert refused == {"code": "conflict", "message": "cannot merge into an order that is refused",
                       "details": None}


def test_an_order_past_intake_lists_no_candidates_but_keeps_its_merged_reports(client, tokens,
                                                                               seeded):
    first, again = _matter("sewage")
    disp = tokens["county_dispatcher"]
    a = new_call(client, tokens["county_operator"], content=first, division_code=seeded.village.id)
    b = new_call(client, tokens["county_operator"], content=again, division_code=seeded.village.id)
    wait_state(client, disp, a["order_id"], "pending_dispatch")
    wait_state(client, disp, b["order_id"], "pending_dispatch")
    act(client, disp, b["order_id"], "merge", reason="同一事项", master_id=a["order_id"])
    act(client, disp, a["order_id"], "dispatch", target_unit_id=seeded.township.id, reason="属地")
    body = client.get(f"/api/v1/orders/{a['order_id']}/duplicates", headers=auth(disp)).json()
    assert body["candidates"] == []
    assert [m["order_id"] for m in body["merged"]] == [b["order_id"]]

"""110 non-police incidents: handed over to us with the police system's key, results reported
back when the order closes; and our own hand-overs posted to 110."""
from __future__ import annotations

from channels_support import (REMOTE, close_directly, deliveries, keys, now_iso, orders_with,
                              remote_bodies, uid, wait_delivery)

from tests.helpers import act, new_call, wait_state

URL = "/api/v1/channels/110/incidents"
_ = keys  # the fixture


def incident(**kw) -> dict:
    return {"incident_no": uid("J4311"), "reported_at": now_iso(), "caller": "13907461234",
            "caller_name": "王五", "content": "邻居装修噪音从早上七点持续到现在",
            "police_category": "噪音扰民", "address": "冷水滩区凤凰路 8 号",
            "latitude": 26.43, "longitude": 111.6, **kw}


def test_incident_delivered_twice_creates_one_order(client, session, keys):
    body = incident()
    headers = {"X-Api-Key": keys("110")}
    first = client.post(URL, json=body, headers=headers)
    again = client.post(URL, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["order_id"] == first.json()["order_id"]
    (order,) = orders_with(session, "110", body["incident_no"])
    assert order.raw["payload"]["police_category"] == "噪音扰民"
    assert order.citizen_phone == "13907461234"


def test_missing_wrong_foreign_and_revoked_keys_are_refused(client, session, keys, tokens):
    body = incident()
    assert client.post(URL, json=body).status_code == 401
    assert client.post(URL, json=body, headers={"X-Api-Key": "hk_000_nope"}).status_code == 401
    foreign = client.post(URL, json=body, headers={"X-Api-Key": keys("app")})
    assert foreign.status_code == 403 and "channel app" in foreign.json()["message"]
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    made = client.post("/api/v1/channels/clients", json={"channel": "110", "name": "旧接口"},
                       headers=admin).json()
    client.post(f"/api/v1/channels/clients/{made['id']}/revoke", headers=admin)
    assert client.post(URL, json=body, headers={"X-Api-Key": made["api_key"]}).status_code == 401
    assert orders_with(session, "110", body["incident_no"]) == []


def test_result_goes_back_to_110_once_when_the_order_closes(client, session, keys, tokens):
    body = incident()
    oid = client.post(URL, json=body, headers={"X-Api-Key": keys("110")}).json()["order_id"]
    assert "accepted" not in deliveries(session, oid)   # the 110 system had its answer inline
    REMOTE.fail_next["/110/results"] = 1                # the police system hiccups once
    close_directly(client, tokens["city_dispatcher"], oid, "已联系社区调解，装修改到九点后")
    sent = wait_delivery(session, oid, "police_result")
    assert sent.attempts == 2
    (post,) = remote_bodies("/110/results", incident_no=body["incident_no"])
    assert post.body["result"] == "已联系社区调解，装修改到九点后"
    assert post.body["state"] == "closed"
    assert post.headers["Authorization"] == "Bearer token-we-hold-at-110"
    assert post.headers["Idempotency-Key"] == f"delivery-{sent.id}"


def test_order_handed_over_to_110_is_posted_to_the_police_with_a_record(client, session,
                                                                          tokens):
    t = tokens["city_operator"]
    oid = new_call(client, t, content="有人在小区门口打架，已经见血了",
                   citizen_phone="13907469999")["order_id"]
    wait_state(client, t, oid, "pending_dispatch")
    act(client, t, oid, "hand_over", reason="涉及人身安全，转 110", service="110")
    record = wait_delivery(session, oid, "police_handover")
    assert record.transport == "police" and record.recipient == "110"
    posts = [r for r in REMOTE.to("/110/handovers") if r.body["order_number"] ==
             record.payload["order_number"]]
    assert len(posts) == 1
    assert posts[0].body["reason"] == "涉及人身安全，转 110"
    assert posts[0].body["caller"] == "13907469999"
    listed = client.get("/api/v1/channels/deliveries", params={"order_id": oid},
                        headers={"Authorization": f"Bearer {t}"}).json()
    assert {d["kind"]: d["status"] for d in listed}["police_handover"] == "sent"


def test_malformed_or_invalid_incident_is_refused_with_a_reason(client, session, keys):
    headers = {"X-Api-Key": keys("110"), "Content-Type": "application/json"}
    broken = client.post(URL, content=b'{"incident_no": "J1", "content": ', headers=headers)
    assert broken.status_code == 400 and broken.json()["message"] == "body is not valid JSON"
    no_content = client.post(URL, json=incident(content=""), headers=headers)
    assert no_content.status_code == 422 and "content" in no_content.json()["message"]
    assert orders_with(session, "110", "J1") == []


def test_a_key_revoked_by_another_process_is_refused_at_once(client, session, tokens):
    """An API process keeps a key's client a few seconds; a revocation made elsewhere (the CLI,
    another replica: a plain UPDATE, no event in this process) still refuses the next report
    and its retry, and stores nothing."""
    from sqlalchemy import update

    from channels.models import ChannelClient

    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    made = client.post("/api/v1/channels/clients", json={"channel": "110", "name": "另一进程吊销"},
                       headers=admin).json()
    headers = {"X-Api-Key": made["api_key"]}
    first = incident()
    assert client.post(URL, json=first, headers=headers).status_code == 201   # key now known
    session.execute(update(ChannelClient.__table__).where(ChannelClient.__table__.c.id == made["id"])
                    .values(active=False))
    session.commit()
    later = incident()
    refused = client.post(URL, json=later, headers=headers)
    assert refused.status_code == 401, refused.text
    assert orders_with(session, "110", later["incident_no"]) == []
    assert client.post(URL, json=first, headers=headers).status_code == 401

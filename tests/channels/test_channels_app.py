"""The city app: JSON reports with photos (inline base64 or uploaded first), GPS, per-client keys;
acceptance and closure pushed back through the app's push webhook, named from config."""
from __future__ import annotations

import hashlib
import hmac
import json

from channels_support import (APP_PUSH_SECRET, JPEG, PNG, b64, close_directly, count_rows,
                              keys, now_iso, orders_with, remote_bodies, uid, wait_delivery)

from sqlmodel import select

from dispatch.orders.models import Attachment

URL = "/api/v1/channels/app/reports"
_ = keys  # the fixture


def report(**kw) -> dict:
    return {"report_id": uid("app-"), "user_id": uid("u"), "submitted_at": now_iso(),
            "name": "赵六", "phone": "13607460000", "content": "人行道井盖缺失，容易摔倒",
            "latitude": 26.2, "longitude": 111.61, "address": "零陵区潇湘路",
            "photos": [{"filename": "well.jpg", "content_type": "image/jpeg", "data": b64(JPEG)}],
            **kw}


def test_report_with_photo_and_gps_sent_twice_is_one_order_with_one_photo(client, session, keys):
    body, headers = report(), {"X-Api-Key": keys("app")}
    before = count_rows(session, Attachment)
    first = client.post(URL, json=body, headers=headers)
    again = client.post(URL, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200), first.text
    (order,) = orders_with(session, "app", body["report_id"])
    assert (order.latitude, order.longitude) == (26.2, 111.61)
    assert count_rows(session, Attachment) == before + 1
    (photo,) = session.exec(select(Attachment).where(Attachment.order_id == order.id)).all()
    assert photo.filename == "well.jpg" and photo.content_type == "image/jpeg"
    assert order.raw["payload"]["photos"][0]["data"].startswith("<")  # bytes not kept twice


def test_acceptance_and_closure_are_pushed_once_signed_and_named_from_config(client, session,
                                                                             keys, tokens):
    body = report(photos=[])
    order_id = client.post(URL, json=body, headers={"X-Api-Key": keys("app")}).json()["order_id"]
    wait_delivery(session, order_id, "accepted")
    (accepted,) = remote_bodies("/app/push", user_id=body["user_id"], kind="accepted")
    assert accepted.body["title"] == "我的永州：诉求已受理"
    ts, raw = accepted.headers["X-Timestamp"], accepted.headers["X-Signature"]
    expected = hmac.new(APP_PUSH_SECRET.encode(), ts.encode() + b"." + json.dumps(
        accepted.body, ensure_ascii=False).encode(), hashlib.sha256).hexdigest()
    assert raw == f"sha256={expected}"
    close_directly(client, tokens["city_dispatcher"], order_id, "已补装井盖")
    wait_delivery(session, order_id, "closed")
    (closed,) = remote_bodies("/app/push", user_id=body["user_id"], kind="closed")
    assert "已补装井盖" in closed.body["body"] and closed.body["survey"]["options"]["1"] == "满意"


def test_photo_uploaded_first_can_be_attached_only_by_its_uploader(client, session, keys):
    up = client.post("/api/v1/channels/attachments", headers={"X-Api-Key": keys("app")},
                     files={"file": ("a.png", PNG, "image/png")})
    assert up.status_code == 201, up.text
    att_id = up.json()["attachment_id"]
    stolen = client.post("/api/v1/channels/grid/events", headers={"X-Api-Key": keys("grid")},
                         json={"event_id": uid("g-"), "reported_at": now_iso(), "worker_id": "w1",
                               "content": "借用别人的照片", "attachment_ids": [att_id]})
    assert stolen.status_code == 422 and stolen.json()["details"] == {"ids": [att_id]}
    body = report(photos=[], attachment_ids=[att_id])
    assert client.post(URL, json=body, headers={"X-Api-Key": keys("app")}).status_code == 201
    (order,) = orders_with(session, "app", body["report_id"])
    session.expire_all()
    assert session.get(Attachment, att_id).order_id == order.id


def test_bad_photos_are_refused_and_nothing_is_stored(client, session, keys):
    headers = {"X-Api-Key": keys("app")}
    before = count_rows(session, Attachment)
    cases = {
        "not base64": [{"content_type": "image/jpeg", "data": "@@@@not-base64@@@@"}],
        "type": [{"content_type": "application/x-msdownload", "data": b64(b"MZ" + b"\0" * 9)}],
        "second lies": [{"content_type": "image/jpeg", "data": b64(JPEG)},
                        {"content_type": "image/png", "data": b64(JPEG)}],
    }
    for why, photos in cases.items():
        body = report(photos=photos)
        r = client.post(URL, json=body, headers=headers)
        assert r.status_code == 422, (why, r.text)
        assert orders_with(session, "app", body["report_id"]) == [], why
    assert count_rows(session, Attachment) == before


def test_unknown_division_is_kept_and_flagged(client, session, keys):
    body = report(photos=[], division_code="431199999")
    assert client.post(URL, json=body, headers={"X-Api-Key": keys("app")}).status_code == 201
    (order,) = orders_with(session, "app", body["report_id"])
    assert order.division_unresolved and order.raw["payload"]["division_code"] == "431199999"

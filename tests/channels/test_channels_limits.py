"""Body limits at the doors: one HOTLINE_MAX_BODY_BYTES for every body without files, the text
doors included, and HOTLINE_MAX_UPLOAD_BODY_BYTES (40 MiB) for the bodies that carry photos
(app reports, grid events and batches), as channels/README.md promises."""
from __future__ import annotations

import json

import pytest
from channels_support import (CTI_SECRET, JPEG, b64, count_rows, keys, now_iso, orders_with,
                              post_signed, uid)
from sqlmodel import select

from dispatch.orders.models import Attachment, Order

_ = keys  # the fixture
MIB = 1024 * 1024
BIG_PHOTO = JPEG + b"\x00" * (3 * MIB // 2)    # over the plain body limit, under a photo's


def photo() -> dict:
    return {"filename": "现场.jpg", "content_type": "image/jpeg", "data": b64(BIG_PHOTO)}


def app_report() -> dict:
    return {"report_id": uid("app-"), "user_id": uid("u"), "submitted_at": now_iso(),
            "content": "路灯杆倾斜，随时可能倒下", "photos": [photo()]}


def grid_event() -> dict:
    return {"event_id": uid("grid-"), "reported_at": now_iso(), "worker_id": "gw-0042",
            "content": "河道漂浮大量垃圾", "photos": [photo()]}


def grid_batch() -> dict:
    return {"batch_id": uid("b-"), "items": [grid_event()]}


@pytest.mark.parametrize("path,channel,body,external_id", [
    ("/api/v1/channels/app/reports", "app", app_report, lambda p: p["report_id"]),
    ("/api/v1/channels/grid/events", "grid", grid_event, lambda p: p["event_id"]),
    ("/api/v1/channels/grid/batches", "grid", grid_batch, lambda p: p["items"][0]["event_id"]),
], ids=["app", "grid-event", "grid-batch"])
def test_reports_with_photos_over_a_mebibyte_become_orders(client, session, keys, path, channel,
                                                           body, external_id):
    payload = body()
    assert len(json.dumps(payload)) > 2 * MIB
    r = client.post(path, json=payload, headers={"X-Api-Key": keys(channel)})
    assert r.status_code in (200, 201), r.text[:300]
    (order,) = orders_with(session, channel, external_id(payload))
    photos = session.exec(select(Attachment).where(Attachment.order_id == order.id)).all()
    assert [p.size for p in photos] == [len(BIG_PHOTO)]


def test_photo_over_a_mebibyte_can_be_uploaded_ahead_of_its_report(client, keys):
    r = client.post("/api/v1/channels/attachments", headers={"X-Api-Key": keys("app")},
                    files={"file": ("现场.jpg", BIG_PHOTO, "image/jpeg")})
    assert r.status_code == 201, r.text[:300]
    assert r.json()["size"] == len(BIG_PHOTO)


def call_body(pad: int) -> bytes:
    call = {"call_id": uid("c-"), "line": "12345", "caller": "13800000042", "agent": "1024",
            "started_at": now_iso(), "content": "楼道灯坏了一个月没人修"}
    return json.dumps(call, ensure_ascii=False).encode() + b" " * pad


def test_text_doors_take_the_one_body_limit_of_the_whole_api(client, session):
    from dispatch.config import get_settings

    limit = get_settings().max_body_bytes
    before = count_rows(session, Order)
    body = call_body(limit - 1024)            # well over the text doors' former 256 KiB
    ok = post_signed(client, "/api/v1/channels/cti/calls", None, CTI_SECRET, raw=body)
    assert ok.status_code == 201, ok.text[:300]
    over = post_signed(client, "/api/v1/channels/cti/calls", None, CTI_SECRET,
                       raw=call_body(limit))
    assert over.status_code == 413 and over.json()["code"] == "too_large"
    assert count_rows(session, Order) == before + 1

"""Grid events from the grid system: single reports and the bulk sync with per-item results."""
from __future__ import annotations

from channels_support import JPEG, b64, count_rows, keys, now_iso, orders_with, uid

from sqlmodel import select

from dispatch.orders.models import Order, TimelineEntry
from tests.helpers import wait_state

ONE = "/api/v1/channels/grid/events"
BATCH = "/api/v1/channels/grid/batches"
_ = keys  # the fixture


def event(**kw) -> dict:
    return {"event_id": uid("grid-"), "reported_at": now_iso(), "worker_id": "gw-0017",
            "worker_name": "网格员陈七", "worker_phone": "13707460017",
            "content": "村道边乱堆建筑垃圾", "latitude": 26.4, "longitude": 111.6, **kw}


def test_event_with_grid_code_lands_once_on_its_village_and_county(client, session, keys, seeded):
    body = event(grid_code=f"{seeded.village.id}003")
    r = client.post(ONE, json=body, headers={"X-Api-Key": keys("grid")})
    again = client.post(ONE, json=body, headers={"X-Api-Key": keys("grid")})
    assert (r.status_code, again.status_code) == (201, 200), r.text
    assert again.json()["order_id"] == r.json()["order_id"]
    (order,) = orders_with(session, "grid", body["event_id"])
    assert order.is_grid and order.division_code == seeded.village.id
    assert order.platform_id == seeded.county.id
    assert order.raw["grid_code"] == body["grid_code"]
    assert order.citizen_phone is None   # the worker is not the citizen: no SMS to the worker


def test_event_settled_on_the_spot_is_closed_but_recorded(client, session, keys, seeded):
    body = event(village_code=seeded.village.id, settled_on_spot=True,
                 photos=[{"content_type": "image/jpeg", "data": b64(JPEG)}])
    r = client.post(ONE, json=body, headers={"X-Api-Key": keys("grid")})
    assert r.json()["state"] == "closed"
    (order,) = orders_with(session, "grid", body["event_id"])
    assert order.close_kind == "on_spot" and order.settled_on_spot


def test_unknown_grid_code_is_kept_and_flagged(client, session, keys):
    body = event(grid_code="439999999999001")
    assert client.post(ONE, json=body, headers={"X-Api-Key": keys("grid")}).status_code == 201
    (order,) = orders_with(session, "grid", body["event_id"])
    assert order.division_unresolved and order.raw["grid_code"] == "439999999999001"


def test_batch_gives_per_item_results_and_a_resend_creates_nothing(client, session, keys,
                                                                  seeded, tokens):
    headers = {"X-Api-Key": keys("grid")}
    plain = [event(village_code=seeded.village.id) for _ in range(3)]
    photo = event(photos=[{"content_type": "image/jpeg", "data": b64(JPEG)}])
    settled = event(settled_on_spot=True, village_code=seeded.village.id)
    bad = {"event_id": "broken-1", "content": ""}
    items = [*plain, photo, bad, settled, plain[0]]
    batch = {"batch_id": uid("b-"), "items": items}
    before = count_rows(session, Order)
    r = client.post(BATCH, json=batch, headers=headers)
    assert r.status_code == 200, r.text
    res = r.json()
    assert [i["status"] for i in res["items"]] == ["created"] * 4 + ["invalid", "created",
                                                                     "duplicate"]
    assert (res["created"], res["duplicate"], res["invalid"]) == (5, 1, 1)
    assert "items[4]" in res["items"][4]["error"]
    assert res["items"][6]["order_id"] == res["items"][0]["order_id"]
    assert res["items"][5]["state"] == "closed"
    assert count_rows(session, Order) == before + 5
    again = client.post(BATCH, json=batch, headers=headers).json()
    assert [i["status"] for i in again["items"]] == ["duplicate"] * 4 + ["invalid", "duplicate",
                                                                         "duplicate"]
    assert [i["order_id"] for i in again["items"]] == [i["order_id"] for i in res["items"]]
    assert count_rows(session, Order) == before + 5
    first = res["items"][0]["order_id"]
    intake = session.exec(select(TimelineEntry).where(TimelineEntry.order_id == first)
                          .order_by(TimelineEntry.id)).first()
    assert intake.data["batch_id"] == batch["batch_id"]
    for item in res["items"][:3]:   # the plain items are routed by one job for the batch
        wait_state(client, tokens["county_dispatcher"], item["order_id"], "pending_dispatch")


def test_batch_without_key_or_with_bad_envelope_is_refused(client, session, keys):
    batch = {"batch_id": uid("b-"), "items": [event()]}
    assert client.post(BATCH, json=batch).status_code == 401
    assert client.post(BATCH, json={"batch_id": "x", "items": []},
                       headers={"X-Api-Key": keys("grid")}).status_code == 422
    assert orders_with(session, "grid", batch["items"][0]["event_id"]) == []


def test_items_that_are_not_objects_are_refused_one_by_one(client, session, keys):
    good = event(village_code=None)
    items = [good, 42, "event", None, ["a"], event(content="   ")]
    r = client.post(BATCH, json={"batch_id": uid("b-"), "items": items},
                    headers={"X-Api-Key": keys("grid")})
    assert r.status_code == 200, r.text
    res = r.json()
    assert [i["status"] for i in res["items"]] == ["created"] + ["invalid"] * 5
    assert all("items[" in i["error"] for i in res["items"][1:])
    assert (res["created"], res["invalid"]) == (1, 5)
    assert len(orders_with(session, "grid", good["event_id"])) == 1


def test_an_event_id_resent_with_another_report_is_a_conflict(client, session, keys):
    headers = {"X-Api-Key": keys("grid")}
    first, photo = event(), event(photos=[{"content_type": "image/jpeg", "data": b64(JPEG)}])
    made = client.post(BATCH, json={"batch_id": uid("b-"), "items": [first, photo]},
                       headers=headers).json()
    assert [i["status"] for i in made["items"]] == ["created", "created"]
    changed = [{**first, "content": "另一件事：路灯不亮"}, {**photo, "content": "另一件事"},
               first, {**first, "content": "同批次里又改了"}]
    again = client.post(BATCH, json={"batch_id": uid("b-"), "items": changed},
                        headers=headers).json()
    assert [i["status"] for i in again["items"]] == ["conflict", "conflict", "duplicate",
                                                     "conflict"]
    for item in (again["items"][0], again["items"][1], again["items"][3]):
        assert item["order_id"] is None and item["number"] is None and item["state"] is None
    assert again["items"][2]["order_id"] == made["items"][0]["order_id"]
    assert again["conflict"] == 3
    one = client.post(ONE, json={**first, "content": "单条重发也改了"}, headers=headers)
    assert one.status_code == 409 and one.json()["details"] is None
    (order,) = orders_with(session, "grid", first["event_id"])
    assert order.content == first["content"]


def test_nfc_and_nfd_spellings_of_one_event_id_are_one_order(client, session, keys):
    import unicodedata

    headers = {"X-Api-Key": keys("grid")}
    composed = event(event_id=f"café-{uid()}")
    decomposed = {**composed, "event_id": unicodedata.normalize("NFD", composed["event_id"])}
    assert decomposed["event_id"] != composed["event_id"]
    assert client.post(ONE, json=composed, headers=headers).status_code == 201
    assert client.post(ONE, json=decomposed, headers=headers).status_code == 200
    batch = client.post(BATCH, json={"batch_id": uid("b-"), "items": [decomposed]},
                        headers=headers).json()
    assert batch["items"][0]["status"] == "duplicate"
    assert len(orders_with(session, "grid", composed["event_id"])) == 1

"""Open311 GeoReport v2 driven by a real client library, `georeport` (PyPI), against the app
served by uvicorn: list the services, post a request, read it back with its state, in JSON
and XML. georeport cannot post (its README says so, and no maintained Python 3 Open311 client
on PyPI can), so the POST is the spec's form, sent with requests as any civic app does."""
from __future__ import annotations

import uuid
from xml.etree import ElementTree

import pytest
import requests
from sqlmodel import select
from channels_support import count_rows, key_for
from georeport import GeoReport

from dispatch.orders.models import Order
from tests.helpers import act, new_call, serve, wait_state

CATEGORY = "城乡建设"


@pytest.fixture(scope="module")
def base(seeded):
    from hotline.api import create_app

    with serve(create_app(run_sweeper=False)) as url:
        yield f"{url}/open311/v2"


@pytest.fixture
def api_key(client, tokens):
    return key_for(client, tokens["admin"], "open311")


def post(base: str, fmt: str = "json", headers: dict | None = None, **fields):
    form = {"service_code": CATEGORY, "lat": "26.42", "long": "111.61",
            "description": f"人行道地砖松动，老人容易绊倒 {uuid.uuid4().hex[:6]}",
            "first_name": "芳", "last_name": "李", "phone": "13800001234", **fields}
    return requests.post(f"{base}/requests.{fmt}", data={k: v for k, v in form.items()
                                                          if v is not None},
                         headers=headers or {}, timeout=30)


def close_through_the_loop(client, t, oid: int, reply: str) -> None:
    """The service code sends the request straight to the city department of that category."""
    wait_state(client, t["city_dept_handler"], oid, "dispatched")
    act(client, t["city_dept_handler"], oid, "sign_for")
    act(client, t["city_dept_handler"], oid, "feedback", reason="已处理", contacted=True,
        solved=True, public_reply=reply)
    act(client, t["city_dispatcher"], oid, "audit_pass")
    act(client, t["city_callback"], oid, "callback", reached=True, contacted=True, solved=True,
        satisfied=True)
    act(client, t["city_callback"], oid, "close")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_client_lists_the_centres_categories_as_services(base, fmt):
    services = GeoReport(base, output_format=fmt).get_service_list()
    codes = {s["service_code"] for s in services}
    assert CATEGORY in codes and "交通运输" in codes
    assert GeoReport(base, output_format=fmt).get_service_definition(CATEGORY)[
        "service_code"] == CATEGORY


def test_posted_request_reads_back_open_then_closed_with_the_public_reply(
        base, api_key, client, tokens, session):
    r = post(base, api_key=api_key, address_string="零陵区南津中路 18 号")
    assert r.status_code == 201, r.text
    number = r.json()[0]["service_request_id"]
    geo = GeoReport(base)
    got = geo.get_service_request(number)
    assert got["status"] == "open" and got["service_code"] == CATEGORY
    assert got["status_notes"]           # the state in plain Chinese
    shown = str(got)
    assert "李" not in shown and "13800001234" not in shown and "南津中路" not in shown

    order = session.exec(select(Order).where(Order.number == number)).one()
    close_through_the_loop(client, tokens, order.id, "已安排市政维修队重新铺设地砖")
    for fmt in ("json", "xml"):
        got = GeoReport(base, output_format=fmt).get_service_request(number)
        assert got["status"] == "closed"
        assert got["status_notes"] == "已安排市政维修队重新铺设地砖"
    closed = GeoReport(base).get_service_requests(status="closed", service_code=CATEGORY)
    assert number in {x["service_request_id"] for x in closed}
    assert number not in {x["service_request_id"]
                          for x in GeoReport(base).get_service_requests(status="open")}


def test_a_retried_post_is_the_same_order(base, api_key, session):
    before = count_rows(session, Order)
    first = post(base, api_key=api_key, description="路灯不亮已经一周了")
    again = post(base, api_key=api_key, description="路灯不亮已经一周了")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    key = {"Idempotency-Key": uuid.uuid4().hex}
    keyed = [post(base, "xml", headers=key, api_key=api_key, description="井盖缺失")
             for _ in range(2)]
    assert [k.status_code for k in keyed] == [201, 200]
    assert "<service_request_id>" in keyed[1].text and keyed[0].text == keyed[1].text
    other = post(base, headers=key, api_key=api_key, description="另一件事")
    assert other.status_code == 409 and "GD" not in other.text
    assert count_rows(session, Order) == before + 2


def test_posts_without_a_valid_key_or_a_place_store_nothing(base, api_key, client, tokens,
                                                            session):
    before = count_rows(session, Order)
    assert post(base).status_code == 403                 # the spec: no key or a bad one
    assert post(base, api_key="o311_nope_nope").status_code == 403
    assert post(base, api_key=key_for(client, tokens["admin"], "app")).status_code == 403
    assert post(base, api_key=api_key, lat=None, long=None).status_code == 400
    assert post(base, api_key=api_key, service_code="不存在的服务").status_code == 400
    assert count_rows(session, Order) == before


def spec_errors(r: requests.Response, fmt: str) -> list[dict]:
    """The spec's error list, read from either format (the centre's shape fails here)."""
    if fmt == "json":
        return r.json()
    root = ElementTree.fromstring(r.content)
    assert root.tag == "errors"
    return [{"code": int(e.findtext("code")), "description": e.findtext("description")}
            for e in root.findall("error")]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_answer_in_the_specs_shape_and_status(base, api_key, fmt):
    for r, status in ((post(base, fmt), 403),
                      (post(base, fmt, api_key=api_key, service_code="不存在的服务"), 400),
                      (post(base, fmt, api_key=api_key, lat="北纬26度"), 400),
                      (requests.get(f"{base}/services/不存在的服务.{fmt}", timeout=30), 404),
                      (requests.get(f"{base}/requests/GD000.{fmt}", timeout=30), 404),
                      (requests.get(f"{base}/requests.{fmt}", params={"status": "lost"},
                                    timeout=30), 400)):
        assert r.status_code == status, r.text
        assert r.headers["content-type"].startswith("application/json" if fmt == "json"
                                                    else "text/xml")
        errors = spec_errors(r, fmt)
        assert [e["code"] for e in errors] == [status] and errors[0]["description"]


def test_the_rest_of_the_api_keeps_the_centres_error_shape(base):
    r = requests.get(base.replace("/open311/v2", "/api/v1/orders/1"), timeout=30)
    assert r.status_code == 401 and set(r.json()) == {"code", "message", "details"}


def test_orders_from_other_doors_are_not_published(base, client, tokens):
    number = new_call(client, tokens["city_operator"])["number"]
    assert requests.get(f"{base}/requests/{number}.json", timeout=30).status_code == 404
    listed = GeoReport(base).get_service_requests(service_request_id=number)
    assert listed == []

"""Classifier routing: confident orders go straight to the responsible unit, territorial matters
to the township, unclear ones to a person with suggestions; every decision records the model."""
from __future__ import annotations

import csv

import pytest

from classifiers.routing import ClassifierRouter, _classifier
from dispatch.jobs.tasks import route_order
from dispatch.orders.models import Order, TimelineEntry
from dispatch.config import get_settings
from dispatch.routing import HintRouter, get_router, set_router
from tests.helpers import unrouted_order

TRAIN = "classifiers/data/taidi2020_train.csv"


def _confident_text(label: str) -> str:
    """A real message of `label` that the model places with confidence."""
    clf = _classifier()
    with open(TRAIN, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["label"] == label:
                c = clf.classify(row["text"])
                if c.auto and c.category == label and not c.emergency:
                    return row["text"]
    raise AssertionError(f"no confident {label} message")


def _order(session, seeded, text: str, *, division: str | None, platform=None) -> Order:
    return unrouted_order(session, content=text, division_code=division,
                          platform_id=(platform or seeded.county).id)


def test_confident_transport_matter_goes_to_the_countys_transport_department(session, seeded):
    order = _order(session, seeded, _confident_text("交通运输"), division=seeded.village.id)
    d = ClassifierRouter().route(session, order)
    assert d.kind == "dispatch" and d.target_unit_id == f"{seeded.county.id}-transport"
    assert d.rule.startswith("functional:交通运输")
    assert d.model_version and len(d.scores) == 3 and d.scores[0]["category"] == "交通运输"


def test_urban_matter_at_a_known_village_goes_to_its_township(session, seeded):
    order = _order(session, seeded, _confident_text("城乡建设"), division=seeded.village.id)
    d = ClassifierRouter().route(session, order)
    assert d.kind == "dispatch" and d.target_unit_id == seeded.township.id
    assert d.rule.startswith("territorial:")


def test_emergency_is_flagged_for_hand_over_and_waits_for_a_person(session, seeded):
    order = _order(session, seeded, "楼下燃气泄漏，整栋楼都是煤气味，有人晕倒了", division=None)
    d = ClassifierRouter().route(session, order)
    assert d.kind == "queue" and d.emergency in ("119", "120")
    assert d.urgency == "extra_urgent"


def test_city_order_with_unclear_text_but_known_place_goes_to_the_county_platform(session, seeded):
    order = _order(session, seeded, "你好，我想反映个情况", division=seeded.village.id,
                   platform=seeded.city)
    d = ClassifierRouter().route(session, order)
    assert d.kind == "transfer" and d.target_unit_id == seeded.county.id


@pytest.mark.parametrize("setting, router", [("classifier", ClassifierRouter), ("rule", HintRouter)])
def test_hotline_router_picks_the_router_the_routing_job_uses(monkeypatch, setting, router):
    """The core names the classifier router by import path (dispatch.routing.ROUTERS)."""
    monkeypatch.setenv("HOTLINE_ROUTER", setting)
    get_settings.cache_clear()
    try:
        assert type(get_router()) is router
    finally:
        get_settings.cache_clear()


@pytest.fixture
def classifier_routing():
    set_router(ClassifierRouter())
    yield
    set_router(None)


def test_routing_job_records_model_and_scores_on_the_timeline(session, seeded,
                                                              classifier_routing):
    order = _order(session, seeded, _confident_text("教育文体"), division=seeded.village.id)
    assert route_order(order.id) == "dispatch"
    session.expire_all()
    routed = session.get(Order, order.id)
    assert routed.state == "dispatched" and routed.category == "教育文体"
    entry = [e for e in session.query(TimelineEntry).filter_by(order_id=order.id)
             if e.action == "auto_dispatch"][0]
    assert entry.data["routing"]["model_version"] and entry.data["routing"]["scores"]


def test_low_confidence_order_waits_in_the_queue_with_top_three(session, seeded,
                                                                classifier_routing):
    order = _order(session, seeded, "请问这个事情怎么办理，谢谢", division=None,
                   platform=seeded.county)
    assert route_order(order.id) == "queue"
    session.expire_all()
    queued = session.get(Order, order.id)
    assert queued.state == "pending_dispatch" and len(queued.suggestions) == 3
    assert all(s["category"] for s in queued.suggestions)


def _timeline(session, order_id: int) -> list[tuple[str, str | None, str]]:
    return [(e.action, e.actor_role, e.to_state) for e in session.query(TimelineEntry)
            .filter_by(order_id=order_id).order_by(TimelineEntry.id) if e.action != "intake"]


def test_city_hands_a_countys_matter_to_its_platform_which_dispatches_it(session, seeded,
                                                                         classifier_routing):
    """Two platforms: the city dispatches to a county platform, never past it; the county's
    own routing then sends the confident matter to its department."""
    order = _order(session, seeded, _confident_text("交通运输"), division=seeded.village.id,
                   platform=seeded.city)
    assert route_order(order.id) == "dispatch"
    session.expire_all()
    routed = session.get(Order, order.id)
    assert routed.platform_id == seeded.county.id and routed.state == "dispatched"
    assert routed.current_unit_path.startswith(seeded.county.path)
    assert _timeline(session, order.id) == [("transfer_platform", "system", "pending_dispatch"),
                                            ("auto_dispatch", "system", "dispatched")]
    entry = session.query(TimelineEntry).filter_by(order_id=order.id,
                                                   action="transfer_platform").one()
    assert entry.data["routing"]["rule"] == "place->county_platform"


def test_unclear_city_order_waits_in_the_countys_queue_with_suggestions(session, seeded,
                                                                        classifier_routing):
    order = _order(session, seeded, "你好，我想反映个情况", division=seeded.village.id,
                   platform=seeded.city)
    assert route_order(order.id) == "transfer"
    session.expire_all()
    routed = session.get(Order, order.id)
    assert (routed.platform_id, routed.state) == (seeded.county.id, "pending_dispatch")
    assert len(routed.suggestions) == 3
    assert _timeline(session, order.id) == [("transfer_platform", "system", "pending_dispatch")]


def test_city_order_without_a_place_goes_to_a_city_department(session, seeded,
                                                              classifier_routing):
    order = _order(session, seeded, _confident_text("交通运输"), division=None,
                   platform=seeded.city)
    assert route_order(order.id) == "dispatch"
    session.expire_all()
    routed = session.get(Order, order.id)
    assert routed.platform_id == seeded.city.id
    assert routed.current_unit_path == f"{seeded.city.path}{seeded.city.id}-transport/"

"""The learning loop end to end: a dispatcher's correction or a wrong-unit return becomes a
labelled example, the next retraining learns it, and an admin can roll the model back."""
from __future__ import annotations

import pytest
from sqlmodel import delete, select

from classifiers.learning import flows
from classifiers.learning import service as learning
from classifiers.learning.models import RetrainingRun, TrainingExample
from classifiers.routing import ClassifierRouter
from classifiers.service import get_classifier
from classifiers.training import load_examples
from dispatch.config import get_settings
from dispatch.errors import Conflict
from dispatch.jobs.tasks import route_order
from dispatch.orders import flows as order_flows
from dispatch.orders.enums import Action
from dispatch.orders.models import Order
from dispatch.routing import set_router
from dispatch.sqltypes import utcnow
from tests.conftest import wait_until
from tests.helpers import act, auth, detail, unrouted_order

# A message the small base model files under 交通运输; the dispatcher says 教育文体 (a crafted
# correction: after retraining the model must answer with the dispatcher's label for this text).
CRAFTED = "城北小学门口的公交站台雨棚塌了一半，孩子们放学只能站在雨里等车，请尽快修好"
CRAFTED_LABEL = "教育文体"


def _queued(session, seeded, text: str, proposed: str) -> Order:
    """An order in the county dispatcher's queue, for which the model proposed `proposed`."""
    order = unrouted_order(session, content=text, platform_id=seeded.county.id)
    order.routing = {"model_version": "test", "scores": [{"category": proposed, "p": 0.41}]}
    session.add(order)
    session.commit()
    return order_flows.apply_action(session, order_id=order.id, action=Action.queue_for_dispatcher,
                                    actor=order_flows.system_actor(order), publish=False)


def _examples(session, order_id: int) -> list[TrainingExample]:
    session.expire_all()
    return list(session.exec(select(TrainingExample).where(TrainingExample.order_id == order_id)))


def _transport(seeded) -> str:
    return f"{seeded.county.id}-transport"


@pytest.fixture
def model_in_use(seeded):
    """A current model in the application's store; the one in use before is restored after."""
    store = learning.model_store()
    assert store.base_csv == get_settings().retrain_base_csv  # the small base, not the full set
    if store.current_version() is None:
        store.train(promote=True)
    before = store.current_version()
    yield store
    store.promote(before)


def test_dispatcher_correcting_the_category_stores_a_labelled_example(client, tokens, seeded,
                                                                       session):
    order = _queued(session, seeded, "路口红绿灯坏了三天，早晚高峰堵成一片", proposed="城乡建设")
    act(client, tokens["county_dispatcher"], order.id, "dispatch",
        target_unit_id=_transport(seeded), category="交通运输")
    entry = detail(client, tokens["county_dispatcher"], order.id)["timeline"][-1]
    assert entry["action"] == "dispatch"
    assert entry["data"]["category"] == {"from": None, "to": "交通运输", "proposed": "城乡建设",
                                         "model_version": "test"}
    [example] = _examples(session, order.id)
    assert (example.text, example.label, example.source) == \
        ("路口红绿灯坏了三天，早晚高峰堵成一片", "交通运输", "correction")
    assert example.used_in_version is None and example.created_by is not None
    listed = client.get("/api/v1/classifier/examples", headers=auth(tokens["admin"])).json()
    assert example.id in [e["id"] for e in listed]


def test_confirming_the_models_category_teaches_nothing(client, tokens, seeded, session):
    order = _queued(session, seeded, "公交车司机开车打电话，很危险", proposed="交通运输")
    act(client, tokens["county_dispatcher"], order.id, "dispatch",
        target_unit_id=_transport(seeded), category="交通运输")
    assert _examples(session, order.id) == []


def test_wrong_unit_return_then_redispatch_stores_a_labelled_example(client, tokens, seeded,
                                                                     session):
    t = tokens
    order = _queued(session, seeded, "高速出口的指示牌被撞歪了，晚上看不清容易走错",
                    proposed="城乡建设")
    act(client, t["county_dispatcher"], order.id, "dispatch",
        target_unit_id=seeded.county_dept.id, category="城乡建设")
    act(client, t["dept_handler"], order.id, "return_order", reason="交通标志不归住建管",
        reason_code="wrong_unit")
    returned = detail(client, t["county_dispatcher"], order.id)["timeline"][-1]
    assert returned["data"]["reason_code"] == "wrong_unit"
    act(client, t["county_dispatcher"], order.id, "approve_return")
    assert _examples(session, order.id) == []          # the label is known only at re-dispatch
    act(client, t["county_dispatcher"], order.id, "dispatch",
        target_unit_id=_transport(seeded), category="交通运输")
    [example] = _examples(session, order.id)
    assert (example.label, example.source) == ("交通运输", "return")


def test_return_for_another_reason_teaches_nothing(client, tokens, seeded, session):
    t = tokens
    order = _queued(session, seeded, "小区楼道里堆满杂物，消防通道被堵", proposed="城乡建设")
    act(client, t["county_dispatcher"], order.id, "dispatch",
        target_unit_id=seeded.county_dept.id, category="城乡建设")
    act(client, t["dept_handler"], order.id, "return_order", reason="地址不详",
        reason_code="unclear")
    act(client, t["county_dispatcher"], order.id, "approve_return")
    act(client, t["county_dispatcher"], order.id, "dispatch",
        target_unit_id=seeded.county_dept.id, category="城乡建设")
    assert _examples(session, order.id) == []


def test_unknown_return_reason_code_is_refused(client, tokens, seeded, session):
    order = _queued(session, seeded, "噪音扰民", proposed="环境保护")
    act(client, tokens["county_dispatcher"], order.id, "dispatch",
        target_unit_id=seeded.county_dept.id)
    act(client, tokens["dept_handler"], order.id, "return_order", expect=422, reason="x",
        reason_code="because")


def _wait_done(client, token, run_id: int) -> dict:
    def done():
        r = client.get(f"/api/v1/classifier/retrainings/{run_id}", headers=auth(token))
        assert r.status_code == 200, r.text
        return r.json() if r.json()["status"] in ("done", "failed") else None
    return wait_until(done, timeout=180, interval=0.2)


def test_the_next_retraining_learns_the_correction_and_rollback_restores_routing(
        client, tokens, seeded, session, model_in_use):
    before = model_in_use.current_version()
    assert get_classifier(model_in_use.root).classify(CRAFTED).category != CRAFTED_LABEL
    order = _queued(session, seeded, CRAFTED, proposed="交通运输")
    act(client, tokens["county_dispatcher"], order.id, "dispatch",
        target_unit_id=_transport(seeded), category=CRAFTED_LABEL)
    [example] = _examples(session, order.id)

    r = client.post("/api/v1/classifier/retrainings", headers=auth(tokens["admin"]))
    assert r.status_code == 202, r.text
    assert r.json()["job_id"] == f"retrain-{r.json()['id']}"
    run = _wait_done(client, tokens["admin"], r.json()["id"])
    assert run["status"] == "done" and run["progress"] == 100, run
    assert run["promoted"] and run["current_version"] == before
    assert example.id in run["example_ids"]
    assert {"accuracy", "macro_f1"} <= set(run["metrics"]["candidate"])
    assert _examples(session, order.id)[0].used_in_version == run["candidate_version"]
    versions = client.get("/api/v1/classifier/versions", headers=auth(tokens["admin"])).json()
    current = [v for v in versions if v["current"]]
    assert [v["version"] for v in current] == [run["candidate_version"]]
    assert current[0]["validation"] == run["metrics"]["candidate"]
    # the routers pick the promoted version up without a restart
    learned = get_classifier(model_in_use.root).classify(CRAFTED)
    assert (learned.model_version, learned.category) == (run["candidate_version"], CRAFTED_LABEL)
    # nothing new since: the next run answers at once, without training another version
    again = flows.request_retraining(session, trigger="cli", requested_by=None, enqueue=False)
    assert flows.run_retraining(again.id) == "unchanged"
    assert model_in_use.current_version() == run["candidate_version"]
    assert len(model_in_use.versions()) == len(versions)

    r = client.post("/api/v1/classifier/rollback", headers=auth(tokens["admin"]))
    assert r.status_code == 200 and r.json()["current"] == before
    set_router(ClassifierRouter())
    try:
        routed = unrouted_order(session, content=CRAFTED, platform_id=seeded.county.id)
        route_order(routed.id)
    finally:
        set_router(None)
    session.expire_all()
    assert session.get(Order, routed.id).routing["model_version"] == before


@pytest.mark.parametrize("version, status", [("20000101T000000000000Z", 404), (".tmp-x", 422),
                                             ("a%00b", 422)])
def test_promoting_a_version_that_is_not_stored_is_refused(client, tokens, version, status):
    r = client.post(f"/api/v1/classifier/versions/{version}/promote", headers=auth(tokens["admin"]))
    assert r.status_code == status, r.text


def test_dispatchers_choose_among_the_categories_of_the_model_in_use(client, tokens, model_in_use):
    r = client.get("/api/v1/classifier/categories", headers=auth(tokens["county_dispatcher"]))
    assert r.status_code == 200
    assert r.json() == [str(c) for c in model_in_use.load().model.classes_]
    assert "交通运输" in r.json()


def test_a_worse_candidate_is_kept_but_not_promoted(seeded, session, model_in_use):
    before = model_in_use.current_version()
    # real messages of every category, all mislabelled as one: the candidate must get worse
    texts = [e.text for e in load_examples()[300:500]]
    session.add_all(TrainingExample(text=t, label="交通运输", source="correction") for t in texts)
    session.commit()
    try:
        run = flows.request_retraining(session, trigger="cli", requested_by=None, enqueue=False)
        assert flows.run_retraining(run.id) == "kept"
    finally:
        session.exec(delete(TrainingExample).where(TrainingExample.text.in_(texts)))
        session.commit()
    session.expire_all()
    run = session.get(RetrainingRun, run.id)
    assert run.status == "done" and run.promoted is False
    assert run.metrics["candidate"]["accuracy"] < run.metrics["current"]["accuracy"]
    assert model_in_use.current_version() == before
    assert run.candidate_version in [v["version"] for v in model_in_use.versions()]


def test_one_retraining_at_a_time_and_a_dead_one_frees_the_slot(seeded, session):
    first = flows.request_retraining(session, trigger="cli", requested_by=None, enqueue=False)
    with pytest.raises(Conflict):
        flows.request_retraining(session, trigger="admin", requested_by=None, enqueue=False)
    first.updated_at = utcnow().replace(year=2000)   # its worker died long ago
    session.add(first)
    session.commit()
    second = flows.request_retraining(session, trigger="admin", requested_by=None, enqueue=False)
    session.refresh(first)
    assert first.status == "failed" and "worker" in first.error
    learning.finish(second, status="failed", error="test: not run")
    session.commit()
    assert flows.run_retraining(first.id) == "skipped"


@pytest.mark.parametrize("method, path", [
    ("get", "/api/v1/classifier/versions"), ("post", "/api/v1/classifier/retrainings"),
    ("get", "/api/v1/classifier/retrainings"), ("post", "/api/v1/classifier/rollback"),
    ("post", "/api/v1/classifier/versions/x/promote"), ("get", "/api/v1/classifier/examples"),
])
@pytest.mark.parametrize("user", ["city_dispatcher", "city_supervisor"])
def test_only_an_admin_manages_the_model(client, tokens, method, path, user):
    r = getattr(client, method)(path, headers=auth(tokens[user]))
    assert r.status_code == 403, r.text


def test_enough_new_examples_queue_a_retraining_by_themselves(client, tokens, seeded, session,
                                                               monkeypatch):
    queued = []

    class Queue:
        def enqueue(self, func_path, *args, job_id, long_running=False):
            queued.append((func_path, args, job_id, long_running))

    monkeypatch.setattr(flows, "get_queue", Queue)
    monkeypatch.setattr(get_settings(), "retrain_after_examples", learning.count_unused(session) + 1)
    order = _queued(session, seeded, "乡道上的桥栏杆断了，晚上骑车很危险", proposed="城乡建设")
    act(client, tokens["county_dispatcher"], order.id, "dispatch",
        target_unit_id=_transport(seeded), category="交通运输")
    session.expire_all()
    run = learning.active_run(session)
    assert run is not None and run.trigger == "threshold"
    assert queued == [("classifiers.jobs.retrain", (run.id,), f"retrain-{run.id}", True)]
    learning.finish(run, status="failed", error="test: not run")
    session.commit()


def test_cli_retrain_queues_one_and_refuses_a_second_while_it_waits(seeded, session, monkeypatch,
                                                                      capsys):
    from classifiers.cli import main

    monkeypatch.setattr(flows, "get_queue", lambda: type("Q", (), {"enqueue": lambda *a, **k: None}))
    assert main(["retrain", "--enqueue"]) == 0
    assert "queued retraining" in capsys.readouterr().out
    assert main(["retrain"]) == 1
    assert "already queued or running" in capsys.readouterr().err
    session.expire_all()
    learning.finish(learning.active_run(session), status="failed", error="test: not run")
    session.commit()

"""The learning loop in the console: the dispatcher corrects the category while dispatching, the
handler says why it returns, and the admin's model page lists versions and rolls back."""
from __future__ import annotations

import pytest
from sqlmodel import select

from classifiers.learning import service as learning
from classifiers.learning.models import TrainingExample
from dispatch.orders import flows as order_flows
from dispatch.orders.enums import Action
from tests.console_ui.pages import act, open_order, pick_unit, wait_state
from tests.helpers import detail, unrouted_order

pytestmark = pytest.mark.browser


def _queued(session, seeded, text: str, proposed: str) -> int:
    order = unrouted_order(session, content=text, platform_id=seeded.county.id)
    order.routing = {"model_version": "test", "scores": [{"category": proposed, "p": 0.4,
                                                          "unit_id": seeded.county_dept.id}]}
    order.suggestions = order.routing["scores"]
    order.category = proposed
    session.add(order)
    session.commit()
    order_flows.apply_action(session, order_id=order.id, action=Action.queue_for_dispatcher,
                             actor=order_flows.system_actor(order), publish=False)
    return order.id


def test_dispatcher_corrects_the_category_and_the_handler_returns_as_wrong_unit(
        console, client, tokens, seeded, session):
    oid = _queued(session, seeded, "村口到镇上的班车停运一个月了，老人看病没法出门", "城乡建设")
    disp = console("county_dispatcher")
    open_order(disp.page, disp.base, oid)

    def fill(form):
        assert form.locator("select[name=category]").input_value() == "城乡建设"
        pick_unit(form, disp.page, "住房", seeded.county_dept.id)
        form.locator("select[name=category] option[value='交通运输']").wait_for(state="attached")
        form.locator("select[name=category]").select_option("交通运输")
    act(disp.page, "dispatch", reason="班车属交通", fill=fill)
    wait_state(disp.page, "dispatched")
    session.expire_all()
    [example] = session.exec(select(TrainingExample).where(TrainingExample.order_id == oid)).all()
    assert (example.label, example.source) == ("交通运输", "correction")

    handler = console("dept_handler")
    open_order(handler.page, handler.base, oid)
    act(handler.page, "return_order", reason="班车不归住建局管",
        fill=lambda f: f.locator("select[name=reason_code]").select_option("wrong_unit"))
    wait_state(handler.page, "return_requested")
    assert detail(client, tokens["county_dispatcher"], oid)["timeline"][-1]["data"] == \
        {"reason_code": "wrong_unit"}
    disp.shot("12-dispatch-category-correction")


def test_admin_sees_the_versions_and_rolls_back(console, seeded):
    store = learning.model_store()
    before = store.current_version()
    copy = store.save(store.load().model, {"note": "a second version to roll back from"})
    store.promote(copy)
    try:
        admin = console("admin")
        admin.page.click("nav a[data-menu=model]")
        p = admin.page
        p.wait_for_selector(f"#model-version-table tr[data-version='{copy}'] #model-current")
        assert p.locator(f"#model-version-table tr[data-version='{before}'] .model-promote").count() == 1
        admin.shot("13-admin-model-versions")
        p.once("dialog", lambda d: d.accept())
        p.click("#model-rollback")
        p.wait_for_selector(f"#model-version-table tr[data-version='{before}'] #model-current")
        assert store.current_version() == before
    finally:
        store.promote(before)

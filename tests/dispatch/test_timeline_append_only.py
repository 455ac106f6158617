"""The timeline is an audit record: no API path changes it, and the database refuses to;
nor does it let an order go, which would leave its timeline behind."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dispatch.db import get_engine


def test_no_endpoint_updates_or_deletes_orders_or_their_timeline(app):
    paths = app.openapi()["paths"]
    assert "/api/v1/orders/{order_id}" in paths
    for path, ops in paths.items():
        methods = {m.upper() for m in ops}
        if "timeline" in path:
            assert methods <= {"GET"}, (path, methods)
        if path.startswith("/api/v1/orders"):
            assert not {"PUT", "PATCH", "DELETE"} & methods, (path, methods)


def test_database_refuses_to_rewrite_history(client, tokens, seeded):
    from tests.helpers import new_call

    new_call(client, tokens["city_operator"])
    with pytest.raises(DBAPIError, match="append-only"):
        with get_engine().begin() as conn:
            conn.execute(text("UPDATE timeline_entry SET reason = 'rewritten'"))
    with pytest.raises(DBAPIError, match="append-only"):
        with get_engine().begin() as conn:
            conn.execute(text("DELETE FROM timeline_entry"))


def test_database_refuses_to_delete_an_order(client, tokens, seeded):
    """Hops and timeline rows have no foreign key (it locked the order on every row written):
    that an order is never deleted keeps them whole instead."""
    from tests.helpers import new_call

    order_id = new_call(client, tokens["city_operator"])["order_id"]
    with pytest.raises(DBAPIError, match="kept with their timeline"):
        with get_engine().begin() as conn:
            conn.execute(text("DELETE FROM work_order WHERE id = :id"), {"id": order_id})
    with get_engine().connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM work_order WHERE id = :id"),
                            {"id": order_id}).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM timeline_entry WHERE order_id = :id"),
                            {"id": order_id}).scalar() >= 1

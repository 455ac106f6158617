"""The timeline is an audit record: no API path changes it, and PostgreSQL refuses to."""
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

"""The timeline is an audit record: no API path changes it, and PostgreSQL refuses to."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dispatch.db import get_engine


def test_no_endpoint_updates_or_deletes_timeline_entries(app):
    for route in app.routes:
        methods = getattr(route, "methods", set()) or set()
        path = getattr(route, "path", "")
        if "timeline" in path:
            assert methods <= {"GET", "HEAD"}, (path, methods)
        assert not ({"PUT", "PATCH", "DELETE"} & methods and "/orders" in path), (path, methods)


def test_database_refuses_to_rewrite_history(client, tokens, seeded):
    from tests.helpers import new_call

    new_call(client, tokens["city_operator"])
    with pytest.raises(DBAPIError, match="append-only"):
        with get_engine().begin() as conn:
            conn.execute(text("UPDATE timeline_entry SET reason = 'rewritten'"))
    with pytest.raises(DBAPIError, match="append-only"):
        with get_engine().begin() as conn:
            conn.execute(text("DELETE FROM timeline_entry"))

"""One JSON error shape; a database outage is a 503 the client retries, never a 500."""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
import psycopg
import pytest
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from dispatch.errors import NotFound, install_error_handlers
from tests.helpers import auth


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/down")
    def down():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    @app.get("/closed")
    def closed():
        # psycopg's "the connection is closed", as SQLAlchemy wraps it after a restart
        raise InterfaceError("SELECT 1", {}, psycopg.InterfaceError("the connection is closed"))

    @app.get("/caused")
    def caused():
        try:
            raise psycopg.OperationalError("terminating connection due to administrator command")
        except psycopg.OperationalError as exc:
            raise RuntimeError("the transaction could not finish") from exc

    @app.get("/stale")
    def stale():
        raise StaleDataError("UPDATE statement on table 'work_order' expected to update 1 row(s)")

    @app.get("/bug")
    def bug():
        raise ZeroDivisionError("division by zero")

    @app.get("/missing")
    def missing():
        raise NotFound("order 7 not found")

    return app


def test_database_outage_answers_503_with_retry_after():
    r = TestClient(_app()).get("/down")
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert r.json() == {"code": "unavailable", "message": "the database is unavailable; retry "
                        "shortly", "details": None}


@pytest.mark.parametrize("path", ["/closed", "/caused"])
def test_any_driver_error_from_a_lost_connection_is_a_503_too(path):
    r = TestClient(_app(), raise_server_exceptions=False).get(path)
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert r.json()["code"] == "unavailable"


def test_a_write_over_someone_elses_commit_is_a_409():
    r = TestClient(_app()).get("/stale")
    assert r.status_code == 409 and r.json()["code"] == "conflict"


def test_a_bug_is_a_500_in_the_same_shape():
    r = TestClient(_app(), raise_server_exceptions=False).get("/bug")
    assert r.status_code == 500
    assert r.json() == {"code": "internal", "message": "internal server error", "details": None}


def test_domain_errors_share_one_shape():
    r = TestClient(_app()).get("/missing")
    assert r.status_code == 404
    assert r.json() == {"code": "not_found", "message": "order 7 not found", "details": None}


def test_unknown_path_has_the_same_shape():
    r = TestClient(_app()).get("/nowhere")
    assert r.status_code == 404 and set(r.json()) == {"code", "message", "details"}


BEYOND_64_BITS = 2 ** 63


@pytest.mark.parametrize("method,path,role", [
    ("GET", f"/api/v1/orders/{BEYOND_64_BITS}", "city_operator"),
    ("GET", f"/api/v1/orders?before_id={BEYOND_64_BITS}", "city_operator"),
    ("PUT", f"/api/v1/knowledge/{BEYOND_64_BITS}", "admin"),
    ("GET", f"/api/v1/attachments/{BEYOND_64_BITS}", "city_operator"),
])
def test_an_id_beyond_the_databases_integers_is_a_422_on_either_database(client, tokens, method,
                                                                         path, role):
    # PostgreSQL refuses it as out of range; SQLite's driver overflows before asking; both
    # reach the caller as the same 422, never a 500
    r = client.request(method, path, headers=auth(tokens[role]),
                       json={"question": "问题？", "answer": "答案。"} if method == "PUT" else None)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid" and "out of range" in r.json()["message"]

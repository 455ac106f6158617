"""One JSON error shape; a database outage is a 503 the client retries, never a 500."""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from dispatch.errors import NotFound, install_error_handlers


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/down")
    def down():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    @app.get("/missing")
    def missing():
        raise NotFound("order 7 not found")

    return app


def test_database_outage_answers_503_with_retry_after():
    r = TestClient(_app()).get("/down")
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert r.json() == {"code": "unavailable", "message": "the database is unavailable; retry "
                        "shortly", "details": None}


def test_domain_errors_share_one_shape():
    r = TestClient(_app()).get("/missing")
    assert r.status_code == 404
    assert r.json() == {"code": "not_found", "message": "order 7 not found", "details": None}


def test_unknown_path_has_the_same_shape():
    r = TestClient(_app()).get("/nowhere")
    assert r.status_code == 404 and set(r.json()) == {"code", "message", "details"}

"""Domain errors and the one place that maps them to HTTP with one JSON shape.

A path prefix may register a shape of its own (``register_error_shape``): Open311's
``/open311/v2/`` answers its errors as the GeoReport spec says, every other path keeps
``{code, message, details}``. The handlers below and the middleware's own refusals (rate limit,
body size) all answer through ``error_response``, so no error escapes the prefix's shape."""
from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from dispatch.orders.lifecycle import ActionForbidden, IllegalTransition, MissingInput

log = logging.getLogger(__name__)


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: Any = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message, self.details, self.headers = message, details, headers


class NotFound(DomainError):
    status, code = 404, "not_found"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class Conflict(DomainError):
    status, code = 409, "conflict"


class Invalid(DomainError):
    status, code = 422, "invalid"


class TooLarge(DomainError):
    status, code = 413, "too_large"


class TooManyRequests(DomainError):
    status, code = 429, "rate_limited"


class Unavailable(DomainError):
    status, code = 503, "unavailable"


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details}


# (status, message, details, headers) -> the answer, for the paths under a prefix
ErrorShape = Callable[[str, int, str, Any, dict[str, str] | None], Response]
_SHAPES: dict[str, ErrorShape] = {}


def register_error_shape(prefix: str, shape: ErrorShape) -> None:
    """Errors of the paths under ``prefix`` answer through ``shape(path, status, message,
    details, headers)`` instead of the centre's JSON shape (a protocol's own, e.g. Open311)."""
    _SHAPES[prefix] = shape


def error_response(path: str, status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> Response:
    """The error answer for ``path``: its prefix's shape when one is registered, else ours."""
    for prefix, shape in _SHAPES.items():
        if path.startswith(prefix):
            return shape(path, status, message, details, headers)
    return JSONResponse(error_body(code, message, details), status, headers=headers)


class ErrorBody(BaseModel):
    """The one shape of every error answer."""
    code: str
    message: str
    details: Any = None


# what any operation under /api/v1 may answer besides its success: declared once in the OpenAPI
# schema (api.py), so clients and the schema fuzz test know every status that can come back
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text} for status, text in (
        (400, "malformed request"), (401, "not signed in, or a bad or revoked token or signature"),
        (403, "the role or unit may not do this"),
        (404, "not found, or outside the user's reach"), (409, "conflicts with the current state"),
        (413, "request body too large"), (422, "invalid request"),
        (429, "rate limit reached; Retry-After says when to retry"),
        (503, "the database or a remote system is unavailable; Retry-After says when to retry"))}


@lru_cache
def _outage_types() -> tuple[type[BaseException], ...]:
    """What a driver raises while the database restarts, fails over or drops the connection:
    SQLAlchemy's wrappers, psycopg's own and asyncpg's."""
    import psycopg

    found: list[type[BaseException]] = [
        sa_exc.OperationalError, sa_exc.InterfaceError, psycopg.OperationalError,
        psycopg.InterfaceError, ConnectionError, TimeoutError]
    try:
        import asyncpg
    except ImportError:                  # pragma: no cover - asyncpg ships with the project
        return tuple(found)
    return (*found, asyncpg.PostgresConnectionError, asyncpg.OperatorInterventionError,
            asyncpg.InterfaceError, asyncpg.exceptions.InternalClientError)


def database_unavailable(exc: BaseException) -> bool:
    """Whether an error comes from the database being away, here or anywhere down its chain
    (causes and contexts): such a request acknowledged nothing, so the client should retry,
    not be told that the server is broken."""
    types, seen = _outage_types(), set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, types) or (isinstance(exc, sa_exc.DBAPIError)
                                      and exc.connection_invalidated):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def unstorable(exc: BaseException) -> bool:
    """Whether the database refused a value (SQLSTATE class 22, e.g. a NUL character, which
    PostgreSQL's text refuses): the request's fault, not ours. psycopg says so with a
    DataError, asyncpg (itself or through SQLAlchemy's adapter) with the code alone."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return isinstance(exc, sa_exc.DataError) or str(code or "").startswith("22")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(r: Request, exc: DomainError) -> Response:
        return error_response(r.url.path, exc.status, exc.code, exc.message, exc.details,
                              exc.headers)

    @app.exception_handler(IllegalTransition)
    async def _illegal(r: Request, exc: IllegalTransition) -> Response:
        return error_response(r.url.path, 409, "illegal_transition", str(exc),
                              {"action": exc.action, "state": exc.state})

    @app.exception_handler(MissingInput)
    async def _missing(r: Request, exc: MissingInput) -> Response:
        return error_response(r.url.path, 422, "invalid", str(exc),
                              {"action": exc.action, "state": exc.state})

    @app.exception_handler(ActionForbidden)
    async def _forbidden(r: Request, exc: ActionForbidden) -> Response:
        return error_response(r.url.path, 403, "forbidden", str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(r: Request, exc: RequestValidationError) -> Response:
        details = [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()]
        first = details[0] if details else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"])
        return error_response(r.url.path, 422, "invalid", f"{where}: {first['msg']}", details)

    async def _unexpected(r: Request, exc: Exception) -> Response:
        # a database restarting or failing over (any driver's way of saying so, or an error
        # caused by it) acknowledged nothing, so the client retries; the rest is our bug
        if database_unavailable(exc):
            log.warning("database unavailable: %s: %s", type(exc).__name__, exc)
            return error_response(r.url.path, 503, "unavailable", "the database is unavailable; "
                                  "retry shortly", headers={"Retry-After": "5"})
        return error_response(r.url.path, 500, "internal", "internal server error")

    async def _unstorable(r: Request, exc: Exception) -> Response:
        if not unstorable(exc):
            raise exc
        return error_response(r.url.path, 422, "invalid", "a value is out of range for its field")

    import asyncpg

    for refusal in (sa_exc.DBAPIError, asyncpg.PostgresError):
        app.add_exception_handler(refusal, _unstorable)

    for outage in _outage_types():       # answered where raised, like the domain errors
        app.add_exception_handler(outage, _unexpected)
    app.add_exception_handler(Exception, _unexpected)   # the rest, middleware's included

    @app.exception_handler(StaleDataError)
    async def _stale(r: Request, exc: StaleDataError) -> Response:
        # an order written over someone else's commit (its version moved since it was read)
        return error_response(r.url.path, 409, "conflict", "the order was changed by someone "
                              "else meanwhile; reload it")

    @app.exception_handler(sa_exc.DataError)
    async def _out_of_range(r: Request, exc: sa_exc.DataError) -> Response:
        # e.g. an id beyond the column's integer range (PostgreSQL): a bad request, not a crash
        return error_response(r.url.path, 422, "invalid", "a value is out of range for its field")

    @app.exception_handler(StarletteHTTPException)
    async def _http(r: Request, exc: StarletteHTTPException) -> Response:
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                413: "too_large"}.get(exc.status_code, "error")
        return error_response(r.url.path, exc.status_code, code, str(exc.detail),
                              headers=getattr(exc, "headers", None))

"""Open311 GeoReport v2 at /open311/v2/: services, services/{code}, requests (GET with
filters, POST with a channel client's api_key), requests/{id}; each in .json and .xml.
Views parse, call one flow, render (channels/open311.py). Every error under the prefix,
the middleware's included, answers in the spec's shape (registered with dispatch.errors)."""
# no `from __future__ import annotations`: FastAPI reads the Annotated types at runtime

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from channels import open311, open311_flows as flows
from channels.deps import ApiKey, SmallBody
from dispatch.client_dates import ClientMoment
from dispatch.deps import SessionDep
from dispatch.errors import NotFound, register_error_shape

PREFIX = "/open311/v2"


class Format(StrEnum):
    json = "json"
    xml = "xml"


XML = {"text/xml": {"schema": {"type": "string"}}}
Jurisdiction = Annotated[str | None, Query(max_length=64, description="ignored: one jurisdiction")]
CSV = Annotated[str | None, Query(max_length=2000, description="comma-separated")]


class ErrorPublic(BaseModel):
    """One of the spec's errors: `code` is the HTTP status."""
    code: int
    description: str


# every error status under the prefix, in the spec's shape (channels/open311.SPEC_STATUS)
ERRORS: dict[int | str, dict] = {
    status: {"model": list[ErrorPublic], "content": XML, "description": text} for status, text in (
        (400, "a missing or malformed parameter, no place, or an unknown service_code (POST)"),
        (403, "api_key missing, unknown, revoked, or of another channel"),
        (404, "no such service or service request"),
        (409, "the Idempotency-Key was used with another request"),
        (413, "request body too large"), (429, "rate limit reached; Retry-After says when"),
        (503, "the database or a remote system is unavailable; Retry-After says when"))}
router = APIRouter(prefix=PREFIX, tags=["open311"], responses=ERRORS)


def _error(path: str, status: int, message: str, _details, headers) -> Response:
    status, rows = open311.error_rows(status, message)
    if open311.wants_xml(path):
        return Response(open311.to_xml("errors", "error", rows), status_code=status,
                        media_type="text/xml", headers=headers)
    return JSONResponse(rows, status_code=status, headers=headers)


register_error_shape(f"{PREFIX}/", _error)


def _render(fmt: Format, data, root: str, item: str | None = None, status: int = 200) -> Response:
    if fmt == Format.json:
        return JSONResponse(data, status_code=status)
    body = open311.to_xml(root, item, data) if item else open311.one_to_xml(root, data)
    return Response(body, status_code=status, media_type="text/xml")


def _answers(model) -> dict:
    return {200: {"model": model, "content": XML}}


@router.get("/services.{format}", responses=_answers(list[flows.ServicePublic]))
def list_services(format: Format, jurisdiction_id: Jurisdiction = None) -> Response:
    """Every service: one per category the centre's category model knows."""
    return _render(format, list(open311.services()), "services", "service")


@router.get("/services/{service_code}.{format}", responses=_answers(flows.DefinitionPublic))
def service_definition(service_code: str, format: Format,
                       jurisdiction_id: Jurisdiction = None) -> Response:
    if open311.service(service_code) is None:
        raise NotFound(f"no service {service_code!r}")
    return _render(format, open311.definition(service_code), "service_definition")


@router.get("/requests.{format}", responses=_answers(list[flows.RequestPublic]))
def list_requests(format: Format, session: SessionDep, service_request_id: CSV = None,
                  service_code: CSV = None, status: CSV = None,
                  start_date: ClientMoment | None = None, end_date: ClientMoment | None = None,
                  jurisdiction_id: Jurisdiction = None) -> Response:
    """Requests made through Open311, newest first (at most 1,000; 90 days by default)."""
    rows = flows.find(session, ids=service_request_id, codes=service_code, status=status,
                      start=start_date, end=end_date)
    return _render(format, rows, "service_requests", "request")


@router.get("/requests/{service_request_id}.{format}",
            responses=_answers(list[flows.RequestPublic]))
def get_request(service_request_id: str, format: Format, session: SessionDep,
                jurisdiction_id: Jurisdiction = None) -> Response:
    return _render(format, [flows.one(session, service_request_id)], "service_requests",
                   "request")


@router.post("/requests.{format}", status_code=201, responses={
    201: {"model": list[flows.CreatedPublic], "content": XML},
    200: {"model": list[flows.CreatedPublic], "content": XML,
          "description": "seen before (same Idempotency-Key, or the same form again)"}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/x-www-form-urlencoded": {"schema": flows.FORM_SCHEMA}}}})
def post_request(format: Format, body: SmallBody, session: SessionDep,
                 idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
                 api_key: ApiKey = None) -> Response:
    """A service request from a civic app holding an `open311` client key (form field
    api_key); a retry (same Idempotency-Key, or the same form) answers the same order."""
    created, row = flows.submit(session, body, idempotency_key=idempotency_key,
                                header_key=api_key)
    return _render(format, [row], "service_requests", "request", status=201 if created else 200)

"""Every channel URL, under /api/v1/channels. Views parse, call one flow, answer.

The keyed (110, app, grid, website, cppcc) and signed (weibo, CTI) report doors are ``async``:
a plain report is stored on the event loop (channels.flows.ingest_async); photos, batches,
the CTI caller look-up and the other doors (WeChat, the admin routes) run on a thread with a
session.

The views read raw bodies (signatures cover the bytes), so FastAPI does not see the payload
models: `_body_doc` documents them, and their definitions go to `SCHEMAS`, which hotline.api
adds to the OpenAPI components (a `$defs` left inside an operation would not resolve).
"""
# no `from __future__ import annotations`: the keyed routes pick their body type at runtime

from fastapi import APIRouter, Response
from pydantic import BaseModel

from channels import batch, flows, registry
from channels.adapters.grid import GridBatch
from channels.base import ChannelAdapter, validate_model, parse_json
from channels.deps import ApiKey, Signature, SmallBody, Timestamp, UploadBody
from channels.registry import REGISTRY
from channels.schemas import BatchResult, ChannelInfo, CtiAck
from channels.views_admin import router as admin_router
from channels.views_wechat import router as wechat_router
from dispatch.deps import CentreAdminDep, SessionDep
from dispatch.errors import ErrorBody
from dispatch.intake.schemas import IntakeResult

router = APIRouter(prefix="/channels", tags=["channels"])
SCHEMAS: dict[str, dict] = {}   # payload models by name, for the OpenAPI components
PHOTO_PATHS: list[str] = []     # routes whose bodies carry photos: the upload body limit
REFUSALS = {401: {"model": ErrorBody, "description": "missing or wrong credentials; nothing stored"},
            413: {"model": ErrorBody, "description": "body too large; nothing stored"}}


def _answers(seen_before: type[BaseModel] = IntakeResult) -> dict:
    return {200: {"model": seen_before, "description": "seen before: the existing order"},
            **REFUSALS}


ANSWERS = _answers()


@router.get("", response_model=list[ChannelInfo])
def list_channels(session: SessionDep, _: CentreAdminDep) -> list[ChannelInfo]:
    """Every door, how it authenticates, and whether it is configured here."""
    return [ChannelInfo(name=a.name, label=a.label, channels=[c.value for c in a.channels],
                        auth=a.auth.value, endpoint=f"{a.url_prefix}{a.path}",
                        configured=flows.configured(session, a)) for a in REGISTRY.values()]


def _created(result: IntakeResult | None, response: Response) -> None:
    response.status_code = 201 if result is not None and result.created else 200


def _body_doc(model: type[BaseModel]) -> dict:
    """The JSON body of a payload model, by reference to its (and its parts') components."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    SCHEMAS.update(schema.pop("$defs", {}))
    SCHEMAS[model.__name__] = schema
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}}


@router.post("/cti/calls", response_model=CtiAck, status_code=201, responses=_answers(CtiAck),
             openapi_extra=_body_doc(registry.cti.payload_model))
async def cti_call(body: SmallBody, response: Response, timestamp: Timestamp = None,
                   signature: Signature = None) -> CtiAck:
    """The call centre's record of a call (HMAC-signed); answers the caller's open orders too."""
    flows.check_signed("cti_secret", timestamp=timestamp, signature=signature, body=body)
    ack = await flows.receive_call(registry.cti.parse(body))
    _created(ack.order, response)
    return ack


@router.post("/weibo/messages", response_model=IntakeResult, status_code=201, responses=ANSWERS,
             openapi_extra=_body_doc(registry.weibo.payload_model))
async def weibo_message(body: SmallBody, response: Response, timestamp: Timestamp = None,
                        signature: Signature = None) -> IntakeResult:
    """A mention or private message relayed from Weibo (HMAC-signed); once per message id."""
    flows.check_signed("weibo_secret", timestamp=timestamp, signature=signature, body=body)
    result = await flows.ingest_async(registry.weibo, registry.weibo.parse(body))
    _created(result, response)
    return result


def _keyed_route(adapter: ChannelAdapter) -> None:
    """POST <adapter.path>: a JSON report from a system holding this channel's API key."""
    body_type = UploadBody if adapter.carries_photos else SmallBody
    if adapter.carries_photos:
        PHOTO_PATHS.append(router.prefix + adapter.path)

    async def endpoint(body: body_type, response: Response,  # type: ignore[valid-type]
                       api_key: ApiKey = None) -> IntakeResult:
        client = await flows.authenticate_cached(api_key=api_key, channel=adapter.channels[0])
        result = await flows.ingest_async(adapter, adapter.parse(body), client=client)
        _created(result, response)
        return result

    router.add_api_route(adapter.path, endpoint, methods=["POST"], response_model=IntakeResult,
                         status_code=201, responses=ANSWERS, name=f"{adapter.name}_report",
                         summary=f"{adapter.label}: one report (X-Api-Key)",
                         openapi_extra=_body_doc(adapter.payload_model))


_keyed_route(registry.police)  # POST /channels/110/incidents
_keyed_route(registry.app)  # POST /channels/app/reports
_keyed_route(registry.grid)  # POST /channels/grid/events
_keyed_route(registry.website)  # POST /channels/website/letters
_keyed_route(registry.cppcc)  # POST /channels/cppcc/items


PHOTO_PATHS.append(router.prefix + "/grid/batches")


@router.post("/grid/batches", response_model=BatchResult, responses=REFUSALS,
             openapi_extra=_body_doc(GridBatch))
def grid_batch(body: UploadBody, session: SessionDep, api_key: ApiKey = None) -> BatchResult:
    """The grid system's sync: per-item results; items seen before answer "duplicate"."""
    client = flows.authenticate_client(session, api_key=api_key,
                                       channel=registry.grid.channels[0])
    return batch.sync_batch(session, validate_model(GridBatch, parse_json(body)), client=client)


# after the report doors, which FastAPI then finds without looking through these first
router.include_router(wechat_router)
router.include_router(admin_router)

"""Administration of the doors: client API keys, the registry, and the delivery log."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, UploadFile

from channels import flows, service
from channels.enums import KEYED_CHANNELS
from channels.models import ClientCreate, ClientCreated, ClientPublic, DeliveryPublic
from channels.outbound import service as deliveries
from channels.schemas import UploadPublic
from channels.deps import ApiKey
from dispatch.config import get_settings
from dispatch.deps import CentreAdminDep, Principal, SessionDep, require_roles
from dispatch.errors import Invalid, TooLarge
from dispatch.orders import service as orders
from dispatch.orders.enums import Channel, Role
from dispatch.sqltypes import utcnow

router = APIRouter(tags=["channels"])
StaffDep = Annotated[Principal, Depends(require_roles(
    Role.operator, Role.dispatcher, Role.callback_agent, Role.supervisor, Role.admin))]


@router.post("/clients", response_model=ClientCreated, status_code=201)
def create_client(body: ClientCreate, session: SessionDep, admin: CentreAdminDep) -> ClientCreated:
    """A key for one external system; the key is shown once and only its hash is kept."""
    if body.channel not in {c.value for c in KEYED_CHANNELS}:
        raise Invalid(f"channel {body.channel!r} does not use API keys",
                      details={"keyed": sorted(c.value for c in KEYED_CHANNELS)})
    client, key = service.create_client(session, channel=Channel(body.channel), name=body.name,
                                        created_by=admin.user.username)
    session.commit()
    return ClientCreated(**client.model_dump(), api_key=key)


@router.get("/clients", response_model=list[ClientPublic])
def list_clients(session: SessionDep, _: CentreAdminDep) -> list[ClientPublic]:
    return [ClientPublic(**c.model_dump()) for c in service.list_clients(session)]


@router.post("/clients/{client_id}/revoke", response_model=ClientPublic)
def revoke_client(client_id: int, session: SessionDep, _: CentreAdminDep) -> ClientPublic:
    client = service.revoke_client(session, client_id=client_id, now=utcnow())
    session.commit()
    return ClientPublic(**client.model_dump())


@router.get("/deliveries", response_model=list[DeliveryPublic])
def list_deliveries(order_id: int, session: SessionDep, staff: StaffDep) -> list[DeliveryPublic]:
    """What was sent (or not) about an order, on which transport, how many attempts."""
    orders.get_visible_order(session, order_id=order_id, unit_path=staff.unit.path)
    return [DeliveryPublic(**d.model_dump())
            for d in deliveries.deliveries_for(session, order_id=order_id)]


@router.post("/attachments", response_model=UploadPublic, status_code=201)
def upload(file: UploadFile, session: SessionDep, api_key: ApiKey = None) -> UploadPublic:
    """A photo posted ahead of its report by a keyed client (app, grid, …)."""
    client = flows.authenticate_client(session, api_key=api_key)
    limit = get_settings().attachment_max_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"attachment exceeds {limit} bytes")
    att = flows.upload(session, client=client, filename=file.filename or "photo",
                       content_type=file.content_type or "", data=data)
    return UploadPublic(attachment_id=att.id, **att.model_dump(
        include={"filename", "content_type", "size", "sha256"}))

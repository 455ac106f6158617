"""The send job: takes a delivery id, safe to re-run (a sent delivery is never sent again)."""
from __future__ import annotations

import logging
from datetime import timedelta

from channels.config import get_channel_settings
from channels.enums import DeliveryStatus
from channels.outbound import service
from channels.outbound.transports import NotConfigured, send
from dispatch.db import session_scope
from dispatch.sqltypes import utcnow

log = logging.getLogger(__name__)
# a worker that died mid-send lets go of its claim after this long
CLAIM_TIMEOUT = timedelta(minutes=5)


def deliver(delivery_id: int) -> str:
    """Send one delivery; raise on failure so the queue retries it."""
    with session_scope() as s:
        d = service.claim(s, delivery_id=delivery_id, now=utcnow(), stale_after=CLAIM_TIMEOUT)
    if d is None:
        return "skipped"   # already sent, skipped, or being sent by another worker
    status, error = DeliveryStatus.sent, None
    try:
        send(d, get_channel_settings())
    except NotConfigured as exc:
        status, error = DeliveryStatus.skipped, str(exc)
    except Exception as exc:
        with session_scope() as s:
            service.finish(s, delivery_id=delivery_id, status=DeliveryStatus.failed,
                           now=utcnow(), error=f"{type(exc).__name__}: {exc}")
        raise
    with session_scope() as s:
        service.finish(s, delivery_id=delivery_id, status=status, now=utcnow(), error=error)
    return status.value

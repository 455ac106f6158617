"""Stable codes of the channels package."""
from enum import StrEnum

from dispatch.orders.enums import Channel


class Auth(StrEnum):
    api_key = "api_key"      # per-client key (X-Api-Key), stored hashed
    hmac = "hmac"            # shared secret: X-Timestamp + X-Signature over the body
    wechat = "wechat"        # WeChat token signature, optional AES envelope


class DeliveryKind(StrEnum):
    accepted = "accepted"                # 受理回执: the order number
    closed = "closed"                    # 办结告知: the public reply + satisfaction question
    police_result = "police_result"      # 110 hand-over result back to the police
    police_handover = "police_handover"  # an order we hand over to 110


class DeliveryStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"        # retried by the queue; stays failed after the last retry
    skipped = "skipped"      # the transport is not configured here


class Transport(StrEnum):
    sms = "sms"
    wechat = "wechat"                # customer-service message API
    wechat_passive = "wechat_passive"  # the reply in the callback's own response
    app_push = "app_push"
    police = "police"


# channels whose systems authenticate with a per-client API key
KEYED_CHANNELS = frozenset({Channel.police_110, Channel.app, Channel.grid, Channel.website,
                            Channel.cppcc, Channel.open311})

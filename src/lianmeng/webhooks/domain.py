"""Webhook rules without a session, a clock or I/O: the event types, who receives an event, what its body shows
to whom, when a failed delivery is tried again and when it is given up, and which endpoint addresses are accepted.

Who receives (docs/webhooks.md, "Tenancy"): an operator's endpoint (no merchant) receives every event of its
alliance; a merchant's endpoint receives an event only when the merchant is a party to it (where it happened, the
coupon's issuer, the referrer, the other side of an agreement, the statement's merchant). The member's id is shown
only to the merchant where the event happened and to the operator; other parties learn ids and amounts in fen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

from lianmeng.kit.vocab import LabelledEnum
from lianmeng.webhooks.errors import Problem


class EventType(LabelledEnum):
    ORDER_RECORDED = "order.recorded", "订单已记录", "Order recorded"
    ORDER_REFUNDED = "order.refunded", "订单已退款", "Order refunded"
    COUPON_REDEEMED = "coupon.redeemed", "优惠券已核销", "Coupon redeemed"
    REBATE_RELEASED = "rebate.released", "返佣已解冻", "Rebate released"
    STATEMENT_ISSUED = "statement.issued", "对账单已出具", "Statement issued"
    AGREEMENT_CHANGED = "agreement.changed", "合作协议已变更", "Agreement changed"
    MEMBER_MERGED = "member.merged", "会员已合并", "Member merged"


class DeliveryState(LabelledEnum):
    PENDING = "pending", "待投递", "Pending"
    DELIVERED = "delivered", "已送达", "Delivered"
    DEAD = "dead", "已放弃(死信)", "Dead-lettered"


@dataclass(frozen=True)
class NewEvent:
    """An event as its cause writes it to the outbox. `merchant_id`: where it happened (None: alliance-level);
    `parties`: every other merchant it concerns; `member_id`: the member, shown only as `domain.body` says."""

    alliance_id: int
    merchant_id: int | None
    type: EventType
    payload: Mapping[str, Any]
    parties: Sequence[int] = field(default_factory=tuple)
    member_id: int | None = None

    def party_ids(self) -> list[int]:
        return sorted({*self.parties, *([self.merchant_id] if self.merchant_id is not None else [])})


@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery, ready to sign and send: every secret that signs it (the current one first)."""

    delivery_id: int
    url: str
    message_id: str
    body: str
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class Sent:
    """What one attempt got: the answer's status (None: no answer), its latency, and the error in words."""

    delivery_id: int
    status_code: int | None
    latency_ms: int
    error: str = ""


# --- who receives what ------------------------------------------------------------------------------------------


def receives(endpoint_merchant_id: int | None, event_types: Sequence[str], event_type: str,
             parties: Sequence[int]) -> bool:
    """An endpoint subscribed to the type receives the event if it is the operator's or its merchant is a party."""
    if event_type not in event_types:
        return False
    return endpoint_merchant_id is None or endpoint_merchant_id in parties


def body(event_id: str, event_type: str, occurred_at: datetime, payload: Mapping[str, Any],
         member_id: int | None, event_merchant_id: int | None, endpoint_merchant_id: int | None) -> dict[str, Any]:
    """The JSON body sent to one endpoint, in the Standard Webhooks shape {type, timestamp, data}. The member's id
    is added for the operator and for the merchant where the event happened, never for another party."""
    data = dict(payload)
    if member_id is not None and (endpoint_merchant_id is None or endpoint_merchant_id == event_merchant_id):
        data["member_id"] = member_id
    return {"type": event_type, "timestamp": occurred_at.isoformat(), "event_id": event_id, "data": data}


# --- retries ----------------------------------------------------------------------------------------------------

#: Wait after the 1st, 2nd, … failed attempt; the last one repeats until GIVE_UP_AFTER.
RETRY_DELAYS = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                timedelta(hours=5), timedelta(hours=10))
#: Counted from the first attempt: the last try is made at this moment at the latest, then the delivery is dead.
GIVE_UP_AFTER = timedelta(days=3)
#: How long a claimed delivery is left to its worker before another may take it (a worker that died mid-send).
LEASE = timedelta(minutes=2)
#: After a rotation the old secret keeps signing beside the new one for this long.
ROTATION_OVERLAP = timedelta(hours=24)


def next_attempt(failed_attempts: int, first_attempt_at: datetime, failed_at: datetime) -> datetime | None:
    """When to try again after the `failed_attempts`-th failure at `failed_at`; None: give up (dead letter).
    The schedule is RETRY_DELAYS, capped so that the last try falls exactly GIVE_UP_AFTER after the first."""
    deadline = first_attempt_at + GIVE_UP_AFTER
    if failed_at >= deadline:
        return None
    delay = RETRY_DELAYS[min(failed_attempts, len(RETRY_DELAYS)) - 1]
    return min(failed_at + delay, deadline)


def succeeded(status_code: int | None) -> bool:
    """A 2xx answer is a delivery; anything else (3xx included: redirects are not followed) is tried again."""
    return status_code is not None and 200 <= status_code < 300


# --- endpoint addresses -----------------------------------------------------------------------------------------

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def url_problem(url: str, allow_loopback: bool) -> Problem | None:
    """Why an endpoint address is refused, or None. HTTPS only, to a public host; plain http to the loopback
    (127.0.0.1, localhost) only where `allow_loopback` (development and tests: docs/webhooks.md)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if not host or parts.scheme not in ("http", "https") or parts.username or parts.password or parts.fragment:
        return Problem.WEBHOOK_URL_INVALID
    if host in LOOPBACK_NAMES or _private(host):
        return None if allow_loopback and host in LOOPBACK_NAMES else Problem.WEBHOOK_URL_PRIVATE
    if parts.scheme != "https":
        return Problem.WEBHOOK_URL_NOT_HTTPS
    return None


def _private(host: str) -> bool:
    """A literal address that is not on the public internet (a name is not resolved here)."""
    try:
        address = ip_address(host.strip("[]"))
    except ValueError:
        return host.endswith(".localhost") or host.endswith(".local") or host.endswith(".internal")
    return not address.is_global

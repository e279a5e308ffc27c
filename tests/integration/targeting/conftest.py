"""Targeted offers built straight into the database (helper code creates and sends them; here only their rows
matter), with members holding memberships at every merchant of alliance A so each partner can record their orders
through the API. Members' ids start at 900,001 (overlap's fixture), far from any count a result may carry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from lianmeng.audiences.models import Audience
from lianmeng.coupons.models import CouponTemplate
from lianmeng.db import insert_many, unit_of_work
from lianmeng.kit import clock
from lianmeng.targeting.models import OfferRecipient, TargetedOffer
from tests.conftest import DATABASE_URL, World
from tests.integration.overlap.conftest import Customers, add_customers


@dataclass
class Built:
    offer_id: int
    template_id: int
    arms: dict[str, list[int]] = field(default_factory=dict)


def members(world: World, customers: Customers, how_many: int) -> list[int]:
    """`how_many` new members of alliance A, each holding a membership at all three of its merchants."""
    first = len(customers.ids)
    with unit_of_work(DATABASE_URL) as session:
        add_customers(session, customers, world.a.alliance_id, [(how_many, set(world.a.merchants))])
    return customers.ids[first:]


def make_offer(world: World, *, sender: int, partner: int, name: str, arms: dict[str, Sequence[int]],
               sent_at: datetime, attribution_days: int = 30, sent_times: dict[int, datetime] | None = None
               ) -> Built:
    """An offer of `sender` carrying a coupon template of `partner`; treated and random members sent at `sent_at`
    (or their own time in `sent_times`), the holdout sent nothing."""
    sent_times = sent_times or {}
    with unit_of_work(DATABASE_URL) as session:
        template = CouponTemplate(alliance_id=world.a.alliance_id, owner_merchant_id=partner,
                                  funded_by_merchant_id=partner, name=f"{name} 券", kind="amount_off",
                                  amount_fen=5_000, per_member_limit=5)
        audience = Audience(alliance_id=world.a.alliance_id, merchant_id=sender, name=f"{name} 人群")
        session.add_all([template, audience])
        session.flush()
        offer = TargetedOffer(alliance_id=world.a.alliance_id, merchant_id=sender, partner_merchant_id=partner,
                              template_id=template.id, audience_id=audience.id, name=name,
                              scheduled_at=sent_at - timedelta(minutes=5), seed="s", attribution_days=attribution_days,
                              random_arm="random" in arms, status="finished",
                              assigned_at=sent_at - timedelta(minutes=5))
        session.add(offer)
        session.flush()
        rows = []
        for arm, ids in arms.items():
            for member_id in ids:
                held = arm == "holdout"
                at = None if held else sent_times.get(member_id, sent_at)
                rows.append({"alliance_id": world.a.alliance_id, "offer_id": offer.id, "member_id": member_id,
                             "arm": arm, "stratum": "", "status": "held" if held else "sent", "attempts": 0,
                             "sent_at": at, "delivered_at": at, "revenue_fen": 0})
        insert_many(session, OfferRecipient, rows)
        return Built(offer.id, template.id, {arm: list(ids) for arm, ids in arms.items()})


def record_orders(client: TestClient, headers: dict[str, str], orders: Sequence[tuple[int, int]], tag: str
                  ) -> list[int]:
    """(member id, amount in fen) recorded at the caller's merchant now, through the API; their order ids."""
    ids: list[int] = []
    for start in range(0, len(orders), 200):
        chunk = orders[start:start + 200]
        response = client.post("/api/v1/orders/batch", headers=headers, json={"orders": [
            {"member_id": m, "amount_fen": fen, "external_id": f"{tag}-{start + i}"}
            for i, (m, fen) in enumerate(chunk)]})
        assert response.status_code == 200, response.text
        assert response.json()["created"] == len(chunk), response.text
        ids += [r["order"]["id"] for r in response.json()["results"]]
    return ids


def refresh(offer_id: int, at: datetime | None = None) -> dict[str, object]:
    from lianmeng.targeting import results

    with unit_of_work(DATABASE_URL) as session:
        offer = session.get(TargetedOffer, offer_id)
        assert offer is not None
        return results.refresh_outcomes(session, offer, at)


@pytest.fixture
def customers(world: World) -> Customers:
    return Customers()


@pytest.fixture
def new_members(world: World, customers: Customers) -> Callable[[int], list[int]]:
    return lambda n: members(world, customers, n)


def ago(**delta: float) -> datetime:
    return clock.now() - timedelta(**delta)

"""Shared steps of the distribution tests: an offer of merchant 2 ("the gym") with sharing terms, members who share
and claim through the API as members, orders recorded at the gym's till."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, OwnerType
from tests.conftest import World

_phones = itertools.count(1)


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def offer(world: World, **terms: Any) -> int:
    """The gym's (merchant 2) offer with sharing terms: by default a ¥20 rebate on a friend's first order of at
    least ¥100, within 30 days of the claim, frozen 7 days."""
    template = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "私教体验课", "kind": "amount_off", "amount_fen": 1_000, "per_member_limit": 1}))
    body = {"reward_kind": "rebate", "amount": 2_000, "min_order_fen": 10_000, "window_days": 30, **terms}
    ok(world.client.put(f"/api/v1/coupon-templates/{template['id']}/distribution",
                        headers=world.a.actors["admin2"].headers, json=body), 200)
    return int(template["id"])


def new_member(world: World, name: str = "王小二", merchant_index: int = 1) -> int:
    """A friend, enrolled at the gym (as a phone new to the alliance joins when claiming the gym's offer)."""
    staff = world.a.actors[f"staff{merchant_index + 1}"].headers
    member = ok(world.client.post("/api/v1/members", headers=staff, json={
        "phone": f"137{next(_phones):08d}", "name": name, "consent_marketing": False}))
    return int(member["id"])


def member_headers(world: World, member_id: int) -> dict[str, str]:
    qr = ok(world.client.get(f"/api/v1/members/{member_id}/card", headers=world.a.actors["operator"].headers),
            200)["qr_payload"]
    token = ok(world.client.post("/api/v1/auth/member/card", json={"qr_payload": qr}), 200)["access_token"]
    return {"Authorization": f"Bearer {token}"}


def share_link(world: World, sharer_id: int, template_id: int) -> str:
    link = ok(world.client.post("/api/v1/me/shares", headers=member_headers(world, sharer_id),
                                json={"template_id": template_id}))
    return str(link["token"])


def claim(world: World, friend_id: int, token: str) -> dict[str, Any]:
    """The friend, logged in as a member, claims through the link: their coupon."""
    answer = ok(world.client.post(f"/api/v1/claim/{token}", headers=member_headers(world, friend_id), json={}))
    return dict(answer["coupon"])


def buy(world: World, member_id: int, amount_fen: int, external_id: str, merchant_index: int = 1) -> dict[str, Any]:
    staff = world.a.actors[f"staff{merchant_index + 1}"].headers
    return dict(ok(world.client.post("/api/v1/orders", headers=staff, json={
        "external_id": external_id, "member_id": member_id, "amount_fen": amount_fen})))


def refund(world: World, order_id: int, amount_fen: int, external_id: str) -> None:
    ok(world.client.post(f"/api/v1/orders/{order_id}/refunds", headers=world.a.actors["staff2"].headers,
                         json={"external_id": external_id, "amount_fen": amount_fen}))


def member_balance(session: Session, world: World, member_id: int, kind: AccountKind) -> int:
    session.rollback()
    return ledger.balance(session, world.a.alliance_id, AccountRef(OwnerType.MEMBER, member_id, kind))


def my_shares(world: World, member_id: int) -> dict[str, Any]:
    return dict(ok(world.client.get("/api/v1/me/shares", headers=member_headers(world, member_id)), 200))


def rewards_of(session: Session, sharer_id: int) -> list[Any]:
    from lianmeng.distribution.models import DistributionReward

    session.rollback()
    return list(session.scalars(select(DistributionReward).where(DistributionReward.sharer_member_id == sharer_id)
                                .order_by(DistributionReward.id)))

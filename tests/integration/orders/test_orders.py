"""Orders, stored value and points through the API: split, earn, spend, refund — and nothing is ever farmed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, OwnerType
from lianmeng.ledger.models import Entry
from lianmeng.orders.service import member_stored_value
from lianmeng.points.models import PointsGrant
from lianmeng.points.service import member_debt, member_points
from tests.conftest import World


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def setup(world: World) -> tuple[int, int, dict[str, str]]:
    m1 = world.a.merchants[0]
    return m1, world.a.members[m1], world.a.actors["staff1"].headers


def points_of(session: Session, world: World, member_id: int) -> int:
    session.rollback()
    return ledger.balance(session, world.a.alliance_id, member_points(member_id))


def test_cash_order_earns_points_with_a_grant(world: World, session: Session) -> None:
    m1, member, staff = setup(world)
    order = ok(world.client.post("/api/v1/orders", headers=staff, json={
        "external_id": "POS-1", "member_id": member, "amount_fen": 195_050,
        "items": [{"name": "小保养", "quantity": 1, "unit_price_fen": 195_050}]}))
    assert order["cash_fen"] == 195_050 and order["points_earned"] == 1_950  # 1 point per whole ¥1
    assert points_of(session, world, member) == 1_950
    grant = session.scalars(select(PointsGrant)).one()
    assert grant.issuer_merchant_id == m1 and grant.remaining == 1_950
    assert (grant.expires_at - grant.granted_at).days in range(365, 367)


def test_retrying_an_order_posts_once(world: World, session: Session) -> None:
    _, member, staff = setup(world)
    body = {"external_id": "POS-2", "member_id": member, "amount_fen": 10_000}
    first = ok(world.client.post("/api/v1/orders", headers=staff, json=body))
    again = ok(world.client.post("/api/v1/orders", headers=staff, json=body))
    assert again["id"] == first["id"]
    assert points_of(session, world, member) == 100
    different = world.client.post("/api/v1/orders", headers=staff, json={**body, "amount_fen": 20_000})
    assert different.status_code == 409 and different.json()["error"]["code"] == "duplicate_external_id"


def test_split_payment_and_a_full_refund_leaves_nothing_behind(world: World, session: Session) -> None:
    m1, member, staff = setup(world)
    admin = world.a.actors["admin1"].headers
    ok(world.client.post("/api/v1/top-ups", headers=admin, json={
        "external_id": "TOP-1", "member_id": member, "amount_fen": 50_000}))
    ok(world.client.post("/api/v1/orders", headers=staff, json={
        "external_id": "EARN", "member_id": member, "amount_fen": 30_000}))  # 300 points
    order = ok(world.client.post("/api/v1/orders", headers=staff, json={
        "external_id": "MIX", "member_id": member, "amount_fen": 100_000, "points_used": 300,
        "stored_value_fen": 40_000}))
    assert (order["cash_fen"], order["stored_value_fen"], order["points_value_fen"]) == (59_700, 40_000, 300)
    assert order["points_earned"] == 997  # earned on cash + stored value, never on points
    session.rollback()
    assert ledger.balance(session, world.a.alliance_id, member_stored_value(member, m1)) == 10_000
    assert points_of(session, world, member) == 997

    parts = [ok(world.client.post(f"/api/v1/orders/{order['id']}/refunds", headers=staff,
                                  json={"external_id": f"R{n}", "amount_fen": fen}))
             for n, fen in enumerate((33_333, 33_333, 33_334))]
    assert sum(p["cash_fen"] for p in parts) == 59_700
    assert sum(p["stored_value_fen"] for p in parts) == 40_000
    assert sum(p["points_restored"] for p in parts) == 300
    assert sum(p["points_reversed"] for p in parts) == 997
    session.rollback()
    assert ledger.balance(session, world.a.alliance_id, member_stored_value(member, m1)) == 50_000
    assert points_of(session, world, member) == 300  # back to before the order: nothing farmed
    over = world.client.post(f"/api/v1/orders/{order['id']}/refunds", headers=staff,
                             json={"external_id": "R9", "amount_fen": 1})
    assert over.status_code == 422 and over.json()["error"]["code"] == "refund_exceeds"


def test_buy_spend_elsewhere_refund_leaves_a_debt_repaid_by_later_earnings(world: World, session: Session) -> None:
    _, member, staff = setup(world)
    order = ok(world.client.post("/api/v1/orders", headers=staff, json={
        "external_id": "FARM", "member_id": member, "amount_fen": 100_000}))  # earns 1000
    ok(world.client.post("/api/v1/memberships", headers=world.a.actors["staff2"].headers,
                         json={"card_no": world.client.get(f"/api/v1/members/{member}",
                                                           headers=staff).json()["card_no"]}))
    ok(world.client.post("/api/v1/orders", headers=world.a.actors["staff2"].headers, json={
        "external_id": "SPEND", "member_id": member, "amount_fen": 1_000, "points_used": 1_000}))
    assert points_of(session, world, member) == 0
    refund = ok(world.client.post(f"/api/v1/orders/{order['id']}/refunds", headers=staff,
                                  json={"external_id": "R", "amount_fen": 100_000}))
    assert refund["points_reversed"] == 1_000
    session.rollback()
    assert ledger.balance(session, world.a.alliance_id, member_debt(member)) == -1_000
    ok(world.client.post("/api/v1/orders", headers=staff, json={
        "external_id": "LATER", "member_id": member, "amount_fen": 150_000}))  # earns 1500: 1000 repays debt
    session.rollback()
    assert ledger.balance(session, world.a.alliance_id, member_debt(member)) == 0
    assert points_of(session, world, member) == 500


def test_bad_orders_are_refused_with_nothing_posted(world: World, session: Session) -> None:
    _, member, staff = setup(world)
    other_members_member = world.a.members[world.a.merchants[1]]
    cases = [
        ({"external_id": "B1", "member_id": member, "amount_fen": 0}, 422),
        ({"external_id": "B2", "member_id": member, "amount_fen": -5}, 422),
        ({"external_id": "B3", "member_id": member, "amount_fen": 100, "points_used": 500}, 422),
        ({"external_id": "B4", "member_id": member, "amount_fen": 10_000, "points_used": 100}, 409),
        ({"external_id": "B5", "member_id": member, "amount_fen": 10_000, "stored_value_fen": 100}, 409),
        ({"external_id": "B6", "member_id": 999_999, "amount_fen": 10_000}, 404),
        ({"external_id": "B7", "member_id": other_members_member, "amount_fen": 10_000}, 404),
        ({"external_id": "B8", "member_id": member, "amount_fen": 10_000, "stored_value_fen": 100,
          "stored_value_merchant_id": world.a.merchants[1]}, 409),
    ]
    for body, status in cases:
        r = world.client.post("/api/v1/orders", headers=staff, json=body)
        assert r.status_code == status, (body, r.text)
    session.rollback()
    assert session.scalar(select(func.count(Entry.id))) == 0
    suspended = world.client.patch(f"/api/v1/merchants/{world.a.merchants[0]}", json={"status": "suspended"},
                                   headers=world.a.actors["operator"].headers)
    assert suspended.status_code == 200
    r = world.client.post("/api/v1/orders", headers=staff, json={
        "external_id": "B9", "member_id": member, "amount_fen": 10_000})
    assert r.status_code == 422 and r.json()["error"]["code"] == "merchant_suspended"


def test_stored_value_at_a_partner_under_a_joint_card_agreement(world: World, session: Session) -> None:
    m1, member, _ = setup(world)
    m2 = world.a.merchants[1]
    op = world.a.actors["operator"].headers
    gym = world.a.actors["staff2"].headers
    ok(world.client.post("/api/v1/top-ups", headers=world.a.actors["admin1"].headers, json={
        "external_id": "T", "member_id": member, "amount_fen": 100_000}))
    card = world.client.get(f"/api/v1/members/{member}", headers=op).json()["card_no"]
    ok(world.client.post("/api/v1/memberships", headers=gym, json={"card_no": card}))
    body = {"external_id": "G1", "member_id": member, "amount_fen": 30_000, "stored_value_fen": 30_000,
            "stored_value_merchant_id": m1}
    refused = world.client.post("/api/v1/orders", headers=gym, json=body)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "stored_value_not_accepted"
    agreement = ok(world.client.post("/api/v1/agreements", headers=op, json={
        "title": "联合储值卡", "merchant_a_id": m1, "merchant_b_id": m2, "modes": ["joint_card"]}))
    for action in ("propose", "accept", "activate"):
        ok(world.client.post(f"/api/v1/agreements/{agreement['id']}/transitions", headers=op,
                             json={"action": action}), 200)
    ok(world.client.post("/api/v1/orders", headers=gym, json=body))
    session.rollback()
    alliance = world.a.alliance_id
    partner = AccountKind.PARTNER_BALANCE
    assert ledger.balance(session, alliance, member_stored_value(member, m1)) == 70_000
    assert ledger.balance(session, alliance, AccountRef(OwnerType.MERCHANT, m1, partner, scope_id=m2)) == -30_000
    assert ledger.balance(session, alliance, AccountRef(OwnerType.MERCHANT, m2, partner, scope_id=m1)) == 30_000

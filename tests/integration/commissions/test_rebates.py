"""Seed 002 §2.5/§3.2: a shopping guide's referral pays a rebate when the customer spends — shown at once, frozen
for the return window, then withdrawable; refunds take it back; nobody farms it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, OwnerType
from lianmeng.ledger.models import Entry
from tests.conftest import World

TERMS = [
    {"kind": "per_head", "amount_fen": 5_000, "payee": "staff", "payer": "b"},  # ¥50 per conversion to the SA
    {"kind": "percent_of_order", "rate_bp": 500, "payee": "merchant", "payer": "b", "operator_rate_bp": 1000},
]


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def staff_balance(session: Session, world: World, staff_id: int, kind: AccountKind) -> int:
    session.rollback()
    return ledger.balance(session, world.a.alliance_id, AccountRef(OwnerType.STAFF, staff_id, kind))


def add_payout_account(world: World, who: str, account: str = "13800138000") -> int:
    """A WeChat Pay payout account of `who` (a store staff login: theirs; a merchant admin: the merchant's)."""
    return int(ok(world.client.post("/api/v1/payout-accounts", headers=world.a.actors[who].headers, json={
        "method": "wechat_pay", "account": account, "holder_name": "收款人"}))["id"])


def agree(world: World, window_days: int = 7) -> None:
    """m1 (the centre) refers customers to m2 (the gym), which pays."""
    op = world.a.actors["operator"].headers
    m1, m2 = world.a.merchants[:2]
    agreement = ok(world.client.post("/api/v1/agreements", headers=op, json={
        "title": "导流返利", "merchant_a_id": m1, "merchant_b_id": m2, "modes": ["rights_exchange"],
        "commission_terms": TERMS, "return_window_days": window_days}))
    for action in ("propose", "accept", "activate"):
        ok(world.client.post(f"/api/v1/agreements/{agreement['id']}/transitions", headers=op,
                             json={"action": action}), 200)


def referred_order(world: World, external_id: str, amount: int) -> Any:
    m1 = world.a.merchants[0]
    member = world.a.members[m1]
    gym = world.a.actors["staff2"].headers
    card = world.client.get(f"/api/v1/members/{member}", headers=world.a.actors["staff1"].headers).json()["card_no"]
    world.client.post("/api/v1/memberships", headers=gym, json={"card_no": card})
    return ok(world.client.post("/api/v1/orders", headers=gym, json={
        "external_id": external_id, "member_id": member, "amount_fen": amount,
        "referrer_merchant_id": m1, "referrer_staff_id": world.a.staff[m1]}))


def test_rebate_is_frozen_then_released_then_withdrawn(world: World, session: Session) -> None:
    agree(world)
    sa = world.a.staff[world.a.merchants[0]]
    order = referred_order(world, "GYM-1", 600_000)  # ¥6,000 gym card
    rebates = ok(world.client.get("/api/v1/rebates", headers=world.a.actors["operator"].headers), 200)["items"]
    by_payee = {(r["payee_type"], r["payee_id"]): r for r in rebates}
    assert by_payee[("staff", sa)]["amount_fen"] == 5_000
    assert by_payee[("merchant", world.a.merchants[0])]["amount_fen"] == 30_000  # 5%
    assert by_payee[("operator", 0)]["amount_fen"] == 3_000  # 10% of the ¥300 commission
    assert staff_balance(session, world, sa, AccountKind.REBATE_FROZEN) == 5_000
    assert staff_balance(session, world, sa, AccountKind.REBATE_AVAILABLE) == 0

    clerk = world.a.actors["staff1"].headers
    add_payout_account(world, "staff1")
    early = world.client.post("/api/v1/withdrawals", headers=clerk,
                              json={"payee_type": "staff", "payee_id": sa, "amount_fen": 5_000})
    assert early.status_code == 409 and early.json()["error"]["code"] == "insufficient_balance"

    assert run_all(world.client.app.state.database_url).rebates_released == 0  # window not over
    report = run_all(world.client.app.state.database_url, at=clock.now() + timedelta(days=7, minutes=1))
    assert report.rebates_released == 2
    again = run_all(world.client.app.state.database_url, at=clock.now() + timedelta(days=8))
    assert again.rebates_released == 0  # idempotent
    assert staff_balance(session, world, sa, AccountKind.REBATE_AVAILABLE) == 5_000

    withdrawal = ok(world.client.post("/api/v1/withdrawals", headers=clerk,
                                      json={"payee_type": "staff", "payee_id": sa, "amount_fen": 5_000}))
    twice = world.client.post("/api/v1/withdrawals", headers=clerk,
                              json={"payee_type": "staff", "payee_id": sa, "amount_fen": 5_000})
    assert twice.status_code == 409  # the money is held by the first request
    admin = world.a.actors["admin1"].headers
    paid_early = world.client.post(f"/api/v1/withdrawals/{withdrawal['id']}/decisions", headers=admin,
                                   json={"decision": "pay", "payout_reference": "WX-1"})
    assert paid_early.status_code == 409
    ok(world.client.post(f"/api/v1/withdrawals/{withdrawal['id']}/decisions", headers=admin,
                         json={"decision": "approve"}), 200)
    paid = ok(world.client.post(f"/api/v1/withdrawals/{withdrawal['id']}/decisions", headers=admin,
                                json={"decision": "pay", "payout_reference": "WX-1"}), 200)
    assert paid["status"] == "paid" and paid["payout_reference"] == "WX-1"
    assert staff_balance(session, world, sa, AccountKind.WITHDRAWAL_PENDING) == 0
    assert order["id"]


def test_refund_inside_the_window_reverses_proportionally(world: World, session: Session) -> None:
    agree(world)
    sa = world.a.staff[world.a.merchants[0]]
    order = referred_order(world, "GYM-2", 600_000)
    gym = world.a.actors["staff2"].headers
    ok(world.client.post(f"/api/v1/orders/{order['id']}/refunds", headers=gym,
                         json={"external_id": "R1", "amount_fen": 300_000}))
    assert staff_balance(session, world, sa, AccountKind.REBATE_FROZEN) == 2_500
    ok(world.client.post(f"/api/v1/orders/{order['id']}/refunds", headers=gym,
                         json={"external_id": "R2", "amount_fen": 300_000}))
    assert staff_balance(session, world, sa, AccountKind.REBATE_FROZEN) == 0
    run_all(world.client.app.state.database_url, at=clock.now() + timedelta(days=8))
    assert staff_balance(session, world, sa, AccountKind.REBATE_AVAILABLE) == 0  # nothing to farm


def test_refund_after_release_claws_back_and_later_rebates_repay_first(world: World, session: Session) -> None:
    agree(world)
    sa = world.a.staff[world.a.merchants[0]]
    clerk = world.a.actors["staff1"].headers
    add_payout_account(world, "staff1")
    order = referred_order(world, "GYM-3", 600_000)
    run_all(world.client.app.state.database_url, at=clock.now() + timedelta(days=8))
    ok(world.client.post("/api/v1/withdrawals", headers=clerk,
                         json={"payee_type": "staff", "payee_id": sa, "amount_fen": 5_000}))
    ok(world.client.post(f"/api/v1/orders/{order['id']}/refunds", headers=world.a.actors["staff2"].headers,
                         json={"external_id": "R", "amount_fen": 600_000}))
    assert staff_balance(session, world, sa, AccountKind.REBATE_CLAWBACK) == -5_000
    # the member's second order is no new conversion: per-head pays once; the clawback stays until repaid
    referred_order(world, "GYM-4", 100_000)
    assert staff_balance(session, world, sa, AccountKind.REBATE_FROZEN) == 0
    session.rollback()
    sums = session.execute(select(Entry.posting_id, Entry.unit, func.sum(Entry.amount))
                           .group_by(Entry.posting_id, Entry.unit)).all()
    assert sums and all(total == 0 for _, _, total in sums)


def test_no_agreement_no_commission(world: World, session: Session) -> None:
    referred_order(world, "GYM-5", 600_000)
    assert ok(world.client.get("/api/v1/rebates", headers=world.a.actors["operator"].headers), 200)["total"] == 0

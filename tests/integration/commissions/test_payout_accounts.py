"""Withdrawals need a payout account — WeChat Pay, Alipay or a bank card — kept encrypted with a masked copy, like
a member's phone; only the payee adds its own and asks for withdrawals for itself, to one of its own accounts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from lianmeng.db import Base
from lianmeng.jobs.service import run_all
from lianmeng.kit import clock, crypto
from lianmeng.withdrawals.models import PayoutAccount
from tests.conftest import World
from tests.integration.commissions.test_rebates import agree, referred_order

API = "/api/v1"
CARD = "6222021234567890123"


def call(world: World, who: str, method: str, path: str, body: Any = None, status: int = 200) -> Any:
    r = world.client.request(method, API + path, json=body, headers=world.a.actors[who].headers)
    assert r.status_code == status, f"{who} {method} {path}: {r.status_code} {r.text}"
    return r.json()


def code(response: Any) -> str:
    return str(response["error"]["code"])


def test_accounts_are_stored_encrypted_and_shown_masked(world: World, session: Session) -> None:
    card = call(world, "admin1", "POST", "/payout-accounts", {
        "method": "bank_card", "account": "6222 0212 3456 7890 123", "holder_name": "商户一", "bank_name": "招商银行"},
        201)
    assert (card["account_masked"], card["owner_type"], card["owner_id"]) == ("6222 **** 0123", "merchant",
                                                                               world.a.merchants[0])
    alipay = call(world, "staff1", "POST", "/payout-accounts", {
        "method": "alipay", "account": "Wang.Fang@example.com", "holder_name": "王芳"}, 201)
    wechat = call(world, "staff1", "POST", "/payout-accounts", {
        "method": "wechat_pay", "account": "138-0013-8000", "holder_name": "王芳"}, 201)
    assert (alipay["account_masked"], wechat["account_masked"]) == ("w***@example.com", "138****8000")
    session.rollback()
    row = session.scalars(select(PayoutAccount).where(PayoutAccount.id == card["id"])).one()
    assert CARD not in row.account_enc and crypto.decrypt(row.account_enc) == CARD
    # the clear number is nowhere in the database (the idempotency record keeps the masked answer only)
    for table in Base.metadata.sorted_tables:
        for values in session.execute(text(f"SELECT * FROM {table.name}")):
            assert not any(CARD in str(v) or "13800138000" in str(v) for v in values), table.name

    # a number that is not one for its method, and a card without its bank, are refused
    for body, refusal in (({"method": "bank_card", "account": "1234-5", "holder_name": "x", "bank_name": "工行"},
                           "payout_account_invalid"),
                          ({"method": "alipay", "account": "not-an-account", "holder_name": "x"},
                           "payout_account_invalid"),
                          ({"method": "bank_card", "account": CARD, "holder_name": "x"}, "payout_bank_required")):
        assert code(call(world, "staff1", "POST", "/payout-accounts", body, 422)) == refusal
    english = world.client.post(f"{API}/payout-accounts", json={"method": "alipay", "account": "x" * 6,
                                                                 "holder_name": "x"},
                                headers={**world.a.actors["staff1"].headers, "Accept-Language": "en"}).json()
    assert english["error"]["message"].startswith("Not an account: a bank card is 12–19 digits")
    # only a payee adds its own: not the operator
    assert code(call(world, "operator", "POST", "/payout-accounts", {
        "method": "alipay", "account": "13800000000", "holder_name": "x"}, 403)) == "withdrawal_not_payee"

    # who sees them (masked): staff their own; the admin its own and its staff's; the operator all; not m2
    def listed(who: str) -> set[int]:
        return {a["id"] for a in call(world, who, "GET", "/payout-accounts")["items"]}

    assert listed("staff1") == {alipay["id"], wechat["id"]}
    assert listed("admin1") == listed("operator") == {card["id"], alipay["id"], wechat["id"]}
    assert listed("admin2") == listed("staff2") == set()
    # only its owner removes it
    call(world, "admin1", "DELETE", f"/payout-accounts/{alipay['id']}", status=403)
    call(world, "admin2", "DELETE", f"/payout-accounts/{alipay['id']}", status=404)
    removed = call(world, "staff1", "DELETE", f"/payout-accounts/{alipay['id']}")
    assert removed["removed_at"] is not None and listed("staff1") == {wechat["id"]}


def test_only_the_payee_withdraws_and_to_its_own_account(world: World) -> None:
    agree(world)  # ¥50 per head to m1's guide (staff1), 5% to m1
    sa, m1 = world.a.staff[world.a.merchants[0]], world.a.merchants[0]
    referred_order(world, "GYM-PA", 600_000)
    run_all(world.client.app.state.database_url, at=clock.now() + timedelta(days=8))
    ask = {"payee_type": "staff", "payee_id": sa, "amount_fen": 2_000}

    assert code(call(world, "staff1", "POST", "/withdrawals", ask, 422)) == "payout_account_required"
    shop = call(world, "admin1", "POST", "/payout-accounts", {
        "method": "wechat_pay", "account": "wx_gym_shop", "holder_name": "商户一"}, 201)
    old = call(world, "staff1", "POST", "/payout-accounts", {
        "method": "alipay", "account": "13900001111", "holder_name": "导购"}, 201)
    new = call(world, "staff1", "POST", "/payout-accounts", {
        "method": "wechat_pay", "account": "13900002222", "holder_name": "导购"}, 201)

    # the admin cannot withdraw its guide's rebates, nor the guide the shop's; nobody to another's account
    assert code(call(world, "admin1", "POST", "/withdrawals", ask, 403)) == "withdrawal_not_payee"
    assert code(call(world, "staff1", "POST", "/withdrawals",
                     {"payee_type": "merchant", "payee_id": m1, "amount_fen": 2_000}, 403)) == "withdrawal_not_payee"
    assert code(call(world, "staff1", "POST", "/withdrawals", {**ask, "payout_account_id": shop["id"]}, 422)) == \
        "payout_account_unknown"
    call(world, "staff2", "POST", "/withdrawals", ask, 404)  # another merchant's guide: not there

    # the chosen account, or the newest; a removed one cannot be chosen
    chosen = call(world, "staff1", "POST", "/withdrawals", {**ask, "payout_account_id": old["id"]}, 201)
    newest = call(world, "staff1", "POST", "/withdrawals", ask, 201)
    assert (chosen["payout_account_id"], newest["payout_account_id"]) == (old["id"], new["id"])
    call(world, "staff1", "DELETE", f"/payout-accounts/{old['id']}")
    assert code(call(world, "staff1", "POST", "/withdrawals", {**ask, "payout_account_id": old["id"]}, 422)) == \
        "payout_account_unknown"
    mine = call(world, "admin1", "POST", "/withdrawals", {"payee_type": "merchant", "payee_id": m1,
                                                          "amount_fen": 2_000}, 201)
    assert mine["payout_account_id"] == shop["id"]

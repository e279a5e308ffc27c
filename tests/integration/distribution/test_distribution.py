"""Issue 18 item 2: a member shares an offer with their own link; a friend's first qualifying order earns the sharer
a reward by the commission rules, frozen through the return window, reversed on refund; single level, no
self-referral, a monthly cap per sharer; terms set by the offer's owner within bounds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.commissions.models import Rebate
from lianmeng.coupons.models import Coupon
from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from lianmeng.ledger.domain import AccountKind
from lianmeng.ledger.models import Account, Entry
from tests.conftest import World
from tests.integration.distribution.helpers import (
    buy,
    claim,
    member_balance,
    member_headers,
    my_shares,
    new_member,
    offer,
    ok,
    refund,
    rewards_of,
    share_link,
)


@pytest.mark.parametrize("body", [
    {"reward_kind": "rebate"},  # no amount
    {"reward_kind": "rebate", "amount": 100, "rate_bp": 500},  # both
    {"reward_kind": "points", "rate_bp": 500},  # points are a fixed amount
    {"reward_kind": "rebate", "rate_bp": 5_001},
    {"reward_kind": "rebate", "amount": 0},
    {"reward_kind": "rebate", "amount": 100, "window_days": 0},
    {"reward_kind": "rebate", "amount": 100, "cap_per_month": 0},
    {"reward_kind": "rebate", "amount": 100, "return_window_days": 91},
    {"reward_kind": "points", "amount": 1_000_001},
    {"reward_kind": "cash", "amount": 100},
    {"reward_kind": "rebate", "amount": "100"},
])
def test_terms_out_of_bounds_are_422_and_nothing_written(world: World, session: Session,
                                                          body: dict[str, object]) -> None:
    template = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "体验课", "kind": "amount_off", "amount_fen": 1_000}))
    answer = world.client.put(f"/api/v1/coupon-templates/{template['id']}/distribution",
                              headers=world.a.actors["admin2"].headers, json=body)
    assert answer.status_code == 422, answer.text
    assert world.client.get(f"/api/v1/coupon-templates/{template['id']}/distribution",
                            headers=world.a.actors["admin2"].headers).status_code == 404


def test_only_the_owner_or_the_operator_sets_terms_on_a_merchants_own_offer(world: World) -> None:
    template = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "体验课", "kind": "amount_off", "amount_fen": 1_000}))
    url = f"/api/v1/coupon-templates/{template['id']}/distribution"
    body = {"reward_kind": "points", "amount": 200}
    assert world.client.put(url, headers=world.a.actors["admin1"].headers, json=body).status_code == 403
    assert world.client.put(url, headers=world.a.actors["staff2"].headers, json=body).status_code == 403
    assert world.client.put(url, headers=world.b.actors["admin1"].headers, json=body).status_code == 404
    set_by_operator = ok(world.client.put(url, headers=world.a.actors["operator"].headers, json=body), 200)
    assert set_by_operator["merchant_id"] == world.a.merchants[1] and set_by_operator["reward_kind"] == "points"
    voucher = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["operator"].headers, json={
        "name": "联盟代金券", "kind": "cash_voucher", "amount_fen": 5_000, "acceptance": "alliance"}))
    refused = world.client.put(f"/api/v1/coupon-templates/{voucher['id']}/distribution",
                               headers=world.a.actors["operator"].headers, json=body)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "distribution_operator_voucher"
    zh = refused.json()["error"]["message"]
    assert "商户" in zh


def test_a_friends_first_order_freezes_a_rebate_for_the_sharer_and_a_refund_reverses_it(
        world: World, session: Session) -> None:
    template = offer(world)
    sharer = world.a.members[world.a.merchants[0]]
    token = share_link(world, sharer, template)
    assert share_link(world, sharer, template) == token  # the same link every time
    friend = new_member(world, "李小明")
    coupon = claim(world, friend, token)
    session.rollback()
    assert session.get(Coupon, coupon["id"]).referrer_member_id == sharer  # type: ignore[union-attr]
    too_small = buy(world, friend, 9_000, "small-1")  # under the minimum: the first order, but not qualifying
    assert rewards_of(session, sharer) == []
    refund(world, too_small["id"], 9_000, "r-small")
    assert rewards_of(session, sharer) == []
    # the first order since the claim was the small one: nothing is owed any more (first order only)
    buy(world, friend, 50_000, "big-1")
    assert rewards_of(session, sharer) == []

    other = new_member(world, "张三")
    claim(world, other, token)
    order = buy(world, other, 50_000, "o-1")
    [reward] = rewards_of(session, sharer)
    assert (reward.amount, reward.status, reward.reward_kind) == (2_000, "frozen", "rebate")
    rebate = session.get(Rebate, reward.rebate_id)
    assert rebate is not None and (rebate.payee_type, rebate.payee_id, rebate.agreement_id) == ("member", sharer, None)
    assert member_balance(session, world, sharer, AccountKind.REBATE_FROZEN) == 2_000
    buy(world, other, 50_000, "o-2")  # a second order earns nothing more
    assert len(rewards_of(session, sharer)) == 1
    mine = my_shares(world, sharer)
    assert mine["frozen"]["rebate"] == 2_000
    assert [c["friend"] for c in mine["conversions"]] == ["张**"]
    assert "137" not in str(mine)  # no phone, not even masked
    refund(world, order["id"], 25_000, "r-half")
    assert member_balance(session, world, sharer, AccountKind.REBATE_FROZEN) == 1_000
    refund(world, order["id"], 25_000, "r-rest")
    assert member_balance(session, world, sharer, AccountKind.REBATE_FROZEN) == 0
    [reward] = rewards_of(session, sharer)
    assert (reward.reversed, reward.status) == (2_000, "reversed")
    mine = my_shares(world, sharer)
    assert mine["reversed"]["rebate"] == 2_000 and mine["frozen"]["rebate"] == 0
    assert mine["conversions"][0]["status"] == "reversed"


def test_the_payers_ledger_names_members_as_one_counterparty_never_a_member(world: World, session: Session) -> None:
    template = offer(world)
    sharer = world.a.members[world.a.merchants[0]]
    friend = new_member(world)
    claim(world, friend, share_link(world, sharer, template))
    order = buy(world, friend, 20_000, "o-1")
    rows = session.execute(select(Entry.party_type, Entry.party_id, Entry.amount).join(
        Account, Account.id == Entry.account_id).where(
        Account.owner_type == "merchant", Account.owner_id == world.a.merchants[1],
        Account.kind == AccountKind.COMMISSION_PAYABLE.value)).all()
    assert rows == [("member", 0, -2_000)]
    rebates = ok(world.client.get("/api/v1/rebates", headers=world.a.actors["admin2"].headers), 200)["items"]
    assert [(r["payee_type"], r["payee_id"], r["order_id"]) for r in rebates] == [("member", 0, order["id"])]


def test_the_release_job_makes_the_rebate_available_after_the_window(world: World, session: Session) -> None:
    template = offer(world, return_window_days=3)
    sharer = world.a.members[world.a.merchants[0]]
    friend = new_member(world)
    claim(world, friend, share_link(world, sharer, template))
    buy(world, friend, 20_000, "o-1")
    db_url = str(world.client.app.state.database_url)  # type: ignore[attr-defined]
    assert run_all(db_url, at=clock.now() + timedelta(days=2)).rebates_released == 0
    assert run_all(db_url, at=clock.now() + timedelta(days=4)).rebates_released == 1
    assert member_balance(session, world, sharer, AccountKind.REBATE_AVAILABLE) == 2_000
    assert member_balance(session, world, sharer, AccountKind.REBATE_FROZEN) == 0
    assert my_shares(world, sharer)["available"]["rebate"] == 2_000


def test_single_level_only_the_direct_sharer_earns(world: World, session: Session) -> None:
    """A shares to B, B shares to C, C buys: only B earns; A earns on nobody's friends."""
    template = offer(world)
    a = world.a.members[world.a.merchants[0]]
    b, c = new_member(world, "乙"), new_member(world, "丙")
    claim(world, b, share_link(world, a, template))
    claim(world, c, share_link(world, b, template))
    buy(world, c, 30_000, "c-1")
    assert rewards_of(session, a) == []
    [reward] = rewards_of(session, b)
    assert reward.friend_member_id == c and reward.amount == 2_000


def test_claiming_ones_own_link_earns_nothing(world: World, session: Session) -> None:
    template = offer(world)
    sharer = new_member(world, "自己")
    coupon = claim(world, sharer, share_link(world, sharer, template))
    session.rollback()
    assert session.get(Coupon, coupon["id"]).referrer_member_id is None  # type: ignore[union-attr]
    buy(world, sharer, 30_000, "self-1")
    assert rewards_of(session, sharer) == []


def test_the_monthly_cap_pays_only_the_room_left_then_nothing(world: World, session: Session) -> None:
    template = offer(world, cap_per_month=4_500)
    sharer = world.a.members[world.a.merchants[0]]
    token = share_link(world, sharer, template)
    for i in range(4):
        friend = new_member(world, f"朋友{i}")
        claim(world, friend, token)
        buy(world, friend, 20_000, f"cap-{i}")
    assert [r.amount for r in rewards_of(session, sharer)] == [2_000, 2_000, 500]
    assert member_balance(session, world, sharer, AccountKind.REBATE_FROZEN) == 4_500


def test_a_share_of_the_order_is_rounded_half_up(world: World, session: Session) -> None:
    template = offer(world, amount=None, rate_bp=333, min_order_fen=0)
    sharer = world.a.members[world.a.merchants[0]]
    friend = new_member(world)
    claim(world, friend, share_link(world, sharer, template))
    buy(world, friend, 10_015, "pct-1")  # 3.33% of ¥100.15 = 333.4995 fen → 333
    assert [r.amount for r in rewards_of(session, sharer)] == [333]


def test_points_rewards_are_credited_after_the_window_unless_refunded(world: World, session: Session) -> None:
    template = offer(world, reward_kind="points", amount=300, return_window_days=7)
    sharer = world.a.members[world.a.merchants[0]]
    token = share_link(world, sharer, template)
    kept, refunded = new_member(world, "甲"), new_member(world, "乙")
    claim(world, kept, token)
    claim(world, refunded, token)
    buy(world, kept, 20_000, "p-1")
    order = buy(world, refunded, 20_000, "p-2")
    before = member_balance(session, world, sharer, AccountKind.POINTS)
    assert [r.status for r in rewards_of(session, sharer)] == ["frozen", "frozen"]
    refund(world, order["id"], 20_000, "p-r")
    db_url = str(world.client.app.state.database_url)  # type: ignore[attr-defined]
    report = run_all(db_url, at=clock.now() + timedelta(days=8))
    assert report.distribution_points_released == 1  # the refunded one was reversed whole by the refund
    assert member_balance(session, world, sharer, AccountKind.POINTS) == before + 300
    assert [r.status for r in rewards_of(session, sharer)] == ["available", "reversed"]
    assert run_all(db_url, at=clock.now() + timedelta(days=9)).distribution_points_released == 0
    mine = my_shares(world, sharer)
    assert mine["available"]["points"] == 300 and mine["reversed"]["points"] == 300


def test_sharing_needs_open_terms_and_a_member(world: World) -> None:
    template = offer(world, enabled=False)
    me = member_headers(world, world.a.members[world.a.merchants[0]])
    closed = world.client.post("/api/v1/me/shares", headers=me, json={"template_id": template})
    assert closed.status_code == 422 and closed.json()["error"]["code"] == "distribution_not_shareable"
    staff = world.client.post("/api/v1/me/shares", headers=world.a.actors["staff1"].headers,
                              json={"template_id": template})
    assert staff.status_code == 403
    assert world.client.get("/api/v1/me/shares", headers=world.a.actors["staff1"].headers).status_code == 403
    assert my_shares(world, world.a.members[world.a.merchants[0]])["offers"] == []


def test_results_show_the_owner_a_masked_leaderboard_and_others_suppressed_totals(world: World) -> None:
    template = offer(world)
    sharer = world.a.members[world.a.merchants[0]]  # 会员1
    token = share_link(world, sharer, template)
    for i in range(2):
        friend = new_member(world, f"朋友{i}")
        claim(world, friend, token)
        buy(world, friend, 20_000, f"lb-{i}")
    url = f"/api/v1/coupon-templates/{template}/distribution/results"
    owner = ok(world.client.get(url, headers=world.a.actors["admin2"].headers), 200)
    assert (owner["sharers"], owner["claims"], owner["conversions"], owner["reward_frozen"]) == (1, 2, 2, 4_000)
    assert owner["leaderboard"] == [{"rank": 1, "sharer": "会**", "friends": 2, "conversions": 2, "reward": 4_000}]
    assert ok(world.client.get(url, headers=world.a.actors["operator"].headers), 200)["leaderboard"]
    other = ok(world.client.get(url, headers=world.a.actors["admin3"].headers), 200)
    assert other["leaderboard"] == [] and other["sharers"] is None and other["reward_frozen"] is None
    assert world.client.get(url, headers=world.b.actors["admin1"].headers).status_code == 404

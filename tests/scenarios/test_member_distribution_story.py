"""Issue 18 item 2 told through the API: in January 2027 the gym opens its trial class for sharing (¥20 to the
sharer on a friend's first order of ¥100 or more, frozen for 7 days). 会员1 shares it; a friend buys, the reward
freezes, the friend gets a refund and the reward is reversed; another friend buys, and after the return window the
release job makes the reward available. On 1 February the gym's statement shows what it owes its sharers as one line
with members (会员分销) as the counterparty, never a member."""

from __future__ import annotations

from typing import Any

from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from tests.conftest import World
from tests.integration.distribution.helpers import member_headers
from tests.scenarios.test_monthly_settlement_story import API, call, on


def me(world: World, member_id: int, method: str, path: str, body: Any = None, status: int = 200) -> Any:
    r = world.client.request(method, API + path, json=body, headers=member_headers(world, member_id))
    assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
    return r.json()


def test_a_member_shares_a_friend_buys_refunds_and_another_friends_reward_is_released(world: World) -> None:
    gym = world.a.merchants[1]
    sharer = world.a.members[world.a.merchants[0]]
    db_url = str(world.client.app.state.database_url)  # type: ignore[attr-defined]
    with on(1, 5):
        offer = call(world, "admin2", "POST", "/coupon-templates", {
            "name": "私教体验课", "kind": "amount_off", "amount_fen": 5_000}, 201)
        terms = call(world, "admin2", "PUT", f"/coupon-templates/{offer['id']}/distribution", {
            "reward_kind": "rebate", "amount": 2_000, "min_order_fen": 10_000, "window_days": 30,
            "cap_per_month": 10_000, "return_window_days": 7})
        assert terms["enabled"] and terms["merchant_id"] == gym
        call(world, "admin2", "PUT", f"/coupon-templates/{offer['id']}/distribution", {
            "reward_kind": "rebate", "amount": 2_000, "rate_bp": 300}, 422)  # one of amount or rate
        shareable = me(world, sharer, "GET", "/me/shares")["offers"]
        assert [o["template_id"] for o in shareable] == [offer["id"]] and shareable[0]["link"] is None
        link = me(world, sharer, "POST", "/me/shares", {"template_id": offer["id"]}, 201)
        assert link["url"].endswith(f"/claim/{link['token']}")
        friends = []
        for name, phone in (("李雷", "13700000001"), ("韩梅梅", "13700000002")):
            friends.append(call(world, "staff2", "POST", "/members", {"phone": phone, "name": name}, 201)["id"])
        for friend in friends:
            claimed = me(world, friend, "POST", f"/claim/{link['token']}", {}, 201)
            assert claimed["coupon"]["template_id"] == offer["id"]
    li_lei, han_meimei = friends
    with on(1, 10):
        order = call(world, "staff2", "POST", "/orders", {
            "external_id": "GYM-0110", "member_id": li_lei, "amount_fen": 30_000}, 201)
    mine = me(world, sharer, "GET", "/me/shares")
    assert mine["frozen"]["rebate"] == 2_000 and mine["available"]["rebate"] == 0
    assert [(c["friend"], c["status"], c["amount"]) for c in mine["conversions"]] == [("李**", "frozen", 2_000)]
    with on(1, 12):
        call(world, "staff2", "POST", f"/orders/{order['id']}/refunds",
             {"external_id": "GYM-0110-R", "amount_fen": 30_000}, 201)
        mine = me(world, sharer, "GET", "/me/shares")
        assert mine["frozen"]["rebate"] == 0 and mine["reversed"]["rebate"] == 2_000
        assert mine["conversions"][0]["status"] == "reversed"
        call(world, "staff2", "POST", "/orders", {
            "external_id": "GYM-0112", "member_id": han_meimei, "amount_fen": 20_000}, 201)
    with on(1, 18):
        run_all(db_url, at=clock.now())  # 韩梅梅's is 6 days old: still frozen
        mine = me(world, sharer, "GET", "/me/shares")
        assert mine["frozen"]["rebate"] == 2_000 and mine["available"]["rebate"] == 0
    with on(1, 20):
        assert run_all(db_url, at=clock.now()).rebates_released == 1
        mine = me(world, sharer, "GET", "/me/shares")
        assert mine["available"]["rebate"] == 2_000 and mine["frozen"]["rebate"] == 0
        statuses = sorted((c["friend"], c["status"]) for c in mine["conversions"])
        assert statuses == [("李**", "reversed"), ("韩**", "available")]
        results = call(world, "admin2", "GET", f"/coupon-templates/{offer['id']}/distribution/results")
        assert (results["claims"], results["conversions"], results["reward_available"],
                results["reward_reversed"]) == (2, 2, 2_000, 2_000)
        assert results["leaderboard"][0]["sharer"] == "会**"
    with on(2, 1, 1):
        run_all(db_url, at=clock.now())  # the settlement job settles January
        statements = call(world, "operator", "GET", "/statements")["items"]
        gym_statement = next(s for s in statements if s["merchant_id"] == gym)
        detail = call(world, "admin2", "GET", f"/statements/{gym_statement['id']}")
    sharing = [line for line in detail["lines"] if line["party_type"] == "member"]
    assert sharing and {line["party_id"] for line in sharing} == {0}
    assert {line["party_name"] for line in sharing} == {"会员分销 Member distribution"}
    assert sum(line["amount_fen"] for line in sharing) == -2_000  # owed for 韩梅梅's order; 李雷's was reversed
    nets = {(c["party_type"], c["party_id"]): c["net_fen"] for c in detail["counterparties"]}
    assert nets[("member", 0)] == -2_000
    assert all(c["party_type"] != "member" or c["party_id"] == 0 for c in detail["counterparties"])

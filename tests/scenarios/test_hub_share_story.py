"""Seed 000, mode 5 ("Tesla Life", 战略生态合作), told through the API (issue 11, item 12): the service centre is the
alliance's hub, and the operator writes it down in an alliance-wide agreement: whoever the centre brought into the
alliance, the merchant where they spend pays the centre 6% of it. In January 2027 the centre's members spend
¥12,000,000: ¥4,200,000 at the centre itself and ¥7,800,000 at the gym and the school. (1200 − 420) × 6% = ¥468,000.

The commission is frozen for the agreement's 7-day return window, a refunded order takes its share back, the jobs
release the rest, and on 1 February the operator settles January: the centre's statement says the gym and the
school owe it ¥234,000.00 each, theirs mirror it, verify proves the statements equal to the ledger, and both sides
confirm before the operator records the payouts."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from lianmeng.kit.clock import SHANGHAI
from tests.conftest import World

API = "/api/v1"
HUB_TERM = {"kind": "hub_share", "hub": "merchant", "rate_bp": 600}  # the hub's id is filled in


@contextmanager
def on(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2027) -> Iterator[None]:
    """Everything inside happens at this Beijing time."""
    with clock.fixed_at(datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)):
        yield


def call(world: World, who: str, method: str, path: str, body: Any = None, status: int = 200,
         language: str = "zh-CN") -> Any:
    headers = {**world.a.actors[who].headers, "Accept-Language": language}
    r = world.client.request(method, API + path, json=body, headers=headers)
    assert r.status_code == status, f"{who} {method} {path}: {r.status_code} {r.text}"
    return r.json() if r.headers["content-type"].startswith("application/json") else r


def order(external_id: str, member: int, yuan: int) -> dict[str, Any]:
    return {"external_id": external_id, "member_id": member, "amount_fen": yuan * 100}


def test_the_hub_earns_six_percent_of_what_its_members_spend_at_partners(world: World, db_url: str) -> None:
    centre, gym, school = world.a.merchants

    # an alliance-wide referral term has nobody to pay or be paid: refused, in words, instead of never paying
    with on(1, 2):
        refused = call(world, "operator", "POST", "/agreements", {
            "title": "联盟推荐返佣", "modes": ["strategic"],
            "commission_terms": [{"kind": "percent_of_order", "rate_bp": 500}]}, 422, language="en")
        assert refused["error"]["code"] == "commission_term_needs_pair"
        assert "could never be paid" in refused["error"]["message"]
        agreement = call(world, "operator", "POST", "/agreements", {
            "title": "Tesla Life 联盟一卡通 通用规则", "modes": ["strategic"],
            "commission_terms": [{**HUB_TERM, "hub_merchant_id": centre}], "return_window_days": 7}, 201)
        assert agreement["alliance_wide"] and agreement["settlement_cycle"] == "monthly"
        for action in ("propose", "accept", "activate"):
            call(world, "operator", "POST", f"/agreements/{agreement['id']}/transitions", {"action": action})

    # three of the centre's members (归属: the centre) who also hold memberships at the gym and the school
    members = [world.a.members[centre]]
    with on(1, 3):
        for i in range(2):
            members.append(call(world, "staff1", "POST", "/members", {
                "phone": f"1380013{i:04d}", "name": f"车主{i + 1}", "consent_marketing": True}, 201)["id"])
        for member in members:
            card_no = call(world, "staff1", "GET", f"/members/{member}")["card_no"]
            for clerk in ("staff2", "staff3"):
                call(world, clerk, "POST", "/memberships", {"card_no": card_no}, 201)

    # January: ¥4.2M at the centre (its own sales: no hub share), ¥3.9M at the gym (a till's batch), ¥3.9M at the
    # school (one order at a time)
    with on(1, 10):
        for i, member in enumerate(members):
            call(world, "staff1", "POST", "/orders", order(f"SVC-{i}", member, 1_400_000), 201)
        batch = call(world, "staff2", "POST", "/orders/batch", {"orders": [
            order(f"GYM-{i}", member, 1_300_000) for i, member in enumerate(members)]})
        assert batch["created"] == 3
        for i, member in enumerate(members):
            call(world, "staff3", "POST", "/orders", order(f"EDU-{i}", member, 1_300_000), 201)
    # a ¥100,000 personal-training package, returned within the window: its 6% goes back, in proportion
    with on(1, 12):
        returned = call(world, "staff2", "POST", "/orders", order("GYM-PT", members[0], 100_000), 201)
    with on(1, 15):
        call(world, "staff2", "POST", f"/orders/{returned['id']}/refunds",
             {"external_id": "RET-1", "amount_fen": 4_000_000, "reason": "退课"}, 201)
        call(world, "staff2", "POST", f"/orders/{returned['id']}/refunds",
             {"external_id": "RET-2", "amount_fen": 6_000_000, "reason": "退课"}, 201)

    rebates = call(world, "admin1", "GET", f"/rebates?payee_type=merchant&payee_id={centre}")["items"]
    assert {r["payer_merchant_id"] for r in rebates} == {gym, school}
    assert all(r["status"] == "frozen" and r["agreement_id"] == agreement["id"] for r in rebates)
    assert sum(r["amount_fen"] - r["reversed_fen"] for r in rebates) == 46_800_000
    returned_rebate = next(r for r in rebates if r["order_id"] == returned["id"])
    assert (returned_rebate["amount_fen"], returned_rebate["reversed_fen"]) == (600_000, 600_000)

    # the return window has passed: the jobs release the centre's share (and settle December, empty)
    run_all(db_url, at=datetime(2027, 1, 31, 12, tzinfo=SHANGHAI))
    released = call(world, "admin1", "GET", f"/rebates?payee_type=merchant&payee_id={centre}")["items"]
    assert {r["status"] for r in released} == {"available"}

    # 1 February: the operator settles January
    with on(2, 1, 9):
        run = call(world, "operator", "POST", "/settlement/runs", {"period": "2027-01"}, 201)
    verified = call(world, "operator", "GET", f"/settlement/runs/{run['id']}/verify")
    assert verified["ok"] and verified["mismatches"] == []
    listed = call(world, "operator", "GET", f"/statements?run_id={run['id']}")["items"]
    statements = {s["merchant_id"]: s for s in listed}
    hub = call(world, "admin1", "GET", f"/statements/{statements[centre]['id']}")
    commission = {(line["cause"], line["party_id"]): line["amount_fen"] for line in hub["lines"]
                  if line["kind"] == "rebate_frozen"}
    assert commission == {("commission", gym): 23_400_000 + 600_000, ("refund", gym): -600_000,
                          ("commission", school): 23_400_000}
    assert sum(commission.values()) == 46_800_000  # ¥468,000.00
    nets = {(c["party_type"], c["party_id"]): c["net"] for c in hub["counterparties"]}
    assert nets[("merchant", gym)] == nets[("merchant", school)] == "¥234,000.00"
    for partner, admin in ((gym, "admin2"), (school, "admin3")):
        theirs = call(world, admin, "GET", f"/statements/{statements[partner]['id']}")
        owed = sum(line["amount_fen"] for line in theirs["lines"] if line["kind"] == "commission_payable")
        assert owed == -23_400_000
        assert {line["party_name"] for line in theirs["lines"] if line["kind"] == "commission_payable"} == {
            hub["merchant_name"]}
    export = call(world, "admin1", "GET", f"/statements/{hub['id']}/export?format=csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert sum(float(row[5].replace("¥", "").replace(",", "")) for row in rows[3:-1]
               if row[2] == "应收佣金(冻结期)") == 468_000.00

    # issued, confirmed by both sides, paid
    call(world, "operator", "POST", f"/settlement/runs/{run['id']}/issue")
    for partner, admin in ((centre, "admin1"), (gym, "admin2"), (school, "admin3")):
        call(world, admin, "POST", f"/statements/{statements[partner]['id']}/confirm")
        confirmed = call(world, "operator", "POST", f"/statements/{statements[partner]['id']}/confirm")
        assert confirmed["status"] == "confirmed"
    paid = call(world, "operator", "POST", f"/statements/{statements[gym]['id']}/pay",
                {"payout_ref": "ICBC-20270205-0001"})
    assert paid["status"] == "paid"

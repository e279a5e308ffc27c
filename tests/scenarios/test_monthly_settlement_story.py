"""Seed 000 pitfall 3 ("reconcile every month"), told through the API: in January 2027 the gym sends the service
centre a customer (commission to the gym and its guide), the centre sells a joint card whose gym month is used at
the gym, and both share an operator-paid campaign poster. On 1 February the operator settles January: one
statement per merchant, every line with its cause and counterparty, the two sides mirror each other, and the
statements add up to the ledger to the fen. The gym disputes its commission line, the operator corrects it with a
correcting entry (the centre's statement gets the other side), both confirm, the operator pays. An order dated
31 January that committed after the run, and a February refund, land on February's statements as late items."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from openpyxl import load_workbook

from lianmeng.kit import clock
from lianmeng.kit.clock import SHANGHAI
from tests.conftest import World

API = "/api/v1"
TERMS = [{"kind": "per_head", "amount_fen": 10_000, "payee": "both", "staff_amount_fen": 5_000, "payer": "b"},
         {"kind": "percent_of_order", "rate_bp": 300, "payee": "merchant", "payer": "b", "within_days": 30}]


@contextmanager
def on(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2027) -> Iterator[None]:
    """Everything inside happens at this Beijing time."""
    with clock.fixed_at(datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)):
        yield


def call(world: World, who: str, method: str, path: str, body: Any = None, status: int = 200,
         params: dict[str, Any] | None = None) -> Any:
    r = world.client.request(method, API + path, json=body, params=params, headers=world.a.actors[who].headers)
    assert r.status_code == status, f"{who} {method} {path}: {r.status_code} {r.text}"
    return r.json() if r.headers["content-type"].startswith("application/json") else r


def lines_by(statement: dict[str, Any]) -> dict[tuple[str, str, str, int], int]:
    out: dict[tuple[str, str, str, int], int] = {}
    for line in statement["lines"]:
        key = (line["kind"], line["cause"], line["party_type"], line["party_id"])
        out[key] = out.get(key, 0) + line["amount_fen"]
    return out


def nets(statement: dict[str, Any]) -> dict[tuple[str, int], int]:
    return {(c["party_type"], c["party_id"]): c["net_fen"] for c in statement["counterparties"]}


def january(world: World) -> dict[str, Any]:
    gym, centre, school = world.a.merchants
    guide, member = world.a.staff[gym], world.a.members[gym]
    with on(1, 5):
        agreement = call(world, "operator", "POST", "/agreements", {
            "title": "健身房 → 服务中心", "merchant_a_id": gym, "merchant_b_id": centre, "modes": ["rights_exchange"],
            "commission_terms": TERMS, "return_window_days": 7}, 201)
        for action in ("propose", "accept", "activate"):
            call(world, "operator", "POST", f"/agreements/{agreement['id']}/transitions", {"action": action})
    card_no = call(world, "staff1", "GET", f"/members/{member}")["card_no"]
    with on(1, 10):
        call(world, "staff2", "POST", "/memberships", {"card_no": card_no}, 201)  # the gym's member at the centre
        order = call(world, "staff2", "POST", "/orders", {
            "external_id": "SVC-0110", "member_id": member, "amount_fen": 185_000,
            "referrer_merchant_id": gym, "referrer_staff_id": guide}, 201)
    with on(1, 12):
        components = [
            {"merchant_id": centre, "name": "汽车精洗", "units": 1, "list_value_fen": 100_000},
            {"merchant_id": gym, "name": "健身月卡", "unit_name": "月卡", "units": 1, "list_value_fen": 300_000}]
        product = call(world, "operator", "POST", "/joint-card-products", {
            "name": "城市生活联名卡", "carry_over_months": 12,
            "tiers": [{"name": "体验版", "price_fen": 400_000, "components": components}]}, 201)
        tier = product["tiers"][0]
        gym_month = next(c for c in tier["components"] if c["merchant_id"] == gym)
        card = call(world, "staff2", "POST", "/joint-cards/sales", {
            "external_id": "JC-0112", "tier_id": tier["id"], "member_id": member}, 201)
        call(world, "staff1", "POST", f"/joint-cards/{card['id']}/consume", {"component_id": gym_month["id"]}, 201)
    with on(1, 15):
        campaign = call(world, "operator", "POST", "/campaigns", {
            "name": "新春健康节", "starts_at": "2027-01-15T00:00:00+08:00", "ends_at": "2027-01-30T00:00:00+08:00"},
            201)
        for merchant, contribution in ((gym, 1_000_000), (centre, 2_000_000)):
            call(world, "operator", "POST", f"/campaigns/{campaign['id']}/merchants",
                 {"merchant_id": merchant, "contribution_fen": contribution}, 201)
        call(world, "operator", "POST", f"/campaigns/{campaign['id']}/costs", {"what": "海报", "amount_fen": 30_000},
             201)
    return {"gym": gym, "centre": centre, "school": school, "guide": guide, "member": member, "order": order,
            "gym_share": gym_month["share_fen"]}


def test_january_is_settled_disputed_corrected_confirmed_and_paid(world: World) -> None:
    facts = january(world)
    gym, centre, school, guide = facts["gym"], facts["centre"], facts["school"], facts["guide"]

    # not before the month has ended (plus ten minutes); then once
    with on(2, 1, 0, 5):
        call(world, "operator", "POST", "/settlement/runs", {"period": "2027-01"}, 409)
    with on(2, 1, 1):
        run = call(world, "operator", "POST", "/settlement/runs", {"period": "2027-01"}, 201)
        again = world.client.post(f"{API}/settlement/runs", json={"period": "2027-01"},
                                  headers={**world.a.actors["operator"].headers, "Accept-Language": "en"})
    assert again.status_code == 409 and "already settled" in again.json()["error"]["message"]
    assert run["statements"] == 3 and run["cycle"] == "monthly"
    assert call(world, "operator", "GET", "/settlement/runs")["total"] == 1

    verified = call(world, "operator", "GET", f"/settlement/runs/{run['id']}/verify")
    assert verified["ok"] and verified["mismatches"] == []
    assert verified["ledger_fen"] == verified["statement_fen"] and verified["entries"] >= 8

    listed = {s["merchant_id"]: s for s in call(world, "operator", "GET", "/statements",
                                                params={"period": "2027-01"})["items"]}
    gym_st = call(world, "admin1", "GET", f"/statements/{listed[gym]['id']}")
    centre_st = call(world, "admin2", "GET", f"/statements/{listed[centre]['id']}")
    share = facts["gym_share"]  # ¥4,000 card: the gym month is 3/4 of the list value
    assert share == 300_000
    assert lines_by(gym_st) == {
        ("rebate_frozen", "commission", "merchant", centre): 10_000,  # per head
        ("partner_balance", "joint_card_use", "merchant", centre): share,
        ("campaign_costs", "campaign_cost", "operator", 0): -10_000,  # 1/3 of the ¥300 poster
    }
    centre_lines = lines_by(centre_st)
    assert centre_lines[("commission_payable", "commission", "merchant", gym)] == -10_000
    assert centre_lines[("commission_payable", "commission", "staff", guide)] == -5_000
    assert centre_lines[("partner_balance", "joint_card_use", "merchant", gym)] == -share
    assert centre_lines[("campaign_costs", "campaign_cost", "operator", 0)] == -20_000
    assert centre_lines[("points_issued", "order", "operator", 0)] < 0
    # the two sides mirror each other, and each net is the sum of its lines
    assert nets(gym_st)[("merchant", centre)] == -nets(centre_st)[("merchant", gym)] == 10_000 + share
    assert gym_st["net_fen"] == share and gym_st["net"] == "¥3,000.00"
    assert all(line["cause_label"] and line["party_name"] for line in centre_st["lines"])
    assert call(world, "admin3", "GET", f"/statements/{listed[school]['id']}")["lines"] == []

    # someone else's statement is not there for the gym; drafts are the operator's to issue
    call(world, "admin1", "GET", f"/statements/{listed[centre]['id']}", status=404)
    call(world, "admin1", "POST", f"/statements/{listed[centre]['id']}/confirm", status=404)
    call(world, "admin1", "POST", f"/statements/{gym_st['id']}/issue", status=403)
    call(world, "admin1", "POST", f"/statements/{gym_st['id']}/confirm", status=409)
    issued = call(world, "operator", "POST", f"/settlement/runs/{run['id']}/issue")
    assert issued["id"] == run["id"]
    assert {s["status"] for s in call(world, "operator", "GET", "/statements")["items"]} == {"issued"}

    # the gym disputes its commission line: a reason is required, and nothing changes without one
    commission_line = next(line for line in gym_st["lines"] if line["cause"] == "commission")
    call(world, "admin1", "POST", f"/statements/{gym_st['id']}/dispute", {"line_ids": [commission_line["id"]]},
         status=422)
    call(world, "admin1", "POST", f"/statements/{gym_st['id']}/dispute",
         {"reason": "   ", "line_ids": [commission_line["id"]]}, status=422)
    assert call(world, "admin1", "GET", f"/statements/{gym_st['id']}")["status"] == "issued"
    disputed = call(world, "admin1", "POST", f"/statements/{gym_st['id']}/dispute",
                    {"reason": "1 月 10 日的佣金少算 ¥1.00", "line_ids": [commission_line["id"]]})
    assert disputed["status"] == "disputed" and disputed["events"][-1]["line_ids"] == [commission_line["id"]]
    call(world, "admin1", "POST", f"/statements/{gym_st['id']}/confirm", status=409)
    call(world, "admin1", "POST", f"/statements/{gym_st['id']}/adjustments",
         {"adjustments": [{"line_id": commission_line["id"], "amount_fen": 100, "note": "补差"}]}, status=403)

    # the operator corrects it with a correcting entry; the centre's statement gets the other side
    with on(2, 3):
        adjusted = call(world, "operator", "POST", f"/statements/{gym_st['id']}/adjustments", {"adjustments": [
            {"line_id": commission_line["id"], "amount_fen": 100, "note": "佣金补差 ¥1.00"}]})
    assert adjusted["status"] == "adjusted" and adjusted["net_fen"] == gym_st["net_fen"] + 100
    correction = adjusted["lines"][-1]
    assert (correction["cause"], correction["amount_fen"], correction["adjusts_line_id"]) == (
        "settlement_adjustment", 100, commission_line["id"])
    assert correction["posting_id"] is not None
    centre_after = call(world, "admin2", "GET", f"/statements/{centre_st['id']}")
    assert centre_after["status"] == "adjusted" and centre_after["net_fen"] == centre_st["net_fen"] - 100
    assert centre_after["lines"][-1]["corrects_statement_id"] == gym_st["id"]
    assert call(world, "operator", "GET", f"/settlement/runs/{run['id']}/verify")["ok"]

    # both confirm; then it never changes again; the operator pays it with a payout reference
    call(world, "operator", "POST", f"/statements/{gym_st['id']}/pay", {"payout_ref": "X"}, status=409)
    assert call(world, "admin1", "POST", f"/statements/{gym_st['id']}/confirm")["status"] == "adjusted"
    confirmed = call(world, "operator", "POST", f"/statements/{gym_st['id']}/confirm")
    assert confirmed["status"] == "confirmed"
    assert {e["action"] for e in confirmed["events"]} == {"issue", "dispute", "adjust", "confirm"}
    call(world, "admin1", "POST", f"/statements/{gym_st['id']}/dispute", {"reason": "再议"}, status=409)
    call(world, "operator", "POST", f"/statements/{gym_st['id']}/adjustments", {"adjustments": [
        {"line_id": commission_line["id"], "amount_fen": 1, "note": "x"}]}, status=409)
    call(world, "operator", "POST", f"/statements/{gym_st['id']}/pay", {"payout_ref": " "}, status=422)
    paid = call(world, "operator", "POST", f"/statements/{gym_st['id']}/pay", {"payout_ref": "ICBC-20270205-0001"})
    assert (paid["status"], paid["payout_ref"]) == ("paid", "ICBC-20270205-0001")

    # the exports: Chinese headers, the period, a totals row equal to the net
    csv_rows = list(csv.reader(io.StringIO(call(world, "admin1", "GET", f"/statements/{gym_st['id']}/export",
                                                params={"format": "csv"}).content.decode("utf-8-sig"))))
    assert "对账单" in csv_rows[0][0] and csv_rows[1][0].startswith("期间 Period: 2027-01")
    assert csv_rows[2][:2] == ["行号 Line", "对方 Counterparty"]
    assert csv_rows[-1][0] == "合计 Total" and csv_rows[-1][5] == "3,001.00"
    book = load_workbook(io.BytesIO(call(world, "operator", "GET", f"/statements/{gym_st['id']}/export").content))
    sheet = book.active
    assert sheet is not None
    assert [c.value for c in sheet[3]][:4] == ["行号", "对方", "科目", "事项"]
    assert sheet.cell(row=sheet.max_row, column=6).value == 3001  # yuan, a number in the cell


def test_late_items_and_refunds_land_in_the_next_period(world: World) -> None:
    facts = january(world)
    gym, centre = facts["gym"], facts["centre"]
    with on(2, 1, 1):
        january_run = call(world, "operator", "POST", "/settlement/runs", {"period": "2027-01"}, 201)
    before = {s["id"]: call(world, "operator", "GET", f"/statements/{s['id']}")
              for s in call(world, "operator", "GET", "/statements")["items"]}
    # an order dated 31 January that committed after January was settled, and a February refund of January's order
    with on(1, 31, 23, 50):
        call(world, "staff2", "POST", "/orders", {
            "external_id": "SVC-0131", "member_id": facts["member"], "amount_fen": 20_000,
            "referrer_merchant_id": gym}, 201)
    with on(2, 20):
        call(world, "staff2", "POST", f"/orders/{facts['order']['id']}/refunds",
             {"external_id": "RF-0220", "amount_fen": 85_000, "reason": "部分项目未做"}, 201)
    with on(2, 1, 1):
        call(world, "operator", "POST", "/settlement/runs", {"period": "2026-12"}, 409)  # before a settled one
    with on(3, 1, 1):
        february_run = call(world, "operator", "POST", "/settlement/runs", {"period": "2027-02"}, 201)
    assert february_run["after_posting_id"] == january_run["through_posting_id"]
    for run in (january_run, february_run):
        assert call(world, "operator", "GET", f"/settlement/runs/{run['id']}/verify")["ok"]
    # January's statements did not change
    for statement_id, statement in before.items():
        assert call(world, "operator", "GET", f"/statements/{statement_id}") == statement
    feb = {s["merchant_id"]: s["id"] for s in call(world, "operator", "GET", "/statements",
                                                   params={"period": "2027-02"})["items"]}
    gym_feb = call(world, "admin1", "GET", f"/statements/{feb[gym]}")
    centre_feb = call(world, "admin2", "GET", f"/statements/{feb[centre]}")
    late = [line for line in centre_feb["lines"] if line["late"]]
    assert [(line["kind"], line["cause"], line["corrects_period"]) for line in late] == [
        ("points_issued", "order", "2027-01")]  # the points of the ¥200 order dated January
    assert late[0]["amount_fen"] < 0
    refund = [line for line in gym_feb["lines"] if line["cause"] == "refund"]
    assert refund and sum(line["amount_fen"] for line in refund) < 0 and not refund[0]["late"]
    assert nets(gym_feb)[("merchant", centre)] == -nets(centre_feb)[("merchant", gym)]

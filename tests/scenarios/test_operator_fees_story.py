"""Issue 18 item 3, told through the API: an operator charges joining and annual fees and a platform commission that
appear on the merchants' statements. The alliance's merchants joined in December 2026 (when the world was built);
the operator sets a ¥500 joining fee, a ¥3,650 annual fee with the first partial year pro-rated by days, one free
month after joining and 2% platform commission on referred GMV; it waives the third merchant's annual fee. In January
2027 the second merchant sells a referred order and a walk-in one, and refunds part of the referred one. Just after
January ends the fees job charges January (twice: the second run charges nothing), the operator settles January,
and each merchant's statement shows its platform charges owed to the operator; the operator's revenue page shows
them by source."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from lianmeng.kit import clock
from lianmeng.kit.clock import SHANGHAI
from lianmeng.revenue import domain
from tests.conftest import World

API = "/api/v1"
SETTINGS = {"joining_fee_fen": 50_000, "annual_fee_fen": 365_000, "free_months": 1, "fees_start_on": "2026-12-01",
            "min_merchants": 0, "prorate_first_year": True, "commission_bp": 200, "commission_base": "referred"}


@contextmanager
def on(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2027) -> Iterator[None]:
    with clock.fixed_at(datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)):
        yield


def call(world: World, who: str, method: str, path: str, body: Any = None, status: int = 200,
         params: dict[str, Any] | None = None) -> Any:
    r = world.client.request(method, API + path, json=body, params=params, headers=world.a.actors[who].headers)
    assert r.status_code == status, f"{who} {method} {path}: {r.status_code} {r.text}"
    return r.json() if r.headers["content-type"].startswith("application/json") else r


def platform_lines(statement: dict[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in statement["lines"]:
        if line["kind"] == "platform_charges":
            assert (line["party_type"], line["party_id"]) == ("operator", 0)
            out[line["cause"]] = out.get(line["cause"], 0) + line["amount_fen"]
    return out


def test_fees_and_platform_commission_land_on_the_statements(world: World) -> None:
    m1, m2, m3 = world.a.merchants
    joined = clock.today_in_shanghai()  # the world's merchants joined today
    with on(1, 2):
        refused = call(world, "operator", "PUT", "/fee-settings", {**SETTINGS, "commission_bp": 3001}, 422)
        assert refused["error"]["code"] == "commission_rate_out_of_range" and "30%" in refused["error"]["message"]
        refused = call(world, "operator", "PUT", "/fee-settings", {**SETTINGS, "annual_fee_fen": 10_000_001}, 422)
        assert refused["error"]["code"] == "annual_fee_out_of_range"
        call(world, "admin1", "PUT", "/fee-settings", SETTINGS, 403)
        call(world, "operator", "GET", "/fee-settings", status=404)  # nothing was written
        saved = call(world, "operator", "PUT", "/fee-settings", SETTINGS)
        assert saved["commission_bp"] == 200 and saved["fees_start_on"] == "2026-12-01"
        assert call(world, "admin2", "GET", "/fee-settings")["annual_fee_fen"] == 365_000
        call(world, "operator", "POST", "/revenue/waivers", {
            "merchant_id": m3, "kind": "annual", "starts_on": "2026-12-01", "ends_on": "2026-12-31",
            "reason": "x"}, 422)
        call(world, "operator", "POST", "/revenue/waivers", {
            "merchant_id": world.b.merchants[0], "kind": "annual", "starts_on": "2027-01-01",
            "reason": "别的联盟"}, 422)
        call(world, "operator", "POST", "/revenue/waivers", {
            "merchant_id": m3, "kind": "annual", "starts_on": "2027-01-01", "ends_on": "2026-12-31",
            "reason": "首年优惠"}, 422)
        call(world, "operator", "POST", "/revenue/waivers", {
            "merchant_id": m3, "kind": "annual", "starts_on": "2026-12-01", "reason": "首年优惠"}, 201)
    member = world.a.members[m2]
    with on(1, 10):
        referred = call(world, "staff2", "POST", "/orders", {
            "external_id": "R-0110", "member_id": member, "amount_fen": 100_000, "referrer_merchant_id": m1}, 201)
        call(world, "staff2", "POST", "/orders", {"external_id": "W-0110", "member_id": member, "amount_fen": 50_000},
             201)
    with on(1, 20):
        call(world, "staff2", "POST", f"/orders/{referred['id']}/refunds",
             {"external_id": "RF-0120", "amount_fen": 20_000, "reason": "部分退款"}, 201)
    with on(1, 31, 23):
        call(world, "operator", "POST", "/revenue/runs", {"month": "2027-01"}, 409)  # January has not ended
    with on(2, 1, 0, 5):
        run = call(world, "operator", "POST", "/revenue/runs", {"month": "2027-01"})
        again = call(world, "operator", "POST", "/revenue/runs", {"month": "2027-01"})
    start = domain.add_months(joined, 1)
    annual = domain.prorated(365_000, start)
    assert run == {"month": "2027-01", "charged": 6, "waived": 1, "charged_fen": 3 * 50_000 + 2 * annual + 1_600}
    assert again == {"month": "2027-01", "charged": 0, "waived": 0, "charged_fen": 0}
    with on(2, 1, 1):
        settled = call(world, "operator", "POST", "/settlement/runs", {"period": "2027-01"}, 201)
    assert settled["statements"] == 3
    statements = {s["merchant_id"]: s for s in call(world, "operator", "GET", "/statements",
                                                    params={"period": "2027-01"})["items"]}
    first = platform_lines(call(world, "admin1", "GET", f"/statements/{statements[m1]['id']}"))
    second = platform_lines(call(world, "admin2", "GET", f"/statements/{statements[m2]['id']}"))
    third = platform_lines(call(world, "admin3", "GET", f"/statements/{statements[m3]['id']}"))
    assert first == {"joining_fee": -50_000, "annual_fee": -annual}
    assert second == {"joining_fee": -50_000, "annual_fee": -annual, "platform_commission": -1_600}  # 2% × ¥800
    assert third == {"joining_fee": -50_000}  # the annual fee was waived
    mine = call(world, "admin3", "GET", "/revenue/charges")["items"]
    assert {(c["kind"], c["status"]) for c in mine} == {("joining", "charged"), ("annual", "waived")}
    assert {c["merchant_id"] for c in mine} == {m3}
    call(world, "admin1", "GET", "/revenue", status=403)
    with on(2, 2):
        revenue = call(world, "operator", "GET", "/revenue")
    january = next(m for m in revenue["months"] if m["month"] == "2027-01")
    assert {s["cause"]: s["amount_fen"] for s in january["sources"]} == {
        "joining_fee": 150_000, "annual_fee": 2 * annual, "platform_commission": 1_600}
    assert revenue["total_fen"] == run["charged_fen"]
    assert annual == 365_000 * ((date(2027, 12, 31) - start).days + 1) // 365  # whole fen here: no rounding needed


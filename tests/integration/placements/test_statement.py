"""A placement's charge is on the merchant's statement of the month it was booked in: a settlement run shows the
line (platform charges owed to the operator, cause featured placement), a booking cancelled the same month nets
to nothing, and verify finds the statements equal to the ledger."""

from __future__ import annotations

from datetime import datetime

from lianmeng.kit import clock
from lianmeng.kit.clock import SHANGHAI
from tests.conftest import World
from tests.integration.placements.placing import book, call, slot


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SHANGHAI)


def test_the_charge_is_a_line_of_the_month_it_was_booked_in(world: World) -> None:
    m1, m2, _ = world.a.merchants
    with clock.fixed_at(at(10, 30, 23)):  # 30 October, 23:00 Beijing time (15:00 UTC): October's statement
        made = slot(world)
        kept = book(world, "admin1", made["id"], "2026-11-02", 5)
        dropped = book(world, "admin2", made["id"], "2026-11-02", 2)
        call(world, "admin2", "POST", f"/placements/bookings/{dropped['id']}/cancel")
    with clock.fixed_at(at(11, 3)):
        book(world, "admin2", made["id"], "2026-11-04", 1)  # November's
        run = call(world, "operator", "POST", "/settlement/runs", {"period": "2026-10"}, 201)
    lines = {}
    for summary in call(world, "operator", "GET", f"/statements?run_id={run['id']}")["items"]:
        statement = call(world, "operator", "GET", f"/statements/{summary['id']}")
        lines[statement["merchant_id"]] = [(line["kind"], line["cause"], line["party_type"], line["amount_fen"])
                                           for line in statement["lines"]]
    assert kept["amount_fen"] == 25_000
    assert lines[m1] == [("platform_charges", "featured_placement", "operator", -25_000)]
    assert lines[m2] == [("platform_charges", "featured_placement", "operator", 0)]  # booked and cancelled
    mine = call(world, "admin1", "GET", f"/statements?run_id={run['id']}")["items"]
    assert [s["merchant_id"] for s in mine] == [m1] and mine[0]["net_fen"] == -25_000
    verified = call(world, "operator", "GET", f"/settlement/runs/{run['id']}/verify")
    assert verified["ok"] is True, verified

"""Quarterly settlement (issue 11, item 13): an agreement that says "quarterly" settles its pair on quarterly
statements (`2026-Q4`, Beijing time), and the monthly runs leave the pair out; the API, the CLI, the scheduled job,
verify, the export and the console's period picker all know the quarter."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lianmeng.cli import app
from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from lianmeng.kit.clock import SHANGHAI
from lianmeng.settlement.models import SettlementRun
from tests.conftest import World
from tests.integration.web.console import console, csrf_of

API = "/api/v1"
runner = CliRunner()
TERMS = [{"kind": "percent_of_order", "payer": "b", "rate_bp": 500}]


def at(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def call(world: World, who: str, method: str, path: str, body: Any = None, status: int = 200) -> Any:
    r = world.client.request(method, API + path, json=body, headers=world.a.actors[who].headers)
    assert r.status_code == status, f"{who} {method} {path}: {r.status_code} {r.text}"
    return r.json() if r.headers["content-type"].startswith("application/json") else r


def agree(world: World, partner_index: int, cycle: str) -> None:
    """m1 sends customers to the partner, which pays m1 5% of their orders; settled on `cycle`."""
    m1, partner = world.a.merchants[0], world.a.merchants[partner_index]
    with clock.fixed_at(at(10, 1, 9)):
        agreement = call(world, "operator", "POST", "/agreements", {
            "title": f"m1 → m{partner_index + 1} {cycle}", "merchant_a_id": m1, "merchant_b_id": partner,
            "modes": ["rights_exchange"], "commission_terms": TERMS, "settlement_cycle": cycle}, 201)
        assert agreement["settlement_cycle"] == cycle
        for action in ("propose", "accept", "activate"):
            call(world, "operator", "POST", f"/agreements/{agreement['id']}/transitions", {"action": action})


def referred_orders(world: World) -> None:
    """m1's member spends ¥10,000 at m2 (quarterly pair) and ¥8,000 at m3 (monthly pair) on 10 November."""
    m1 = world.a.merchants[0]
    member = world.a.members[m1]
    card_no = call(world, "staff1", "GET", f"/members/{member}")["card_no"]
    with clock.fixed_at(at(11, 10)):
        for clerk, amount in (("staff2", 1_000_000), ("staff3", 800_000)):
            call(world, clerk, "POST", "/memberships", {"card_no": card_no}, 201)
            call(world, clerk, "POST", "/orders", {"external_id": f"Q-{clerk}", "member_id": member,
                                                  "amount_fen": amount, "referrer_merchant_id": m1}, 201)


def commission_lines(world: World, run_id: int) -> set[tuple[int, str, str, int, int]]:
    """(merchant, account, cause, party, fen) of the commission lines on a run's statements."""
    out = set()
    for summary in call(world, "operator", "GET", f"/statements?run_id={run_id}")["items"]:
        statement = call(world, "operator", "GET", f"/statements/{summary['id']}")
        out |= {(statement["merchant_id"], line["kind"], line["cause"], line["party_id"], line["amount_fen"])
                for line in statement["lines"] if line["cause"] == "commission"}
    return out


def test_a_quarterly_pair_settles_on_the_quarter_and_never_on_a_month(world: World, db_url: str,
                                                                       session: Session) -> None:
    m1, m2, m3 = world.a.merchants
    agree(world, 1, "quarterly")
    agree(world, 2, "monthly")
    referred_orders(world)

    # November, monthly: the monthly pair's commission is there, the quarterly pair's is not
    with clock.fixed_at(at(12, 2)):
        november = call(world, "operator", "POST", "/settlement/runs", {"period": "2026-11"}, 201)
    assert (november["cycle"], november["statements"]) == ("monthly", 3)
    assert commission_lines(world, november["id"]) == {
        (m1, "rebate_frozen", "commission", m3, 40_000), (m3, "commission_payable", "commission", m1, -40_000)}
    assert call(world, "operator", "GET", f"/settlement/runs/{november['id']}/verify")["ok"]

    # a quarter cannot be settled before it ends (Beijing time), nor named wrongly
    with clock.fixed_at(at(12, 31, 23, 59)):
        call(world, "operator", "POST", "/settlement/runs", {"period": "2026-Q4"}, 409)
    bad = call(world, "operator", "POST", "/settlement/runs", {"period": "2026-Q5"}, 422)
    assert bad["error"]["code"] == "bad_period" and "2026-Q4" in bad["error"]["message"]

    # the scheduled job on 1 January 00:30 (Beijing) settles December (monthly) and the fourth quarter
    report = run_all(db_url, at=at(1, 1, 0, 30, year=2027))
    assert report.statements_built == 3 + 1 + 2  # every merchant of both alliances for December; the pair for Q4
    session.rollback()
    runs = {r.period: r for r in session.scalars(select(SettlementRun).where(
        SettlementRun.alliance_id == world.a.alliance_id))}
    assert set(runs) == {"2026-11", "2026-12", "2026-Q4"}
    quarter = runs["2026-Q4"]
    assert quarter.cycle == "quarterly"
    assert (quarter.starts_at, quarter.ends_at) == (at(10, 1, 0), at(1, 1, 0, year=2027))
    assert commission_lines(world, quarter.id) == {
        (m1, "rebate_frozen", "commission", m2, 50_000), (m2, "commission_payable", "commission", m1, -50_000)}
    assert commission_lines(world, runs["2026-12"].id) == set()
    for run in runs.values():
        assert call(world, "operator", "GET", f"/settlement/runs/{run.id}/verify")["ok"], run.period

    # the quarterly statement as the merchant sees it, and as a spreadsheet
    statements = call(world, "operator", "GET", f"/statements?run_id={quarter.id}")["items"]
    mine = next(s for s in statements if s["merchant_id"] == m2)
    statement = call(world, "admin2", "GET", f"/statements/{mine['id']}")
    assert (statement["period"], statement["cycle"], statement["cycle_label"]) == ("2026-Q4", "quarterly", "按季度结算")
    assert statement["net_fen"] == -50_000
    export = call(world, "admin2", "GET", f"/statements/{mine['id']}/export?format=csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert "2026-Q4 按季度结算(2026-10-01 00:00 – 2027-01-01 00:00,北京时间)" in rows[1][0]
    assert [row[1:] for row in rows[3:]] == [["alpha merchant 1", "应付佣金", "推荐佣金", "1", "-¥500.00", ""],
                                             ["", "", "", "1", "-¥500.00", ""]]

    # the CLI: settling the quarter again changes nothing; verify proves it to the fen
    with clock.fixed_at(at(1, 5, year=2027)):
        again = runner.invoke(app, ["settle", "run", "--period", "2026-Q4", "--database-url", db_url])
    assert again.exit_code == 0 and "已结算" in again.output, again.output
    verified = runner.invoke(app, ["settle", "verify", "--period", "2026-Q4", "--database-url", db_url])
    assert verified.exit_code == 0 and "equal to the fen" in verified.output, verified.output


def test_the_cli_settles_a_quarter(world: World, db_url: str, session: Session) -> None:
    m1, m2, _ = world.a.merchants
    agree(world, 1, "quarterly")
    referred_orders(world)
    with clock.fixed_at(at(1, 5, year=2027)):
        done = runner.invoke(app, ["settle", "run", "--period", "2026-Q4", "--alliance-id", str(world.a.alliance_id),
                                   "--database-url", db_url])
    assert done.exit_code == 0 and "settled" in done.output, done.output
    session.rollback()
    run = session.scalars(select(SettlementRun).where(SettlementRun.period == "2026-Q4")).one()
    assert (run.cycle, run.statements) == ("quarterly", 2)
    assert commission_lines(world, run.id) == {
        (m1, "rebate_frozen", "commission", m2, 50_000), (m2, "commission_payable", "commission", m1, -50_000)}


def test_the_console_offers_the_closed_quarter_and_settles_it(world: World) -> None:
    agree(world, 1, "quarterly")
    referred_orders(world)
    browser = console(world.client, world.a.actors["operator"].username)
    with clock.fixed_at(datetime(2027, 1, 5, 4, tzinfo=UTC)):
        page = browser.get("/console/money")
        assert page.status_code == 200
        assert '<option value="2026-Q4">按季度结算 · 2026-10-01 – 2026-12-31</option>' in page.text
        assert '<option value="2026-12">按月结算 · 2026-12-01 – 2026-12-31</option>' in page.text
        done = browser.post("/console/money/runs", data={"csrf": csrf_of(page.text), "period": "2026-Q4"})
    assert done.status_code == 200, done.text
    assert "2026-Q4 已结算:2 张对账单" in done.text and "按季度结算" in done.text

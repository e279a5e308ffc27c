"""The fees job (idempotent per month, also through the job runner and under two concurrent runs on PostgreSQL),
the settings and waivers forms, the revenue page, its XLSX export and what a merchant's admin sees."""

from __future__ import annotations

import io
import threading
from datetime import datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lianmeng.audit.models import AuditEvent
from lianmeng.jobs.domain import JobKind
from lianmeng.jobs.service import run_kind
from lianmeng.kit import clock
from lianmeng.kit.clock import SHANGHAI
from lianmeng.ledger.models import Posting
from lianmeng.revenue import service
from lianmeng.revenue.models import FeeCharge
from lianmeng.settlement.domain import parse_period
from tests.conftest import IS_POSTGRES, World
from tests.integration.web.console import console, csrf_of

API = "/api/v1"
SETTINGS = {"joining_fee_fen": 20_000, "annual_fee_fen": 100_000, "free_months": 0, "fees_start_on": "2026-12-01",
            "min_merchants": 0, "prorate_first_year": False, "commission_bp": 150, "commission_base": "all"}


def at(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2027) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def call(world: World, who: str, method: str, path: str, body: Any = None, status: int = 200) -> Any:
    r = world.client.request(method, API + path, json=body, headers=world.a.actors[who].headers)
    assert r.status_code == status, f"{who} {method} {path}: {r.status_code} {r.text}"
    return r.json()


def fees_set(world: World, **change: Any) -> None:
    with clock.fixed_at(at(1, 2)):
        call(world, "operator", "PUT", "/fee-settings", {**SETTINGS, **change})


def charges(session: Session) -> list[tuple[int, str, str, int, str]]:
    session.rollback()
    return sorted((c.merchant_id, c.kind, c.period, c.amount_fen, c.status) for c in session.scalars(select(FeeCharge)))


def test_settings_are_audited_and_bounded(world: World, session: Session) -> None:
    fees_set(world)
    fees_set(world, commission_bp=300)
    refused = world.client.put(f"{API}/fee-settings", json={**SETTINGS, "joining_fee_fen": -1},
                               headers={**world.a.actors["operator"].headers, "Accept-Language": "en"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "joining_fee_out_of_range"
    assert call(world, "operator", "GET", "/fee-settings")["commission_bp"] == 300
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action == "fees.settings")).all()
    assert len(actions) == 2
    call(world, "staff1", "PUT", "/fee-settings", SETTINGS, 403)


def test_the_job_charges_a_month_once_however_often_it_runs(world: World, session: Session, db_url: str) -> None:
    fees_set(world)
    m1, m2, _ = world.a.merchants
    with clock.fixed_at(at(1, 9)):
        call(world, "staff2", "POST", "/orders", {"external_id": "A-1", "member_id": world.a.members[m2],
                                                   "amount_fen": 33_333}, 201)
    assert service.alliances_due(session, at(2, 1, 0, 1)) == [(world.a.alliance_id, "2026-12")]  # in its grace
    assert service.alliances_due(session, at(2, 1, 0, 3)) == [(world.a.alliance_id, "2027-01")]
    first = run_kind(JobKind.OPERATOR_FEES, db_url, at(2, 1, 0, 3), tick="2027-02-01T00:03")
    again = run_kind(JobKind.OPERATOR_FEES, db_url, at(2, 1, 0, 3), tick="2027-02-01T00:03")
    by_hand = run_kind(JobKind.OPERATOR_FEES, db_url, at(2, 1, 0, 4))  # the month is the job's period: done before
    assert first.ran == 1 and again.done_before == 1 and by_hand.done_before == 1
    assert first.counts["charged"] == 10  # 3 joining, 3 × 2 annual (2026 and 2027), 1 commission
    session.rollback()
    assert service.charge_month(session, world.a.alliance_id, parse_period("2027-01")).charged == 0
    session.rollback()
    got = charges(session)
    assert (m2, "commission", "2027-01", 500, "charged") in got  # 1.5% of ¥333.33 = 499.995 → 500 fen
    assert (m1, "annual", "2027", 100_000, "charged") in got and (m1, "annual", "2026", 100_000, "charged") in got
    postings = session.scalars(select(Posting).where(Posting.cause.in_(
        ("joining_fee", "annual_fee", "platform_commission")))).all()
    assert len(postings) == 10
    january_end = parse_period("2027-01").ends_at
    assert all(p.occurred_at < january_end and p.occurred_at >= parse_period("2027-01").starts_at for p in postings)


def test_a_waiver_leaves_no_posting_and_shows_as_waived(world: World, session: Session) -> None:
    fees_set(world, commission_bp=0)
    m1 = world.a.merchants[0]
    with clock.fixed_at(at(1, 2)):
        call(world, "operator", "POST", "/revenue/waivers", {
            "merchant_id": m1, "kind": "joining", "starts_on": "2026-01-01", "reason": "创始商户"}, 201)
    service.charge_month(session, world.a.alliance_id, parse_period("2026-12"))
    session.commit()
    assert (m1, "joining", "join", 20_000, "waived") in charges(session)
    assert session.scalar(select(func.count()).select_from(Posting).where(
        Posting.idempotency_key == f"fee:{m1}:joining:join")) == 0


@pytest.mark.skipif(not IS_POSTGRES, reason="row locks: SQLite runs one writer at a time")
def test_two_concurrent_runs_post_once(world: World, engine: Engine) -> None:
    fees_set(world)
    month = parse_period("2027-01")
    results: list[object] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        with Session(bind=engine) as s:
            barrier.wait()
            results.append(service.charge_month(s, world.a.alliance_id, month))
            s.commit()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    charged = sorted(r.charged for r in results if isinstance(r, service.ChargeRun))
    assert charged == [0, 9]  # 3 joining + 2 × 3 annual (2026, 2027); the other run found them charged
    with Session(bind=engine) as s:
        assert s.scalar(select(func.count()).select_from(Posting).where(Posting.cause == "annual_fee")) == 6


def test_the_revenue_page_forms_and_export(world: World) -> None:
    fees_set(world)
    browser = console(world.client, world.a.actors["operator"].username)
    with clock.fixed_at(at(2, 2)):
        page = browser.get("/console/revenue")
        assert page.status_code == 200, page.text
        assert "联盟收入" in page.text and 'id="nav-revenue"' in page.text
        done = browser.post("/console/revenue/runs", data={"csrf": csrf_of(page.text), "month": "2027-01"})
        assert done.status_code == 200 and "2027-01" in done.text and "<svg" in done.text
        assert "入盟费" in done.text and "¥600.00" in done.text  # 3 × ¥200 joining fees
        bad = browser.post("/console/revenue/settings", data={
            "csrf": csrf_of(page.text), "joining_fee": "200", "annual_fee": "1000", "free_months": "0",
            "fees_start_on": "2026-12-01", "min_merchants": "0", "commission_bp": "3500", "commission_base": "all"})
        assert bad.status_code == 422 and "30%" in bad.text
        bad = browser.post("/console/revenue/waivers", data={
            "csrf": csrf_of(page.text), "merchant_id": str(world.a.merchants[0]), "kind": "annual",
            "starts_on": "2027-03-01", "ends_on": "2027-02-01", "reason": "试用"})
        assert bad.status_code == 422 and "结束日期不能早于开始日期" in bad.text
        ok = browser.post("/console/revenue/waivers", data={
            "csrf": csrf_of(page.text), "merchant_id": str(world.a.merchants[0]), "kind": "annual",
            "starts_on": "2027-03-01", "reason": "试用"})
        assert ok.status_code == 200 and "已记录减免" in ok.text
        xlsx = browser.get("/console/revenue/export.xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    revenue, per_merchant = book.worksheets
    assert "联盟收入" in str(revenue["A1"].value)
    assert per_merchant.max_row > 3
    admin = console(world.client, world.a.actors["admin1"].username)
    with clock.fixed_at(at(2, 2)):
        mine = admin.get("/console/revenue")
        assert mine.status_code == 200 and "平台费用" in mine.text and "¥200.00" in mine.text
        assert world.a.actors["admin2"].username not in mine.text and "alpha merchant 2" not in mine.text
        assert admin.get("/console/revenue/export.xlsx").status_code == 403
    clerk = console(world.client, world.a.actors["staff1"].username)
    assert clerk.get("/console/revenue").status_code == 403

"""Settlement beyond the story: the `lianmeng settle` commands (idempotent; verify catches a ledger that moved
under a settled period), the scheduled job, weekly agreements, and races on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lianmeng.cli import app
from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import OPERATOR, AccountKind, AccountRef, Leg, OwnerType
from lianmeng.settlement import service
from lianmeng.settlement.models import SettlementRun, Statement, StatementEvent, StatementLine
from lianmeng.tenancy.principal import SYSTEM
from tests.conftest import World
from tests.integration.orders.test_concurrency import race

API = "/api/v1"
runner = CliRunner()
OCTOBER = datetime(2026, 10, 15, 4, tzinfo=UTC)


def poster_in_october(world: World) -> int:
    """An operator-paid ¥300 poster of a campaign of m1 and m2, recorded on 15 October 2026."""
    op = world.a.actors["operator"].headers
    m1, m2, _ = world.a.merchants
    with clock.fixed_at(OCTOBER):
        campaign = world.client.post(f"{API}/campaigns", headers=op, json={
            "name": "金秋节", "starts_at": "2026-10-10T00:00:00+08:00", "ends_at": "2026-10-20T00:00:00+08:00"}).json()
        for merchant in (m1, m2):
            r = world.client.post(f"{API}/campaigns/{campaign['id']}/merchants", headers=op,
                                  json={"merchant_id": merchant, "contribution_fen": 100_000})
            assert r.status_code == 201, r.text
        r = world.client.post(f"{API}/campaigns/{campaign['id']}/costs", headers=op,
                              json={"what": "海报", "amount_fen": 30_000})
        assert r.status_code == 201, r.text
    return int(campaign["id"])


def counts(session: Session) -> tuple[int, int, int, int]:
    session.rollback()
    return tuple(int(session.scalar(select(func.count()).select_from(t)) or 0)  # type: ignore[return-value]
                 for t in (SettlementRun, Statement, StatementLine, StatementEvent))


def test_settle_run_twice_changes_nothing_and_verify_catches_a_moved_ledger(
        world: World, db_url: str, session: Session) -> None:
    poster_in_october(world)
    first = runner.invoke(app, ["settle", "run", "--period", "2026-10", "--database-url", db_url, "--issue"])
    assert first.exit_code == 0, first.output
    assert "settled" in first.output
    after_first = counts(session)
    assert after_first[:3] == (2, 4, 2)  # both alliances; A: 3 statements, B: 1; m1 and m2: a cost line each
    second = runner.invoke(app, ["settle", "run", "--period", "2026-10", "--database-url", db_url])
    assert second.exit_code == 0, second.output
    assert "已结算" in second.output and counts(session) == after_first
    bad = runner.invoke(app, ["settle", "run", "--period", "2026-13", "--database-url", db_url])
    assert bad.exit_code == 1 and "无效" in bad.output

    ok = runner.invoke(app, ["settle", "verify", "--period", "2026-10", "--database-url", db_url])
    assert ok.exit_code == 0, ok.output
    assert "equal to the fen" in ok.output
    # a posting slipped into October after it was settled (a back-dated write): verify must say so
    m1 = world.a.merchants[0]
    with clock.fixed_at(OCTOBER):
        ledger.post(session, world.a.alliance_id, "test:back-dated", "campaign_cost", [
            Leg(AccountRef(OwnerType.MERCHANT, m1, AccountKind.CAMPAIGN_COSTS, 1), -123, OPERATOR),
            Leg(AccountRef(OwnerType.OPERATOR, 0, AccountKind.CAMPAIGN_COSTS, 1), 123)])
    session.commit()
    caught = runner.invoke(app, ["settle", "verify", "--period", "2026-10", "--database-url", db_url])
    assert caught.exit_code == 1 and "differ" in caught.output
    none = runner.invoke(app, ["settle", "verify", "--period", "2026-09", "--database-url", db_url])
    assert none.exit_code == 1 and "not been settled" in none.output


def test_the_scheduled_job_settles_the_last_closed_month_once(world: World, db_url: str, session: Session) -> None:
    poster_in_october(world)
    early = run_all(db_url, at=datetime(2026, 10, 31, 16, 5, tzinfo=UTC))  # 00:05 on 1 November in Beijing
    assert early.statements_built == 4  # September (nothing in it, but every merchant gets its statement)
    report = run_all(db_url, at=datetime(2026, 10, 31, 16, 30, tzinfo=UTC))
    assert report.statements_built == 4
    assert run_all(db_url, at=datetime(2026, 11, 2, tzinfo=UTC)).statements_built == 0
    session.rollback()
    periods = sorted(session.scalars(select(SettlementRun.period).where(
        SettlementRun.alliance_id == world.a.alliance_id)))
    assert periods == ["2026-09", "2026-10"]
    october = session.scalars(select(SettlementRun).where(SettlementRun.alliance_id == world.a.alliance_id,
                                                          SettlementRun.period == "2026-10")).one()
    assert october.lines == 2 and service.verify(session, SYSTEM, october.id).ok


def test_weekly_agreements_settle_their_pair_weekly_and_nothing_twice(world: World, session: Session) -> None:
    m1, m2, m3 = world.a.merchants
    op = world.a.actors["operator"].headers
    with clock.fixed_at(datetime(2026, 10, 1, 2, tzinfo=UTC)):
        agreement = world.client.post(f"{API}/agreements", headers=op, json={
            "title": "周结", "merchant_a_id": m1, "merchant_b_id": m2, "modes": ["rights_exchange"],
            "settlement_cycle": "weekly"}).json()
        for action in ("propose", "accept", "activate"):
            r = world.client.post(f"{API}/agreements/{agreement['id']}/transitions", headers=op,
                                  json={"action": action})
            assert r.status_code == 200, r.text
    # m2 owes m1 (weekly pair), m3 owes m1 (monthly), both in week 42 of October
    with clock.fixed_at(OCTOBER):
        for payer, amount in ((m2, 7_000), (m3, 9_000)):
            ledger.post(session, world.a.alliance_id, f"test:partner:{payer}", "joint_card_use", [
                Leg(AccountRef(OwnerType.MERCHANT, payer, AccountKind.PARTNER_BALANCE, m1), -amount),
                Leg(AccountRef(OwnerType.MERCHANT, m1, AccountKind.PARTNER_BALANCE, payer), amount)])
    session.commit()
    at = datetime(2026, 11, 2, tzinfo=UTC)
    week = service.settle(session, SYSTEM, world.a.alliance_id, "2026-W42", at=at)
    month = service.settle(session, SYSTEM, world.a.alliance_id, "2026-10", at=at)
    session.commit()
    assert (week.cycle, week.statements, month.statements) == ("weekly", 2, 3)

    def lines(run: SettlementRun) -> list[tuple[int, int, int]]:
        rows = session.execute(select(Statement.merchant_id, StatementLine.party_id, StatementLine.amount_fen)
                               .join(Statement, Statement.id == StatementLine.statement_id)
                               .where(Statement.run_id == run.id))
        return sorted((merchant, party, amount) for merchant, party, amount in rows)

    assert lines(week) == [(m1, m2, 7_000), (m2, m1, -7_000)]
    assert lines(month) == [(m1, m3, 9_000), (m3, m1, -9_000)]
    assert service.verify(session, SYSTEM, week.id).ok and service.verify(session, SYSTEM, month.id).ok


def test_racing_runs_and_confirmations(world: World, wide_engine: Engine, session: Session) -> None:
    """Two operators settle October at once: one run. The merchant and the operator confirm at the same moment:
    confirmed, one event each."""
    poster_in_october(world)
    alliance = world.a.alliance_id
    at = datetime(2026, 11, 2, tzinfo=UTC)
    outcomes = race(wide_engine, [lambda s: service.settle(s, SYSTEM, alliance, "2026-10", at=at)] * 4)
    assert outcomes == {201: 1, 409: 3}
    session.rollback()
    run = session.scalars(select(SettlementRun).where(SettlementRun.alliance_id == alliance)).one()
    statement = session.scalars(select(Statement).where(Statement.run_id == run.id,
                                                        Statement.merchant_id == world.a.merchants[0])).one()
    service.issue(session, SYSTEM, statement.id)
    session.commit()
    merchant_admin = world.a.actors["admin1"].headers
    operator = world.a.actors["operator"].headers
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda h: world.client.post(f"{API}/statements/{statement.id}/confirm", headers=h),
                                [merchant_admin, operator]))
    assert [r.status_code for r in replies] == [200, 200]
    final = world.client.get(f"{API}/statements/{statement.id}", headers=operator).json()
    assert final["status"] == "confirmed"
    assert [e["action"] for e in final["events"]] == ["issue", "confirm", "confirm"]

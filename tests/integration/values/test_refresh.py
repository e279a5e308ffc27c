"""The refresh: the SQL agrees with the pure rules, incremental equals full, history rows, the window."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.kit import clock
from lianmeng.orders.models import Order
from lianmeng.values import domain, service
from lianmeng.values.models import MemberValue, MemberValueChange, ValueModelSettings
from tests.conftest import World
from tests.integration.values.helpers import AT, add_member, add_order, add_refund, populate

Snapshot = dict[tuple[int, int | None], tuple[object, ...]]


def snapshot(session: Session, alliance_id: int) -> Snapshot:
    rows = session.scalars(select(MemberValue).where(MemberValue.alliance_id == alliance_id))
    return {(r.member_id, r.merchant_id): (r.last_order_at, r.recency_days, r.frequency, r.monetary_fen,
                                           r.merchants_visited, r.r_score, r.f_score, r.m_score, r.rfm_class,
                                           r.stars) for r in rows}


def expected(session: Session, alliance_id: int) -> Snapshot:
    """The same figures scored by domain.py in Python, scope by scope."""
    rows = list(session.scalars(select(MemberValue).where(MemberValue.alliance_id == alliance_id)))
    out: Snapshot = {}
    for scope in {r.merchant_id for r in rows}:
        mine = [r for r in rows if r.merchant_id == scope]
        figures = [domain.Figures(r.recency_days, r.frequency, r.monetary_fen) for r in mine]
        for row, scored in zip(mine, domain.score_scope(figures), strict=True):
            stars = (domain.stars(row.monetary_fen, row.frequency, row.merchants_visited, row.recency_days)
                     if scope is None else None)
            out[(row.member_id, scope)] = (row.last_order_at, row.recency_days, row.frequency, row.monetary_fen,
                                           row.merchants_visited, scored.r, scored.f, scored.m,
                                           scored.rfm_class.value, stars)
    return out


def test_sql_agrees_with_the_rules_and_the_raw_figures(world: World, session: Session) -> None:
    a = world.a
    populate(session, a.alliance_id, a.merchants, 60)
    report = service.refresh(session, a.alliance_id, at=AT)
    assert report.full and report.members > 0
    got = snapshot(session, a.alliance_id)
    assert got == expected(session, a.alliance_id)
    # raw figures of one member, recomputed by hand
    member_id = add_member(session, a.alliance_id, a.merchants[0], 999)
    add_order(session, a.alliance_id, a.merchants[0], member_id, 30_000, AT - timedelta(days=10, hours=1))
    add_order(session, a.alliance_id, a.merchants[1], member_id, 20_000, AT - timedelta(days=400))  # outside
    order = add_order(session, a.alliance_id, a.merchants[0], member_id, 10_000, AT - timedelta(days=3))
    add_refund(session, order, 4_000, AT - timedelta(days=2))
    service.refresh(session, a.alliance_id, at=AT)
    got = snapshot(session, a.alliance_id)
    assert got == expected(session, a.alliance_id)
    mine = got[(member_id, a.merchants[0])]
    assert mine[1:5] == (3, 2, 36_000, 0)
    lapsed = got[(member_id, a.merchants[1])]
    assert lapsed[1:] == (400, 0, 0, 0, 1, 1, 1, "general_winback", None)
    wide = got[(member_id, None)]
    assert wide[1:5] == (3, 2, 36_000, 1)


def test_incremental_equals_full(world: World, session: Session) -> None:
    a = world.a
    ids = populate(session, a.alliance_id, a.merchants, 50)
    service.refresh(session, a.alliance_id, at=AT)
    later = AT + timedelta(days=40)  # some orders age out of the window
    for i, member_id in enumerate(ids[:10]):
        add_order(session, a.alliance_id, a.merchants[i % 3], member_id, 250_000 * (i + 1), later - timedelta(days=1))
    newcomer = add_member(session, a.alliance_id, a.merchants[2], 555)
    add_order(session, a.alliance_id, a.merchants[2], newcomer, 9_000, later - timedelta(hours=5))
    report = service.refresh(session, a.alliance_id, at=later)
    assert not report.full
    assert 11 <= report.members < len(ids) + 1
    incremental = snapshot(session, a.alliance_id)
    full = service.refresh(session, a.alliance_id, at=later, full=True)
    assert full.full and (full.rows_rewritten, full.rows_inserted, full.history_rows) == (0, 0, 0)
    assert snapshot(session, a.alliance_id) == incremental == expected(session, a.alliance_id)


def test_history_rows_when_class_or_stars_change(world: World, session: Session) -> None:
    a = world.a
    m1 = a.merchants[0]
    member_id = add_member(session, a.alliance_id, m1, 1)
    other = add_member(session, a.alliance_id, m1, 2)
    add_order(session, a.alliance_id, m1, member_id, 10_000, AT - timedelta(days=30))
    add_order(session, a.alliance_id, m1, other, 10_000, AT - timedelta(days=5))
    service.refresh(session, a.alliance_id, at=AT)
    first = session.scalars(select(MemberValue).where(MemberValue.member_id == member_id)).all()
    assert {(v.merchant_id, v.rfm_class, v.stars) for v in first} == {(m1, "general_winback", None),
                                                                       (None, "general_winback", 1)}
    # a row's first scoring is the row itself, not a change; an unchanged run writes none either
    service.refresh(session, a.alliance_id, at=AT + timedelta(hours=1))
    assert session.scalars(select(MemberValueChange)).all() == []
    for day in range(6):
        add_order(session, a.alliance_id, m1, member_id, 100_000, AT + timedelta(days=1, hours=day))
    later = AT + timedelta(days=2)
    service.refresh(session, a.alliance_id, at=later)
    newest = list(session.scalars(select(MemberValueChange).where(
        MemberValueChange.member_id == member_id, MemberValueChange.at == later)))
    assert {(h.merchant_id, h.rfm_class, h.stars) for h in newest} == {(m1, "important_value", None),
                                                                        (None, "important_value", 5)}
    other_changes = session.scalars(select(MemberValueChange).where(MemberValueChange.member_id == other)).all()
    assert {(h.merchant_id, h.rfm_class, h.stars) for h in other_changes} == {(m1, "general_winback", None),
                                                                               (None, "general_winback", 1)}
    wide = session.scalars(select(MemberValue).where(MemberValue.member_id == member_id,
                                                     MemberValue.merchant_id.is_(None))).one()
    assert (wide.frequency, wide.monetary_fen, wide.stars) == (7, 610_000, 5)


def test_a_changed_window_makes_the_next_run_full(world: World, session: Session) -> None:
    a = world.a
    populate(session, a.alliance_id, a.merchants, 20)
    service.refresh(session, a.alliance_id, at=AT)
    settings = session.scalars(select(ValueModelSettings).where(
        ValueModelSettings.alliance_id == a.alliance_id)).one()
    settings.window_days = 90
    session.flush()
    report = service.refresh(session, a.alliance_id, at=AT)
    assert report.full
    got = snapshot(session, a.alliance_id)
    assert got == expected(session, a.alliance_id)
    assert all(v[2] == 0 for v in got.values() if v[1] is not None and v[1] >= 91)


def test_the_cli_and_the_jobs_refresh(world: World, session: Session, db_url: str) -> None:
    from typer.testing import CliRunner

    from lianmeng.cli import app
    from lianmeng.jobs.service import run_all

    a = world.a
    populate(session, a.alliance_id, a.merchants, 10)
    session.commit()
    runner = CliRunner()
    result = runner.invoke(app, ["values", "refresh", "--alliance", "alpha", "--database-url", db_url])
    assert result.exit_code == 0, result.output
    assert "full" in result.output
    ordered = session.scalar(select(func.count(func.distinct(Order.member_id))).where(
        Order.alliance_id == a.alliance_id))
    assert ordered and session.scalar(select(ValueModelSettings.last_run_members).where(
        ValueModelSettings.alliance_id == a.alliance_id)) == ordered
    unknown = runner.invoke(app, ["values", "refresh", "--alliance", "nope", "--database-url", db_url])
    assert unknown.exit_code == 2 and "nope" in unknown.output
    assert run_all(db_url).value_alliances_refreshed == 1  # alpha was refreshed a moment ago: not due yet
    assert run_all(db_url, at=clock.now() + timedelta(minutes=11)).value_alliances_refreshed == 2

"""The demo's operator charges fees and a 2% platform commission on referred GMV: the revenue page has months of
figures from the start, and the books still balance."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.demo.loader import DemoPlan, load_demo
from lianmeng.kit import clock
from lianmeng.revenue import service
from lianmeng.revenue.models import FeeCharge, FeeSettings
from lianmeng.tenancy import Principal
from tests.books import assert_ledger_invariants

END = datetime(2026, 11, 20, 16, tzinfo=UTC)


def test_the_demo_operator_earns_a_platform_commission_month_by_month(session: Session) -> None:
    summary = load_demo(session, DemoPlan(seed=2024, scale=0.1, history_until=END))
    session.flush()
    settings = session.scalars(select(FeeSettings)).one()
    assert (settings.commission_bp, settings.annual_fee_fen, settings.free_months) == (200, 365_000, 3)
    months = {c.month for c in session.scalars(select(FeeCharge).where(FeeCharge.kind == "commission"))}
    assert len(months) >= 2 and summary.counts["fee_charges"] > 0
    operator = Principal(kind="user", id=1, role=Role.OPERATOR_ADMIN, alliance_id=settings.alliance_id)
    with clock.fixed_at(END):
        revenue = service.revenue(session, operator)
    earning = [m for m in revenue.months if any(s.cause == "platform_commission" for s in m.sources)]
    assert len(earning) >= 2
    assert service.charge_month(session, settings.alliance_id, service.last_closed_month(END)).charged == 0
    assert_ledger_invariants(session)

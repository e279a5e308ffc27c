"""The demo's joint campaigns: the closed one's report fills from the referral history (its registered members'
orders at the gyms), the open one is ready for registration at the event; both only through the services."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.campaigns import service as campaigns
from lianmeng.campaigns.models import Campaign, CampaignCoupon, CampaignRegistration, GiftPackage
from lianmeng.coupons.models import Redemption
from lianmeng.demo import data
from lianmeng.demo.loader import DemoPlan, load_demo
from lianmeng.merchants.models import Merchant
from lianmeng.orders.models import Order
from lianmeng.tenancy import Principal
from tests.books import assert_ledger_invariants

END = datetime(2026, 11, 20, 16, tzinfo=UTC)


def test_the_demo_has_a_closed_campaign_with_figures_and_one_on_now(session: Session) -> None:
    summary = load_demo(session, DemoPlan(seed=2024, scale=0.1, history_until=END))
    session.flush()
    rows = {c.name: c for c in session.scalars(select(Campaign))}
    assert set(rows) == {"特斯拉车主健康生活节", "冬季健身开放周"} and summary.counts["campaigns"] == 2
    closed, on_now = rows["特斯拉车主健康生活节"], rows["冬季健身开放周"]
    assert (closed.status, on_now.status) == ("closed", "active")
    assert closed.ends_at.replace(tzinfo=UTC) <= END < on_now.ends_at.replace(tzinfo=UTC)

    operator = Principal(kind="user", id=1, role=Role.OPERATOR_ADMIN, alliance_id=closed.alliance_id)
    report = campaigns.report(session, operator, closed.id)
    centre = session.scalars(select(Merchant).where(Merchant.name == data.MERCHANTS[0].name)).one()
    assert report.merchants[0].merchant_id == centre.id and len(report.merchants) == 4
    assert report.registered == report.checked_in > 0
    assert report.merchants[0].participants == report.registered  # everyone checked in at the centre
    history = session.scalar(select(func.count(Redemption.id)).join(Order, Order.id == Redemption.order_id).where(
        Redemption.member_id.in_(select(CampaignRegistration.member_id)
                                 .where(CampaignRegistration.campaign_id == closed.id)),
        Redemption.merchant_id.in_([r.merchant_id for r in report.merchants]),
        Order.created_at >= closed.starts_at, Order.created_at < closed.ends_at))
    assert report.totals.conversions == history > 0  # the conversions are the history's orders
    assert report.merchants[0].conversions > 0  # gym members bought at the centre
    assert all(r.roi is not None for r in report.merchants) and report.totals.revenue_fen > 0
    assert report.costs_fen == 380_000 and report.totals.cost_share_fen == 380_000

    open_report = campaigns.report(session, operator, on_now.id)
    assert (open_report.registered, open_report.checked_in) == (24, 9)
    package = session.scalars(select(GiftPackage).where(GiftPackage.campaign_id == on_now.id)).one()
    assert package.template_ids and session.scalar(select(func.count(CampaignCoupon.id))) == 0
    assert summary.counts["campaign_registrations"] == report.registered + 24
    assert summary.counts["campaign_check_ins"] == report.checked_in + 9
    assert_ledger_invariants(session)

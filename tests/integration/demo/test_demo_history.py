"""The demo's referral history (引流历史): seed 000's figures, written through the coupon and order services."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.commissions.models import Rebate
from lianmeng.coupons.models import Coupon, CouponTemplate, Redemption
from lianmeng.demo import data, generate
from lianmeng.demo.loader import DemoPlan, DemoSummary, load_demo
from lianmeng.distribution.models import DistributionTerms
from lianmeng.kit import clock
from lianmeng.members.models import Member, Membership
from lianmeng.merchants.models import Merchant
from lianmeng.orders.models import Order
from lianmeng.referrals import service as referrals
from lianmeng.referrals.models import Feedback
from lianmeng.targeting.models import TargetedOffer
from lianmeng.tenancy import Principal
from tests.books import assert_ledger_invariants

SCALE = 0.1
END = datetime(2026, 11, 20, 16, tzinfo=UTC)  # 00:00 on 21 November in Shanghai
GYMS_TO_CENTRE = data.FLOWS[0]


def gym_arrivals(scale: float) -> int:
    """Seed 000 §3: 8% of the gyms' members come to the centre (the cross memberships at this scale)."""
    counts = generate.member_counts(scale)
    return generate.half_up_percent(sum(counts[k] for k in data.GYM_KEYS), 8)


def draft(scale: float, seed: int = 2024) -> tuple[list[generate.MemberDraft], list[generate.StaffDraft],
                                                  list[generate.CouponDraft], list[generate.MembershipDraft]]:
    """The drafts as load_demo makes them (same order of draws from the one Random)."""
    rng = random.Random(seed)
    names = generate.Names(rng)
    staff = generate.draft_staff(rng, names)
    members = generate.draft_members(rng, names, generate.guide_counts(staff), scale)
    memberships = generate.draft_memberships(rng, members)
    for spec in data.AGREEMENTS:
        generate.draft_events(rng, spec)
    coupons, memberships = generate.draft_history(rng, staff, members, memberships, END)
    return members, staff, coupons, memberships


def test_at_scale_one_gym_members_bring_seed_000s_figures_to_the_centre() -> None:
    members, staff, coupons, memberships = draft(1.0)
    pair = [c for c in coupons if c.flow == 0]
    arrivals = [c.arrival for c in pair if c.arrival is not None]
    orders = [a.order for a in arrivals if a.order is not None]
    assert gym_arrivals(1.0) == len(arrivals) == 480
    assert len(orders) == 298  # 62%
    assert sum(o.amount_fen for o in orders) == 298 * 185_000  # ¥1,850.00 on average, to the fen
    assert len(pair) == 600 and len({o.amount_fen for o in orders}) > 50  # 80% of coupons used; varied bills
    for coupon in pair:
        assert members[coupon.member].origin in data.GYM_KEYS and coupon.target == data.CENTRE_KEY
        assert staff[coupon.guide].merchant == members[coupon.member].origin
        assert staff[coupon.guide].role.value == "shopping_guide"
    figures = {flow.key: (len([c for c in coupons if c.flow == i]),
                          len([c for c in coupons if c.flow == i and c.arrival]),
                          len([c for c in coupons if c.flow == i and c.arrival and c.arrival.order]))
               for i, flow in enumerate(data.FLOWS)}
    assert figures["centre-gyms"] == (160, 120, 42)  # 15% of 800 centre members; 35% convert (seed §3, 上海)
    assert figures["centre-greenfield"] == (75, 48, 27)  # 57% (seed §3, 杭州)
    held = Counter((m.member, m.merchant) for m in memberships)
    assert max(held.values()) == 1  # the arrivals were already counted among the cross memberships


def test_the_history_lies_in_the_ten_weeks_before_its_end_in_shop_hours() -> None:
    members, _, coupons, memberships = draft(0.2)
    start = END - timedelta(weeks=10)
    joined = {(m.member, m.merchant): m.joined_at for m in memberships}
    for coupon in coupons:
        assert members[coupon.member].joined_at < coupon.issued_at
        moments = [coupon.issued_at]
        if coupon.claimed_at:
            moments.append(coupon.claimed_at)
        if coupon.arrival:
            moments.append(coupon.arrival.at)
            assert coupon.issued_at < coupon.arrival.at <= coupon.issued_at + timedelta(days=14)
            assert joined[(coupon.member, coupon.target)] == coupon.arrival.at
            if coupon.arrival.order:
                assert coupon.arrival.at <= coupon.arrival.order.at
                moments.append(coupon.arrival.order.at)
            if coupon.arrival.feedback:
                assert coupon.arrival.feedback.rating in range(1, 6)
                moments.append(coupon.arrival.feedback.at)
        for at in moments:
            assert start <= at < END
            assert 9 <= clock.shanghai(at).hour <= 21


def test_amounts_average_exactly() -> None:
    rng = random.Random(1)
    cases = ((1, 185_000, 38_000), (7, 185_000, 38_050), (298, 185_000, 38_000), (42, 500_000, 180_000),
             (13, 12_345, 5_000))
    for count, average, low in cases:
        amounts = generate.amounts_averaging(rng, count, average, low, 680_005)
        assert len(amounts) == count and sum(amounts) == count * average and min(amounts) > 0


@pytest.fixture
def loaded(session: Session) -> DemoSummary:
    summary = load_demo(session, DemoPlan(seed=2024, scale=SCALE, history_until=END))
    session.flush()
    return summary


@pytest.mark.parametrize("scale", [SCALE, 1.0])
def test_gym_members_arrive_convert_and_pay_commission_at_the_centre(session: Session, scale: float) -> None:
    loaded = load_demo(session, DemoPlan(seed=2024, scale=scale, history_until=END))
    session.flush()
    ids = {spec.name: spec.key for spec in data.MERCHANTS}
    key_of = {m.id: ids[m.name] for m in session.scalars(select(Merchant))}
    id_of = {key: merchant_id for merchant_id, key in key_of.items()}
    gyms = [id_of[k] for k in data.GYM_KEYS]
    pair = (Redemption.merchant_id == id_of["tesla"], Redemption.referrer_merchant_id.in_(gyms))
    arrived, converted, revenue = session.execute(
        select(func.count(Redemption.id), func.count(Order.id), func.coalesce(func.sum(Order.amount_fen), 0))
        .outerjoin(Order, Order.id == Redemption.order_id).where(*pair)).one()
    expected = gym_arrivals(scale)
    assert expected == round(480 * scale)
    assert arrived == expected
    assert converted == generate.half_up_percent(expected, 62) == round(298 * scale)
    assert revenue == converted * 185_000  # the average first order, to the fen
    if scale == 1.0:
        assert (arrived, converted, revenue // converted) == (480, 298, 185_000)  # seed 000 §3, exactly

    origins = session.execute(select(Member.origin_merchant_id, Redemption.referrer_merchant_id)
                              .join(Redemption, Redemption.member_id == Member.id).where(*pair)).all()
    assert all(origin == referrer for origin, referrer in origins)  # each is a member the gym brought
    first_orders = session.execute(
        select(Order.member_id, func.count()).where(Order.merchant_id == id_of["tesla"]).group_by(Order.member_id)
    ).all()
    assert all(count == 1 for _, count in first_orders)
    paid = session.execute(
        select(Rebate.payee_type, func.count(), func.sum(Rebate.amount_fen))
        .join(Redemption, Redemption.order_id == Rebate.order_id).where(*pair).group_by(Rebate.payee_type)).all()
    by_payee = {payee: (count, total) for payee, count, total in paid}
    assert by_payee["merchant"][0] == by_payee["staff"][0] == converted  # every conversion pays gym and guide
    assert by_payee["staff"][1] == converted * 5000
    assert_ledger_invariants(session)

    issued, claimed = session.execute(select(func.count(Coupon.id), func.count(Coupon.claimed_at))
                                      .where(Coupon.target_merchant_id == id_of["tesla"])).one()
    assert issued == (arrived * 100 + 79) // 80 and arrived <= claimed <= issued
    templates = session.scalars(select(CouponTemplate).where(CouponTemplate.id.not_in(
        select(TargetedOffer.template_id)), CouponTemplate.id.not_in(select(DistributionTerms.template_id)))
    ).all()  # the targeted offer's coupon and the offer members share (分销) are not the history's
    assert len(templates) == loaded.counts["coupon_templates"] == 6
    assert loaded.counts["arrivals"] == session.scalar(select(func.count(Redemption.id)))
    offer = loaded.counts.get("offer_conversions", 0), loaded.counts.get("offer_memberships", 0)  # the offer's
    assert loaded.counts["conversions"] + offer[0] == session.scalar(select(func.count(Order.id)))
    assert loaded.counts["memberships"] + offer[1] == session.scalar(select(func.count(Membership.id)))
    feedback = session.scalars(select(Feedback)).all()
    assert len(feedback) == loaded.counts["feedback"] > 0
    assert all(f.is_complaint == (f.rating <= 2) and 1 <= f.rating <= 5 for f in feedback)
    latest = session.scalar(select(func.max(Redemption.at)))
    assert latest is not None and latest < END


def test_the_funnel_report_shows_the_pair(session: Session, loaded: DemoSummary) -> None:
    operator = Principal(kind="user", id=1, role=Role.OPERATOR_ADMIN,
                         alliance_id=session.scalars(select(Merchant.alliance_id)).first())
    centre = session.scalars(select(Merchant.id).where(Merchant.name.startswith("特斯拉"))).one()
    start = END - timedelta(weeks=10)
    report = referrals.funnel(session, operator, date_from=clock.shanghai(start).date(),
                              date_to=clock.shanghai(END).date(), receiving_merchant_id=centre)
    arrived = sum(row.arrived for row in report.items)
    converted = sum(row.converted for row in report.items)
    assert (arrived, converted) == (gym_arrivals(SCALE), generate.half_up_percent(gym_arrivals(SCALE), 62))
    assert sum(row.revenue_fen for row in report.items) == converted * 185_000
    # the free vehicle check (worth ¥300) costs the centre the ¥60 the demo sets on its template
    assert sum(row.discount_fen for row in report.items) == arrived * 30_000
    assert sum(row.benefit_cost_fen for row in report.items) == arrived * data.COSTS["免费车辆检测"]
    assert all(row.costed_at_value == 0 for row in report.items)
    assert all(row.commission_fen > 0 and row.staff_incentive_fen > 0 for row in report.items if row.converted)


def test_without_history_nothing_is_issued(session: Session) -> None:
    summary = load_demo(session, DemoPlan(scale=0.01, history=False))
    assert "coupons" not in summary.counts
    assert session.scalar(select(func.count(Coupon.id))) == 0


def test_the_centre_earns_its_hub_share_on_what_its_members_spend_at_partners(session: Session,
                                                                             loaded: DemoSummary) -> None:
    """Seed 000 mode 5 in the demo: every order of a centre member at a partner pays the centre 6% of it."""
    from lianmeng.agreements.models import Agreement

    centre = session.scalars(select(Merchant.id).where(Merchant.name.startswith("特斯拉"))).one()
    wide = session.scalars(select(Agreement.id).where(Agreement.merchant_b_id.is_(None))).one()
    at_partners = session.execute(
        select(Order.id, Order.amount_fen).join(Member, Member.id == Order.member_id)
        .where(Member.origin_merchant_id == centre, Order.merchant_id != centre)).all()
    assert at_partners  # the centre's members go to the gyms, the school and the restaurant
    paid = dict(session.execute(select(Rebate.order_id, Rebate.amount_fen).where(
        Rebate.agreement_id == wide, Rebate.payee_type == "merchant", Rebate.payee_id == centre)).all())
    assert paid == {order_id: (amount * 600 * 2 + 10_000) // 20_000 for order_id, amount in at_partners}
    own = session.scalar(select(func.count()).select_from(Rebate).join(Order, Order.id == Rebate.order_id).where(
        Rebate.agreement_id == wide, Order.merchant_id == centre))
    assert own == 0

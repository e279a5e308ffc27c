"""The demo's joint campaigns (联合营销活动, seed mode 2), written through the campaign services at their own
moments, as the live system would have recorded them:

* 特斯拉车主健康生活节 — closed: the service centre and the three gyms put in ¥10,000 each, record the venue and
  posters, register members of one of them who went on to buy at another with a partner's coupon in the window (the
  referral history's gym members at the centre, car owners at the gyms), and as many centre members again who did
  not, and check them all in at the centre. Its report counts those history orders, so the ROI has figures without
  one invented order.
* 冬季健身开放周 — on now: the centre and one gym, a gift package of the gym's coupons, some members registered and
  a few checked in; nothing handed out yet, so the coupon and order counts of the history stay the seed's.

Adds and flushes only; no coupons, orders or memberships are created here."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.auth.models import User
from lianmeng.campaigns import service as campaigns
from lianmeng.campaigns.domain import CampaignStatus
from lianmeng.campaigns.schemas import CampaignCreate, CostIn, PackageIn, ParticipantIn, RegistrationIn
from lianmeng.coupons.models import CouponTemplate, Redemption
from lianmeng.demo.data import CENTRE_KEY, GYM_KEYS
from lianmeng.kit import clock
from lianmeng.members.models import Member
from lianmeng.merchants.models import Merchant, Staff
from lianmeng.tenancy import Principal

CONTRIBUTION_FEN = 1_000_000  # ¥10,000 each, as in the seed's example
CLOSED_WEEKS = (7, 2)  # the closed campaign runs from 7 to 2 weeks before the history's end
OPEN_DAYS = (3, 14)  # the open one started 3 days before it and runs 14 days after
OPEN_REGISTERED, OPEN_CHECKED_IN = 24, 9


def _user(user: User, alliance_id: int, role: Role, session: Session) -> Principal:
    staff = session.get(Staff, user.staff_id) if user.staff_id else None
    return Principal(kind="user", id=user.id, role=role, alliance_id=alliance_id, merchant_id=user.merchant_id,
                     store_id=staff.store_id if staff else None, staff_id=user.staff_id, label=user.username)


def add_campaigns(session: Session, alliance_id: int, merchants: dict[str, Merchant], users: dict[str, User],
                  end: datetime, rng: random.Random) -> dict[str, int]:
    """Two campaigns (one closed with its figures, one on now); {} when the demo has no centre or gyms."""
    gyms = [merchants[key] for key in GYM_KEYS if key in merchants]
    if CENTRE_KEY not in merchants or not gyms or "operator" not in users:
        return {}
    centre = merchants[CENTRE_KEY]
    operator = _user(users["operator"], alliance_id, Role.OPERATOR_ADMIN, session)
    desk = _user(users[f"{CENTRE_KEY}-sa"], alliance_id, Role.STORE_STAFF, session)
    registered = checked_in = 0

    starts, ends = end - timedelta(weeks=CLOSED_WEEKS[0]), end - timedelta(weeks=CLOSED_WEEKS[1])
    with clock.fixed_at(starts - timedelta(days=10)):
        closed = campaigns.create(session, operator, CampaignCreate(
            name="特斯拉车主健康生活节", starts_at=starts, ends_at=ends,
            description="服务中心与三家健身房联合举办:车主到店签到领取健身体验,各家共担场地与物料费用。"))
        for merchant in [centre, *gyms]:
            campaigns.add_merchant(session, operator, closed.id, ParticipantIn(
                merchant_id=merchant.id, contribution_fen=CONTRIBUTION_FEN))
        campaigns.add_cost(session, operator, closed.id, CostIn(what="场地布置", amount_fen=300_000,
                                                                paid_by_merchant_id=centre.id))
        campaigns.add_cost(session, operator, closed.id, CostIn(what="海报与物料", amount_fen=80_000))
    with clock.fixed_at(starts):
        campaigns.set_status(session, operator, closed.id, CampaignStatus.ACTIVE)
    taking_part = [centre.id, *(g.id for g in gyms)]
    came = sorted(set(session.scalars(
        select(Redemption.member_id).join(Member, Member.id == Redemption.member_id)
        .where(Member.origin_merchant_id.in_(taking_part), Redemption.merchant_id.in_(taking_part),
               Redemption.merchant_id != Member.origin_merchant_id, Member.merged_into_id.is_(None),
               Redemption.at >= starts, Redemption.at < ends, Redemption.order_id.is_not(None)))))
    others = [m for m in session.scalars(select(Member.id).where(
        Member.origin_merchant_id == centre.id, Member.merged_into_id.is_(None)).order_by(Member.id))
        if m not in set(came)]
    people = sorted(came + rng.sample(others, min(len(others), max(len(came) // 2, 10))))
    for member_id in people:
        at = starts + timedelta(hours=rng.randint(1, 24 * 5))
        with clock.fixed_at(at):
            registration = campaigns.register(session, operator, closed.id, RegistrationIn(member_id=member_id))
            registered += 1
        with clock.fixed_at(at + timedelta(hours=rng.randint(1, 48))):
            campaigns.check_in(session, desk, registration.id)
            checked_in += 1
    with clock.fixed_at(ends):
        campaigns.set_status(session, operator, closed.id, CampaignStatus.CLOSED)

    gym = gyms[0]
    starts, ends = end - timedelta(days=OPEN_DAYS[0]), end + timedelta(days=OPEN_DAYS[1])
    templates = list(session.scalars(select(CouponTemplate.id).where(
        CouponTemplate.owner_merchant_id == gym.id, CouponTemplate.status == "active").order_by(CouponTemplate.id)))
    with clock.fixed_at(starts - timedelta(days=5)):
        on_now = campaigns.create(session, operator, CampaignCreate(
            name="冬季健身开放周", starts_at=starts, ends_at=ends,
            description="车主报名后到服务中心签到,领取健身房体验礼包。"))
        for merchant in (centre, gym):
            campaigns.add_merchant(session, operator, on_now.id, ParticipantIn(
                merchant_id=merchant.id, contribution_fen=CONTRIBUTION_FEN // 2))
        campaigns.add_cost(session, operator, on_now.id, CostIn(what="活动物料", amount_fen=50_000,
                                                                paid_by_merchant_id=gym.id))
        if templates:
            campaigns.create_package(session, operator, on_now.id, PackageIn(name="健身体验礼包",
                                                                             template_ids=templates[:3]))
    with clock.fixed_at(starts):
        campaigns.set_status(session, operator, on_now.id, CampaignStatus.ACTIVE)
    for n, member_id in enumerate(sorted(rng.sample(others, min(len(others), OPEN_REGISTERED)))):
        at = min(starts + timedelta(hours=rng.randint(1, 60)), end - timedelta(minutes=30))
        with clock.fixed_at(at):
            registration = campaigns.register(session, operator, on_now.id, RegistrationIn(member_id=member_id))
            registered += 1
        if n < OPEN_CHECKED_IN:
            with clock.fixed_at(at + timedelta(minutes=20)):
                campaigns.check_in(session, desk, registration.id)
                checked_in += 1
    session.flush()
    return {"campaigns": 2, "campaign_registrations": registered, "campaign_check_ins": checked_in}

"""The demo alliance's recruiting (seed 002 §2.1, §1.3): join links of the centre's shopping guide, a gym's admin and
the operator; promoters recruited through them (another brand's guide, a designer, a tour guide), two approved and
selling the gyms' trial card to the centre's car owners (their rebates frozen, then released by the jobs), one
pending, one rejected with its reason; two prospect merchants waiting with their candidate; a ¥20 bounty per recruit.

Everything goes through the recruiting, coupon and order services, at moments in the past (`clock.fixed_at`). The
phones are proved in real life by a one-time code; the demo records them as proved.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.auth import service as auth_service
from lianmeng.auth.domain import Role
from lianmeng.auth.models import User
from lianmeng.coupons import service as coupons_service
from lianmeng.coupons.models import Coupon, CouponTemplate
from lianmeng.coupons.schemas import AttachOrderIn, IssueIn, RedeemIn
from lianmeng.demo import data
from lianmeng.kit import clock
from lianmeng.members.domain import normalize_phone
from lianmeng.members.models import Member
from lianmeng.merchants.domain import Industry
from lianmeng.merchants.models import Merchant, Staff, Store
from lianmeng.orders.models import Order
from lianmeng.orders.schemas import OrderItem
from lianmeng.recruiting import service
from lianmeng.recruiting.domain import ApplicantKind, Decision, LinkAccepts, Occupation
from lianmeng.recruiting.schemas import ApplicationCreate, DecisionIn, JoinLinkCreate
from lianmeng.tenancy import Principal

BOUNTY_FEN = 2_000
PROMOTERS = (  # name, occupation, employer, decision, reason
    ("周静", Occupation.SHOPPING_GUIDE, "某轻奢女装品牌(湾汇购物中心店)", Decision.APPROVE, ""),
    ("陈宇", Occupation.DESIGNER, "宅美家居设计工作室", Decision.APPROVE, ""),
    ("黄涛", Occupation.TOUR_GUIDE, "", None, ""),
    ("刘洋", Occupation.OTHER, "", Decision.REJECT, "未提供推广渠道说明,请补充后重新申请"),
)
PROSPECTS = (("悦享瑜伽馆", Industry.FITNESS, "南山区"), ("童趣绘本馆", Industry.EARLY_EDUCATION, "福田区"))
SALES_PER_PROMOTER = 3


def _user(session: Session, username: str) -> Principal:
    user = session.scalars(select(User).where(User.username == username)).one()
    return auth_service.principal_for_user(session, user)


def _merchant(session: Session, alliance_id: int, key: str) -> Merchant:
    name = next(m.name for m in data.MERCHANTS if m.key == key)
    return session.scalars(select(Merchant).where(Merchant.alliance_id == alliance_id, Merchant.name == name)).one()


def _phone(rng: random.Random, taken: set[str]) -> str:
    while True:
        phone = f"170{rng.randrange(10**8):08d}"
        if phone not in taken and normalize_phone(phone) == phone:
            taken.add(phone)
            return phone


def _till(session: Session, merchant: Merchant) -> Principal:
    store = session.scalars(select(Store).where(Store.merchant_id == merchant.id).order_by(Store.id)).first()
    assert store is not None
    person = session.scalars(select(Staff).where(Staff.store_id == store.id).order_by(Staff.id)).first()
    assert person is not None
    return Principal(kind="demo", id=person.id, role=Role.STORE_STAFF, alliance_id=merchant.alliance_id,
                     merchant_id=merchant.id, store_id=store.id, staff_id=person.id, label=f"demo:staff:{person.id}")


def add_recruits(session: Session, alliance_id: int, rng: random.Random) -> dict[str, int]:
    """Recruiting history of the demo alliance; returns what it added (counts to add to the demo's)."""
    now = clock.now()
    operator, guide, centre_admin = (_user(session, u) for u in ("operator", "tesla-sa", "tesla-admin"))
    gym_admin = _user(session, "lift-admin")
    taken: set[str] = set()
    with clock.fixed_at(now - timedelta(days=40)):
        service.set_bounty(session, operator, BOUNTY_FEN)
        guide_link = service.create_link(session, guide, JoinLinkCreate(title="异业联盟 推广员招募",
                                                                         accepts=LinkAccepts.PROMOTER))
        gym_link = service.create_link(session, gym_admin, JoinLinkCreate(title="力行健身 推广伙伴"))
        operator_link = service.create_link(session, operator, JoinLinkCreate(title="加入特斯拉生活联盟",
                                                                              accepts=LinkAccepts.MERCHANT))
    logins: list[Principal] = []
    applications = 0
    for n, (name, occupation, employer, decision, reason) in enumerate(PROMOTERS):
        link = gym_link if decision is Decision.REJECT else guide_link
        with clock.fixed_at(now - timedelta(days=35 - n)):
            phone = _phone(rng, taken)
            application = service.apply(session, link.token, ApplicationCreate(
                kind=ApplicantKind.PROMOTER, phone=phone, code="000000", applicant_name=name, occupation=occupation,
                employer=employer), phone)
            applications += 1
        if decision is None:
            continue
        reviewer = centre_admin if link is guide_link else operator
        with clock.fixed_at(now - timedelta(days=30 - n)):
            decided = service.decide(session, reviewer, application.id, DecisionIn(decision=decision, reason=reason))
        if decided.login is not None:
            logins.append(auth_service.principal_for_user(session, decided.login))
    for n, (business, industry, district) in enumerate(PROSPECTS):
        with clock.fixed_at(now - timedelta(days=10 - n)):
            phone = _phone(rng, taken)
            service.apply(session, operator_link.token, ApplicationCreate(
                kind=ApplicantKind.MERCHANT, phone=phone, code="000000", applicant_name=f"{business}店长",
                business_name=business, industry=industry, district=district), phone)
            applications += 1
    sales = _promoters_sell(session, alliance_id, rng, logins, now)
    return {"recruit_applications": applications, "promoters": len(logins), "staff": len(logins), "users": len(logins),
            "coupons": sales, "arrivals": sales, "conversions": sales}


def _promoters_sell(session: Session, alliance_id: int, rng: random.Random, promoters: list[Principal],
                    now: datetime) -> int:
    """Each promoter hands the gym's trial card to car owners of the centre who never bought at the gym; they
    arrive and sign up. The centre × gym agreement pays the referring staff member ¥50 a head (frozen 7 days)."""
    centre, gym = _merchant(session, alliance_id, "tesla"), _merchant(session, alliance_id, "lift")
    template = session.scalars(select(CouponTemplate).where(CouponTemplate.owner_merchant_id == gym.id)
                               .order_by(CouponTemplate.id)).first()
    if template is None:
        return 0
    holders = select(Coupon.member_id).where(Coupon.template_id == template.id)
    buyers = select(Order.member_id).where(Order.merchant_id == gym.id)
    candidates = list(session.scalars(select(Member.id).where(
        Member.origin_merchant_id == centre.id, Member.id.not_in(holders), Member.id.not_in(buyers))
        .order_by(Member.id)))
    chosen = rng.sample(candidates, min(len(candidates), SALES_PER_PROMOTER * len(promoters)))
    till = _till(session, gym)
    sold = 0
    for n, member_id in enumerate(chosen):
        promoter = promoters[n % len(promoters)]
        days_ago = 20 - 6 * (n // len(promoters))  # the newest sales are still in their return window
        with clock.fixed_at(now - timedelta(days=days_ago)):
            coupon = coupons_service.issue(session, promoter, IssueIn(template_id=template.id, member_id=member_id))
        with clock.fixed_at(now - timedelta(days=days_ago - 1)):
            arrival = coupons_service.redeem(session, till, RedeemIn(code=coupon.code, member_id=member_id))
            amount = rng.choice((180_000, 300_000, 500_000))
            coupons_service.attach_order(session, till, arrival.id, AttachOrderIn(
                external_id=f"PROMO-{promoter.staff_id}-{n + 1}", amount_fen=amount,
                items=[OrderItem(name="年卡", unit_price_fen=amount)]))
        sold += 1
    return sold

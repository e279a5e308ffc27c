"""The demo alliance's recruiting (seed 002 §2.1, §1.3): join links of the centre's shopping guide, a gym's admin and
the operator; promoters recruited through them (another brand's guide, a designer, a tour guide), two approved and
selling gym cards to the centre's car owners (their rebates frozen, then released by the jobs), one
pending, one rejected with its reason; two prospect merchants waiting with their candidate; a ¥20 bounty per recruit.
The promoters' customers are car owners of the centre who already joined the gym (so the demo's members and
memberships stay as generated); the gym's till names the promoter as the referrer of their first purchase.

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
from lianmeng.demo import data
from lianmeng.kit import clock
from lianmeng.members.domain import normalize_phone
from lianmeng.members.models import Member, Membership
from lianmeng.merchants.domain import Industry
from lianmeng.merchants.models import Merchant, Staff, Store
from lianmeng.orders import service as orders_service
from lianmeng.orders.models import Order
from lianmeng.orders.schemas import OrderCreate, OrderItem
from lianmeng.recruiting import service
from lianmeng.recruiting.domain import ApplicantKind, LinkAccepts, Occupation, ReviewDecision
from lianmeng.recruiting.schemas import ApplicationCreate, DecisionIn, JoinLinkCreate
from lianmeng.tenancy import Principal

BOUNTY_FEN = 2_000
PROMOTERS = (  # name, occupation, employer, decision, reason
    ("周静", Occupation.SHOPPING_GUIDE, "某轻奢女装品牌(湾汇购物中心店)", ReviewDecision.APPROVE, ""),
    ("陈宇", Occupation.DESIGNER, "宅美家居设计工作室", ReviewDecision.APPROVE, ""),
    ("黄涛", Occupation.TOUR_GUIDE, "", None, ""),
    ("刘洋", Occupation.OTHER, "", ReviewDecision.REJECT, "未提供推广渠道说明,请补充后重新申请"),
)
PROSPECTS = (("悦享瑜伽馆", Industry.FITNESS, "南山区"), ("童趣绘本馆", Industry.EARLY_EDUCATION, "福田区"))
SALES_PER_PROMOTER = 3
PROMOTER_LOGINS = ("tesla-promoter-1", "tesla-promoter-2")  # the approved promoters, with the demo's password
GYMS = ("lift", "geekfit")  # their agreements with the centre pay its staff ¥50 a head


def _user(session: Session, username: str) -> Principal:
    user = session.scalars(select(User).where(User.username == username)).one()
    return auth_service.principal_for_user(session, user)


def _demo_password_hash(session: Session) -> str:
    return session.scalars(select(User.password_hash).where(User.username == "operator")).one()


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
        link = gym_link if decision is ReviewDecision.REJECT else guide_link
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
            login = decided.login  # in the demo it can be tried at once: a known name and the demo's password
            login.username, login.password_hash = PROMOTER_LOGINS[len(logins)], _demo_password_hash(session)
            logins.append(auth_service.principal_for_user(session, login))
    for n, (business, industry, district) in enumerate(PROSPECTS):
        with clock.fixed_at(now - timedelta(days=10 - n)):
            phone = _phone(rng, taken)
            service.apply(session, operator_link.token, ApplicationCreate(
                kind=ApplicantKind.MERCHANT, phone=phone, code="000000", applicant_name=f"{business}店长",
                business_name=business, industry=industry, district=district), phone)
            applications += 1
    sales = _promoters_sell(session, alliance_id, rng, logins, now)
    return {"recruit_applications": applications, "promoters": len(logins), "staff": len(logins), "users": len(logins),
            "conversions": sales}


def _promoters_sell(session: Session, alliance_id: int, rng: random.Random, promoters: list[Principal],
                    now: datetime) -> int:
    """Each promoter sends up to three of the centre's car owners who joined a gym (LIFT or GeekFit: their
    agreements with the centre pay the referring staff member ¥50 a head) but never bought there; each signs up, and
    the gym's till names the promoter as the referrer. Frozen 7 days: the older sales are past it, the newest not."""
    centre = _merchant(session, alliance_id, "tesla")
    gyms = [_merchant(session, alliance_id, key) for key in GYMS]
    bought = select(Order.member_id, Order.merchant_id)
    done = {(member, merchant) for member, merchant in session.execute(bought)}
    candidates = sorted(
        (member, merchant) for member, merchant in session.execute(
            select(Membership.member_id, Membership.merchant_id).join(Member, Member.id == Membership.member_id)
            .where(Member.origin_merchant_id == centre.id, Membership.merchant_id.in_([g.id for g in gyms])))
        if (member, merchant) not in done)
    by_member = dict(candidates)  # one gym per member
    chosen = rng.sample(sorted(by_member.items()), min(len(by_member), SALES_PER_PROMOTER * len(promoters)))
    tills = {gym.id: _till(session, gym) for gym in gyms}
    for n, (member_id, gym_id) in enumerate(chosen):
        promoter, till = promoters[n % len(promoters)], tills[gym_id]
        amount = rng.choice((180_000, 300_000, 500_000))
        with clock.fixed_at(now - timedelta(days=20 - 6 * (n // len(promoters)))):
            orders_service.record_order(session, till, OrderCreate(
                external_id=f"PROMO-{promoter.staff_id}-{n + 1}", member_id=member_id, amount_fen=amount,
                store_id=till.store_id, referrer_merchant_id=centre.id, referrer_staff_id=promoter.staff_id,
                items=[OrderItem(name="年卡", unit_price_fen=amount)]))
    return len(chosen)

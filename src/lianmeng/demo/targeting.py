"""The demo's finished targeted offer (seed 000 mode 4): the Tesla centre sends a gym partner's trial week to its
high-value owners (the saved audience), keeps a 10% holdout and a random arm, and the owners who take it up buy
at the gym within the month. Everything goes through the services at its own moment, as the live system would
have done it: the partner publishes the coupon under the agreement, the job assigns the arms and sends, members
open and claim it, those who take it up buy a membership at the gym's till (recorded as orders there, not as
coupon redemptions, so the referral history's figures — arrivals, distance decay — stay the seed's), and the
results job counts. Rates are drawn near the seed's (about 35% of the treated, 8%
of the random arm, 5% of the holdout) so the results page shows a believable uplift with its interval."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.agreements import repository as agreements_repo
from lianmeng.audiences.models import Audience
from lianmeng.auth.domain import Role
from lianmeng.auth.models import User
from lianmeng.coupons import service as coupons_service
from lianmeng.coupons.domain import CouponKind
from lianmeng.coupons.schemas import TemplateCreate
from lianmeng.demo.data import CENTRE_KEY, GYM_KEYS
from lianmeng.kit import clock
from lianmeng.kit.clock import SHANGHAI
from lianmeng.members import service as members_service
from lianmeng.members.models import Member, Membership
from lianmeng.members.schemas import MembershipCreate
from lianmeng.merchants.models import Merchant, Staff
from lianmeng.orders import service as orders_service
from lianmeng.orders.schemas import OrderCreate, OrderItem
from lianmeng.targeting import results, sending
from lianmeng.targeting import service as targeting
from lianmeng.targeting.domain import Arm
from lianmeng.targeting.models import OfferRecipient
from lianmeng.targeting.schemas import OfferCreate
from lianmeng.tenancy import Principal

DAYS_BEFORE_END = 24  # sent this long before the history's end; its 30-day window is still open
TAKE_UP = {Arm.TREATED.value: 0.35, Arm.RANDOM.value: 0.08, Arm.HOLDOUT.value: 0.05}
OPENED, CLAIMED = 0.6, 0.7  # of those sent, who open the link; of those, who claim the coupon
PRICE_FEN = (99_900, 168_000, 258_000)  # what a member buys after the trial week: a month, a quarter, half a year


def _principal(user: User, alliance_id: int, role: Role) -> Principal:
    return Principal(kind="user", id=user.id, role=role, alliance_id=alliance_id, merchant_id=user.merchant_id,
                     store_id=None, staff_id=user.staff_id, label=user.username)


def add_targeted_offer(session: Session, alliance_id: int, merchants: dict[str, Merchant], users: dict[str, User],
                       end: datetime, rng: random.Random) -> dict[str, int]:
    """One finished targeted offer of the centre with its results counted; {} when the demo has no such pair."""
    centre = merchants[CENTRE_KEY]
    sent_day = clock.today_in_shanghai(end) - timedelta(days=DAYS_BEFORE_END)
    sent_at = datetime.combine(sent_day, time(10, 0), tzinfo=SHANGHAI)
    gym_key = next((key for key in GYM_KEYS if key in merchants and agreements_repo.active_agreements_between(
        session, alliance_id, centre.id, merchants[key].id, sent_day)), None)
    audience = session.scalar(select(Audience).where(Audience.merchant_id == centre.id).order_by(Audience.id))
    if gym_key is None or audience is None:
        return {}
    gym = merchants[gym_key]
    agreement = agreements_repo.active_agreements_between(session, alliance_id, centre.id, gym.id, sent_day)[0]
    sender = _principal(users[f"{CENTRE_KEY}-admin"], alliance_id, Role.MERCHANT_ADMIN)
    gym_admin = _principal(users[f"{gym_key}-admin"], alliance_id, Role.MERCHANT_ADMIN)
    desk_user = users[f"{gym_key}-sa"]
    desk_staff = session.get(Staff, desk_user.staff_id)
    desk = Principal(kind="user", id=desk_user.id, role=Role.STORE_STAFF, alliance_id=alliance_id,
                     merchant_id=gym.id, store_id=desk_staff.store_id if desk_staff else None,
                     staff_id=desk_user.staff_id, label=desk_user.username)
    with clock.fixed_at(sent_at - timedelta(days=2)):
        template = coupons_service.create_template(session, gym_admin, TemplateCreate(
            name="特斯拉车主专享 · 7 天健身周卡", kind=CouponKind.FREE_ITEM, item_name="7 天健身周卡",
            item_value_fen=19_900, valid_days=30, agreement_id=agreement.id))
    with clock.fixed_at(sent_at - timedelta(hours=1)):
        offer = targeting.create_offer(session, sender, OfferCreate(
            name=f"{gym.name.split(' ')[0]} 周卡 · 高价值车主", audience_id=audience.id, template_id=template.id,
            message="尊敬的车主:合作伙伴健身房送您 7 天健身周卡,点击领取", scheduled_at=sent_at, holdout_bp=1_000,
            random_arm=True, attribution_days=30))
    while sending.send_due(session, sent_at).did_something:
        pass
    recipients = list(session.execute(
        select(OfferRecipient.member_id, OfferRecipient.arm, OfferRecipient.token, Member.card_no)
        .join(Member, Member.id == OfferRecipient.member_id)
        .where(OfferRecipient.offer_id == offer.id).order_by(OfferRecipient.member_id)))
    bought = enrolled = 0
    for n, (member_id, arm, token, card_no) in enumerate(recipients):
        if token is not None and rng.random() < OPENED:  # the member opens the message's link, maybe claims
            with clock.fixed_at(sent_at + timedelta(minutes=rng.randint(5, 600))):
                targeting.open_offer(session, token)
                if rng.random() < CLAIMED:
                    targeting.claim_offer(session, token)
        if rng.random() >= TAKE_UP[arm]:
            continue
        amount = rng.choice(PRICE_FEN)
        with clock.fixed_at(sent_at + timedelta(days=rng.randint(1, DAYS_BEFORE_END - 1), hours=rng.randint(0, 9))):
            if not session.scalar(select(Membership.id).where(Membership.member_id == member_id,
                                                              Membership.merchant_id == gym.id)):
                members_service.enrol_at_merchant(session, desk, MembershipCreate(card_no=card_no))
                enrolled += 1
            orders_service.record_order(session, desk, OrderCreate(
                member_id=member_id, external_id=f"DEMO-OFFER-{offer.id}-{n}", amount_fen=amount,
                items=[OrderItem(name="健身会籍", unit_price_fen=amount)]))
        bought += 1
    results.refresh_offer(session, offer.id, end)
    return {"targeted_offers": 1, "offer_recipients": len(recipients), "offer_conversions": bought,
            "offer_memberships": enrolled}

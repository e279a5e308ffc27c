"""Scoping rules, one function per resource: a SQL condition for reads, a check for writes.

Reads outside scope behave as "not found" (404) so ids of other tenants are not confirmed to exist;
writes inside a readable scope but beyond the caller's role are "forbidden" (403).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import QueryableAttribute, aliased

from lianmeng.agreements.models import Agreement
from lianmeng.alliances.models import Alliance
from lianmeng.audiences.models import Audience
from lianmeng.auth.domain import Role
from lianmeng.auth.models import ApiKey, User
from lianmeng.commissions.models import Rebate
from lianmeng.coupons.models import Coupon, CouponTemplate, Redemption
from lianmeng.dedup.models import DedupCandidate
from lianmeng.distribution.models import DistributionReward, DistributionTerms
from lianmeng.kit.errors import Forbidden
from lianmeng.members.domain import PENDING
from lianmeng.members.models import Member, Membership
from lianmeng.merchants.models import Merchant, Staff, Store
from lianmeng.merging.domain import TOMBSTONE, PlaceKind
from lianmeng.merging.models import MemberMerge, PlaceMerge
from lianmeng.orders.models import Order
from lianmeng.ownership.models import MemberOwner, OwnershipPeriod
from lianmeng.recruiting.models import Application, JoinLink
from lianmeng.referrals.models import Feedback
from lianmeng.revenue.models import FeeCharge, FeeWaiver
from lianmeng.segments.models import SegmentShare
from lianmeng.settlement.models import SettlementRun, Statement
from lianmeng.targeting.models import OfferRecipient, TargetedOffer
from lianmeng.tenancy.principal import Principal
from lianmeng.values.models import MemberValue, MemberValueChange
from lianmeng.vehicles.models import MemberVehicle
from lianmeng.webhooks.models import WebhookEndpoint
from lianmeng.withdrawals.models import PayoutAccount, Withdrawal


def _pinned(p: Principal, alliance_of_row: QueryableAttribute[int], condition: ColumnElement[bool]
            ) -> ColumnElement[bool]:
    """`condition`, and the row in the caller's alliance: the same rows (a merchant's, a staff member's or a member's
    rows all lie in its alliance), said so that Citus can route the query to the alliance's node (docs/scale.md). A
    caller of no alliance (the platform) keeps the condition as it is."""
    if p.alliance_id is None:
        return condition
    return and_(alliance_of_row == p.alliance_id, condition)


def alliances(p: Principal) -> ColumnElement[bool]:
    if p.is_platform:
        return true()
    return Alliance.id == p.alliance_id


def merchants(p: Principal) -> ColumnElement[bool]:
    """The merchant directory is visible to everyone in the alliance (partners must find each other)."""
    if p.is_platform:
        return true()
    return Merchant.alliance_id == p.alliance_id


def stores(p: Principal) -> ColumnElement[bool]:
    if p.is_platform:
        return true()
    return Store.alliance_id == p.alliance_id


def staff(p: Principal) -> ColumnElement[bool]:
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return Staff.alliance_id == p.alliance_id
    if p.is_merchant_side:
        return _pinned(p, Staff.alliance_id, Staff.merchant_id == p.merchant_id)
    return false()


def members(p: Principal, *, with_tombstones: bool = False) -> ColumnElement[bool]:
    """A merchant sees the members it brought in (归属) and those enrolled at it; nobody else's. A phone pending its
    claim code is nobody's member yet: no one sees it until its holder proves it. A merged member (a tombstone,
    merging) is nobody's member any more: its card serves the survivor, its merge record names it; only merging
    reads it (`with_tombstones`), to refuse a merge into it in words."""
    proved = Member.status != PENDING if with_tombstones else Member.status.notin_((PENDING, TOMBSTONE))
    if p.is_platform:
        return proved
    if p.role is Role.OPERATOR_ADMIN:
        return and_(Member.alliance_id == p.alliance_id, proved)
    if p.promoter:  # an independent promoter sees the members it brought itself, not its host's customers
        return and_(Member.alliance_id == p.alliance_id, proved, Member.origin_staff_id == p.staff_id)
    if p.is_merchant_side:
        enrolled = exists().where(and_(Membership.alliance_id == Member.alliance_id, Membership.member_id == Member.id,
                                       Membership.merchant_id == p.merchant_id))
        return and_(Member.alliance_id == p.alliance_id, proved,
                    or_(Member.origin_merchant_id == p.merchant_id, enrolled))
    if p.role is Role.MEMBER:
        return _pinned(p, Member.alliance_id, and_(Member.id == p.member_id, proved))
    return false()


def member_vehicles(p: Principal) -> ColumnElement[bool]:
    """A member's vehicles are seen by whoever may see the member (above), and by nobody else: the member itself,
    the operator, a merchant that brought it in or enrolled it, a promoter its own."""
    return _pinned(p, MemberVehicle.alliance_id, MemberVehicle.member_id.in_(select(Member.id).where(members(p))))


def require_records_vehicle(p: Principal) -> None:
    """Recording a member's vehicle: the operator, or a merchant's staff serving the member at the counter (a
    promoter records none, a member neither: staff see the car)."""
    if p.is_operator:
        return
    if p.promoter or not p.is_merchant_side or p.merchant_id is None:
        raise Forbidden()


def require_removes_vehicle(p: Principal, recorded_by_merchant_id: int | None) -> None:
    """Removing a vehicle: the operator, or staff of the merchant that recorded it."""
    if p.is_operator:
        return
    if p.promoter or not p.is_merchant_side or p.merchant_id is None or p.merchant_id != recorded_by_merchant_id:
        raise Forbidden()


def memberships(p: Principal) -> ColumnElement[bool]:
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return Membership.alliance_id == p.alliance_id
    if p.is_merchant_side:
        return _pinned(p, Membership.alliance_id, Membership.merchant_id == p.merchant_id)
    if p.role is Role.MEMBER:
        return _pinned(p, Membership.alliance_id, Membership.member_id == p.member_id)
    return false()


def agreements(p: Principal) -> ColumnElement[bool]:
    """Parties see their agreements; alliance-wide ones (no counterparty) are seen by every merchant."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return Agreement.alliance_id == p.alliance_id
    if p.is_merchant_side:
        return and_(
            Agreement.alliance_id == p.alliance_id,
            or_(
                Agreement.merchant_a_id == p.merchant_id,
                Agreement.merchant_b_id == p.merchant_id,
                and_(Agreement.merchant_a_id.is_(None), Agreement.merchant_b_id.is_(None)),
            ),
        )
    return false()


def users(p: Principal) -> ColumnElement[bool]:
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return User.alliance_id == p.alliance_id
    if p.role is Role.MERCHANT_ADMIN:
        return User.merchant_id == p.merchant_id
    if p.kind == "user":
        return User.id == p.id
    return false()


def api_keys(p: Principal) -> ColumnElement[bool]:
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return ApiKey.alliance_id == p.alliance_id
    if p.role is Role.MERCHANT_ADMIN:
        return _pinned(p, ApiKey.alliance_id, ApiKey.merchant_id == p.merchant_id)
    return false()


def orders(p: Principal) -> ColumnElement[bool]:
    """A merchant sees the orders recorded at it; a member its own; the operator the alliance's."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return Order.alliance_id == p.alliance_id
    if p.is_merchant_side:
        return _pinned(p, Order.alliance_id, Order.merchant_id == p.merchant_id)
    if p.role is Role.MEMBER:
        return _pinned(p, Order.alliance_id, Order.member_id == p.member_id)
    return false()


def rebates(p: Principal) -> ColumnElement[bool]:
    """Payees see their own rebates (staff: theirs; merchant: its own and its staff's), payers what they owe."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return Rebate.alliance_id == p.alliance_id
    if p.role is Role.STORE_STAFF:
        return _pinned(p, Rebate.alliance_id, and_(Rebate.payee_type == "staff", Rebate.payee_id == p.staff_id))
    if p.is_merchant_side:
        own_staff = select(Staff.id).where(Staff.alliance_id == p.alliance_id, Staff.merchant_id == p.merchant_id)
        return _pinned(p, Rebate.alliance_id, or_(
            and_(Rebate.payee_type == "merchant", Rebate.payee_id == p.merchant_id),
            and_(Rebate.payee_type == "staff", Rebate.payee_id.in_(own_staff)),
            Rebate.payer_merchant_id == p.merchant_id,
        ))
    return false()


def withdrawals(p: Principal) -> ColumnElement[bool]:
    """Staff see their own requests; a merchant those of itself and its staff; the operator the alliance's."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return Withdrawal.alliance_id == p.alliance_id
    if p.role is Role.STORE_STAFF:
        return _pinned(p, Withdrawal.alliance_id,
                       and_(Withdrawal.payee_type == "staff", Withdrawal.payee_id == p.staff_id))
    if p.is_merchant_side:
        return _pinned(p, Withdrawal.alliance_id, Withdrawal.merchant_id == p.merchant_id)
    return false()


def payout_accounts(p: Principal) -> ColumnElement[bool]:
    """Where withdrawals are paid (masked): staff see their own; a merchant admin its own and its staff's (it
    decides their withdrawals); the operator the alliance's (it pays them)."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return PayoutAccount.alliance_id == p.alliance_id
    if p.role is Role.STORE_STAFF:
        return _pinned(p, PayoutAccount.alliance_id,
                       and_(PayoutAccount.owner_type == "staff", PayoutAccount.owner_id == p.staff_id))
    if p.role is Role.MERCHANT_ADMIN:
        return _pinned(p, PayoutAccount.alliance_id, PayoutAccount.merchant_id == p.merchant_id)
    return false()


# --- writes -----------------------------------------------------------------------------------------------


def coupon_templates(p: Principal) -> ColumnElement[bool]:
    """Templates are the alliance's catalogue: every merchant may see what partners offer (to share it); only the
    owner (or the operator) changes one. Members see the catalogue of their alliance."""
    if p.is_platform:
        return true()
    return CouponTemplate.alliance_id == p.alliance_id


def _by_role(p: Principal, alliance_of_row: QueryableAttribute[int], merchant_side: ColumnElement[bool],
             member_of_row: QueryableAttribute[int]) -> ColumnElement[bool]:
    """The usual shape: the platform sees all, the operator its alliance, a merchant what `merchant_side` says, a
    member its own rows."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return alliance_of_row == p.alliance_id
    if p.is_merchant_side:
        return _pinned(p, alliance_of_row, merchant_side)
    if p.role is Role.MEMBER:
        return _pinned(p, alliance_of_row, member_of_row == p.member_id)
    return false()


def coupons(p: Principal) -> ColumnElement[bool]:
    """A coupon is seen by its member, by the merchant that handed it out (referrer), by the merchant whose coupon
    it is (target), and by the operator. Other merchants see it only through a redemption at their own store.
    A coupon sent by a targeted offer is the sender's secret: the partner (target) sees it only once the member
    has used it at the partner (issue 13: the partner never learns who was targeted)."""
    sent, use = aliased(OfferRecipient), aliased(Redemption)  # aliases: callers may join these tables themselves
    targeted = exists().where(sent.coupon_id == Coupon.id)
    used_here = exists().where(use.coupon_id == Coupon.id, use.merchant_id == p.merchant_id)
    as_target = and_(Coupon.target_merchant_id == p.merchant_id, or_(~targeted, used_here))
    return _by_role(p, Coupon.alliance_id, or_(Coupon.referrer_merchant_id == p.merchant_id, as_target),
                    Coupon.member_id)


def redemptions(p: Principal) -> ColumnElement[bool]:
    """An arrival is seen by the merchant where it happened, by the referring merchant, by its member and the
    operator."""
    return _by_role(p, Redemption.alliance_id, or_(Redemption.merchant_id == p.merchant_id,
                                                   Redemption.referrer_merchant_id == p.merchant_id),
                    Redemption.member_id)


def referred_orders(p: Principal) -> ColumnElement[bool]:
    """An order credited to a referrer (the revenue the alliance brought) is seen by the merchant where it was placed
    and by the credited referrer merchant (the other party of that referral, as for its arrivals), its member and
    the operator."""
    return _by_role(p, Order.alliance_id, or_(Order.merchant_id == p.merchant_id,
                                              Order.referrer_merchant_id == p.merchant_id), Order.member_id)


def feedback(p: Principal) -> ColumnElement[bool]:
    """Ratings and complaints: the rated merchant and the referring merchant see them (the referrer must know how
    its customers were treated), the member its own, the operator all."""
    return _by_role(p, Feedback.alliance_id, or_(Feedback.merchant_id == p.merchant_id,
                                                 Feedback.referrer_merchant_id == p.merchant_id), Feedback.member_id)


def settlement_runs(p: Principal) -> ColumnElement[bool]:
    """Settlement runs are the operator's work: its alliance (the platform: all)."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return SettlementRun.alliance_id == p.alliance_id
    return false()


def statements(p: Principal) -> ColumnElement[bool]:
    """A statement is between its merchant and the operator: the merchant's admins and integrations see their own,
    the operator its alliance's. Store staff and members see none; other merchants never."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return Statement.alliance_id == p.alliance_id
    if p.manages_merchant:
        return _pinned(p, Statement.alliance_id, Statement.merchant_id == p.merchant_id)
    return false()


def fee_charges(p: Principal) -> ColumnElement[bool]:
    """A platform fee is between its merchant and the operator, like a statement: the merchant's admins and
    integrations see their own, the operator its alliance's; store staff none."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return FeeCharge.alliance_id == p.alliance_id
    if p.manages_merchant:
        return FeeCharge.merchant_id == p.merchant_id
    return false()


def fee_waivers(p: Principal) -> ColumnElement[bool]:
    """Waivers: the operator its alliance's, a merchant's admins their own."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return FeeWaiver.alliance_id == p.alliance_id
    if p.manages_merchant:
        return FeeWaiver.merchant_id == p.merchant_id
    return false()


def member_merges(p: Principal) -> ColumnElement[bool]:
    """The operator sees its alliance's merges; a merchant admin those whose survivor is one of its members
    (merging: docs/merging.md). Store staff and members: none."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return MemberMerge.alliance_id == p.alliance_id
    if p.manages_merchant and not p.promoter:
        return and_(MemberMerge.alliance_id == p.alliance_id,
                    MemberMerge.survivor_id.in_(select(Member.id).where(members(p, with_tombstones=True))))
    return false()


def require_member_merger(p: Principal) -> None:
    """Merging members (and undoing it): the operator, or a merchant admin — for two members both its own, which
    the service checks by reading both through `members`."""
    if not (p.is_operator or (p.manages_merchant and not p.promoter)):
        raise Forbidden()


def place_merges(p: Principal) -> ColumnElement[bool]:
    """The operator sees its alliance's place merges; a merchant admin the merges of its own stores and of the
    prospects it keeps (merged by it or by the operator). Merchant merges are the operator's only."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return PlaceMerge.alliance_id == p.alliance_id
    if p.manages_merchant and not p.promoter:
        return and_(PlaceMerge.alliance_id == p.alliance_id, PlaceMerge.merchant_id == p.merchant_id,
                    PlaceMerge.kind != PlaceKind.MERCHANT.value)
    return false()


def require_place_merger(p: Principal, kind: PlaceKind) -> None:
    """Merging places (and undoing it): merchants only by the operator; stores and prospects by the operator or a
    merchant admin — for two stores of its own merchant, two prospects it keeps (the service checks both)."""
    if p.is_operator:
        return
    if kind is PlaceKind.MERCHANT or not (p.manages_merchant and not p.promoter):
        raise Forbidden()


def require_operator(p: Principal) -> None:
    if not p.is_operator:
        raise Forbidden()


def require_platform(p: Principal) -> None:
    if not p.is_platform:
        raise Forbidden()


def require_staff_login(p: Principal) -> None:
    """Anyone working for the alliance or a merchant (not a member)."""
    if p.role is Role.MEMBER:
        raise Forbidden()


def require_distance_decay(p: Principal) -> None:
    """The alliance's distance decay (distance.service.report) is read by the operator and by merchant admins and
    integrations: it is an aggregate of every merchant's referrals, shared under the k rule. Store staff and
    members: 403."""
    if not (p.is_operator or p.manages_merchant):
        raise Forbidden()


def require_manages(p: Principal, merchant_id: int) -> None:
    """Operator, or the merchant's own admin/integration: may change the merchant's stores, staff, keys."""
    if p.is_operator:
        return
    if p.manages_merchant and p.merchant_id == merchant_id:
        return
    raise Forbidden()


def require_serves(p: Principal, merchant_id: int) -> None:
    """Operator, or anyone working at the merchant (store staff included): may enrol and serve members. A promoter
    (recruiting) shares links and earns rebates; it runs no till and enrols nobody by hand."""
    if p.is_operator:
        return
    if p.promoter:
        raise Forbidden()
    if p.is_merchant_side and p.merchant_id == merchant_id:
        return
    raise Forbidden()


# --- referral reports (referrals: funnel and flows use coupons/redemptions above; leaderboards these) ---------


def merchant_leaderboard(p: Principal, alliance_id: QueryableAttribute[Any]) -> ColumnElement[bool]:
    """The merchant leaderboard (榜单) is public inside the alliance, to motivate: every merchant-side caller sees
    each merchant's name and totals. `alliance_id` is the alliance column of the rows ranked. Members: nothing."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN or p.is_merchant_side:
        return alliance_id == p.alliance_id
    return false()


def staff_leaderboard(p: Principal, staff_id: QueryableAttribute[Any]) -> ColumnElement[bool]:
    """The staff leaderboard: the operator ranks its alliance's staff, a merchant only its own staff. `staff_id`
    is the column naming the staff member ranked (a referrer or a payee)."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        in_alliance = select(Staff.id).join(Merchant, Staff.merchant_id == Merchant.id).where(
            Merchant.alliance_id == p.alliance_id)
        return staff_id.in_(in_alliance)
    if p.is_merchant_side:
        return staff_id.in_(select(Staff.id).where(Staff.merchant_id == p.merchant_id))
    return false()


# --- joint cards (联合储值卡) -----------------------------------------------------------------------------------


def joint_products(p: Principal) -> ColumnElement[bool]:
    """Joint-card products are the alliance's catalogue: every merchant (to sell or serve them) and member sees
    its alliance's products."""
    from lianmeng.jointcards.models import JointProduct

    if p.is_platform:
        return true()
    return JointProduct.alliance_id == p.alliance_id


def joint_cards(p: Principal) -> ColumnElement[bool]:
    """A sold card is seen by its member, by the merchant that sold it, by every merchant with a component on it
    (they serve it) and by the operator. Merchants outside the card see nothing of it."""
    from lianmeng.jointcards.models import JointCard, JointCardItem

    serves = exists().where(and_(JointCardItem.alliance_id == JointCard.alliance_id,
                                 JointCardItem.card_id == JointCard.id, JointCardItem.merchant_id == p.merchant_id))
    return _by_role(p, JointCard.alliance_id, and_(JointCard.alliance_id == p.alliance_id,
                                                   or_(JointCard.seller_merchant_id == p.merchant_id, serves)),
                    JointCard.member_id)


# --- group buys (拼团) ------------------------------------------------------------------------------------------


def group_buy_offers(p: Principal) -> ColumnElement[bool]:
    """An offer is seen by the operator of its alliance, by the merchants in it (its seller, the merchant that made
    it, those with a component in it) and by the alliance's members (the catalogue they start groups from)."""
    from lianmeng.groupbuys.models import GroupBuyOffer
    from lianmeng.jointcards.models import JointComponent

    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN or p.role is Role.MEMBER:
        return GroupBuyOffer.alliance_id == p.alliance_id
    if p.is_merchant_side:
        component = exists().where(and_(JointComponent.tier_id == GroupBuyOffer.joint_tier_id,
                                         JointComponent.merchant_id == p.merchant_id))
        return and_(GroupBuyOffer.alliance_id == p.alliance_id,
                    or_(GroupBuyOffer.seller_merchant_id == p.merchant_id,
                        GroupBuyOffer.created_by_merchant_id == p.merchant_id, component))
    return false()


def _sells_group_buy(p: Principal, offer_id: QueryableAttribute[int]) -> ColumnElement[bool]:
    """The offer is the caller's merchant's: it sells it or made it."""
    from lianmeng.groupbuys.models import GroupBuyOffer

    return offer_id.in_(select(GroupBuyOffer.id).where(
        GroupBuyOffer.alliance_id == p.alliance_id,
        or_(GroupBuyOffer.seller_merchant_id == p.merchant_id, GroupBuyOffer.created_by_merchant_id == p.merchant_id)))


def group_buy_groups(p: Principal) -> ColumnElement[bool]:
    """A group is seen by the operator, by the merchant that sells or made its offer (counts and states: the
    group's view names no member) and by the members with a seat in it."""
    from lianmeng.groupbuys.models import GroupBuyGroup, GroupBuySeat

    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return GroupBuyGroup.alliance_id == p.alliance_id
    if p.is_merchant_side:
        return _sells_group_buy(p, GroupBuyGroup.offer_id)
    if p.role is Role.MEMBER:
        return exists().where(and_(GroupBuySeat.group_id == GroupBuyGroup.id, GroupBuySeat.member_id == p.member_id))
    return false()


def group_buy_seats(p: Principal) -> ColumnElement[bool]:
    """A seat is seen by its member, by the merchant that sells or made the offer (it took the money) and by the
    operator; component merchants see the joint card a formed seat became, not the seat."""
    from lianmeng.groupbuys.models import GroupBuySeat

    return _by_role(p, GroupBuySeat.alliance_id, _sells_group_buy(p, GroupBuySeat.offer_id), GroupBuySeat.member_id)


# --- joint campaigns (联合营销活动) ------------------------------------------------------------------------------


def campaigns(p: Principal) -> ColumnElement[bool]:
    """A campaign is seen by the operator of its alliance, by its lead merchant and participating merchants (the
    whole report: results are shared, 共享活动成果), and by the members registered for it."""
    from lianmeng.campaigns.models import Campaign, CampaignMerchant, CampaignRegistration

    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return Campaign.alliance_id == p.alliance_id
    if p.is_merchant_side:
        joined = exists().where(and_(CampaignMerchant.campaign_id == Campaign.id,
                                     CampaignMerchant.merchant_id == p.merchant_id))
        return and_(Campaign.alliance_id == p.alliance_id, or_(Campaign.lead_merchant_id == p.merchant_id, joined))
    if p.role is Role.MEMBER:
        return exists().where(and_(CampaignRegistration.campaign_id == Campaign.id,
                                   CampaignRegistration.member_id == p.member_id))
    return false()


def campaign_registrations(p: Principal) -> ColumnElement[bool]:
    """Registrations: a member sees its own; everyone else those of the campaigns it sees."""
    from lianmeng.campaigns.models import Campaign, CampaignRegistration

    if p.is_platform:
        return true()
    if p.role is Role.MEMBER:
        return CampaignRegistration.member_id == p.member_id
    return CampaignRegistration.campaign_id.in_(select(Campaign.id).where(campaigns(p)))


def campaign_children(p: Principal, campaign_id: QueryableAttribute[int]) -> ColumnElement[bool]:
    """Gift packages and costs: visible with their campaign (`campaign_id` is the row's campaign column)."""
    from lianmeng.campaigns.models import Campaign

    if p.is_platform:
        return true()
    return campaign_id.in_(select(Campaign.id).where(campaigns(p)))


# --- partner discovery (候选伙伴) --------------------------------------------------------------------------------


def candidates(p: Principal) -> ColumnElement[bool]:
    """Candidate lists are private to their keeper: a merchant sees its own list (its admins, integrations and store
    staff, who may read it), the operator the alliance's list (no owner merchant). Neither sees the other's; nobody
    sees another alliance's; members see none."""
    from lianmeng.partners.models import Candidate

    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return and_(Candidate.alliance_id == p.alliance_id, Candidate.owner_merchant_id.is_(None))
    if p.is_merchant_side:
        return and_(Candidate.alliance_id == p.alliance_id, Candidate.owner_merchant_id == p.merchant_id)
    return false()


def require_candidate_keeper(p: Principal) -> None:
    """Keeping candidates (adding, editing, recording visits and answers, weights) is for merchant admins,
    integrations and the operator; store staff may only read their merchant's list."""
    if not (p.is_operator or p.manages_merchant):
        raise Forbidden()


# --- prospects' overlap (潜在伙伴客户重合度) ------------------------------------------------------------------------


def prospect_invitations(p: Principal) -> ColumnElement[bool]:
    """An overlap invitation is the operator's (its alliance's) and the inviting merchant's admins' and
    integrations'. Store staff, members and other merchants see none."""
    from lianmeng.prospects.models import OverlapInvitation

    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return OverlapInvitation.alliance_id == p.alliance_id
    if p.manages_merchant:
        return and_(OverlapInvitation.alliance_id == p.alliance_id,
                    OverlapInvitation.inviter_merchant_id == p.merchant_id)
    return false()


def audit_events(p: Principal) -> ColumnElement[bool]:
    """The audit trail: the platform admin reads every alliance's, an operator its alliance's, a merchant's admin
    only what its own merchant's logins and keys did (never the operator's or another merchant's actions, whose
    before/after may concern others). Store staff, integrations and members read none."""
    from lianmeng.audit.models import AuditEvent

    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN and p.alliance_id is not None:
        return AuditEvent.alliance_id == p.alliance_id
    if p.role is Role.MERCHANT_ADMIN and p.kind == "user" and p.merchant_id is not None:
        return and_(AuditEvent.alliance_id == p.alliance_id, AuditEvent.merchant_id == p.merchant_id)
    return false()


def prospect_audit(p: Principal) -> ColumnElement[bool]:
    """The overlap audit trail is the operator's to read."""
    from lianmeng.prospects.models import OverlapAudit

    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return OverlapAudit.alliance_id == p.alliance_id
    return false()


def overlap_candidates(p: Principal) -> ColumnElement[bool]:
    """Prospects the caller may invite to an overlap upload and whose results it may read: for the operator, who
    governs what the alliance shares, any candidate of its alliance (its audit shows every computation anyway); for a
    merchant's admin or integration those its merchant keeps. Candidate lists themselves stay private (`candidates`)."""
    from lianmeng.partners.models import Candidate

    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return Candidate.alliance_id == p.alliance_id
    if p.manages_merchant:
        return and_(Candidate.alliance_id == p.alliance_id, Candidate.owner_merchant_id == p.merchant_id)
    return false()


# --- recruiting -----------------------------------------------------------------------------------------------


def join_links(p: Principal) -> ColumnElement[bool]:
    """A join link is seen by the operator of its alliance, the admins of its merchant, and the staff member who
    shares it."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return JoinLink.alliance_id == p.alliance_id
    if p.manages_merchant:
        return _pinned(p, JoinLink.alliance_id, JoinLink.merchant_id == p.merchant_id)
    if p.role is Role.STORE_STAFF and p.staff_id is not None:
        return _pinned(p, JoinLink.alliance_id, JoinLink.staff_id == p.staff_id)
    return false()


def recruit_applications(p: Principal) -> ColumnElement[bool]:
    """An application is seen by the operator, the admins of the merchant that invited it, and the staff member who
    recruited it (to follow its recruits, not to decide them)."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return Application.alliance_id == p.alliance_id
    if p.manages_merchant:
        return _pinned(p, Application.alliance_id, Application.inviting_merchant_id == p.merchant_id)
    if p.role is Role.STORE_STAFF and p.staff_id is not None:
        return _pinned(p, Application.alliance_id,
                       and_(Application.recruiter_type == "staff", Application.recruiter_id == p.staff_id))
    return false()


# --- audiences and de-identified segment reports (issue 13) -----------------------------------------------------


def audiences(p: Principal) -> ColumnElement[bool]:
    """A merchant's audiences are its own: its admins and integrations build them, its store staff read them (a
    promoter: none). The operator sees its alliance's, as counts only (the doors leave the rules out for it)."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return Audience.alliance_id == p.alliance_id
    if p.is_merchant_side and not p.promoter:
        return and_(Audience.alliance_id == p.alliance_id, Audience.merchant_id == p.merchant_id)
    return false()


def require_audience_builder(p: Principal, merchant_id: int) -> None:
    """Only the merchant's own admins and integrations build, edit and archive its audiences (store staff read,
    the operator sees counts)."""
    if not (p.manages_merchant and p.merchant_id == merchant_id):
        raise Forbidden()


def segment_shares(p: Principal) -> ColumnElement[bool]:
    """A share is seen by the merchant that sent it and the partner that received it (their admins, integrations
    and store staff), and by the operator of its alliance as an audit entry. Never by a third merchant."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return SegmentShare.alliance_id == p.alliance_id
    if p.is_merchant_side and not p.promoter:
        return and_(SegmentShare.alliance_id == p.alliance_id,
                    or_(SegmentShare.from_merchant_id == p.merchant_id, SegmentShare.to_merchant_id == p.merchant_id))
    return false()


# --- targeted offers: results ---------------------------------------------------------------------------------


def offer_results(p: Principal) -> ColumnElement[bool]:
    """A targeted offer's results are read by the operator of its alliance, the admins (and integrations) of the
    sending merchant, and those of the partner whose coupon it carries. The partner reads aggregates only, arms of
    at least targeting.results.PARTNER_MIN_ARM members, never who received it (targeting/results.py). Store staff
    and members: nothing."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return TargetedOffer.alliance_id == p.alliance_id
    if p.manages_merchant:
        return and_(TargetedOffer.alliance_id == p.alliance_id,
                    or_(TargetedOffer.merchant_id == p.merchant_id, TargetedOffer.partner_merchant_id == p.merchant_id))
    return false()


def targeted_offers(p: Principal) -> ColumnElement[bool]:
    """A targeted offer is seen by the merchant that sends it and the operator; never by the partner whose coupon
    it carries (it would learn whom the sender targets), nor by members."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return TargetedOffer.alliance_id == p.alliance_id
    if p.is_merchant_side and not p.promoter:
        return TargetedOffer.merchant_id == p.merchant_id
    return false()


def require_offer_sender(p: Principal) -> int:
    """Only a merchant's own admin (or its integration key) sends offers to its members; returns the merchant."""
    if p.is_merchant_side and p.manages_merchant and p.merchant_id is not None and not p.promoter:
        return p.merchant_id
    raise Forbidden()


def member_values(p: Principal) -> ColumnElement[bool]:
    """Value rows (会员价值): the operator reads its alliance's; a merchant its own rows and the alliance-wide rows
    (the service strips those to the stars: a merchant never learns what a member spends at other merchants).
    Callers check first that the member is readable under `members(p)`."""
    return _value_scope(p, MemberValue.alliance_id, MemberValue.merchant_id)


def member_value_history(p: Principal) -> ColumnElement[bool]:
    return _value_scope(p, MemberValueChange.alliance_id, MemberValueChange.merchant_id)


def _value_scope(p: Principal, alliance_id: QueryableAttribute[int],
                 merchant_id: QueryableAttribute[int | None]) -> ColumnElement[bool]:
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return alliance_id == p.alliance_id
    if p.is_merchant_side and not p.promoter:
        return and_(alliance_id == p.alliance_id, or_(merchant_id == p.merchant_id, merchant_id.is_(None)))
    return false()


# --- member tags (会员标签) ----------------------------------------------------------------------------------------


def member_tags(p: Principal) -> ColumnElement[bool]:
    """Tags on members. A merchant sees, on its own members only, the tags its own data or staff produced and what
    the member declared, never another merchant's rule or staff tags; the operator sees every tag of its alliance;
    a member sees only what it declared itself."""
    from lianmeng.tags.domain import TagSource
    from lianmeng.tags.models import MemberTag

    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return MemberTag.alliance_id == p.alliance_id
    if p.is_merchant_side:
        own = MemberTag.member_id.in_(select(Member.id).where(members(p)))
        return and_(MemberTag.alliance_id == p.alliance_id, own,
                    or_(MemberTag.merchant_id == p.merchant_id, MemberTag.source == TagSource.DECLARED.value))
    if p.role is Role.MEMBER:
        return and_(MemberTag.member_id == p.member_id, MemberTag.source == TagSource.DECLARED.value)
    return false()


# --- verification (验真) -----------------------------------------------------------------------------------------


def verification_merchants(p: Principal) -> ColumnElement[bool]:
    """A merchant's verification details (findings, rejection reason) are the operator's and the merchant's own
    staff's; other merchants see only the directory's status."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return Merchant.alliance_id == p.alliance_id
    if p.is_merchant_side and not p.promoter:
        return Merchant.id == p.merchant_id
    return false()


def verification_prospects(p: Principal) -> ColumnElement[bool]:
    """Prospects' verification: the operator reviews every prospect of its alliance (whoever keeps it); a merchant
    reads those it keeps."""
    from lianmeng.partners.models import Candidate

    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return Candidate.alliance_id == p.alliance_id
    if p.is_merchant_side and not p.promoter:
        return and_(Candidate.alliance_id == p.alliance_id, Candidate.owner_merchant_id == p.merchant_id)
    return false()


def require_verifier(p: Principal) -> None:
    """Deciding (verify by hand, reject) is the operator's alone."""
    require_operator(p)


# --- profile edits (资料完善记录) -------------------------------------------------------------------------------


def profile_edits(p: Principal) -> ColumnElement[bool]:
    """Who changed which profile fields: a merchant sees its own staff's edits; the operator its alliance's."""
    from lianmeng.profiles.models import ProfileEdit

    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return ProfileEdit.alliance_id == p.alliance_id
    if p.is_merchant_side:
        return ProfileEdit.merchant_id == p.merchant_id
    return false()


# --- ownership (归属) and the claimable pool (客户池) ----------------------------------------------------------------


def member_owners(p: Principal) -> ColumnElement[bool]:
    """Current owners: the operator sees its alliance's; a merchant's admins and integrations all of their
    merchant's; its staff only the members they own themselves; a promoter (who serves nobody) none."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return MemberOwner.alliance_id == p.alliance_id
    if p.promoter:
        return false()
    if p.manages_merchant:
        return MemberOwner.merchant_id == p.merchant_id
    if p.is_merchant_side:
        return and_(MemberOwner.merchant_id == p.merchant_id, MemberOwner.staff_id == p.staff_id)
    return false()


def ownership_history(p: Principal) -> ColumnElement[bool]:
    """Ownership history, as `member_owners`: staff see the periods they owned themselves."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return OwnershipPeriod.alliance_id == p.alliance_id
    if p.promoter:
        return false()
    if p.manages_merchant:
        return OwnershipPeriod.merchant_id == p.merchant_id
    if p.is_merchant_side:
        return and_(OwnershipPeriod.merchant_id == p.merchant_id, OwnershipPeriod.staff_id == p.staff_id)
    return false()


def ownership_merchant(p: Principal) -> int:
    """The merchant whose pool and owners the caller works with: its own. The pool is a merchant's; the operator
    and members have none (403), nor a promoter, who serves nobody."""
    if not p.is_merchant_side or p.merchant_id is None or p.promoter:
        raise Forbidden()
    return p.merchant_id


def require_ownership_admin(p: Principal) -> int:
    """Assigning in bulk, handing over and the pool's terms: the merchant's admins and integrations."""
    merchant_id = ownership_merchant(p)
    if not p.manages_merchant:
        raise Forbidden()
    return merchant_id


def require_claimer(p: Principal) -> tuple[int, int]:
    """Claiming from the pool: a login tied to a staff member of the merchant. Returns (merchant, staff)."""
    merchant_id = ownership_merchant(p)
    if p.kind != "user" or p.staff_id is None:
        raise Forbidden()
    return merchant_id, p.staff_id


def dedup_candidates(p: Principal) -> ColumnElement[bool]:
    """Duplicate candidates: the operator sees the alliance's (members, merchants, stores); a merchant admin sees
    member pairs whose two members are both its own (members(p)), so a pair never shows another merchant's
    customer. Store staff, promoters and members: none."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return DedupCandidate.alliance_id == p.alliance_id
    if p.manages_merchant and not p.promoter:
        mine = select(Member.id).where(members(p))
        return and_(DedupCandidate.alliance_id == p.alliance_id, DedupCandidate.kind == "member",
                    DedupCandidate.left_id.in_(mine), DedupCandidate.right_id.in_(mine))
    return false()


def webhook_endpoints(p: Principal) -> ColumnElement[bool]:
    """Webhook endpoints (and their deliveries): the operator sees the alliance's (its own and its merchants');
    a merchant admin or integration its merchant's. Store staff, promoters and members: none."""
    if p.is_platform:
        return true()
    if p.role is Role.OPERATOR_ADMIN:
        return WebhookEndpoint.alliance_id == p.alliance_id
    if p.manages_merchant and not p.promoter:
        return WebhookEndpoint.merchant_id == p.merchant_id
    return false()


def require_webhook_admin(p: Principal) -> None:
    """Registering, changing and replaying webhooks: the operator, a merchant admin, an integration key."""
    if not (p.is_operator or (p.manages_merchant and not p.promoter)):
        raise Forbidden()


# --- featured placement (推广位) -----------------------------------------------------------------------------------


def placement_slots(p: Principal) -> ColumnElement[bool]:
    """The alliance's slots are its price list: its operator and everyone working for its merchants read them.
    Members read none (their pages show featured merchants, not what was paid)."""
    from lianmeng.placements.models import PlacementSlot

    if p.is_platform:
        return true()
    if p.is_operator or p.is_merchant_side:
        return PlacementSlot.alliance_id == p.alliance_id
    return false()


def placement_bookings(p: Principal) -> ColumnElement[bool]:
    """A booking is its merchant's business and the operator's: another merchant learns only how many seats a
    day has left (the calendar's counts), never who bought them or for how much."""
    from lianmeng.placements.models import PlacementBooking

    if p.is_platform:
        return true()
    if p.is_operator:
        return PlacementBooking.alliance_id == p.alliance_id
    if p.is_merchant_side:
        return and_(PlacementBooking.alliance_id == p.alliance_id, PlacementBooking.merchant_id == p.merchant_id)
    return false()


def require_books_placement(p: Principal, merchant_id: int) -> None:
    """The operator books for any merchant of its alliance; a merchant's admin (a login, not a promoter) or its
    integration for its own merchant. Store staff and members do not spend the merchant's money."""
    if p.is_operator:
        return
    if p.manages_merchant and not p.promoter and p.merchant_id == merchant_id:
        return
    raise Forbidden()
def distribution_terms(p: Principal) -> ColumnElement[bool]:
    """An offer's sharing terms are part of the alliance's catalogue (members read them to share); only the offer's
    owner or the operator changes them (`require_manages`)."""
    if p.is_platform:
        return true()
    return DistributionTerms.alliance_id == p.alliance_id


def distribution_rewards(p: Principal) -> ColumnElement[bool]:
    """A sharer sees the rewards they earned, the merchant the rewards it pays (its offers), the operator its
    alliance's. Another merchant sees none: the sharers and friends are not its customers."""
    return _by_role(p, DistributionReward.alliance_id, DistributionReward.payer_merchant_id == p.merchant_id,
                    DistributionReward.sharer_member_id)


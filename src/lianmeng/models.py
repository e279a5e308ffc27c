"""Imports every capability's models so that Base.metadata is complete (Alembic, tests, create_all)."""

from lianmeng.agreements.models import Agreement, AgreementEvent
from lianmeng.alliances.models import Alliance
from lianmeng.audiences.models import Audience
from lianmeng.audit.models import AuditEvent
from lianmeng.auth.models import ApiKey, OneTimeCode, OutboxMessage, User
from lianmeng.campaigns.models import (
    Campaign,
    CampaignCost,
    CampaignCoupon,
    CampaignMerchant,
    CampaignRegistration,
    GiftPackage,
)
from lianmeng.commissions.models import Rebate
from lianmeng.coupons.models import ClaimLink, Coupon, CouponTemplate, Redemption
from lianmeng.db import Base
from lianmeng.dedup.models import DedupCandidate, DedupSettings
from lianmeng.groupbuys.models import GroupBuyGroup, GroupBuyOffer, GroupBuySeat
from lianmeng.jobs.models import JobRun
from lianmeng.jointcards.models import JointCard, JointCardItem, JointCardUse, JointComponent, JointProduct, JointTier
from lianmeng.kit.idempotency import IdempotencyRecord
from lianmeng.ledger.models import Account, Entry, Posting
from lianmeng.members.models import Member, Membership
from lianmeng.merchants.models import Merchant, Staff, Store
from lianmeng.merging.models import MemberMerge, MergeEvent
from lianmeng.notifications.models import MemberMessage, MemberMessageOptOut, Notification, NotificationOptOut
from lianmeng.orders.models import Order, Refund, TopUp
from lianmeng.overlap.models import MerchantBase, OverlapSnapshot, PairOverlap
from lianmeng.ownership.models import MemberOwner, OwnershipPeriod, OwnershipSettings
from lianmeng.partners.models import Candidate, CandidateStore, MysteryVisit, ScoringWeights, SincerityAnswer
from lianmeng.placements.models import PlacementBooking, PlacementSlot
from lianmeng.points.models import PointsDraw, PointsGrant, PointsRule
from lianmeng.profiles.models import ProfileEdit
from lianmeng.prospects.models import (
    OverlapAudit,
    OverlapCell,
    OverlapComputation,
    OverlapInvitation,
    ProspectMemberDigest,
)
from lianmeng.recruiting.models import Application, JoinLink, RecruitingSettings
from lianmeng.referrals.models import Feedback
from lianmeng.revenue.models import FeeCharge, FeeSettings, FeeWaiver
from lianmeng.segments.models import SegmentShare
from lianmeng.settlement.models import SettlementRun, Statement, StatementEvent, StatementLine
from lianmeng.tags.models import MemberTag, TagDefinition, TagRuleRun
from lianmeng.targeting.models import OfferRecipient, TargetedOffer
from lianmeng.values.models import MemberValue, MemberValueChange, ValueModelSettings
from lianmeng.vehicles.models import MemberVehicle
from lianmeng.verification.models import VerificationEvent
from lianmeng.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from lianmeng.withdrawals.models import PayoutAccount, Withdrawal

__all__ = [
    "Account",
    "Agreement",
    "AgreementEvent",
    "Alliance",
    "ApiKey",
    "Application",
    "Audience",
    "AuditEvent",
    "Base",
    "Campaign",
    "CampaignCost",
    "CampaignCoupon",
    "CampaignMerchant",
    "CampaignRegistration",
    "Candidate",
    "CandidateStore",
    "ClaimLink",
    "Coupon",
    "CouponTemplate",
    "DedupCandidate",
    "DedupSettings",
    "Entry",
    "FeeCharge",
    "FeeSettings",
    "FeeWaiver",
    "Feedback",
    "GiftPackage",
    "GroupBuyGroup",
    "GroupBuyOffer",
    "GroupBuySeat",
    "IdempotencyRecord",
    "JobRun",
    "JoinLink",
    "JointCard",
    "JointCardItem",
    "JointCardUse",
    "JointComponent",
    "JointProduct",
    "JointTier",
    "Member",
    "MemberMerge",
    "MemberMessage",
    "MemberMessageOptOut",
    "MemberOwner",
    "MemberTag",
    "MemberValue",
    "MemberValueChange",
    "MemberVehicle",
    "Membership",
    "Merchant",
    "MerchantBase",
    "MergeEvent",
    "MysteryVisit",
    "Notification",
    "NotificationOptOut",
    "OfferRecipient",
    "OneTimeCode",
    "Order",
    "OutboxMessage",
    "OverlapAudit",
    "OverlapCell",
    "OverlapComputation",
    "OverlapInvitation",
    "OverlapSnapshot",
    "OwnershipPeriod",
    "OwnershipSettings",
    "PairOverlap",
    "PayoutAccount",
    "PlacementBooking",
    "PlacementSlot",
    "PointsDraw",
    "PointsGrant",
    "PointsRule",
    "Posting",
    "ProfileEdit",
    "ProspectMemberDigest",
    "Rebate",
    "RecruitingSettings",
    "Redemption",
    "Refund",
    "ScoringWeights",
    "SegmentShare",
    "SettlementRun",
    "SincerityAnswer",
    "Staff",
    "Statement",
    "StatementEvent",
    "StatementLine",
    "Store",
    "TagDefinition",
    "TagRuleRun",
    "TargetedOffer",
    "TopUp",
    "User",
    "ValueModelSettings",
    "VerificationEvent",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "Withdrawal",
]

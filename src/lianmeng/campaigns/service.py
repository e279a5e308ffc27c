"""Use cases of joint campaigns. The door commits (writer.run); these only flush.

Who may do what: the operator of the alliance or the lead merchant's admin manage a campaign (participants,
costs, gift packages, status); staff of a participating merchant register members, check them in and hand out
gift packages; a member registers itself. Everyone who sees a campaign except members sees its report.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.campaigns import domain, repository
from lianmeng.campaigns.domain import CampaignStatus, MerchantFigures
from lianmeng.campaigns.errors import Problem
from lianmeng.campaigns.models import (
    Campaign,
    CampaignCost,
    CampaignCoupon,
    CampaignMerchant,
    CampaignRegistration,
    GiftPackage,
)
from lianmeng.campaigns.schemas import (
    CampaignCreate,
    CampaignOut,
    ClaimOut,
    CostIn,
    PackageIn,
    ParticipantIn,
    ParticipantOut,
    RegistrationIn,
    ReportOut,
    ReportRow,
)
from lianmeng.coupons import repository as coupons_repo
from lianmeng.coupons import service as coupons_service
from lianmeng.coupons.schemas import IssueIn
from lianmeng.kit import clock
from lianmeng.kit.errors import Conflict, Forbidden, Invalid, NotFound
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import OPERATOR, OwnerType, Party, PostingCause
from lianmeng.members import repository as members_repo
from lianmeng.members import service as members_service
from lianmeng.members.models import Member
from lianmeng.merchants import repository as merchants_repo
from lianmeng.merchants.models import Merchant
from lianmeng.tenancy import Principal
from lianmeng.tenancy.scoped import get_scoped


def create(session: Session, actor: Principal, data: CampaignCreate) -> Campaign:
    lead: int | None = None
    if actor.is_merchant_side and actor.manages_merchant and actor.merchant_id is not None:
        lead = actor.merchant_id
    elif actor.role is not Role.OPERATOR_ADMIN or actor.alliance_id is None:
        raise Forbidden()
    assert actor.alliance_id is not None
    campaign = Campaign(alliance_id=actor.alliance_id, name=data.name, description=data.description,
                        starts_at=data.starts_at, ends_at=data.ends_at, status=CampaignStatus.DRAFT.value,
                        lead_merchant_id=lead, created_by=actor.label)
    session.add(campaign)
    session.flush()
    return campaign


def out(session: Session, campaign: Campaign) -> CampaignOut:
    return out_many(session, [campaign])[0]


def out_many(session: Session, campaigns: Sequence[Campaign]) -> list[CampaignOut]:
    """Campaigns with their participants and contributions, read once for all of them (list and page agree)."""
    alliance_id = campaigns[0].alliance_id if campaigns else None  # one caller's campaigns: one alliance
    participants = repository.participants_of(session, alliance_id, [c.id for c in campaigns])
    results = []
    for campaign in campaigns:
        result = CampaignOut.model_validate(campaign)
        result.merchants = [ParticipantOut.model_validate(m) for m in participants.get(campaign.id, [])]
        results.append(result)
    return results


def _managed(session: Session, actor: Principal, campaign_id: int) -> Campaign:
    """The campaign, for the operator or the lead merchant's admin (403 for others who see it)."""
    campaign = repository.get_campaign(session, actor, campaign_id, lock=True)
    if actor.is_operator:
        return campaign
    if actor.manages_merchant and campaign.lead_merchant_id is not None \
            and actor.merchant_id == campaign.lead_merchant_id:
        return campaign
    raise Forbidden()


def _require_status(campaign: Campaign, *allowed: CampaignStatus) -> None:
    if CampaignStatus(campaign.status) not in allowed:
        raise Invalid(Problem.CAMPAIGN_STATUS, status=campaign.status)


def set_status(session: Session, actor: Principal, campaign_id: int, target: CampaignStatus) -> Campaign:
    campaign = _managed(session, actor, campaign_id)
    if not domain.can_move(CampaignStatus(campaign.status), target):
        raise Conflict(Problem.CAMPAIGN_TRANSITION, status=campaign.status, target=target.value)
    if target is CampaignStatus.ACTIVE and not repository.participants(session, campaign):
        raise Invalid(Problem.CAMPAIGN_NO_MERCHANTS)
    campaign.status = target.value
    session.flush()
    return campaign


def add_merchant(session: Session, actor: Principal, campaign_id: int, data: ParticipantIn) -> Campaign:
    campaign = _managed(session, actor, campaign_id)
    _require_status(campaign, CampaignStatus.DRAFT, CampaignStatus.ACTIVE)
    merchant = merchants_repo.get_merchant(session, actor, data.merchant_id)
    if merchant.alliance_id != campaign.alliance_id:
        raise NotFound("merchant")
    if merchant.status != "active":
        raise Invalid("merchant_suspended")
    if repository.participant(session, campaign, merchant.id) is not None:
        raise Conflict("duplicate", what="campaign_merchant")
    session.add(CampaignMerchant(alliance_id=campaign.alliance_id, campaign_id=campaign.id, merchant_id=merchant.id,
                                 contribution_fen=data.contribution_fen, created_at=clock.now()))
    session.flush()
    return campaign


def add_cost(session: Session, actor: Principal, campaign_id: int, data: CostIn) -> CampaignCost:
    campaign = _managed(session, actor, campaign_id)
    _require_status(campaign, CampaignStatus.DRAFT, CampaignStatus.ACTIVE)
    if data.paid_by_merchant_id is not None and repository.participant(
            session, campaign, data.paid_by_merchant_id) is None:
        raise Invalid(Problem.CAMPAIGN_NOT_PARTICIPANT)
    sharing = [(p.merchant_id, p.contribution_fen) for p in repository.participants(session, campaign)]
    if not sharing:  # a cost is shared by contribution the moment it is recorded: someone must share it
        raise Invalid(Problem.CAMPAIGN_NO_MERCHANTS)
    cost = CampaignCost(alliance_id=campaign.alliance_id,
                        campaign_id=campaign.id, what=data.what, amount_fen=data.amount_fen,
                        paid_by_merchant_id=data.paid_by_merchant_id, shared="by_contribution",
                        recorded_by=actor.label, created_at=clock.now())
    session.add(cost)
    session.flush()
    payer = OPERATOR if cost.paid_by_merchant_id is None else Party(OwnerType.MERCHANT, cost.paid_by_merchant_id)
    legs = domain.cost_legs(campaign.id, cost.amount_fen, payer, sharing)
    if legs:
        ledger.post(session, campaign.alliance_id, f"campaign-cost:{cost.id}", PostingCause.CAMPAIGN_COST, legs,
                    cause_id=cost.id, memo=cost.what[:300])
    return cost


def _serving(session: Session, actor: Principal, campaign: Campaign) -> int:
    """The caller's merchant if it takes part in the campaign (staff at the event); 403 otherwise."""
    if not actor.is_merchant_side or repository.participant(session, campaign, actor.merchant_id) is None:
        raise Forbidden()
    assert actor.merchant_id is not None
    return actor.merchant_id


def register(session: Session, actor: Principal, campaign_id: int, data: RegistrationIn) -> CampaignRegistration:
    """A member registers itself (any active campaign of its alliance); staff of a participating merchant or the
    operator register a member they can see."""
    merchant_id: int | None = None
    if actor.role is Role.MEMBER:
        campaign = get_scoped(session, Campaign, campaign_id, Campaign.alliance_id == actor.alliance_id, "campaign")
        if data.member_id is not None and data.member_id != actor.member_id:
            raise Forbidden()
        member_id = actor.member_id
    else:
        campaign = repository.get_campaign(session, actor, campaign_id)
        if not actor.is_operator:
            merchant_id = _serving(session, actor, campaign)
        if data.member_id is None:
            raise Invalid("validation_error", details={"member_id": "required"})
        member_id = data.member_id
    assert member_id is not None
    member = members_repo.get_member(session, actor, member_id)
    if member.alliance_id != campaign.alliance_id:
        raise NotFound("member")
    _require_status(campaign, CampaignStatus.ACTIVE)
    if repository.registration_of(session, campaign.id, member.id) is not None:
        raise Conflict(Problem.CAMPAIGN_REGISTERED)
    registration = CampaignRegistration(alliance_id=campaign.alliance_id,
                                        campaign_id=campaign.id, member_id=member.id, registered_at=clock.now(),
                                        registered_by_merchant_id=merchant_id)
    session.add(registration)
    session.flush()
    return registration


def check_in(session: Session, actor: Principal, registration_id: int) -> CampaignRegistration:
    """Staff of a participating merchant check a registered member in (签到) at their merchant."""
    registration = repository.get_registration(session, actor, registration_id, lock=True)
    campaign = repository.get_campaign(session, actor, registration.campaign_id)
    merchant_id = _serving(session, actor, campaign)
    _require_status(campaign, CampaignStatus.ACTIVE)
    if registration.checked_in_at is not None:
        raise Conflict(Problem.CAMPAIGN_CHECKED_IN)
    registration.checked_in_at = clock.now()
    registration.checked_in_merchant_id = merchant_id
    registration.checked_in_staff_id = actor.staff_id
    session.flush()
    return registration


def create_package(session: Session, actor: Principal, campaign_id: int, data: PackageIn) -> GiftPackage:
    campaign = _managed(session, actor, campaign_id)
    _require_status(campaign, CampaignStatus.DRAFT, CampaignStatus.ACTIVE)
    template_ids = list(dict.fromkeys(data.template_ids))
    for template_id in template_ids:
        template = coupons_repo.get_template(session, actor, template_id)
        if template.alliance_id != campaign.alliance_id:
            raise NotFound("coupon_template")
        if repository.participant(session, campaign, template.owner_merchant_id) is None:
            raise Invalid(Problem.CAMPAIGN_NOT_PARTICIPANT)
    package = GiftPackage(alliance_id=campaign.alliance_id,
                          campaign_id=campaign.id, name=data.name, template_ids=template_ids,
                          created_at=clock.now())
    session.add(package)
    session.flush()
    return package


def claim_package(session: Session, actor: Principal, package_id: int, member_id: int) -> ClaimOut:
    """Staff of a participating merchant hand a gift package to a registered member: one coupon of each template,
    issued through the coupon rules (stock, per-member limit) and attributed to them. Once per member."""
    package = repository.get_package(session, actor, package_id)
    campaign = repository.get_campaign(session, actor, package.campaign_id, lock=True)
    _serving(session, actor, campaign)
    _require_status(campaign, CampaignStatus.ACTIVE)
    member = members_repo.get_member(session, actor, member_id)
    if repository.registration_of(session, campaign.id, member.id) is None:
        raise Invalid(Problem.CAMPAIGN_NOT_REGISTERED)
    if repository.package_claimed(session, package.id, member.id):
        raise Conflict(Problem.CAMPAIGN_PACKAGE_CLAIMED)
    now = clock.now()
    coupons = []
    for template_id in package.template_ids:
        coupon = coupons_service.issue(session, actor, IssueIn(template_id=template_id, member_id=member.id))
        session.add(CampaignCoupon(alliance_id=campaign.alliance_id,
                                   campaign_id=campaign.id, package_id=package.id, member_id=member.id,
                                   coupon_id=coupon.id, created_at=now))
        coupons.append(coupon)
    session.flush()
    return ClaimOut(package_id=package.id, member_id=member.id, coupon_ids=[c.id for c in coupons],
                    coupon_codes=[c.code for c in coupons])


def member_by_phone(session: Session, actor: Principal, raw_phone: str) -> Member | None:
    """A member the caller sees with this phone (staff registering someone at the event); 422 for a bad number."""
    lookup = members_service.phone_lookup_hashes(actor, raw_phone)
    return session.scalars(members_repo.list_members(actor, phone_lookup=lookup).limit(1)).first()


def report(session: Session, actor: Principal, campaign_id: int) -> ReportOut:
    """Per participating merchant within the window: participants, conversions, revenue, commissions, cost
    shares and ROI = (revenue + commissions earned) / contribution; plus totals."""
    campaign = repository.get_campaign(session, actor, campaign_id)
    if actor.role is Role.MEMBER:
        raise Forbidden()
    members = repository.participants(session, campaign)
    costs = repository.costs(session, campaign.id)
    shares = domain.cost_shares([c.amount_fen for c in costs], [m.contribution_fen for m in members])
    came = repository.participants_by_merchant(session, campaign)
    converted = repository.conversions_by_merchant(session, campaign)
    earned, owed = repository.commissions_by_merchant(session, campaign)
    rows = []
    for share, m in zip(shares, members, strict=True):
        conversions, revenue = converted.get(m.merchant_id, (0, 0))
        rows.append(MerchantFigures(
            merchant_id=m.merchant_id, contribution_fen=m.contribution_fen, participants=came.get(m.merchant_id, 0),
            conversions=conversions, revenue_fen=revenue, commissions_earned_fen=earned.get(m.merchant_id, 0),
            commissions_owed_fen=owed.get(m.merchant_id, 0),
            cost_paid_fen=sum(c.amount_fen for c in costs if c.paid_by_merchant_id == m.merchant_id),
            cost_share_fen=share))
    names = {m.id: m.name for m in (session.get(Merchant, r.merchant_id) for r in rows) if m is not None}
    registered, checked_in = repository.registration_counts(session, campaign)
    return ReportOut(
        campaign_id=campaign.id, name=campaign.name, starts_at=campaign.starts_at, ends_at=campaign.ends_at,
        starts_at_local=clock.format_local(campaign.starts_at), ends_at_local=clock.format_local(campaign.ends_at),
        status=CampaignStatus(campaign.status), registered=registered, checked_in=checked_in,
        costs_fen=sum(c.amount_fen for c in costs),
        merchants=[_row(r, names.get(r.merchant_id, "")) for r in rows],
        totals=_row(domain.totals(rows), "合计 Total", total=True),
    )


def _row(f: MerchantFigures, name: str, *, total: bool = False) -> ReportRow:
    return ReportRow(
        merchant_id=None if total else f.merchant_id, merchant_name=name, contribution_fen=f.contribution_fen,
        participants=f.participants, conversions=f.conversions, revenue_fen=f.revenue_fen,
        commissions_earned_fen=f.commissions_earned_fen, commissions_owed_fen=f.commissions_owed_fen,
        cost_paid_fen=f.cost_paid_fen, cost_share_fen=f.cost_share_fen, cost_balance_fen=f.cost_balance_fen,
        gain_fen=f.gain_fen, roi=f.roi)

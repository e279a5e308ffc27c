"""Pure figures of a joint campaign (联合营销活动): cost shares, ROI and totals. Integers only (fen)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lianmeng.commissions.domain import split_proportionally
from lianmeng.kit.clock import require_aware
from lianmeng.kit.vocab import LabelledEnum
from lianmeng.ledger.domain import AccountKind, AccountRef, Leg, OwnerType, Party


class CampaignStatus(LabelledEnum):
    DRAFT = "draft", "草稿", "Draft"
    ACTIVE = "active", "进行中", "Active"
    CLOSED = "closed", "已结束", "Closed"


TRANSITIONS: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    CampaignStatus.DRAFT: frozenset({CampaignStatus.ACTIVE, CampaignStatus.CLOSED}),
    CampaignStatus.ACTIVE: frozenset({CampaignStatus.CLOSED}),
    CampaignStatus.CLOSED: frozenset(),
}


def can_move(current: CampaignStatus, target: CampaignStatus) -> bool:
    return target in TRANSITIONS[current]


def check_window(starts_at: datetime, ends_at: datetime) -> None:
    """A campaign's window is [starts_at, ends_at): it must end after it starts."""
    require_aware(starts_at, "starts_at")
    require_aware(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise ValueError("ends_at must be after starts_at")


def roi(gain_fen: int, contribution_fen: int) -> str | None:
    """ROI = gain / contribution as an exact decimal rounded half up to one place: 14_370_000 / 1_000_000 → "14.4".
    None without a contribution. Negative gains round half away from zero."""
    if contribution_fen <= 0:
        return None
    sign = "-" if gain_fen < 0 else ""
    tenths = (abs(gain_fen) * 20 + contribution_fen) // (2 * contribution_fen)
    return f"{sign}{tenths // 10}.{tenths % 10}"


def cost_shares(cost_amounts_fen: Sequence[int], contributions_fen: Sequence[int]) -> list[int]:
    """Each cost split over the merchants in proportion to their contributions (largest remainder, so every cost's
    parts add up to the fen); returns each merchant's total share, in the order of `contributions_fen`."""
    shares = [0] * len(contributions_fen)
    if not contributions_fen:
        return shares
    for amount in cost_amounts_fen:
        for index, part in enumerate(split_proportionally(amount, contributions_fen)):
            shares[index] += part
    return shares


def cost_legs(campaign_id: int, cost_fen: int, payer: Party, participants: Sequence[tuple[int, int]]) -> list[Leg]:
    """What one recorded cost moves: each participant (merchant id, contribution) owes the payer its share (largest
    remainder over contributions); the payer's own share stays with it. Empty when nobody else shares it."""
    shares = split_proportionally(cost_fen, [contribution for _, contribution in participants])
    legs: list[Leg] = []
    for (merchant_id, _), share in zip(participants, shares, strict=True):
        if share == 0 or (payer.owner_type is OwnerType.MERCHANT and payer.owner_id == merchant_id):
            continue
        legs += [Leg(AccountRef(OwnerType.MERCHANT, merchant_id, AccountKind.CAMPAIGN_COSTS, campaign_id), -share,
                     payer),
                 Leg(AccountRef(payer.owner_type, payer.owner_id, AccountKind.CAMPAIGN_COSTS, campaign_id), share,
                     Party(OwnerType.MERCHANT, merchant_id))]
    return legs


@dataclass(frozen=True)
class MerchantFigures:
    """One participating merchant's results within the campaign window."""

    merchant_id: int
    contribution_fen: int
    participants: int
    conversions: int
    revenue_fen: int
    commissions_earned_fen: int
    commissions_owed_fen: int
    cost_paid_fen: int = 0
    cost_share_fen: int = 0

    @property
    def gain_fen(self) -> int:
        return self.revenue_fen + self.commissions_earned_fen

    @property
    def roi(self) -> str | None:
        return roi(self.gain_fen, self.contribution_fen)

    @property
    def cost_balance_fen(self) -> int:
        """What the merchant still owes the others for shared costs (negative: what it is owed back)."""
        return self.cost_share_fen - self.cost_paid_fen


def totals(rows: Sequence[MerchantFigures]) -> MerchantFigures:
    """The sums of every figure (merchant_id 0); ROI of the totals is total gain / total contribution."""
    return MerchantFigures(
        merchant_id=0, contribution_fen=sum(r.contribution_fen for r in rows),
        participants=sum(r.participants for r in rows), conversions=sum(r.conversions for r in rows),
        revenue_fen=sum(r.revenue_fen for r in rows),
        commissions_earned_fen=sum(r.commissions_earned_fen for r in rows),
        commissions_owed_fen=sum(r.commissions_owed_fen for r in rows),
        cost_paid_fen=sum(r.cost_paid_fen for r in rows), cost_share_fen=sum(r.cost_share_fen for r in rows),
    )

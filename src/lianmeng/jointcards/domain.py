"""Pure joint-card rules: how a tier's price is shared among its components, how much of a component's share
one consumption recognises, when a card's value expires, and what a refund gives back. Integer fen only.

* `allocate`: the sale price split over the components in proportion to their list values (largest remainder,
  `commissions.domain.split_proportionally`), so the shares always add up to the price exactly.
* `value_used`: the part of a component's share that `used` of its `units` have consumed: share × used // units,
  so every unit but the last is worth the floor of share / units and the last unit takes the remainder; all
  units consumed is exactly the share.
* `recognise`: what consuming `n` more units recognises (difference of two `value_used`).
* `unconsumed`: what a card still holds (refund or expiry), per component and in total.
* `expires_at`: the sale date (Asia/Shanghai calendar) plus the product's carry-over months.
* `next_status`: pausing stops new sales of a product (cards already sold stay usable); resuming starts them again.
  Both are idempotent.
* `may_manage`: the alliance's operator manages every product of its alliance, a merchant's admin the products its
  merchant leads.
* `check_tier_editable`: a tier with a card sold is locked (its price and components fixed the shares the sold
  cards carry); new tiers can still be added and the product renamed.
* `check_tier_deletable`: only a tier no card was ever sold of can be deleted (refunded and expired cards count:
  they carried its shares), and never a product's last tier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from lianmeng.commissions.domain import split_proportionally
from lianmeng.jointcards.errors import Problem
from lianmeng.kit.clock import require_aware, shanghai
from lianmeng.points.domain import expiry_for


class Refused(ValueError):
    """A rule said no; `code` is the stable error code shown to users, `params` fill its message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def allocate(price_fen: int, list_values_fen: Sequence[int]) -> list[int]:
    """Each component's share of the price, proportional to its list value; the shares sum to the price."""
    if price_fen <= 0:
        raise Refused(Problem.INVALID_JOINT_PRODUCT)
    if not list_values_fen or any(v <= 0 for v in list_values_fen):
        raise Refused(Problem.INVALID_JOINT_PRODUCT)
    return split_proportionally(price_fen, list(list_values_fen))


def _check_units(share_fen: int, units: int, used: int) -> None:
    if share_fen < 0 or units < 1 or not 0 <= used <= units:
        raise ValueError("need share ≥ 0, units ≥ 1 and 0 ≤ used ≤ units")


def value_used(share_fen: int, units: int, used: int) -> int:
    """Value consumed by the first `used` units: floor per unit, the last unit takes the remainder."""
    _check_units(share_fen, units, used)
    return share_fen * used // units


def recognise(share_fen: int, units: int, used_before: int, n: int) -> int:
    """Value that consuming `n` more units recognises; refused when fewer than `n` units remain."""
    if n < 1:
        raise Refused("validation_error")
    _check_units(share_fen, units, used_before)
    if used_before + n > units:
        raise Refused(Problem.JOINT_CARD_USED_UP)
    return value_used(share_fen, units, used_before + n) - value_used(share_fen, units, used_before)


@dataclass(frozen=True)
class Holding:
    """One component on a card: its share of the price, its units and how many are left."""

    share_fen: int
    units: int
    units_left: int


def unconsumed(holdings: Sequence[Holding]) -> list[int]:
    """Value left per component (what a refund returns or an expiry releases)."""
    return [h.share_fen - value_used(h.share_fen, h.units, h.units - h.units_left) for h in holdings]


def refundable(holdings: Sequence[Holding]) -> int:
    """The unconsumed total; refused when nothing is left (a fully consumed card cannot be refunded)."""
    total = sum(unconsumed(holdings))
    if total <= 0:
        raise Refused(Problem.NOTHING_TO_REFUND)
    return total


def expires_at(sold_at: datetime, carry_over_months: int) -> datetime:
    """The sale's Shanghai calendar date plus whole months (day clamped to the month's end)."""
    require_aware(sold_at, "sold_at")
    return expiry_for(shanghai(sold_at), carry_over_months)


class JointProductStatus(StrEnum):
    """Whether a product is on sale: paused products sell nothing new; their cards stay usable."""

    ACTIVE = "active"
    PAUSED = "paused"


MAX_TIERS = 10


def next_status(current: str, action: Literal["pause", "resume"]) -> JointProductStatus:
    """The status after pausing or resuming (the same status again when it is already there)."""
    if current not in {s.value for s in JointProductStatus}:
        raise Refused("invalid_joint_product")
    return JointProductStatus.PAUSED if action == "pause" else JointProductStatus.ACTIVE


def may_manage(*, is_operator: bool, manages_merchant: bool, actor_alliance_id: int | None,
               actor_merchant_id: int | None, product_alliance_id: int, lead_merchant_id: int | None) -> bool:
    """The alliance's operator, or an admin of the product's lead merchant."""
    if actor_alliance_id is None or actor_alliance_id != product_alliance_id:
        return False
    if is_operator:
        return True
    return manages_merchant and actor_merchant_id is not None and actor_merchant_id == lead_merchant_id


def check_tier_editable(cards_sold: int) -> None:
    """Refused once a card of the tier is sold: the sold cards carry shares split from its price and components."""
    if cards_sold > 0:
        raise Refused("joint_tier_locked")


def check_tier_deletable(cards_sold: int, tiers: int) -> None:
    """Refused for a tier with a card sold (the sold cards are used and shared out on it) and for the product's
    last one (`tiers`: how many the product has, this one included)."""
    if cards_sold > 0:
        raise Refused("joint_tier_sold", sold=cards_sold)
    if tiers <= 1:
        raise Refused("joint_product_last_tier")


def check_tier_count(count: int) -> None:
    if not 1 <= count <= MAX_TIERS:
        raise Refused("joint_product_tiers")

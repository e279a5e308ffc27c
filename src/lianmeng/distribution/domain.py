"""Distribution rules as pure functions: what a friend's order earns the member who shared the offer with them.

No second engine: the amount, the qualifying conditions and the monthly cap are the commission rules
(`commissions.domain.commission_for_order`) applied to one term built from the offer's distribution terms:

  * the friend's FIRST order at the offer's merchant since claiming through the link qualifies, and only it
    (`first_order_only`), if it is at least `min_order_fen` and within `window_days` of the claim;
  * the reward is `amount` (points, or fen for a fixed rebate: a `per_head` term), or `rate_bp` of the order
    (rebates only: a `percent_of_order` term, rounded half up to the fen);
  * `cap_per_month`: what the sharer already earned under these terms in the order's calendar month (Asia/Shanghai,
    net of reversals) plus this reward stays ≤ the cap; only the room left is paid (the commission rules' monthly
    cap, fed with the sharer's month total instead of the member's);
  * single level: only the member on the coupon (who shared the link the friend claimed through) is ever paid;
    nobody earns on their friends' friends;
  * no self-referral: a member claiming their own link, or a friend with the same phone or merged into the sharer
    (or the sharer into them), earns nobody anything (`is_self_referral`).

Points and fen are both whole numbers; the commission arithmetic never mixes them with money.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lianmeng.agreements.schemas import CommissionKind, CommissionTerm
from lianmeng.commissions import domain as commissions
from lianmeng.kit import clock
from lianmeng.kit.vocab import LabelledEnum

MAX_POINTS = 1_000_000
MAX_REBATE_FEN = 100_000_00  # ¥100,000 per friend's first order
MAX_WINDOW_DAYS = 365
MAX_RETURN_WINDOW_DAYS = 90
DEFAULT_K = 10


class RewardKind(LabelledEnum):
    POINTS = "points", "积分奖励", "Points"
    REBATE = "rebate", "现金返利", "Rebate"


class RewardStatus(LabelledEnum):
    FROZEN = "frozen", "冻结中", "Frozen"
    AVAILABLE = "available", "已到账", "Available"
    REVERSED = "reversed", "已退回", "Reversed"


@dataclass(frozen=True)
class Terms:
    """An offer's distribution terms as the rules read them."""

    reward_kind: RewardKind
    amount: int | None
    rate_bp: int | None
    min_order_fen: int
    window_days: int
    cap_per_month: int | None


@dataclass(frozen=True)
class FriendOrder:
    """The friend's order at the offer's merchant: when they claimed through the link, the order, whether it is
    their first there since the claim, and what the sharer already earned this month under these terms."""

    claimed_at: datetime
    amount_fen: int
    ordered_at: datetime
    is_first_order: bool
    sharer_month_earned: int


def as_commission_term(terms: Terms) -> CommissionTerm:
    """The offer's terms as one commission term (the shared engine computes the reward)."""
    if terms.rate_bp is not None:
        return CommissionTerm(kind=CommissionKind.PERCENT_OF_ORDER, rate_bp=terms.rate_bp,
                              min_order_fen=terms.min_order_fen, within_days=terms.window_days,
                              first_order_only=True, cap_per_member_month_fen=terms.cap_per_month)
    return CommissionTerm(kind=CommissionKind.PER_HEAD, amount_fen=terms.amount, min_order_fen=terms.min_order_fen,
                          within_days=terms.window_days, first_order_only=True,
                          cap_per_member_month_fen=terms.cap_per_month)


def reward_for(terms: Terms, order: FriendOrder, sharer_member_id: int) -> int:
    """What the order earns its sharer (0: nothing), by the commission rules (module doc)."""
    referral = commissions.Referral(referrer_merchant_id=sharer_member_id, referrer_staff_id=None,
                                    referred_at=order.claimed_at)
    facts = commissions.OrderFacts(order_amount_fen=order.amount_fen, ordered_at=order.ordered_at,
                                   is_first_order=order.is_first_order,
                                   member_month_paid_fen=order.sharer_month_earned)
    payouts = commissions.commission_for_order([as_commission_term(terms)], referral, facts)
    return sum(p.amount_fen for p in payouts if p.payee is commissions.PayeeKind.MERCHANT)


@dataclass(frozen=True)
class Person:
    """Who a member is, for the self-referral check: their id, phone hash, and whom they were merged into."""

    member_id: int
    phone_hash: str
    merged_into_id: int | None = None


def is_self_referral(sharer: Person, friend: Person) -> bool:
    """The same person on both ends: the same member, the same phone, or one merged into the other."""
    return (sharer.member_id == friend.member_id or sharer.phone_hash == friend.phone_hash
            or friend.merged_into_id == sharer.member_id or sharer.merged_into_id == friend.member_id)


def month_start(at: datetime) -> datetime:
    """The start of `at`'s calendar month in Asia/Shanghai (the cap's month), as an aware datetime."""
    return clock.shanghai(at).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def reversal(amount: int, order_amount_fen: int, refunded_total_fen: int, already_reversed: int) -> int:
    """What a refund takes back of a reward, in proportion and cumulatively (the commission rules' reversal)."""
    return commissions.reverse_for_refund(paid_fen=amount, order_amount_fen=order_amount_fen,
                                          refunded_total_fen=refunded_total_fen,
                                          already_reversed_fen=already_reversed)


def mask_name(name: str | None) -> str:
    """'李小明' → '李**', no name → '会员**': a leaderboard shows a sharer, never who they are."""
    text = (name or "").strip()
    return f"{text[0]}**" if text else "会员**"


def suppress(count: int, k: int = DEFAULT_K) -> int | None:
    """A cross-merchant cell under k is not shown (None)."""
    return count if count >= k else None

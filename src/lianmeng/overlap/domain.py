"""Pure rules of customer overlap: suppression below k, shares, totals that reveal no suppressed cell, and which
pairs of merchants are "untapped" (many shared customers, little referral traffic).

Suppression (the AWS Clean Rooms minimum aggregation threshold): any count of customers shared by two merchants
that is below `K_MIN` — zero included — is shown as "< 10", never as its value, in every view, export and total.
Zero is suppressed like 1–9, so a viewer cannot tell "none" from "a few".

Totals never let anyone subtract their way to a suppressed cell: a total is the sum of the *shown* cells only
(`visible_total`), so it is a function of figures already on the page and adds nothing. A distinct-member total
("how many of my customers shop anywhere else in the alliance") is deliberately not shown beside the cells: with
one suppressed partner, distinct total − shown cells bounds that partner's cell from below (59 − 50 ≥ 9 reveals
a 9), and with two shown partners it reveals how many customers shop at both (a three-way intersection that may
be 1). Suppressed partners are never listed in order of their hidden counts either (an order is information).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

K_MIN = 10  # cells shared across merchants below this are shown as "< 10"
SUPPRESSED_TEXT = f"< {K_MIN}"

TOP_PARTNERS = 20  # a merchant's page lists its 20 largest overlaps
REFRESH_MINUTES = 10  # the jobs rebuild an alliance's aggregates when its memberships changed and this much passed

UNTAPPED_MIN_SHARE_BP = 2000
"""A pair is "high overlap" when the customers it shares are at least 20 % of the smaller merchant's customers:
a fifth of that merchant's customers already buy from the other, so a joint offer reaches people who know both."""
UNTAPPED_MAX_FLOW_PER_100 = 5
"""…and "little flow" when the period's referral arrivals between the two (both directions) are fewer than 5 per
100 shared customers."""
UNTAPPED_WHY = (
    "{a} 与 {b} 共有 {shared} 位顾客(占较小一方顾客的 {share}%),但 {date_from} 至 {date_to} 双方互相引流只到店 "
    "{arrivals} 人次:这些顾客已经认识两家品牌,联合权益或互推最容易转化,值得优先策划。",
    "{a} and {b} share {shared} customers ({share}% of the smaller one's), yet only {arrivals} referred visits "
    "went between them from {date_from} to {date_to}: these customers already know both brands, so a joint offer "
    "or cross-referral converts most easily — plan one first.",
)
NOT_COUNTED = ("尚未统计", "Not counted yet")
MATRIX_MERCHANTS = 15  # the operator's heat maps show the alliance's 15 largest merchants (the API returns all)


@dataclass(frozen=True)
class OverlapFigure:
    """How many of `base` customers (the viewer's) are also the other side's. `shared` is None when suppressed
    (below k)."""

    shared: int | None
    base: int
    source: str  # "measured" (memberships in the alliance) | "upload" (a prospect's hashed list)

    @property
    def share_pct(self) -> float | None:
        if self.shared is None or self.base == 0:
            return None
        return 100.0 * self.shared / self.base


def suppress(count: int, k: int = K_MIN) -> int | None:
    return count if count >= k else None


def shown_text(count: int | None) -> str:
    """A count as people see it: "1,234", or "< 10" when suppressed (None, or any value below k)."""
    return SUPPRESSED_TEXT if count is None or count < K_MIN else f"{count:,}"


def share_bp(shared: int | None, base: int) -> int | None:
    """Shared customers as basis points of the viewer's own customers, rounded half up; None when the count is
    suppressed (a share of a hidden count would reveal it) or there are no customers."""
    if shared is None or shared < K_MIN or base <= 0:
        return None
    return (shared * 10_000 * 2 + base) // (2 * base)


def visible_total(counts: Iterable[int | None]) -> int:
    """The total of a row or column: the sum of the cells that are shown, nothing else."""
    return sum(c for c in counts if c is not None and c >= K_MIN)


# --- untapped pairs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairFigures:
    """One unordered pair of merchants: shared customers (exact, the rule sees them; only shown ones qualify), each
    side's customers, and the referral arrivals between them in the period (both directions)."""

    merchant_a: int
    merchant_b: int
    shared: int
    base_a: int
    base_b: int
    arrivals: int

    @property
    def share_of_smaller_bp(self) -> int | None:
        return share_bp(self.shared, min(self.base_a, self.base_b))

    @property
    def arrivals_per_100_shared(self) -> float:
        return 100.0 * self.arrivals / self.shared if self.shared else 0.0


def is_untapped(pair: PairFigures) -> bool:
    """Many shared customers (shown: ≥ k, and ≥ 20 % of the smaller side) and few referrals (< 5 per 100)."""
    share = pair.share_of_smaller_bp
    return (pair.shared >= K_MIN and share is not None and share >= UNTAPPED_MIN_SHARE_BP
            and pair.arrivals * 100 < UNTAPPED_MAX_FLOW_PER_100 * pair.shared)


def untapped_pairs(pairs: Iterable[PairFigures], limit: int = 10) -> list[PairFigures]:
    """The untapped pairs, most shared customers first (ties: the fewer arrivals, then the merchant ids)."""
    chosen = [p for p in pairs if is_untapped(p)]
    chosen.sort(key=lambda p: (-p.shared, p.arrivals, p.merchant_a, p.merchant_b))
    return chosen[:limit]

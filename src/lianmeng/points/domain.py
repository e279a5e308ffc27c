"""Shared alliance points as pure functions: earning, valuing, spending, refunding, expiring, settling.

Points are integers and money is integer fen; no float appears anywhere. Every rounding is explicit:

* earning floors (whole yuan, then the tier multiplier), then caps;
* valuing points in fen floors (`points_value_fen`), paying fen with points ceils (`points_for_fen`);
* refunds round against the member: restored spent points floor, reversed earned points ceil, both on
  cumulative totals, so an order's whole rounding error is under one point and a full refund is exact.

Points are held as grants (lots): one issuer, one expiry, a remaining balance. A spend is a list of
draws, each linked to the grant it came from, oldest-expiring first. A refund puts points back onto the
very grants they came from, so they keep their original expiry; buy-then-refund cannot farm points.

Coalition economics: the issuing merchant owes the operator the points' value when they are issued; the
redeeming merchant is owed the value of the points it accepts. Both legs are figures in fen for
settlement to net later. Expired points are the operator's breakage (the issuer paid for them, nobody
redeems them).

All datetimes must be timezone-aware (stored as UTC).
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from types import MappingProxyType

from lianmeng.kit.clock import require_aware
from lianmeng.kit.vocab import LabelledEnum, pairs

DEFAULT_POINTS_PER_YUAN_VALUE = 100  # 100 points = ¥1, so one point is worth one fen
DEFAULT_EXPIRY_MONTHS = 12
FEN_PER_YUAN = 100
BASE_MULTIPLIER_PCT = 100


class PointsEntryKind(LabelledEnum):
    """The kinds of line in a member's points history (one line per grant touched)."""

    EARN = "earn", "消费得积分", "Earned"
    SPEND = "spend", "积分抵扣", "Spent"
    EXPIRE = "expire", "积分过期", "Expired"
    REFUND_RESTORE = "refund_restore", "退款退回积分", "Restored on refund"  # spent points put back onto their grants
    REFUND_REVERSE = "refund_reverse", "退款扣回积分", "Taken back on refund"  # earned points taken back
    DEBT = "debt", "积分欠额", "Points owed"  # earned points taken back that the member had already spent elsewhere
    ADJUST = "adjust", "积分调整", "Adjustment"


ENTRY_LABELS: dict[PointsEntryKind, tuple[str, str]] = pairs(PointsEntryKind)


def entry_kind(cause: str, amount: int) -> PointsEntryKind:
    """The kind of a line of the member's points account, from its posting's cause and the entry's sign."""
    if cause == "order":
        return PointsEntryKind.EARN if amount > 0 else PointsEntryKind.SPEND
    if cause == "refund":
        return PointsEntryKind.REFUND_RESTORE if amount > 0 else PointsEntryKind.REFUND_REVERSE
    if cause == "expiry":
        return PointsEntryKind.EXPIRE
    return PointsEntryKind.ADJUST


# --- earning -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EarningRule:
    """One merchant's earning rule.

    `tier_multipliers_pct` maps a member tier to a percentage (150 = 1.5×); tiers not listed earn 100%.
    `min_order_fen` is compared with the eligible spend, `max_points_per_order` caps the result after the
    multiplier. A merchant that does not issue points sets `points_per_yuan=0`.
    """

    points_per_yuan: int = 1
    min_order_fen: int = 0
    max_points_per_order: int | None = None
    tier_multipliers_pct: Mapping[str, int] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.points_per_yuan < 0:
            raise ValueError("points_per_yuan must not be negative")
        if self.min_order_fen < 0:
            raise ValueError("min_order_fen must not be negative")
        if self.max_points_per_order is not None and self.max_points_per_order < 0:
            raise ValueError("max_points_per_order must not be negative")
        for tier, pct in self.tier_multipliers_pct.items():
            if pct < 0:
                raise ValueError(f"tier multiplier for {tier!r} must not be negative")
        # A private read-only copy: the caller's dict can change without changing a frozen rule.
        object.__setattr__(self, "tier_multipliers_pct", MappingProxyType(dict(self.tier_multipliers_pct)))

    def multiplier_pct(self, tier: str | None) -> int:
        if tier is None:
            return BASE_MULTIPLIER_PCT
        return self.tier_multipliers_pct.get(tier, BASE_MULTIPLIER_PCT)


def points_earned(rule: EarningRule, eligible_fen: int, tier: str | None) -> int:
    """Points an order earns.

    `eligible_fen` is what the member paid by cash, card or stored value, NOT the part paid with points:
    you do not earn points on points (otherwise every redemption would mint new points out of old ones).

    floor(eligible / ¥1) × points_per_yuan, then × tier pct // 100 (floor), then the cap.
    ¥19.50 at 1 point/¥1 → 19; at gold 150% → 19 × 150 // 100 = 28.
    """
    if eligible_fen <= 0 or eligible_fen < rule.min_order_fen:
        return 0
    base = eligible_fen // FEN_PER_YUAN * rule.points_per_yuan
    points = base * rule.multiplier_pct(tier) // BASE_MULTIPLIER_PCT
    if rule.max_points_per_order is not None:
        points = min(points, rule.max_points_per_order)
    return points


# --- value -------------------------------------------------------------------------------------------


def _check_rate(points_per_yuan_value: int) -> None:
    if points_per_yuan_value <= 0:
        raise ValueError("points_per_yuan_value must be positive")


def points_value_fen(points: int, points_per_yuan_value: int = DEFAULT_POINTS_PER_YUAN_VALUE) -> int:
    """The fen value of `points`: floor(points × 100 / points_per_yuan_value).

    At the default (100 points = ¥1) a point is exactly one fen: 250 points → 250 fen. At any rate that
    divides 100 every value is exact too. Otherwise the fraction of a fen is dropped; to value a series
    of partial events exactly, value the running total (value(after) − value(before)).
    """
    _check_rate(points_per_yuan_value)
    if points < 0:
        raise ValueError("points must not be negative")
    return points * FEN_PER_YUAN // points_per_yuan_value


def points_for_fen(fen: int, points_per_yuan_value: int = DEFAULT_POINTS_PER_YUAN_VALUE) -> int:
    """The fewest points whose value covers `fen`: ceil(fen × points_per_yuan_value / 100).

    Ceiling, so `points_value_fen(points_for_fen(f)) >= f` always: points never pay for more than they
    are worth. At the default rate it is exactly `fen`.
    """
    _check_rate(points_per_yuan_value)
    if fen < 0:
        raise ValueError("fen must not be negative")
    return -(-fen * points_per_yuan_value // FEN_PER_YUAN)


# --- grants and spending -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """A lot of points with one issuer and one expiry: what an earn (or an adjustment) creates."""

    grant_id: int
    issuer_merchant_id: int
    remaining: int
    expires_at: datetime
    granted_at: datetime

    def __post_init__(self) -> None:
        if self.remaining < 0:
            raise ValueError("a grant's remaining points must not be negative")
        require_aware(self.expires_at, "expires_at")
        require_aware(self.granted_at, "granted_at")

    def is_live(self, at: datetime) -> bool:
        """Spendable at `at`: not yet expired (an expiry equal to `at` has passed) and not empty."""
        return self.expires_at > at and self.remaining > 0


@dataclass(frozen=True)
class Draw:
    """Points taken from (or put back onto) one grant; carries the grant's issuer and original expiry."""

    grant_id: int
    issuer_merchant_id: int
    points: int
    expires_at: datetime

    def __post_init__(self) -> None:
        if self.points <= 0:
            raise ValueError("a draw takes a positive number of points")
        require_aware(self.expires_at, "expires_at")


class InsufficientPoints(Exception):
    def __init__(self, available: int, requested: int) -> None:
        super().__init__(f"insufficient points: {available} available, {requested} requested")
        self.available = available
        self.requested = requested


def _spend_order(grant: Grant) -> tuple[datetime, datetime, int]:
    return (grant.expires_at, grant.granted_at, grant.grant_id)


def _live_in_spend_order(grants: Sequence[Grant], at: datetime) -> list[Grant]:
    require_aware(at, "at")
    ids = Counter(g.grant_id for g in grants)
    if any(n > 1 for n in ids.values()):
        raise ValueError("grant ids must be unique")
    return sorted((g for g in grants if g.is_live(at)), key=_spend_order)


def _take(ordered: Sequence[Grant], points: int) -> tuple[list[Draw], int]:
    """Greedy draws over `ordered` up to `points`; returns the draws and what was left unmet."""
    draws: list[Draw] = []
    left = points
    for grant in ordered:
        if left == 0:
            break
        take = min(grant.remaining, left)  # > 0: callers pass live grants only
        draws.append(Draw(grant.grant_id, grant.issuer_merchant_id, take, grant.expires_at))
        left -= take
    return draws, left


def available_points(grants: Sequence[Grant], at: datetime) -> int:
    """The member's spendable balance at `at`."""
    return sum(g.remaining for g in _live_in_spend_order(grants, at))


def allocate_spend(grants: Sequence[Grant], points: int, at: datetime) -> list[Draw]:
    """Draws that pay `points` at `at`, oldest-expiring first.

    Only live grants are drawn (expires_at > at, remaining > 0). Order: expires_at, then granted_at,
    then grant_id. Only the last draw may leave points in its grant. The draws are returned in spending
    order; persist that order, `restore_on_refund` undoes it last-in first-out.
    Raises InsufficientPoints when the live balance is short, ValueError when `points` <= 0.
    """
    if points <= 0:
        raise ValueError("points to spend must be positive")
    ordered = _live_in_spend_order(grants, at)
    draws, short = _take(ordered, points)
    if short:
        raise InsufficientPoints(points - short, points)
    return draws


# --- refunds -----------------------------------------------------------------------------------------


def _check_refund(order_amount_fen: int, refunded_cumulative_fen: int) -> None:
    if order_amount_fen <= 0:
        raise ValueError("order_amount_fen must be positive")
    if not 0 <= refunded_cumulative_fen <= order_amount_fen:
        raise ValueError("refunded_cumulative_fen must be between 0 and the order amount")


def restored_total(spent_points: int, order_amount_fen: int, refunded_cumulative_fen: int) -> int:
    """Spent points restored once `refunded_cumulative_fen` of the order has been refunded, in total.

    floor(spent × refunded / amount): against the member, exact (= spent) when the whole order is refunded.
    """
    _check_refund(order_amount_fen, refunded_cumulative_fen)
    return spent_points * refunded_cumulative_fen // order_amount_fen


def restore_on_refund(
    draws: Sequence[Draw],
    order_amount_fen: int,
    refunded_cumulative_fen: int,
    already_restored: Mapping[int, int],
) -> list[Draw]:
    """The points a refund puts back, as draws onto the grants the order spent from.

    `draws` are the order's spend in spending order (as `allocate_spend` returned them);
    `order_amount_fen` is the gross order amount (including the part paid with points);
    `refunded_cumulative_fen` is everything refunded on the order so far, THIS refund included;
    `already_restored` is grant_id → points earlier refunds of this order restored to that grant.

    Cumulative: this call brings the total restored to `restored_total(...)`, so any sequence of partial
    refunds summing to the order amount restores exactly all spent points, each to its own grant.

    Which grants: last in, first out — the newest-expiring draws come back first. Whatever stays spent is
    then exactly what `allocate_spend` would have drawn for the smaller spend, so a partial refund leaves
    the member as if they had spent less in the first place; the points handed back are the longest-lived.

    Each returned draw keeps the grant's ORIGINAL expiry, even if it has already passed. The service
    still restores to such a grant (the books stay exact: spend, restore, then the next expiry job
    expires it with an EXPIRE line); it must not re-date the points.
    Raises ValueError on duplicated grants, draws out of spending order, or an `already_restored` that no
    earlier, smaller refund could have produced (not last-in first-out, more than spent, or more than
    this cumulative refund allows, e.g. because the cumulative refund went down).
    """
    ids = Counter(d.grant_id for d in draws)
    if any(n > 1 for n in ids.values()):
        raise ValueError("an order draws from each grant at most once")
    if any(later.expires_at < earlier.expires_at for earlier, later in pairwise(draws)):
        raise ValueError("draws must be in spending order (oldest-expiring first)")
    if set(already_restored) - set(ids):
        raise ValueError("already_restored names a grant the order did not draw from")
    total = restored_total(sum(d.points for d in draws), order_amount_fen, refunded_cumulative_fen)
    target = _last_in_first_out(draws, total)
    if any(points < 0 for points in already_restored.values()):
        raise ValueError("already_restored must not be negative")
    before = {grant_id: points for grant_id, points in already_restored.items() if points}
    if before != {g: p for g, p in _last_in_first_out(draws, sum(before.values())).items() if p}:
        raise ValueError("already_restored is not what earlier refunds of this order restored")
    out: list[Draw] = []
    for draw in reversed(draws):
        step = target[draw.grant_id] - before.get(draw.grant_id, 0)
        if step < 0:
            raise ValueError(f"grant {draw.grant_id}: more already restored than this refund allows")
        if step > 0:
            out.append(Draw(draw.grant_id, draw.issuer_merchant_id, step, draw.expires_at))
    return out


def _last_in_first_out(draws: Sequence[Draw], points: int) -> dict[int, int]:
    """grant_id → points of `points` handed back newest draw first (0 for the grants not reached)."""
    out: dict[int, int] = {}
    for draw in reversed(draws):
        out[draw.grant_id] = min(draw.points, points)
        points -= out[draw.grant_id]
    return out


def reversed_total(earned_points: int, order_amount_fen: int, refunded_cumulative_fen: int) -> int:
    """Earned points taken back once `refunded_cumulative_fen` has been refunded, in total.

    ceil(earned × refunded / amount): against the member, so what they keep is floor(earned × kept / amount)
    and a partial refund never leaves more points than the kept part of the order earns proportionally.
    """
    _check_refund(order_amount_fen, refunded_cumulative_fen)
    if earned_points < 0:
        raise ValueError("earned_points must not be negative")
    return -(-earned_points * refunded_cumulative_fen // order_amount_fen)


def reverse_earned_on_refund(
    earned_points: int, order_amount_fen: int, refunded_cumulative_fen: int, already_reversed: int
) -> int:
    """The earned points THIS refund takes back (cumulative, like `restore_on_refund`).

    The member may already have spent those points, so the service takes them with `allocate_clawback`:
    from the grant the order created first, then from the member's other live grants oldest-expiring
    first; whatever the balance cannot cover is recorded as a points debt (a DEBT line on the member's
    clawback account, the only place a negative balance is allowed), settled from future earnings.
    """
    target = reversed_total(earned_points, order_amount_fen, refunded_cumulative_fen)
    if not 0 <= already_reversed <= target:
        raise ValueError(f"{already_reversed} already reversed, cumulative target {target}")
    return target - already_reversed


@dataclass(frozen=True)
class Clawback:
    """Points taken back: `draws` from the member's grants, `debt` what the balance could not cover."""

    draws: tuple[Draw, ...]
    debt: int

    @property
    def taken(self) -> int:
        return sum(d.points for d in self.draws)


def allocate_clawback(
    grants: Sequence[Grant], points: int, at: datetime, earned_grant_id: int | None = None
) -> Clawback:
    """Where `points` being taken back come from: the order's own grant first, then the member's other live
    grants oldest-expiring first, then debt. Expired grants are never used (they are lost anyway).

    Settlement: credit the issuer with the value of what is actually taken; a debt is credited as it is
    repaid. The points taken from other issuers' grants simply vanish, like breakage.
    """
    if points < 0:
        raise ValueError("points to take back must not be negative")
    ordered = _live_in_spend_order(grants, at)
    ordered.sort(key=lambda g: g.grant_id != earned_grant_id)  # stable: the order's own grant first
    draws, debt = _take(ordered, points)
    return Clawback(tuple(draws), debt)


# --- expiry ------------------------------------------------------------------------------------------


def expired_points(grants: Sequence[Grant], at: datetime) -> list[tuple[int, int]]:
    """(grant_id, points to expire) for every grant with expires_at <= at and points left, by expiry."""
    require_aware(at, "at")
    due = sorted((g for g in grants if g.expires_at <= at and g.remaining > 0), key=_spend_order)
    return [(g.grant_id, g.remaining) for g in due]


def expiry_for(granted_at: datetime, months: int = DEFAULT_EXPIRY_MONTHS) -> datetime:
    """`granted_at` plus whole calendar months, same wall-clock time and zone; the day is clamped to the
    month's end (Jan 31 + 1 month → Feb 28, or Feb 29 in a leap year).

    The calendar is that of `granted_at`'s zone: pass a Shanghai time (kit.clock.shanghai) if members
    should see "expires on the same date next year" in local dates, then store the result as UTC.
    """
    require_aware(granted_at, "granted_at")
    if months < 1:
        raise ValueError("months must be at least 1")
    year, month0 = divmod(granted_at.year * 12 + granted_at.month - 1 + months, 12)
    month = month0 + 1
    day = min(granted_at.day, calendar.monthrange(year, month)[1])
    return granted_at.replace(year=year, month=month, day=day)


# --- coalition economics -----------------------------------------------------------------------------


def issue_value(points: int, points_per_yuan_value: int = DEFAULT_POINTS_PER_YUAN_VALUE) -> int:
    """Fen the issuing merchant owes the operator for issuing `points` (one grant)."""
    return points_value_fen(points, points_per_yuan_value)


def redemption_value(
    draws: Sequence[Draw], points_per_yuan_value: int = DEFAULT_POINTS_PER_YUAN_VALUE
) -> dict[int, int]:
    """issuer merchant id → fen value of the points drawn from its grants.

    Valued per draw (floor), then summed per issuer: what is paid out for any slice of a grant can then
    never exceed what its issuer paid in for the whole grant. The total owed to the redeemer is the sum
    of these values, so the per-issuer view and the total agree to the fen.
    """
    out: dict[int, int] = {}
    for draw in draws:
        value = points_value_fen(draw.points, points_per_yuan_value)
        out[draw.issuer_merchant_id] = out.get(draw.issuer_merchant_id, 0) + value
    return out


@dataclass(frozen=True)
class CoalitionLegs:
    """What one order moves between a merchant and the operator for points, in fen, for later netting.

    For a sale both legs are positive claims; for a refund (reversed earned points, restored draws) the
    service records the same figures in the opposite direction.
    """

    issuer_owes_operator_fen: int
    operator_owes_redeemer_fen: int

    def __post_init__(self) -> None:
        if self.issuer_owes_operator_fen < 0 or self.operator_owes_redeemer_fen < 0:
            raise ValueError("coalition legs are amounts, not signed")

    @property
    def net_fen(self) -> int:
        """Positive: the merchant owes the operator; negative: the operator owes the merchant."""
        return self.issuer_owes_operator_fen - self.operator_owes_redeemer_fen


def order_legs(
    earned_points: int, draws: Sequence[Draw], points_per_yuan_value: int = DEFAULT_POINTS_PER_YUAN_VALUE
) -> CoalitionLegs:
    """The legs of one order at a merchant that issued `earned_points` and accepted `draws`."""
    return CoalitionLegs(
        issuer_owes_operator_fen=issue_value(earned_points, points_per_yuan_value),
        operator_owes_redeemer_fen=sum(redemption_value(draws, points_per_yuan_value).values()),
    )

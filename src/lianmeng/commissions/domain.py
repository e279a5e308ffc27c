"""Commission rules as pure functions: what one order owes its referrers under an agreement's terms.

Money is integer fen and rates are integer basis points (1% = 100 bp); no float appears anywhere. Every
rounding is round-half-up on the fen, done in integer arithmetic (`round_half_up_div`).

A term (`agreements.schemas.CommissionTerm`, or the same thing as the dict stored on an agreement) is
applied to one order of a referred member at the paying merchant:

Which orders qualify (all conditions must hold, per term)
  * there is a referral, and it was made by another merchant than the payer (`payer_merchant_id` guard);
  * the order is not before the referral;
  * `within_days`: the order is at most N × 24 h after the referral (exactly N days still qualifies);
  * `min_order_fen`: the order's full amount is at least the minimum;
  * `first_order_only`: only the member's first order at the payer since the referral qualifies;
  * kind `per_head` always behaves as first-order-only, whatever `first_order_only` says: a head is paid
    once, on its conversion. The conversion is the first order itself; if that order misses the minimum
    or the window, the head is not paid later.

How much, before caps
  * `per_head`, `fixed_per_order`: `amount_fen`;
  * `percent_of_order`: order amount × `rate_bp` / 10 000, rounded half up (so never above the order,
    as `rate_bp` ≤ 10 000).

Who is paid (the "main amount" is the figure above)
  * payee `merchant`: the referring merchant gets the main amount; `staff_amount_fen` is ignored;
  * payee `staff`: the referring staff member gets the main amount; `staff_amount_fen` is ignored;
  * payee `both`: the merchant gets the main amount AND the staff member gets `staff_amount_fen` (nothing
    if it is unset). For every kind `staff_amount_fen` is a flat figure per qualifying order, also for
    `percent_of_order` (a flat incentive on top of the merchant's percentage, e.g. ¥50 per conversion).
  * a staff share is only ever paid to the staff member named on the referral. If the referral has no
    staff member the staff share is simply not paid: it is NOT redirected to the merchant (the payer
    promised that money to a person who does not exist; handing it to the merchant would pay the merchant
    more than the agreement gives it). The merchant's share is then exactly what it would have been.

Caps (applied to the term's referrer total, merchant + staff, after an unpaid staff share is dropped)
  * `cap_per_order_fen`: at most this much for the term on one order;
  * `cap_per_member_month_fen`: the referrer commission already paid for this member under this agreement
    in the calendar month (`OrderFacts.member_month_paid_fen`, supplied by the caller, month in
    Asia/Shanghai) plus what earlier terms of the same call paid, plus this term, stays ≤ the cap. Only the
    remaining room is paid, never a negative amount. The month total is per member and agreement (all its
    terms) because that is the figure the caller keeps; terms are applied in list order.
  * when a cap cuts a term that pays both merchant and staff, the capped total is split between them in
    proportion to their uncapped shares (`split_proportionally`; a tie goes to the merchant).

Operator commission (盟主佣金)
  * `operator_rate_bp` × the term's capped referrer total, rounded half up, as a separate payout to the
    operator. The payer merchant pays it IN ADDITION to the referrer commission: it never reduces what the
    referrers get, and it does not count towards the caps (caps limit what referrers earn). It is computed
    per term, so each operator payout names the term that produced it.

Single level (单级分销)
  * only the direct referrer on the `Referral` is ever paid. There is deliberately no way to pass an
    upstream referrer (who referred the referrer, or who referred the member earlier elsewhere): nobody
    is paid for their referee's referrals.

Refunds
  * `reverse_for_refund` works on cumulative totals, so refunding a whole order in any number of parts
    reverses exactly the whole commission, and each step reverses ≥ 0.

Hub share (枢纽佣金, seed 000 mode 5 "Tesla Life": the hub earns 6% of what its members spend at partners)
  * a `hub_share` term sits on an alliance-wide agreement and names the hub: a merchant (`hub_merchant_id`) or
    the alliance operator;
  * whom it covers: the members the hub brought (归属: the member's origin merchant is the hub; for the operator,
    members with no origin merchant, i.e. enrolled by the operator itself);
  * which orders: their orders at any other merchant of the alliance (a partner). The hub's own sales never pay
    it. `min_order_fen` and `within_days` (counted from the member's enrolment) narrow it down;
  * who pays whom: the merchant where the order is placed pays the hub;
  * base and rounding: the order's full amount (its GMV, whatever mix of cash, stored value and points paid it)
    × `rate_bp` / 10 000, rounded half up to the fen per order, then `cap_per_order_fen`. One payee, so nothing
    is split. `operator_rate_bp` (merchant hubs only) adds the operator's share of the hub's amount, paid by the
    same payer on top, as for referral terms;
  * it does not depend on who referred the order: a referral term of a two-merchant agreement may pay the
    referrer of the same order as well. Every active agreement pays its own terms.

What the engine pays, and what it refuses (`unpayable`, checked when an agreement is created or its terms change)
  * referral kinds only on two-merchant agreements (an alliance-wide agreement has no sides to pay or be paid),
    `hub_share` only on alliance-wide ones;
  * a field the kind does not use is refused rather than silently ignored: `rate_bp` on a fixed amount,
    `amount_fen` on a percentage, `staff_amount_fen` unless payee is `both` (which needs it, ≥ ¥0.01), hub fields
    on a referral term; on `hub_share`: `amount_fen`, `staff_amount_fen`, payee other than the (paid) hub, payer
    `a`, `first_order_only`, `cap_per_member_month_fen`, and `operator_rate_bp` when the operator is the hub.

All datetimes must be timezone-aware.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, TypeAlias

from lianmeng.agreements.schemas import CommissionKind, CommissionTerm
from lianmeng.kit.clock import require_aware
from lianmeng.kit.vocab import LabelledEnum, pairs

BP_PER_WHOLE = 10_000  # basis points in 100%

CommissionTermLike: TypeAlias = CommissionTerm | Mapping[str, Any]


class PayeeKind(LabelledEnum):
    MERCHANT = "merchant", "商家返利", "Merchant rebate"
    STAFF = "staff", "导购提成", "Staff incentive"
    OPERATOR = "operator", "盟主佣金", "Operator commission"


PAYEE_LABELS: dict[PayeeKind, tuple[str, str]] = pairs(PayeeKind)

class RebateStatus(LabelledEnum):
    """A rebate is frozen through the order's return window, then available to withdraw."""

    FROZEN = "frozen", "冻结中", "Frozen"
    AVAILABLE = "available", "已解冻", "Released"


REBATE_STATUS_LABELS: dict[RebateStatus, tuple[str, str]] = pairs(RebateStatus)

KIND_LABELS: dict[CommissionKind, tuple[str, str]] = pairs(CommissionKind)

# the kinds that pay an order's referrer under a two-merchant agreement
REFERRAL_KINDS = frozenset({CommissionKind.PER_HEAD, CommissionKind.FIXED_PER_ORDER, CommissionKind.PERCENT_OF_ORDER})


# --- arithmetic ------------------------------------------------------------------------------------------


def _check_fen(value: int, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be integer fen")
    if value < 0:
        raise ValueError(f"{name} must not be negative")


def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, in integers: 1/2 → 1, 3/2 → 2, 49/100 → 0.

    Only for numerator ≥ 0 and denominator > 0 (for negative figures "half up" is ambiguous, and no
    commission figure is negative). floor((2n + d) / 2d) = floor(n/d + 1/2).
    """
    if numerator < 0:
        raise ValueError("numerator must not be negative")
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    return (2 * numerator + denominator) // (2 * denominator)


def bp_of(amount_fen: int, rate_bp: int) -> int:
    """`rate_bp` basis points of `amount_fen`, rounded half up to the fen: bp_of(1999, 500) == 100."""
    _check_fen(amount_fen, "amount_fen")
    if rate_bp < 0:
        raise ValueError("rate_bp must not be negative")
    return round_half_up_div(amount_fen * rate_bp, BP_PER_WHOLE)


def format_bp(rate_bp: int) -> str:
    """500 → '5.00%', 1 → '0.01%', 12345 → '123.45%' (integer formatting, no float)."""
    sign = "-" if rate_bp < 0 else ""
    whole, frac = divmod(abs(rate_bp), 100)
    return f"{sign}{whole}.{frac:02d}%"


def split_proportionally(total_fen: int, weights: Sequence[int]) -> list[int]:
    """Split `total_fen` into parts proportional to `weights` (largest-remainder method).

    Every part is the floor of its exact share; the fen left over go one each to the parts with the
    largest fractional remainders, ties to the lower index. So the parts always sum to `total_fen`, each
    is within one fen of its exact share, a zero weight gets nothing, and the result is deterministic.
    All weights zero is only allowed for a zero total (every part is then 0).
    """
    _check_fen(total_fen, "total_fen")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        if total_fen != 0:
            raise ValueError("cannot split a non-zero total over zero weights")
        return [0] * len(weights)
    parts: list[int] = []
    remainders: list[int] = []
    for w in weights:
        part, remainder = divmod(total_fen * w, weight_sum)
        parts.append(part)
        remainders.append(remainder)
    left = total_fen - sum(parts)
    # Largest remainder first, then lowest index: sort key (-remainder, index).
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        parts[index] += 1
    return parts


# --- facts -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Referral:
    """Who brought the member to the paying merchant: the direct referrer only (single level)."""

    referrer_merchant_id: int
    referrer_staff_id: int | None
    referred_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.referred_at, "referred_at")


@dataclass(frozen=True)
class OrderFacts:
    """One order of the referred member at the paying merchant, as the caller knows it.

    `order_amount_fen` is the order's full amount (what the customer spent, before it is split into points,
    stored value and cash). `is_first_order`: the member's first order at the payer since the referral.
    `member_month_paid_fen`: referrer commission (merchant + staff, not operator) already paid for this
    member under this agreement in the order's calendar month (Asia/Shanghai), net of reversals.
    """

    order_amount_fen: int
    ordered_at: datetime
    is_first_order: bool
    member_month_paid_fen: int = 0

    def __post_init__(self) -> None:
        _check_fen(self.order_amount_fen, "order_amount_fen")
        _check_fen(self.member_month_paid_fen, "member_month_paid_fen")
        require_aware(self.ordered_at, "ordered_at")


@dataclass(frozen=True)
class Payout:
    """Money one order owes one payee under one term. `payee_id` is a merchant or staff id, None for the
    operator. Always a positive amount: zero payouts are not produced."""

    payee: PayeeKind
    payee_id: int | None
    amount_fen: int
    term_index: int
    reason: str

    def __post_init__(self) -> None:
        _check_fen(self.amount_fen, "amount_fen")
        if self.amount_fen == 0:
            raise ValueError("a payout must be positive")


# --- the rules -------------------------------------------------------------------------------------------


def normalise_term(term: CommissionTermLike) -> CommissionTerm:
    """A CommissionTerm as is; a dict (the JSON stored on an agreement) validated into one."""
    if isinstance(term, CommissionTerm):
        return term
    return CommissionTerm.model_validate(dict(term))


def order_qualifies(term: CommissionTerm, referral: Referral, order: OrderFacts) -> bool:
    """Whether `order` earns anything under `term` at all (before amounts and caps); see the module doc."""
    if order.ordered_at < referral.referred_at:
        return False
    if term.within_days is not None and order.ordered_at > referral.referred_at + timedelta(days=term.within_days):
        return False
    if order.order_amount_fen < term.min_order_fen:
        return False
    first_only = term.first_order_only or term.kind is CommissionKind.PER_HEAD
    return not (first_only and not order.is_first_order)


def main_amount_fen(term: CommissionTerm, order_amount_fen: int) -> int:
    """The term's amount for one qualifying order, before caps: amount_fen, or the rounded percentage."""
    if term.kind is CommissionKind.PERCENT_OF_ORDER:
        if term.rate_bp is None:
            raise ValueError("percent_of_order needs rate_bp")
        return bp_of(order_amount_fen, term.rate_bp)
    if term.amount_fen is None:
        raise ValueError(f"{term.kind.value} needs amount_fen")
    return term.amount_fen


def _reason(term: CommissionTerm) -> str:
    if term.kind is CommissionKind.PERCENT_OF_ORDER and term.rate_bp is not None:
        return f"{term.kind.value} {format_bp(term.rate_bp)}"
    return term.kind.value


def commission_for_order(
    terms: Sequence[CommissionTermLike],
    referral: Referral | None,
    order: OrderFacts,
    *,
    payer_merchant_id: int | None = None,
    payer_side: Literal["a", "b"] | None = None,
) -> list[Payout]:
    """The payouts one order owes under an agreement's commission terms (rules in the module docstring).

    `payer_merchant_id`: if given and equal to the referrer, nothing is owed (a merchant does not pay
    itself for its own customers). `payer_side`: if given, only the terms whose `payer` is that side of
    the agreement apply; the caller passes the side of the merchant where the order was placed. Payouts
    come in term order, each term's as merchant, staff, operator; `term_index` indexes `terms`.
    """
    if referral is None:
        return []
    if payer_merchant_id is not None and referral.referrer_merchant_id == payer_merchant_id:
        return []
    payouts: list[Payout] = []
    month_paid = order.member_month_paid_fen
    for index, raw in enumerate(terms):
        term = normalise_term(raw)
        if term.kind not in REFERRAL_KINDS:
            continue
        if payer_side is not None and term.payer != payer_side:
            continue
        if not order_qualifies(term, referral, order):
            continue
        main = main_amount_fen(term, order.order_amount_fen)
        merchant_fen = main if term.payee in ("merchant", "both") else 0
        if referral.referrer_staff_id is None:
            staff_fen = 0  # nobody to pay; deliberately not redirected to the merchant
        elif term.payee == "staff":
            staff_fen = main
        elif term.payee == "both":
            staff_fen = term.staff_amount_fen or 0
        else:
            staff_fen = 0
        total = merchant_fen + staff_fen
        limit = total
        if term.cap_per_order_fen is not None:
            limit = min(limit, term.cap_per_order_fen)
        if term.cap_per_member_month_fen is not None:
            limit = min(limit, max(0, term.cap_per_member_month_fen - month_paid))
        reason = _reason(term)
        if limit < total:
            merchant_fen, staff_fen = split_proportionally(limit, [merchant_fen, staff_fen])
            reason += " (capped)"
        if merchant_fen > 0:
            payouts.append(Payout(PayeeKind.MERCHANT, referral.referrer_merchant_id, merchant_fen, index, reason))
        if staff_fen > 0:
            payouts.append(Payout(PayeeKind.STAFF, referral.referrer_staff_id, staff_fen, index, reason))
        paid = merchant_fen + staff_fen
        month_paid += paid
        operator_fen = bp_of(paid, term.operator_rate_bp)
        if operator_fen > 0:
            payouts.append(
                Payout(
                    PayeeKind.OPERATOR,
                    None,
                    operator_fen,
                    index,
                    f"operator {format_bp(term.operator_rate_bp)} of {_reason(term)} commission",
                )
            )
    return payouts


# --- hub share -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HubOrder:
    """One order as a hub term sees it: where it was placed (the payer), who brought the member (归属: the origin
    merchant, None when the operator enrolled the member), when the member was enrolled, and the order's full
    amount (its GMV)."""

    payer_merchant_id: int
    origin_merchant_id: int | None
    enrolled_at: datetime
    order_amount_fen: int
    ordered_at: datetime

    def __post_init__(self) -> None:
        _check_fen(self.order_amount_fen, "order_amount_fen")
        require_aware(self.enrolled_at, "enrolled_at")
        require_aware(self.ordered_at, "ordered_at")


def hub_of(term: CommissionTerm) -> tuple[PayeeKind, int | None]:
    """Who a hub term pays: (MERCHANT, its id) or (OPERATOR, None)."""
    if term.hub == "operator":
        return PayeeKind.OPERATOR, None
    return PayeeKind.MERCHANT, term.hub_merchant_id


def brought_by_hub(term: CommissionTerm, origin_merchant_id: int | None) -> bool:
    """Whether a member with this origin is one the term's hub brought (the operator: members of no merchant)."""
    payee, hub_id = hub_of(term)
    return origin_merchant_id is None if payee is PayeeKind.OPERATOR else origin_merchant_id == hub_id


def hub_commission(terms: Sequence[CommissionTermLike], order: HubOrder) -> list[Payout]:
    """The payouts one order owes under an alliance-wide agreement's `hub_share` terms (rules in the module doc):
    the payer is always `order.payer_merchant_id`; per term, the hub's amount, then the operator's share of it.
    Other kinds are not hub terms and are skipped."""
    payouts: list[Payout] = []
    for index, raw in enumerate(terms):
        term = normalise_term(raw)
        if term.kind is not CommissionKind.HUB_SHARE or term.rate_bp is None:
            continue
        payee, hub_id = hub_of(term)
        if payee is PayeeKind.MERCHANT and hub_id is None:
            continue  # refused when the terms were written (`unpayable`); never guessed here
        if not brought_by_hub(term, order.origin_merchant_id) or order.payer_merchant_id == hub_id:
            continue
        if order.ordered_at < order.enrolled_at or order.order_amount_fen < term.min_order_fen:
            continue
        if term.within_days is not None and order.ordered_at > order.enrolled_at + timedelta(days=term.within_days):
            continue
        amount = bp_of(order.order_amount_fen, term.rate_bp)
        reason = f"hub_share {format_bp(term.rate_bp)} of GMV"
        if term.cap_per_order_fen is not None and amount > term.cap_per_order_fen:
            amount = term.cap_per_order_fen
            reason += " (capped)"
        if amount == 0:
            continue
        payouts.append(Payout(payee, hub_id, amount, index, reason))
        operator_fen = bp_of(amount, term.operator_rate_bp) if payee is PayeeKind.MERCHANT else 0
        if operator_fen > 0:
            payouts.append(Payout(PayeeKind.OPERATOR, None, operator_fen, index,
                                  f"operator {format_bp(term.operator_rate_bp)} of {reason}"))
    return payouts


# --- what the engine pays --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermProblem:
    """Why the engine would not pay a term as written: `code` is the message key (kit.i18n), `field` the term's
    field at fault, `index` the term's place in the agreement's list."""

    index: int
    code: str
    field: str


def _ignored_fields(term: CommissionTerm) -> list[str]:
    """Fields set on the term that its kind would not use."""
    fields: list[str] = []
    if term.kind is CommissionKind.HUB_SHARE:
        fields += [name for name in ("amount_fen", "staff_amount_fen", "cap_per_member_month_fen")
                   if getattr(term, name) is not None]
        fields += ["payee"] if term.payee != "merchant" else []
        fields += ["payer"] if term.payer != "b" else []
        fields += ["first_order_only"] if term.first_order_only else []
        if term.hub == "operator":
            fields += ["hub_merchant_id"] if term.hub_merchant_id is not None else []
            fields += ["operator_rate_bp"] if term.operator_rate_bp else []
        return fields
    fields += [name for name in ("hub", "hub_merchant_id") if getattr(term, name) is not None]
    if term.kind is CommissionKind.PERCENT_OF_ORDER:
        fields += ["amount_fen"] if term.amount_fen is not None else []
    elif term.rate_bp is not None:
        fields.append("rate_bp")
    if term.payee != "both" and term.staff_amount_fen is not None:
        fields.append("staff_amount_fen")
    return fields


def unpayable(terms: Sequence[CommissionTermLike], *, alliance_wide: bool) -> list[TermProblem]:
    """Every reason the engine would not pay these terms as written, in term order; [] when it pays them all.

    An agreement is refused (422) with these when it is created or its terms change, so no term is ever accepted
    that the engine would silently not pay (module doc, "What the engine pays")."""
    problems: list[TermProblem] = []
    for index, raw in enumerate(terms):
        term = normalise_term(raw)
        if alliance_wide and term.kind is not CommissionKind.HUB_SHARE:
            problems.append(TermProblem(index, "commission_term_needs_pair", "kind"))
            continue
        if not alliance_wide and term.kind is CommissionKind.HUB_SHARE:
            problems.append(TermProblem(index, "commission_term_hub_alliance_wide", "kind"))
            continue
        if term.kind is CommissionKind.HUB_SHARE and term.hub is None:
            problems.append(TermProblem(index, "commission_term_hub_missing", "hub"))
        elif term.kind is CommissionKind.HUB_SHARE and term.hub == "merchant" and term.hub_merchant_id is None:
            problems.append(TermProblem(index, "commission_term_hub_missing", "hub_merchant_id"))
        if term.kind is not CommissionKind.HUB_SHARE and term.payee == "both" and not term.staff_amount_fen:
            problems.append(TermProblem(index, "commission_term_staff_amount", "staff_amount_fen"))
        problems += [TermProblem(index, "commission_term_ignored", name) for name in _ignored_fields(term)]
    return problems


# --- refunds ---------------------------------------------------------------------------------------------


def reverse_for_refund(
    *, paid_fen: int, order_amount_fen: int, refunded_total_fen: int, already_reversed_fen: int
) -> int:
    """How much more of a paid commission to reverse after a (partial) refund.

    Works on cumulative totals: `refunded_total_fen` is everything refunded on the order so far INCLUDING
    this refund, `already_reversed_fen` what earlier calls reversed. The commission that should stand
    reversed is paid × refunded_total / order, rounded half up; the answer is that minus what is already
    reversed, never below 0 and never more than what is left. Hence refunding the whole order, in any
    number of parts, reverses exactly `paid_fen`; each call reverses ≥ 0; and repeating a call (the same
    cumulative total) reverses nothing more. Apply it to each payout (merchant, staff, operator) alone.

    A zero-amount order can only be refunded whole, so it reverses everything left.
    """
    for value, name in (
        (paid_fen, "paid_fen"),
        (order_amount_fen, "order_amount_fen"),
        (refunded_total_fen, "refunded_total_fen"),
        (already_reversed_fen, "already_reversed_fen"),
    ):
        _check_fen(value, name)
    if refunded_total_fen > order_amount_fen:
        raise ValueError("cannot refund more than the order amount")
    if already_reversed_fen > paid_fen:
        raise ValueError("cannot have reversed more than was paid")
    whole = order_amount_fen == 0
    target = paid_fen if whole else round_half_up_div(paid_fen * refunded_total_fen, order_amount_fen)
    return min(max(0, target - already_reversed_fen), paid_fen - already_reversed_fen)

"""The hub share (枢纽佣金, seed 000 mode 5 "Tesla Life") as pure rules, and the audit that refuses every term the
engine would not pay as written (issue 11, item 12)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianmeng.agreements.schemas import CommissionKind, CommissionTerm
from lianmeng.commissions.domain import (
    REFERRAL_KINDS,
    HubOrder,
    OrderFacts,
    PayeeKind,
    Payout,
    Referral,
    TermProblem,
    bp_of,
    commission_for_order,
    hub_commission,
    reverse_for_refund,
    unpayable,
)

HUB, GYM, SCHOOL = 1, 2, 3
ENROLLED = datetime(2026, 1, 10, 2, tzinfo=UTC)
LATER = ENROLLED + timedelta(days=30)
SIX_PERCENT = CommissionTerm(kind=CommissionKind.HUB_SHARE, hub="merchant", hub_merchant_id=HUB, rate_bp=600)
OPERATOR_HUB = CommissionTerm(kind=CommissionKind.HUB_SHARE, hub="operator", rate_bp=200)


def order(payer: int, amount_fen: int, origin: int | None = HUB, at: datetime = LATER) -> HubOrder:
    return HubOrder(payer_merchant_id=payer, origin_merchant_id=origin, enrolled_at=ENROLLED,
                    order_amount_fen=amount_fen, ordered_at=at)


def test_the_seed_figure_468_000_yuan() -> None:
    """Members the centre brought spend ¥12M: ¥4.2M at the centre itself, ¥7.8M at partners → ¥468,000.00."""
    spent = [(HUB, 420_000_000), (GYM, 300_000_000), (SCHOOL, 200_000_000), (GYM, 180_000_000),
             (SCHOOL, 100_000_000)]
    assert sum(amount for _, amount in spent) == 1_200_000_000
    payouts = [p for payer, amount in spent for p in hub_commission([SIX_PERCENT], order(payer, amount))]
    assert sum(p.amount_fen for p in payouts) == 46_800_000
    assert {(p.payee, p.payee_id) for p in payouts} == {(PayeeKind.MERCHANT, HUB)}


def test_who_pays_whom_and_on_which_orders() -> None:
    assert hub_commission([SIX_PERCENT], order(GYM, 100_000)) == [
        Payout(PayeeKind.MERCHANT, HUB, 6_000, 0, "hub_share 6.00% of GMV")]
    assert hub_commission([SIX_PERCENT], order(HUB, 100_000)) == []  # the hub's own sales never pay it
    assert hub_commission([SIX_PERCENT], order(GYM, 100_000, origin=SCHOOL)) == []  # someone else's member
    assert hub_commission([SIX_PERCENT], order(GYM, 100_000, origin=None)) == []  # the operator's member
    # the operator as hub: the members no merchant brought, wherever they spend
    assert hub_commission([OPERATOR_HUB], order(HUB, 100_000, origin=None)) == [
        Payout(PayeeKind.OPERATOR, None, 2_000, 0, "hub_share 2.00% of GMV")]
    assert hub_commission([OPERATOR_HUB], order(GYM, 100_000, origin=GYM)) == []
    # referral kinds are not hub terms (and hub terms are not referral terms)
    referral_term = CommissionTerm(kind=CommissionKind.PERCENT_OF_ORDER, rate_bp=500)
    assert hub_commission([referral_term], order(GYM, 100_000)) == []
    facts = OrderFacts(order_amount_fen=100_000, ordered_at=LATER, is_first_order=True)
    assert commission_for_order([SIX_PERCENT], Referral(HUB, None, ENROLLED), facts, payer_merchant_id=GYM) == []


def test_rounding_is_half_up_to_the_fen_per_order() -> None:
    assert hub_commission([SIX_PERCENT], order(GYM, 1_075))[0].amount_fen == 65  # 64.5 → 65
    assert hub_commission([SIX_PERCENT], order(GYM, 1_074))[0].amount_fen == 64  # 64.44 → 64
    assert hub_commission([SIX_PERCENT], order(GYM, 8)) == []  # 0.48 fen → nothing, no zero payout


def test_conditions_caps_and_the_operator_share() -> None:
    narrow = SIX_PERCENT.model_copy(update={"min_order_fen": 50_000, "within_days": 30, "cap_per_order_fen": 9_000})
    assert hub_commission([narrow], order(GYM, 49_999)) == []
    assert hub_commission([narrow], order(GYM, 50_000))[0].amount_fen == 3_000
    assert hub_commission([narrow], order(GYM, 50_000, at=ENROLLED + timedelta(days=31))) == []
    assert hub_commission([narrow], order(GYM, 50_000, at=ENROLLED - timedelta(seconds=1))) == []
    capped = hub_commission([narrow], order(GYM, 1_000_000))
    assert capped == [Payout(PayeeKind.MERCHANT, HUB, 9_000, 0, "hub_share 6.00% of GMV (capped)")]
    shared = SIX_PERCENT.model_copy(update={"operator_rate_bp": 1_000})
    assert hub_commission([shared], order(GYM, 100_000)) == [
        Payout(PayeeKind.MERCHANT, HUB, 6_000, 0, "hub_share 6.00% of GMV"),
        Payout(PayeeKind.OPERATOR, None, 600, 0, "operator 10.00% of hub_share 6.00% of GMV")]
    # two hub terms of one agreement each pay, and say which term they come from
    second = SIX_PERCENT.model_copy(update={"rate_bp": 100})
    assert [(p.term_index, p.amount_fen) for p in hub_commission([SIX_PERCENT, second], order(GYM, 100_000))] == [
        (0, 6_000), (1, 1_000)]


def test_times_must_be_aware() -> None:
    with pytest.raises(ValueError):
        HubOrder(payer_merchant_id=GYM, origin_merchant_id=HUB, enrolled_at=datetime(2026, 1, 1),
                 order_amount_fen=1, ordered_at=LATER)


@given(st.integers(1, 10_000_000), st.integers(1, 10_000), st.lists(st.integers(1, 10_000_000), min_size=1,
                                                                       max_size=5))
def test_a_refund_in_any_parts_reverses_exactly_what_was_paid(amount: int, rate: int, parts: list[int]) -> None:
    term = SIX_PERCENT.model_copy(update={"rate_bp": rate})
    payouts = hub_commission([term], order(GYM, amount))
    paid = sum(p.amount_fen for p in payouts)
    assert paid == (2 * amount * rate + 10_000) // 20_000  # half up, never above the order
    reversed_fen, refunded = 0, 0
    for part in parts:
        refunded = min(amount, refunded + part)
        step = reverse_for_refund(paid_fen=paid, order_amount_fen=amount, refunded_total_fen=refunded,
                                  already_reversed_fen=reversed_fen)
        assert step >= 0
        reversed_fen += step
    final = reverse_for_refund(paid_fen=paid, order_amount_fen=amount, refunded_total_fen=amount,
                               already_reversed_fen=reversed_fen)
    assert reversed_fen + final == paid


# --- the audit: every combination the schema allows is either paid or refused ------------------------------


def codes(terms: list[dict[str, Any]], alliance_wide: bool) -> list[tuple[int, str, str]]:
    return [(p.index, p.code, p.field) for p in unpayable(terms, alliance_wide=alliance_wide)]


def test_referral_terms_need_two_sides_and_hub_terms_the_whole_alliance() -> None:
    percent = {"kind": "percent_of_order", "rate_bp": 500}
    hub = {"kind": "hub_share", "hub": "merchant", "hub_merchant_id": HUB, "rate_bp": 600}
    assert codes([percent], alliance_wide=False) == [] and codes([hub], alliance_wide=True) == []
    assert codes([percent], alliance_wide=True) == [(0, "commission_term_needs_pair", "kind")]
    assert codes([percent, hub], alliance_wide=False) == [(1, "commission_term_hub_alliance_wide", "kind")]
    assert codes([{"kind": "hub_share", "rate_bp": 600}], True) == [(0, "commission_term_hub_missing", "hub")]
    assert codes([{"kind": "hub_share", "hub": "merchant", "rate_bp": 600}], True) == [
        (0, "commission_term_hub_missing", "hub_merchant_id")]
    assert codes([{"kind": "hub_share", "hub": "operator", "rate_bp": 200}], True) == []


@pytest.mark.parametrize(("term", "field"), [
    ({"kind": "per_head", "amount_fen": 5_000, "rate_bp": 500}, "rate_bp"),
    ({"kind": "fixed_per_order", "amount_fen": 5_000, "rate_bp": 500}, "rate_bp"),
    ({"kind": "percent_of_order", "rate_bp": 500, "amount_fen": 5_000}, "amount_fen"),
    ({"kind": "per_head", "amount_fen": 5_000, "payee": "merchant", "staff_amount_fen": 1_000}, "staff_amount_fen"),
    ({"kind": "per_head", "amount_fen": 5_000, "payee": "staff", "staff_amount_fen": 1_000}, "staff_amount_fen"),
    ({"kind": "percent_of_order", "rate_bp": 500, "hub": "merchant"}, "hub"),
    ({"kind": "percent_of_order", "rate_bp": 500, "hub_merchant_id": HUB}, "hub_merchant_id"),
])
def test_a_field_a_referral_term_would_ignore_is_refused(term: dict[str, Any], field: str) -> None:
    assert codes([term], alliance_wide=False) == [(0, "commission_term_ignored", field)]


@pytest.mark.parametrize(("extra", "field"), [
    ({"amount_fen": 5_000}, "amount_fen"),
    ({"staff_amount_fen": 5_000}, "staff_amount_fen"),
    ({"payee": "staff"}, "payee"),
    ({"payee": "both"}, "payee"),
    ({"payer": "a"}, "payer"),
    ({"first_order_only": True}, "first_order_only"),
    ({"cap_per_member_month_fen": 100_000}, "cap_per_member_month_fen"),
])
def test_a_field_a_hub_term_would_ignore_is_refused(extra: dict[str, Any], field: str) -> None:
    hub = {"kind": "hub_share", "hub": "merchant", "hub_merchant_id": HUB, "rate_bp": 600}
    assert codes([{**hub, **extra}], alliance_wide=True) == [(0, "commission_term_ignored", field)]


def test_the_operator_hub_takes_no_merchant_and_no_share_of_itself() -> None:
    base = {"kind": "hub_share", "hub": "operator", "rate_bp": 200}
    assert codes([{**base, "hub_merchant_id": HUB}], True) == [(0, "commission_term_ignored", "hub_merchant_id")]
    assert codes([{**base, "operator_rate_bp": 1_000}], True) == [(0, "commission_term_ignored", "operator_rate_bp")]
    merchant_hub = {"kind": "hub_share", "hub": "merchant", "hub_merchant_id": HUB, "rate_bp": 600,
                    "operator_rate_bp": 1_000, "min_order_fen": 100, "within_days": 365, "cap_per_order_fen": 100}
    assert codes([merchant_hub], True) == []


def test_both_payees_need_the_staff_amount() -> None:
    both = {"kind": "per_head", "amount_fen": 10_000, "payee": "both"}
    assert codes([both], False) == [(0, "commission_term_staff_amount", "staff_amount_fen")]
    assert codes([{**both, "staff_amount_fen": 0}], False) == [(0, "commission_term_staff_amount", "staff_amount_fen")]
    assert codes([{**both, "staff_amount_fen": 5_000}], False) == []


# every combination the schema allows, generated: a term the audit passes pays something on some order


@st.composite
def any_term(draw: st.DrawFn) -> CommissionTerm:
    kind = draw(st.sampled_from(list(CommissionKind)))
    by_rate = kind in (CommissionKind.PERCENT_OF_ORDER, CommissionKind.HUB_SHARE)
    return CommissionTerm(
        kind=kind,
        payer=draw(st.sampled_from(["a", "b"])),
        payee=draw(st.sampled_from(["merchant", "staff", "both"])),
        amount_fen=draw(st.none() | st.integers(1, 100_000)) if by_rate else draw(st.integers(1, 100_000)),
        rate_bp=draw(st.integers(1, 10_000)) if by_rate else draw(st.none() | st.integers(1, 10_000)),
        staff_amount_fen=draw(st.none() | st.integers(0, 100_000)),
        cap_per_member_month_fen=draw(st.none() | st.integers(1, 500_000)),
        first_order_only=draw(st.booleans()),
        operator_rate_bp=draw(st.sampled_from([0, 1_000])),
        hub=draw(st.none() | st.sampled_from(["merchant", "operator"])),
        hub_merchant_id=draw(st.none() | st.just(HUB)),
    )


@given(any_term(), st.booleans())
def test_every_term_the_audit_passes_is_paid(term: CommissionTerm, alliance_wide: bool) -> None:
    problems = unpayable([term], alliance_wide=alliance_wide)
    assert all(isinstance(p, TermProblem) and p.index == 0 for p in problems)
    if problems:
        return
    big = 10_000_000  # a first order big enough for any minimum, within any window
    if term.kind in REFERRAL_KINDS:
        referral = Referral(GYM, 77, ENROLLED)
        facts = OrderFacts(order_amount_fen=big, ordered_at=ENROLLED, is_first_order=True)
        payouts = commission_for_order([term], referral, facts, payer_merchant_id=SCHOOL, payer_side=term.payer)
        paid_to = {p.payee for p in payouts}
        wanted = {"merchant": {PayeeKind.MERCHANT}, "staff": {PayeeKind.STAFF},
                  "both": {PayeeKind.MERCHANT, PayeeKind.STAFF}}[term.payee]
        assert wanted <= paid_to
    else:
        origin = None if term.hub == "operator" else HUB
        payouts = hub_commission([term], order(GYM, big, origin=origin, at=ENROLLED))
        assert payouts and payouts[0].payee is (PayeeKind.OPERATOR if origin is None else PayeeKind.MERCHANT)
        assert payouts[0].amount_fen == big * (term.rate_bp or 0) // 10_000
    others = sum(p.amount_fen for p in payouts if p.payee is not PayeeKind.OPERATOR or term.hub == "operator")
    if term.operator_rate_bp and bp_of(others, term.operator_rate_bp):  # (a share of a few fen rounds to nothing)
        assert any(p.payee is PayeeKind.OPERATOR and "operator" in p.reason for p in payouts)

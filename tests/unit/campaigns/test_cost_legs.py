"""A recorded campaign cost as ledger legs: each participant owes the payer its share by contribution."""

from __future__ import annotations

from lianmeng.campaigns.domain import cost_legs
from lianmeng.ledger.domain import OPERATOR, AccountKind, OwnerType, Party, check_balanced


def test_an_operator_paid_cost_is_owed_by_every_participant() -> None:
    legs = cost_legs(9, 30_001, OPERATOR, [(1, 1_000_000), (2, 2_000_000)])
    check_balanced(legs)
    owed = {leg.account.owner_id: leg.amount for leg in legs if leg.account.owner_type is OwnerType.MERCHANT}
    assert owed == {1: -10_000, 2: -20_001}  # largest remainder: the fen goes to the larger share
    assert all(leg.account.kind is AccountKind.CAMPAIGN_COSTS and leg.account.scope_id == 9 for leg in legs)
    assert {leg.party for leg in legs if leg.account.owner_type is OwnerType.MERCHANT} == {OPERATOR}


def test_a_merchant_paid_cost_leaves_its_own_share_with_it() -> None:
    payer = Party(OwnerType.MERCHANT, 1)
    legs = cost_legs(9, 30_000, payer, [(1, 1_000_000), (2, 2_000_000)])
    check_balanced(legs)
    assert sorted((leg.account.owner_id, leg.amount, leg.party) for leg in legs) == [
        (1, 20_000, Party(OwnerType.MERCHANT, 2)), (2, -20_000, payer)]
    assert cost_legs(9, 30_000, payer, [(1, 1_000_000)]) == []  # nobody else shares it

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lianmeng.campaigns import domain
from lianmeng.campaigns.domain import CampaignStatus, MerchantFigures

# The seed's Hangzhou example (杭州某服务中心, 2024-05), in fen: the service centre's 68 conversions at ¥1,800, and
# commissions on the gym's 32 cards at ¥5,000 × 8 % and the restaurant's 85 top-ups at ¥2,000 × 5 %.
REVENUE = 68 * 180_000  # ¥122,400
COMMISSIONS = 32 * 500_000 * 8 // 100 + 85 * 200_000 * 5 // 100  # ¥12,800 + ¥8,500 = ¥21,300
CONTRIBUTION = 1_000_000  # ¥10,000


def test_hangzhou_roi_is_14_4() -> None:
    assert REVENUE == 12_240_000 and COMMISSIONS == 2_130_000
    assert domain.roi(REVENUE + COMMISSIONS, CONTRIBUTION) == "14.4"  # 14.37 rounded half up
    figures = MerchantFigures(merchant_id=1, contribution_fen=CONTRIBUTION, participants=150, conversions=68,
                              revenue_fen=REVENUE, commissions_earned_fen=COMMISSIONS, commissions_owed_fen=0)
    assert figures.gain_fen == 14_370_000 and figures.roi == "14.4"


@pytest.mark.parametrize(("gain", "contribution", "expected"), [
    (0, 1, "0.0"), (1_450, 100, "14.5"), (1_449, 100, "14.5"), (1_444, 100, "14.4"), (1_445, 100, "14.5"),
    (10, 3, "3.3"), (20, 3, "6.7"), (5, 100, "0.1"), (4, 100, "0.0"), (-1_445, 100, "-14.5"),
    (10**15, 1, "1000000000000000.0"),
])
def test_roi_rounds_half_up_exactly(gain: int, contribution: int, expected: str) -> None:
    assert domain.roi(gain, contribution) == expected


def test_roi_needs_a_contribution() -> None:
    assert domain.roi(100, 0) is None


@pytest.mark.parametrize(("costs", "contributions"), [
    ([100], [1, 1, 1]), ([1], [1_000_000, 1_000_000, 1_000_000]), ([30_001, 7, 999_999], [5, 3, 2]),
    ([10_000], [1_000_000, 2_000_000, 3_000_000, 7]), ([], [1, 2]),
])
def test_cost_shares_add_up_to_the_fen(costs: list[int], contributions: list[int]) -> None:
    shares = domain.cost_shares(costs, contributions)
    assert sum(shares) == sum(costs)
    total = sum(contributions)
    for share, weight in zip(shares, contributions, strict=True):  # within one fen per cost of the exact share
        assert abs(share * total - sum(costs) * weight) <= len(costs) * total


def test_cost_shares_by_contribution() -> None:
    assert domain.cost_shares([30_000, 1], [10_000, 10_000, 10_000]) == [10_001, 10_000, 10_000]
    assert domain.cost_shares([9_000], [1_000_000, 2_000_000]) == [3_000, 6_000]
    assert domain.cost_shares([5], []) == []


def test_totals_and_cost_balance() -> None:
    rows = [MerchantFigures(1, 100, 3, 2, 1_000, 50, 0, cost_paid_fen=300, cost_share_fen=100),
            MerchantFigures(2, 200, 4, 1, 2_000, 0, 50, cost_paid_fen=0, cost_share_fen=200)]
    total = domain.totals(rows)
    assert (total.contribution_fen, total.conversions, total.revenue_fen, total.gain_fen) == (300, 3, 3_000, 3_050)
    assert total.roi == "10.2"  # 3050 / 300 = 10.1666…
    assert rows[0].cost_balance_fen == -200 and rows[1].cost_balance_fen == 200 and total.cost_balance_fen == 0


def test_window_and_transitions() -> None:
    start = datetime(2024, 5, 18, tzinfo=UTC)
    domain.check_window(start, start + timedelta(days=2))
    with pytest.raises(ValueError):
        domain.check_window(start, start)
    with pytest.raises(ValueError):
        domain.check_window(start.replace(tzinfo=None), start + timedelta(days=1))
    assert domain.can_move(CampaignStatus.DRAFT, CampaignStatus.ACTIVE)
    assert domain.can_move(CampaignStatus.ACTIVE, CampaignStatus.CLOSED)
    assert not domain.can_move(CampaignStatus.CLOSED, CampaignStatus.ACTIVE)
    assert not domain.can_move(CampaignStatus.ACTIVE, CampaignStatus.DRAFT)

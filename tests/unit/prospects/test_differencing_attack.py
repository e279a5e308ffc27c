"""The differencing attack, simulated against the product's own release (`prospects.domain.release`).

The attacker uploads members it knows (so it knows every cell's count without the target) plus one target, and
decides "member" by the best rule there is for this noise: the likelihood ratio. Two hypotheses, equal priors;
its advantage is P(says member | member) − P(says member | not). Documented bound (docs/prospect-overlap.md):
after q computations the release is (q·ε)-DP, so no rule beats tanh(q·ε/2); the shift a target causes touches only
its own cells, so for a member of s merchants the loss is q·(s+1)·ε/C and the advantage at most tanh of half that.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lianmeng.prospects import domain

MERCHANTS = 8  # the alliance: C = 9 released cells (8 merchants + the alliance-wide count)
KNOWN = 1_500  # members the attacker knows, spread over the merchants: every cell far above k (no suppression)
TRIALS = 2_000


def _baseline(rng: np.random.Generator) -> np.ndarray:
    per_merchant = rng.integers(150, 400, MERCHANTS)
    return np.append(per_merchant, KNOWN)


def _attack(target_merchants: int, queries: int, epsilon: float, view: slice, seed: int) -> float:
    """The attacker's advantage over TRIALS targets that are members and TRIALS that are not."""
    rng = np.random.default_rng(seed)
    said_member = {True: 0, False: 0}
    for is_member in (True, False):
        for _ in range(TRIALS):
            base = _baseline(rng)
            shift = np.zeros(MERCHANTS + 1, dtype=int)
            shift[:target_merchants] = 1
            shift[-1] = 1  # a member also counts once alliance-wide
            exact = base + (shift if is_member else 0)
            score = 0
            for _ in range(queries):
                released = domain.release(exact.tolist(), rng, ceiling=10_000, epsilon=epsilon)
                seen = np.array(released, dtype=float)[view]
                expected = base[view]
                affected = shift[view] == 1
                # log-likelihood ratio of a ±1 shift under symmetric Laplace noise, cell by cell (the common 1/b
                # factor does not change its sign)
                score += int(np.sum((np.abs(seen - expected) - np.abs(seen - expected - 1))[affected]))
            guess = score > 0 or (score == 0 and rng.random() < 0.5)
            said_member[is_member] += guess
    return (said_member[True] - said_member[False]) / TRIALS


MARGIN = 4 * math.sqrt(2 * 0.25 / TRIALS)  # four standard errors of a difference of two proportions


def test_without_noise_the_attack_always_wins() -> None:
    """The control: thresholds alone do not stop it (k is far below these counts)."""
    assert _attack(1, 1, epsilon=1e9, view=slice(None), seed=1) == 1.0


@pytest.mark.parametrize(("target_merchants", "queries"), [(MERCHANTS, 1), (MERCHANTS, domain.QUERY_BUDGET),
                                                          (1, domain.QUERY_BUDGET)])
def test_seeing_every_cell_the_advantage_stays_within_the_documented_bound(target_merchants: int,
                                                                          queries: int) -> None:
    cells = MERCHANTS + 1
    advantage = _attack(target_merchants, queries, domain.EPSILON, slice(None), seed=2 + queries)
    loss = queries * (target_merchants + 1) * domain.EPSILON / cells
    assert advantage <= domain.advantage_bound(loss) + MARGIN
    assert advantage <= domain.advantage_bound(queries * domain.EPSILON) + MARGIN


def test_the_prospect_seeing_its_alliance_wide_count_gains_little() -> None:
    """What the prospect is shown after an upload: the alliance-wide cell only (scale C/ε)."""
    cells = MERCHANTS + 1
    advantage = _attack(1, domain.QUERY_BUDGET, domain.EPSILON, slice(-1, None), seed=9)
    bound = domain.advantage_bound(domain.QUERY_BUDGET * domain.EPSILON / cells)
    assert advantage <= bound + MARGIN
    assert bound < 0.17


def test_more_queries_would_help_which_is_why_the_budget_stops_them() -> None:
    """Averaging works: five times the budget gives the attacker clearly more than the budget allows. The service
    refuses the fourth computation (tests/integration/prospects)."""
    within = _attack(1, domain.QUERY_BUDGET, domain.EPSILON, slice(-1, None), seed=11)
    beyond = _attack(1, 5 * domain.QUERY_BUDGET, domain.EPSILON, slice(-1, None), seed=11)
    assert beyond > within + 0.05

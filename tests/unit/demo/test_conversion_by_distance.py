"""The demo's conversions follow the seed's distance decay while each flow keeps its exact count."""

from __future__ import annotations

import math
import random

import pytest

from lianmeng.demo.generate import DEMO_DECAY_PER_KM, converting_by_distance
from lianmeng.distance.domain import prior_curve


def test_exactly_count_are_chosen_the_same_for_the_same_seed() -> None:
    kms = [0.5 + (i % 19) * 0.5 for i in range(480)]
    first = converting_by_distance(random.Random(7), kms, 298, DEMO_DECAY_PER_KM)
    assert len(first) == 298 and first == converting_by_distance(random.Random(7), kms, 298, DEMO_DECAY_PER_KM)
    assert converting_by_distance(random.Random(7), kms, 0, DEMO_DECAY_PER_KM) == set()
    assert converting_by_distance(random.Random(7), kms[:5], 9, DEMO_DECAY_PER_KM) == set(range(5))


def test_each_arrival_converts_with_its_share_of_the_decay() -> None:
    """Two distances, 3 km and 15 km, half the arrivals each, 57 of 200 converting (the seed's 45% and 12% on
    average): over many draws each distance converts at the seed's rate."""
    kms = [3.0] * 100 + [15.0] * 100
    near = far = 0
    runs = 400
    rng = random.Random(1)
    for _ in range(runs):
        chosen = converting_by_distance(rng, kms, 57, DEMO_DECAY_PER_KM)
        near += sum(1 for i in chosen if i < 100)
        far += sum(1 for i in chosen if i >= 100)
    assert math.isclose(DEMO_DECAY_PER_KM, prior_curve().b)
    assert near / (100 * runs) == pytest.approx(0.45, abs=0.01)
    assert far / (100 * runs) == pytest.approx(0.12, abs=0.01)
    assert (near / far) == pytest.approx(math.exp(12 * DEMO_DECAY_PER_KM), rel=0.05)

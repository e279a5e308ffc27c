"""The demo alliance has enough referral history for the distance fit, and the fit recovers the seed's decay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.alliances.models import Alliance
from lianmeng.coupons.models import Redemption
from lianmeng.demo import data
from lianmeng.demo.loader import DemoPlan, load_demo
from lianmeng.distance import service
from lianmeng.distance.domain import DecaySource, observed_bins, prior_curve
from lianmeng.kit import clock
from tests.integration.demo.test_demo_history import END


def test_the_demo_alliance_fits_the_seeds_decay(session: Session) -> None:
    load_demo(session, DemoPlan(seed=2024, scale=1.0, history_until=END))
    session.flush()
    alliance_id = session.scalars(select(Alliance.id).where(Alliance.code == data.ALLIANCE.code)).one()
    arrivals = session.scalar(select(func.count(Redemption.id)).where(Redemption.alliance_id == alliance_id))
    with clock.fixed_at(END + timedelta(days=14)):  # every arrival old enough
        points = service.points(session, alliance_id)
        fit = service.decay_fit(session, alliance_id)
    assert sum(p.arrivals for p in points) == arrivals  # every arrival's two stores are known
    assert fit.source is DecaySource.FITTED and fit.sufficiency.enough and fit.sufficiency.bands == 5
    seed = prior_curve().halving_km
    assert seed is not None
    low, high = fit.curve.halving_interval()
    assert low is not None and high is not None and low < seed < high  # the seed's 6.3 km inside the 95% interval
    bins = observed_bins(points)
    assert len(bins) == 5 and bins[0].rate is not None and bins[-1].rate is not None
    assert bins[0].rate > bins[-1].rate + 0.3  # near arrivals convert far more than far ones

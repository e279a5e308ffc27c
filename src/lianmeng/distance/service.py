"""Use cases of distance decay: the alliance's points, its fit, the report the API and the console show, and the
expected conversion at a distance that partner scoring asks for (`conversion_at`).

Who may read the report: the operator (its alliance; the platform admin names one) and merchant admins and
integrations (their alliance, or with scope=own the referrals their merchant referred or received). Store staff
and members: 403. The alliance-wide figures a merchant sees are aggregates of other merchants' referrals, shared
under the k rule (domain.observed_bins). Nothing here writes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from lianmeng.alliances.models import Alliance
from lianmeng.distance import domain, repository
from lianmeng.distance.domain import ConversionEstimate, DecayFit, DecayScope, DistancePoint
from lianmeng.distance.errors import Problem
from lianmeng.distance.schemas import CurvePoint, DecayOut, ObservedBinOut
from lianmeng.kit import clock
from lianmeng.kit.errors import Invalid
from lianmeng.kit.geo import distance_m
from lianmeng.overlap.domain import K_MIN, suppress
from lianmeng.referrals.domain import conversion_rate_bp
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped

MATURE_AFTER = timedelta(days=14)
"""An arrival younger than this is left out of the fit: its first order may still come (the demo's later orders
come within ten days; a member mostly buys within two weeks of the visit or not at all)."""


def arrived_before(now: datetime) -> datetime:
    return now - MATURE_AFTER


def points(session: Session, alliance_id: int, *, viewer: Principal | None = None,
           own: bool = False) -> list[DistancePoint]:
    """The alliance's arrivals grouped by store pair, with the distance between the two stores. `viewer` (a
    merchant) marks the points it took part in as `mine`; `own` keeps only those. A side without a store is its
    merchant's only store; arrivals whose stores cannot be known are left out."""
    visible = policy.redemptions(viewer) if own and viewer is not None else None
    pairs = repository.store_pairs(session, alliance_id, arrived_before(clock.now()), visible)
    spots = repository.store_spots(session, alliance_id)
    stores_of: dict[int, list[int]] = {}
    for store_id, spot in spots.items():
        stores_of.setdefault(spot.merchant_id, []).append(store_id)
    sole = {merchant: ids[0] for merchant, ids in stores_of.items() if len(ids) == 1}
    merchant = viewer.merchant_id if viewer is not None and viewer.is_merchant_side else None
    out = []
    for pair in pairs:
        start = pair.referrer_store_id or sole.get(pair.referrer_merchant_id)
        end = pair.receiver_store_id or sole.get(pair.receiver_merchant_id)
        if start is None or end is None or start not in spots or end not in spots:
            continue
        a, b = spots[start], spots[end]
        km = distance_m(a.latitude, a.longitude, b.latitude, b.longitude) / 1000
        mine = merchant is not None and merchant in (pair.referrer_merchant_id, pair.receiver_merchant_id)
        out.append(DistancePoint(km, pair.arrivals, pair.conversions, mine))
    return out


def decay_fit(session: Session, alliance_id: int) -> DecayFit:
    """The alliance's decay: fitted to all its referrals when there are enough, else the seed's prior."""
    return domain.fit_decay(points(session, alliance_id))


def conversion_at(session: Session, alliance_id: int, km: float) -> ConversionEstimate:
    """Expected conversion at `km` for this alliance: fitted from its referrals when there are enough, else the
    seed's prior. For partner scoring; the caller has already checked who may see the candidate."""
    return decay_fit(session, alliance_id).estimate(km)


def _alliance_id(session: Session, p: Principal, alliance_id: int | None) -> int:
    if alliance_id is None:
        if p.alliance_id is None:
            raise Invalid(Problem.DISTANCE_ALLIANCE_REQUIRED)
        return p.alliance_id
    return get_scoped(session, Alliance, alliance_id, policy.alliances(p), "alliance").id


def _bp(rate: float) -> int:
    return round(rate * 10_000)


def _curve(estimates: list[ConversionEstimate]) -> list[CurvePoint]:
    return [CurvePoint(km=e.km, travel_minutes=round(domain.travel_minutes(e.km), 1), rate_bp=_bp(e.rate),
                       low_bp=_bp(e.low), high_bp=_bp(e.high)) for e in estimates]


def _rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def report(session: Session, p: Principal, *, scope: DecayScope = DecayScope.ALLIANCE,
           alliance_id: int | None = None) -> DecayOut:
    policy.require_distance_decay(p)
    if scope is DecayScope.OWN and not p.is_merchant_side:
        raise Invalid(Problem.DISTANCE_SCOPE_OWN_MERCHANT)
    alliance = _alliance_id(session, p, alliance_id)
    data = points(session, alliance, viewer=p, own=scope is DecayScope.OWN)
    fit = domain.fit_decay(data)
    kms = domain.grid(data)
    low, high = fit.curve.halving_interval()
    bins = domain.observed_bins(data, K_MIN)
    shown = bins and bins[0].arrivals is not None
    return DecayOut(
        alliance_id=alliance, scope=scope, source=fit.source, model="rate = a·exp(−b·km), binomial GLM, log link",
        a=round(fit.curve.a, 4), b_per_km=round(fit.curve.b, 4), halving_km=_rounded(fit.curve.halving_km),
        halving_km_low=_rounded(low), halving_km_high=_rounded(high), fit_failed=fit.fit_failed,
        enough=fit.sufficiency.enough,
        arrivals=suppress(fit.sufficiency.arrivals) if shown else None,
        conversions=fit.sufficiency.conversions if shown else None,
        bands_with_k=fit.sufficiency.bands, min_arrivals=domain.MIN_ARRIVALS, min_bands=domain.MIN_BANDS,
        band_km=domain.BAND_KM, k_min=K_MIN, urban_speed_kmh=domain.URBAN_SPEED_KMH,
        arrived_before=arrived_before(clock.now()),
        bins=[ObservedBinOut(km_from=b.km_from, km_to=b.km_to, arrivals=b.arrivals, conversions=b.conversions,
                             rate_bp=conversion_rate_bp(b.conversions, b.arrivals)
                             if b.arrivals is not None and b.conversions is not None else None) for b in bins],
        curve=_curve(domain.band(fit.curve, kms)), prior=_curve(domain.band(domain.prior_curve(), kms)),
    )


def own_is_enough(session: Session, p: Principal) -> bool:
    """Whether a merchant's own referrals alone meet the minimum (its page then opens on them)."""
    if not p.is_merchant_side or p.alliance_id is None:
        return False
    return domain.sufficiency(points(session, p.alliance_id, viewer=p, own=True)).enough

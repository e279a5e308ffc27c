"""Results of targeted offers: each recipient's outcomes within the attribution window (targeting/attribution.py),
the funnel per arm, and the uplift of the treated arm over the holdout and over the random arm
(targeting/uplift.py). docs/targeting-results.md explains the choices.

Freshness: `refresh_outcomes` recomputes an offer's outcomes set-based (one query per kind of event for the whole
offer, then one UPDATE of the rows that changed) and stores the results dict on the offer, so reading them is one
row. The scheduled job (`due_offers` + `refresh_offer`, each offer in a unit of work of its own) refreshes offers
whose window is open (at most every REFRESH_MINUTES) and once more after it closed.

Who reads: the sender's admins and the operator see everything; the partner sees aggregates of arms with at least
PARTNER_MIN_ARM members (and comparisons between such arms), never who received. Nothing here commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from lianmeng.kit import clock
from lianmeng.kit.errors import Forbidden, Invalid, NotFound
from lianmeng.targeting import attribution, uplift
from lianmeng.targeting import results_repository as repo
from lianmeng.targeting.errors import Problem
from lianmeng.targeting.models import TargetedOffer
from lianmeng.targeting.results_schemas import ResultsOut
from lianmeng.tenancy import Principal

PARTNER_MIN_ARM = 10  # the partner sees an arm's aggregates only from this many members
REFRESH_MINUTES = 60  # an open window is refreshed by the job at most this often
MAX_COMBINED = 20  # offers in one combined view
SENDER, PARTNER = "sender", "partner"


# --- outcomes -----------------------------------------------------------------------------------------------------


def refresh_outcomes(session: Session, offer: TargetedOffer, at: datetime | None = None) -> dict[str, Any]:
    """Set every recipient's outcomes within its window (up to `at`), then compute and store the results."""
    now = at or clock.now()
    first, last = repo.send_bounds(session, offer.alliance_id, offer.id)
    start, end = attribution.send_window(first, last, offer.scheduled_at, offer.attribution_days)
    horizon = min(end, now + timedelta(microseconds=1))
    claims: dict[int, list[datetime]] = defaultdict(list)
    arrivals: dict[int, list[datetime]] = defaultdict(list)
    orders: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for event in repo.claims(session, offer, start, horizon):
        claims[event.member_id].append(event.at)
    for event in repo.partner_arrivals(session, offer, start, horizon):
        arrivals[event.member_id].append(event.at)
    for event in repo.partner_orders(session, offer, start, horizon):
        orders[event.member_id].append((event.at, event.net_fen))
    changes = []
    for r in repo.recipients(session, offer.alliance_id, offer.id):
        if (r.member_id not in claims and r.member_id not in arrivals and r.member_id not in orders
                and r.claimed_at is None and r.arrived_at is None and r.converted_at is None and not r.revenue_fen):
            continue  # nothing happened and nothing was counted: most recipients
        w_start, w_end = attribution.window(r.sent_at, start, offer.attribution_days)
        got = attribution.outcome(w_start, min(w_end, horizon), claims.get(r.member_id, ()),
                                  arrivals.get(r.member_id, ()), orders.get(r.member_id, ()))
        if (got.claimed_at, got.arrived_at, got.converted_at, got.revenue_fen) != (
                r.claimed_at, r.arrived_at, r.converted_at, r.revenue_fen):
            changes.append({"id": r.id, "claimed_at": got.claimed_at, "arrived_at": got.arrived_at,
                            "converted_at": got.converted_at, "revenue_fen": got.revenue_fen})
    repo.save_outcomes(session, changes)
    results = summarize(session, offer.alliance_id, [offer.id])
    results.update(window_start=start.isoformat(), window_end=end.isoformat(), computed_at=now.isoformat(),
                   attribution_days=[offer.attribution_days])
    offer.results = results
    offer.results_at = now
    session.flush()
    return results


def summarize(session: Session, alliance_id: int, offer_ids: Sequence[int]) -> dict[str, Any]:
    """The results dict of one offer or several together (their arms summed) from the recipients' outcomes."""
    sums = {s.arm: s for s in repo.arm_sums(session, alliance_id, offer_ids)}
    revenues = repo.nonzero_revenues(session, alliance_id, offer_ids)
    arms = []
    for arm in uplift.ARMS:
        s = sums.get(arm)
        if s is None or s.members == 0:
            continue
        ci = uplift.rate_interval(s.converted, s.members)
        arms.append({"arm": arm, "members": s.members, "sent": s.sent, "delivered": s.delivered,
                     "opened": s.opened, "claimed": s.claimed, "arrived": s.arrived, "converted": s.converted,
                     "revenue_fen": s.revenue_fen, "rate": uplift.rate(s.converted, s.members),
                     "rate_low": ci.low if ci else None, "rate_high": ci.high if ci else None})
    comparisons = []
    treated = sums.get(uplift.TREATED)
    if treated is not None and treated.members:
        for baseline_arm in (uplift.HOLDOUT, uplift.RANDOM):
            baseline = sums.get(baseline_arm)
            if baseline is None or not baseline.members:
                continue
            comparisons.append(uplift.compare(
                (treated.converted, treated.members), (baseline.converted, baseline.members),
                uplift.Revenue(revenues.get(uplift.TREATED, []), treated.members),
                uplift.Revenue(revenues.get(baseline_arm, []), baseline.members), baseline_arm))
    return {"offer_ids": list(offer_ids), "arms": arms, "comparisons": comparisons}


def combined(session: Session, offers: Sequence[TargetedOffer]) -> dict[str, Any]:
    """Several offers shown together (the seed's gym and early-education offers): each arm summed over the offers,
    a member in two offers counted in each. Computed from the stored outcomes (refresh the offers first)."""
    results = summarize(session, offers[0].alliance_id, [o.id for o in offers])  # readable by one caller: one alliance
    refreshed = [o.results_at for o in offers]
    results.update(
        computed_at=None if None in refreshed else min(t for t in refreshed if t is not None).isoformat(),
        window_start=_iso(min((_stored(o, "window_start") for o in offers), default=None)),
        window_end=_iso(max((_stored(o, "window_end") for o in offers), default=None)),
        attribution_days=sorted({o.attribution_days for o in offers}))
    return results


def _stored(offer: TargetedOffer, key: str) -> datetime:
    value = (offer.results or {}).get(key)
    return datetime.fromisoformat(value) if value else offer.scheduled_at


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


# --- the job ------------------------------------------------------------------------------------------------------


def is_due(results_at: datetime | None, window_end: datetime, now: datetime) -> bool:
    """Never refreshed; or the window is open and the last refresh is REFRESH_MINUTES old; or the window closed
    after the last refresh (one last count of the whole window)."""
    if results_at is None:
        return True
    if now < window_end:
        return results_at <= now - timedelta(minutes=REFRESH_MINUTES)
    return results_at < window_end


def due_offers(session: Session, at: datetime | None = None, alliance_id: int | None = None) -> list[int]:
    now = at or clock.now()
    due = []
    for offer_id, scheduled_at, days, results_at, last_sent in repo.started_offers(session, now, alliance_id):
        _, end = attribution.send_window(None, last_sent, scheduled_at, days)
        if is_due(results_at, end, now):
            due.append(offer_id)
    return due


def refresh_offer(session: Session, offer_id: int, at: datetime | None = None) -> None:
    offer = session.get(TargetedOffer, offer_id, with_for_update=True)
    if offer is not None:
        refresh_outcomes(session, offer, at)


# --- reading, scoped ----------------------------------------------------------------------------------------------


def _readable(session: Session, p: Principal, offer_id: int) -> tuple[TargetedOffer, str]:
    offer = repo.readable_offer(session, p, offer_id)
    if offer is None:
        raise NotFound("targeted_offer")
    partner = p.is_merchant_side and p.merchant_id == offer.partner_merchant_id and p.merchant_id != offer.merchant_id
    return offer, PARTNER if partner else SENDER


def _out(results: dict[str, Any] | None, offers: Sequence[TargetedOffer], view: str) -> ResultsOut:
    data = dict(results or {})
    arms = list(data.get("arms", []))
    comparisons = list(data.get("comparisons", []))
    hidden = 0
    if view == PARTNER:
        shown = [a for a in arms if a["members"] >= PARTNER_MIN_ARM]
        hidden = len(arms) - len(shown)
        kept = {a["arm"] for a in shown}
        arms = shown
        comparisons = [c for c in comparisons if c["baseline"] in kept and uplift.TREATED in kept]
    return ResultsOut(
        offer_ids=[o.id for o in offers], names=[o.name for o in offers], view=view,
        computed_at=data.get("computed_at"), window_start=data.get("window_start"),
        window_end=data.get("window_end"), attribution_days=data.get("attribution_days") or
        sorted({o.attribution_days for o in offers}), arms=arms, comparisons=comparisons, hidden_arms=hidden)


def offer_results(session: Session, p: Principal, offer_id: int) -> ResultsOut:
    """The stored results of one offer (one row read: fast at any number of recipients)."""
    offer, view = _readable(session, p, offer_id)
    return _out(offer.results, [offer], view)


def refresh_now(session: Session, p: Principal, offer_id: int) -> ResultsOut:
    """The sender (or the operator) recomputes now; the partner may only read."""
    offer, view = _readable(session, p, offer_id)
    if view == PARTNER:
        raise Forbidden()
    locked = session.get(TargetedOffer, offer.id, with_for_update=True)
    assert locked is not None
    return _out(refresh_outcomes(session, locked), [locked], view)


def combined_results(session: Session, p: Principal, offer_ids: Sequence[int]) -> ResultsOut:
    """Several offers together; every one must be readable (else 404, like a missing one). If the caller is the
    partner of any of them, the partner's rules apply to the whole view."""
    chosen = list(dict.fromkeys(offer_ids))
    if not chosen:
        raise Invalid(Problem.TARGETING_RESULTS_NO_OFFER)
    if len(chosen) > MAX_COMBINED:
        raise Invalid(Problem.TARGETING_RESULTS_TOO_MANY, limit=MAX_COMBINED)
    read = [_readable(session, p, offer_id) for offer_id in chosen]
    offers = [offer for offer, _ in read]
    view = PARTNER if any(v == PARTNER for _, v in read) else SENDER
    if len(offers) == 1:
        return _out(offers[0].results, offers, view)
    return _out(combined(session, offers), offers, view)


def readable_offers(session: Session, p: Principal) -> list[TargetedOffer]:
    return repo.readable_offers(session, p)


def due_alliances(session: Session, at: datetime | None = None) -> list[int]:
    """The jobs' choice: alliances with offers whose results are due for a recount."""
    return repo.alliances_of_offers(session, due_offers(session, at))


def refresh_alliance(session: Session, alliance_id: int, at: datetime | None = None) -> int:
    """Recount every due offer of the alliance in the caller's unit of work; returns how many."""
    offers = due_offers(session, at, alliance_id)
    for offer_id in offers:
        refresh_offer(session, offer_id, at)
    return len(offers)

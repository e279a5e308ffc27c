"""Use cases of customer overlap inside an alliance.

A merchant's customers are its members: the members holding a membership at it. Memberships are made when a
merchant enrols a member (`members.service.enrol_member`, at the origin merchant), when a card holder joins at the
counter (`enrol_at_merchant`), and when a referred member arrives at a partner with its coupon
(`join_on_arrival`, called by the redemption). An order can only be recorded for a member the merchant can see
(one it enrolled or that holds a membership there), so orders and arrivals are already inside memberships.

Freshness: the counts are maintained aggregates (`overlap_pairs`, `overlap_bases`), rebuilt per alliance by one
set-based self-join (`refresh_alliance`) by the scheduled jobs (`due_alliances`: at most `REFRESH_MINUTES` after
memberships change, each alliance in a unit of work of its own), or at once by the operator. Pages read them
through an index and say when they were counted.

Nothing here commits: the door (request, job) does.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from lianmeng.alliances import repository as alliances_repo
from lianmeng.kit import clock
from lianmeng.kit.errors import Forbidden, NotFound
from lianmeng.kit.exports import Column, Kind, Sheet
from lianmeng.members.models import Membership
from lianmeng.merchants import repository as merchants_repo
from lianmeng.merchants.domain import INDUSTRY_LABELS, Industry
from lianmeng.merchants.models import Merchant
from lianmeng.overlap import domain, repository
from lianmeng.overlap.domain import K_MIN, REFRESH_MINUTES, OverlapFigure, suppress
from lianmeng.overlap.models import OverlapSnapshot
from lianmeng.overlap.schemas import (
    FlowPair,
    Freshness,
    MatrixCell,
    MatrixMerchant,
    MatrixOut,
    MerchantOverlapOut,
    PartnerOverlap,
    UntappedPair,
)
from lianmeng.prospects import service as prospects
from lianmeng.referrals import service as referrals
from lianmeng.tenancy import Principal, policy

# --- seams other capabilities call (signatures kept) --------------------------------------------------------


def merchant_overlap(session: Session, viewer_merchant_id: int, other_merchant_id: int) -> OverlapFigure:
    """Exact overlap of two merchants of one alliance: members holding a membership at both (counted now)."""
    mine = aliased(Membership)
    theirs = aliased(Membership)
    base = session.scalar(select(func.count()).where(Membership.merchant_id == viewer_merchant_id,
                                                     repository.counts_a_customer(Membership.member_id))) or 0
    shared = session.scalar(
        select(func.count()).select_from(mine).join(theirs, theirs.member_id == mine.member_id)
        .where(mine.merchant_id == viewer_merchant_id, theirs.merchant_id == other_merchant_id,
               repository.counts_a_customer(mine.member_id))
    ) or 0
    return OverlapFigure(shared=suppress(shared), base=base, source="measured")


def alliance_overlap(session: Session, merchant_id: int) -> OverlapFigure:
    """Of a merchant's members, how many also hold a membership at another merchant of the alliance with which it
    shares at least k members (counted now). Partners below k are left out on purpose: set beside the per-partner
    counts, a distinct count over *all* partners would bound a suppressed partner's count (see domain)."""
    mine = aliased(Membership)
    other = aliased(Membership)
    base = session.scalar(select(func.count()).where(Membership.merchant_id == merchant_id,
                                                     repository.counts_a_customer(Membership.member_id))) or 0
    pair_mine, pair_other = aliased(Membership), aliased(Membership)
    partners = (
        select(pair_other.merchant_id).select_from(pair_mine)
        .join(pair_other, pair_other.member_id == pair_mine.member_id)
        .where(pair_mine.merchant_id == merchant_id, pair_other.merchant_id != merchant_id,
               repository.counts_a_customer(pair_mine.member_id))
        .group_by(pair_other.merchant_id).having(func.count() >= K_MIN)
    )
    shared = session.scalar(
        select(func.count(func.distinct(mine.member_id))).select_from(mine)
        .join(other, other.member_id == mine.member_id)
        .where(mine.merchant_id == merchant_id, other.merchant_id.in_(partners),
               repository.counts_a_customer(mine.member_id))
    ) or 0
    return OverlapFigure(shared=suppress(shared), base=base, source="measured")


def prospect_overlap(session: Session, candidate_id: int, viewer_merchant_id: int | None) -> OverlapFigure | None:
    """The latest result of a prospect's hashed upload for this candidate, against the viewer merchant's members
    (the alliance's, for the operator). None until the prospect has uploaded."""
    return prospects.figure(session, candidate_id, viewer_merchant_id)


# --- keeping the aggregates fresh ---------------------------------------------------------------------------


def refresh_alliance(session: Session, alliance_id: int, at: datetime | None = None) -> OverlapSnapshot:
    """Recount the alliance's overlap from its memberships (one set-based self-join) and date it. Readers keep
    seeing the previous counts until the transaction commits."""
    repository.lock_alliance(session, alliance_id)
    started = time.perf_counter()
    memberships, pairs = repository.rebuild(session, alliance_id, K_MIN)
    return repository.save_snapshot(session, alliance_id, at or clock.now(), memberships, pairs,
                                    time.perf_counter() - started)


def due_alliances(session: Session, at: datetime | None = None) -> list[int]:
    """Alliances whose aggregates are missing, or older than REFRESH_MINUTES and counted from a different number
    of memberships (memberships are never deleted: the same number means the same memberships)."""
    now = at or clock.now()
    due = []
    for alliance_id in repository.alliance_ids(session):
        snapshot = repository.snapshot_of(session, alliance_id)
        stale = snapshot is None or (snapshot.computed_at <= now - timedelta(minutes=REFRESH_MINUTES)
                                     and repository.memberships_in(session, alliance_id) != snapshot.memberships)
        if stale:
            due.append(alliance_id)
    return due


def refresh_now(session: Session, p: Principal, alliance_id: int | None) -> OverlapSnapshot:
    """The operator recounts its alliance at once (after an import, before a partners' meeting)."""
    policy.require_operator(p)
    alliance = alliances_repo.get_alliance(session, p, _alliance_id(p, alliance_id))
    return refresh_alliance(session, alliance.id)


# --- the merchant's view ------------------------------------------------------------------------------------


def _alliance_id(p: Principal, requested: int | None) -> int:
    if p.alliance_id is not None:
        return p.alliance_id
    if requested is None:
        raise NotFound("alliance")
    return requested


def _freshness(session: Session, alliance_id: int) -> Freshness:
    snapshot = repository.snapshot_of(session, alliance_id)
    return Freshness(computed_at=snapshot.computed_at if snapshot else None)


def _viewable_merchant(session: Session, p: Principal, merchant_id: int) -> Merchant:
    """A merchant's overlap is its admin's (and the operator's) to see; other merchants' → 403, unknown → 404."""
    policy.require_staff_login(p)
    merchant = merchants_repo.get_merchant(session, p, merchant_id)
    if not (p.is_operator or (p.manages_merchant and p.merchant_id == merchant.id)):
        raise Forbidden()
    return merchant


def merchant_view(session: Session, p: Principal, merchant_id: int, limit: int | None = domain.TOP_PARTNERS
                  ) -> MerchantOverlapOut:
    """The merchant's largest overlaps (shown cells only, read from the maintained aggregates by index)."""
    merchant = _viewable_merchant(session, p, merchant_id)
    alliance_id = merchant.alliance_id
    figures = repository.summary(session, alliance_id, merchant.id)
    base, shown, total = figures.customers, figures.partners_shown, figures.shown_total
    top = repository.top_partners(session, alliance_id, merchant.id, K_MIN, limit)
    others = figures.other_merchants
    return MerchantOverlapOut(
        merchant_id=merchant.id, merchant_name=merchant.name, customers=base,
        freshness=Freshness(computed_at=figures.computed_at),
        partners=[PartnerOverlap(merchant_id=t.merchant_id, name=t.name, industry=t.industry, shared=t.shared,
                                 shared_text=domain.shown_text(t.shared), share_bp=domain.share_bp(t.shared, base))
                  for t in top],
        partners_shown=shown, partners_below_k=max(0, others - shown), shown_total=total,
    )


def first_merchant(session: Session, p: Principal, alliance_id: int) -> int | None:
    merchants = repository.merchants_of(session, p, alliance_id)
    return merchants[0].id if merchants else None


def alliance_merchants(session: Session, p: Principal, merchant_id: int) -> list[tuple[int, str]]:
    """(id, name) of the merchants of the merchant's alliance, for the operator's chooser."""
    merchant = merchants_repo.get_merchant(session, p, merchant_id)
    return [(m.id, m.name) for m in repository.merchants_of(session, p, merchant.alliance_id)]


OVERLAP_COLUMNS = (
    Column("name", "合作商户", "Partner"),
    Column("industry", "行业", "Industry"),
    Column("shared", "共同顾客", "Shared customers", Kind.MASKED_COUNT),
    Column("share_bp", "占我方顾客", "Share of your customers", Kind.BP),
)


def merchant_sheet(session: Session, p: Principal, merchant_id: int, lang: str) -> Sheet:
    """The export: every other merchant of the alliance, shown counts as numbers and the rest as "< 10" (in
    merchant order, so the hidden ones say nothing by their position); the total is the sum of the shown."""
    view = merchant_view(session, p, merchant_id, limit=None)
    merchant = merchants_repo.get_merchant(session, p, merchant_id)
    shown = {row.merchant_id: row for row in view.partners}
    rows: list[dict[str, object]] = []
    for other in repository.merchants_of(session, p, merchant.alliance_id):
        if other.id == merchant.id:
            continue
        row = shown.get(other.id)
        rows.append({"name": other.name, "industry": industry_label(other.industry, lang),
                     "shared": row.shared if row else domain.SUPPRESSED_TEXT,
                     "share_bp": row.share_bp if row else None})
    computed = view.freshness.computed_at
    stamp = clock.format_local(computed) if computed else pick(domain.NOT_COUNTED, lang)
    return Sheet(title=f"顾客重合度 Customer overlap · {view.merchant_name}",
                 period=f"{stamp} · k = {K_MIN} · {view.customers:,} 位顾客 customers", columns=OVERLAP_COLUMNS,
                 rows=rows)


def pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh-CN" else pair[1]


def industry_label(code: str, lang: str) -> str:
    try:
        return pick(INDUSTRY_LABELS[Industry(code)], lang)
    except ValueError:
        return code


# --- the operator's matrix ----------------------------------------------------------------------------------


def operator_matrix(session: Session, p: Principal, *, alliance_id: int | None = None,
                    date_from: date | None = None, date_to: date | None = None, lang: str = "zh-CN",
                    largest: int | None = None) -> MatrixOut:
    """Overlap (shown cells) beside the referral flows of the period (`referrals.service.flows`), and the untapped
    pairs: many shared customers, few arrivals between them (over every pair). `largest`: the cells and flows
    only among the merchants with the most customers (a heat map of 15 needs 105 of 350,000 cells)."""
    policy.require_operator(p)
    alliance = alliances_repo.get_alliance(session, p, _alliance_id(p, alliance_id))
    merchants = repository.merchants_of(session, p, alliance.id)
    names = {m.id: m.name for m in merchants}
    bases = repository.bases(session, alliance.id)
    cells = repository.pairs_at_least(session, alliance.id, K_MIN)
    flows = referrals.flows(session, p, date_from=date_from, date_to=date_to, alliance_id=alliance.id)
    arrivals: dict[tuple[int, int], int] = {}
    for cell in flows.items:
        key = (min(cell.referrer_merchant_id, cell.receiving_merchant_id),
               max(cell.referrer_merchant_id, cell.receiving_merchant_id))
        arrivals[key] = arrivals.get(key, 0) + cell.arrived
    customers = {m: b.members for m, b in bases.items()}
    figures = [domain.PairFigures(a, b, shared, customers.get(a, 0), customers.get(b, 0), arrivals.get((a, b), 0))
               for (a, b), shared in cells.items() if a in names and b in names]
    untapped = [UntappedPair(
        merchant_a_id=f.merchant_a, merchant_a_name=names[f.merchant_a], merchant_b_id=f.merchant_b,
        merchant_b_name=names[f.merchant_b], shared=f.shared, share_of_smaller_bp=f.share_of_smaller_bp,
        arrivals=f.arrivals, why=untapped_sentence(f, names, flows.date_from, flows.date_to, lang),
    ) for f in domain.untapped_pairs(figures)]
    shown = set(names)
    if largest is not None:
        shown = {m.id for m in sorted(merchants, key=lambda m: (-customers.get(m.id, 0), m.id))[:largest]}
    return MatrixOut(
        alliance_id=alliance.id, freshness=_freshness(session, alliance.id), date_from=flows.date_from,
        date_to=flows.date_to,
        merchants=[MatrixMerchant(merchant_id=m.id, name=m.name, industry=m.industry,
                                  customers=customers.get(m.id, 0),
                                  shown_total=bases[m.id].shown_total if m.id in bases else 0) for m in merchants],
        overlap=[MatrixCell(merchant_a_id=a, merchant_b_id=b, shared=n,
                            share_of_a_bp=domain.share_bp(n, customers.get(a, 0)),
                            share_of_b_bp=domain.share_bp(n, customers.get(b, 0)))
                 for (a, b), n in sorted(cells.items()) if a in shown and b in shown],
        flows=[FlowPair(referrer_merchant_id=c.referrer_merchant_id, receiving_merchant_id=c.receiving_merchant_id,
                        arrived=c.arrived) for c in flows.items
               if c.referrer_merchant_id in shown and c.receiving_merchant_id in shown],
        untapped=untapped,
    )


def untapped_sentence(pair: domain.PairFigures, names: dict[int, str], date_from: date, date_to: date,
                      lang: str) -> str:
    share = pair.share_of_smaller_bp or 0
    return pick(domain.UNTAPPED_WHY, lang).format(
        a=names[pair.merchant_a], b=names[pair.merchant_b], shared=f"{pair.shared:,}", share=f"{share / 100:.1f}",
        arrivals=pair.arrivals, date_from=date_from.isoformat(), date_to=date_to.isoformat())

"""Overlap queries: the set-based rebuild of an alliance's aggregates, and the reads the pages and API make of
them. Reads are scoped by the caller's alliance (tenancy.policy decides which merchants a caller may see); the
figures themselves are counts, never a member.

The rebuild is one INSERT … SELECT of a self-join of memberships per alliance: each unordered pair of merchants
is counted once (a.merchant_id < b.merchant_id) and stored once if it shares at least k; a merchant's partners are
the rows naming it on either side (the primary key and the second index). Portable SQL (SQLite and PostgreSQL).
On PostgreSQL the rebuild's aggregation gets `REBUILD_WORK_MEM` (so its hash tables stay in memory instead of
spilling to disk) and the aggregates are ANALYZEd after it, so that the reads are planned on their real sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, func, insert, literal, select, text, union_all
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql.selectable import ScalarSelect

from lianmeng.alliances.models import Alliance
from lianmeng.db import job_lock
from lianmeng.members.models import Member, Membership
from lianmeng.merchants.models import Merchant
from lianmeng.overlap.models import MerchantBase, OverlapSnapshot, PairOverlap
from lianmeng.tenancy import Principal, policy

REBUILD_WORK_MEM = "64MB"

# --- the rebuild ----------------------------------------------------------------------------------------------


def counts_a_customer(member_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """Counts are of people: a membership left on a merged member's tombstone (the survivor already holds one at
    that merchant, docs/merging.md) is not another customer. Tombstones are few and indexed (merged_into_id)."""
    return member_id.not_in(select(Member.id).where(Member.merged_into_id.is_not(None)))


def _alliance_merchants(alliance_id: int) -> ScalarSelect[int]:
    return select(Merchant.id).where(Merchant.alliance_id == alliance_id).scalar_subquery()


def _pairs(alliance_id: int, k: int) -> Select[int, int, int, int]:
    """(alliance, merchant a, merchant b, shared) for every pair a < b of the alliance sharing at least k members:
    the self-join of memberships on the member, grouped by the pair."""
    low, high = aliased(Membership), aliased(Membership)
    return (
        select(literal(alliance_id).label("alliance_id"), low.merchant_id.label("merchant_a_id"),
               high.merchant_id.label("merchant_b_id"), func.count().label("shared"))
        .select_from(low)
        .join(high, and_(high.member_id == low.member_id, high.merchant_id > low.merchant_id))
        .where(low.merchant_id.in_(_alliance_merchants(alliance_id)), counts_a_customer(low.member_id))
        .group_by(low.merchant_id, high.merchant_id)
        .having(func.count() >= k)
    )


PAIR_COLUMNS = ["alliance_id", "merchant_a_id", "merchant_b_id", "shared"]


def rebuild(session: Session, alliance_id: int, k: int) -> tuple[int, int]:
    """Replace the alliance's pair counts and bases with a fresh count: (memberships counted, pairs kept)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        _rebuild_pairs_postgres(session, alliance_id, k)
    else:
        session.execute(delete(PairOverlap).where(PairOverlap.merchant_a_id.in_(_alliance_merchants(alliance_id))))
        session.execute(insert(PairOverlap).from_select(PAIR_COLUMNS, _pairs(alliance_id, k)))
    session.execute(delete(MerchantBase).where(MerchantBase.alliance_id == alliance_id))
    session.execute(insert(MerchantBase).from_select(
        ["alliance_id", "merchant_id", "members", "partners_shown", "shown_total"], _bases(alliance_id, k)))
    counted, ends = session.execute(select(func.coalesce(func.sum(MerchantBase.members), 0),
                                           func.coalesce(func.sum(MerchantBase.partners_shown), 0))
                                    .where(MerchantBase.alliance_id == alliance_id)).one()
    if postgres:
        session.execute(text("ANALYZE overlap_pairs, overlap_bases"))
    return int(counted), int(ends) // 2  # each pair is a partner of both its merchants


def _rebuild_pairs_postgres(session: Session, alliance_id: int, k: int) -> None:
    """The same result as delete-all + INSERT … SELECT, faster on PostgreSQL in two ways:

    * The count goes into a temporary table with CREATE TABLE AS, which PostgreSQL may run with parallel workers
      (an INSERT … SELECT never runs in parallel before PostgreSQL 17), with `REBUILD_WORK_MEM` so the hash
      aggregate stays in memory.
    * Only what changed is written: rows whose (a, shared, b) no longer holds are deleted, new ones inserted.
      Re-inserting every row would check each primary key against its own just-deleted twin (a heap visit per
      row: 12 s instead of about 1 s at 350,000 pairs), and most pairs do not change between two recounts."""
    session.execute(text(f"SET LOCAL work_mem = '{REBUILD_WORK_MEM}'"))
    session.execute(text("DROP TABLE IF EXISTS overlap_fresh"))
    count = _pairs(alliance_id, k).compile(dialect=session.get_bind().dialect,
                                           compile_kwargs={"literal_binds": True})  # integers only
    session.execute(text(f"CREATE TEMPORARY TABLE overlap_fresh ON COMMIT DROP AS {count}"))
    session.execute(text(
        "DELETE FROM overlap_pairs p WHERE p.merchant_a_id IN (SELECT id FROM merchants WHERE alliance_id = :a) "
        "AND NOT EXISTS (SELECT 1 FROM overlap_fresh f WHERE f.merchant_a_id = p.merchant_a_id "
        "AND f.merchant_b_id = p.merchant_b_id AND f.shared = p.shared)"), {"a": alliance_id})
    session.execute(text(
        "INSERT INTO overlap_pairs (alliance_id, merchant_a_id, merchant_b_id, shared) "
        "SELECT f.alliance_id, f.merchant_a_id, f.merchant_b_id, f.shared FROM overlap_fresh f "
        "WHERE NOT EXISTS (SELECT 1 FROM overlap_pairs p WHERE p.merchant_a_id = f.merchant_a_id "
        "AND p.shared = f.shared AND p.merchant_b_id = f.merchant_b_id) "
        "ORDER BY f.merchant_a_id, f.shared, f.merchant_b_id"))
    session.execute(text("DROP TABLE overlap_fresh"))


def _bases(alliance_id: int, k: int) -> Select[Any]:
    """Per merchant of the alliance: its members (counted merchant by merchant on the merchant_id index, not by
    joining every membership to its merchant), and its cells (all ≥ k) counted and summed."""
    sides = union_all(
        select(PairOverlap.merchant_a_id.label("merchant_id"), PairOverlap.shared.label("shared")).where(
            PairOverlap.alliance_id == alliance_id, PairOverlap.shared >= k),
        select(PairOverlap.merchant_b_id.label("merchant_id"), PairOverlap.shared.label("shared")).where(
            PairOverlap.alliance_id == alliance_id, PairOverlap.shared >= k),
    ).subquery("sides")
    shown = (
        select(sides.c.merchant_id, func.count().label("partners"), func.sum(sides.c.shared).label("total"))
        .group_by(sides.c.merchant_id).subquery("shown")
    )
    members = (select(func.count()).select_from(Membership).where(Membership.merchant_id == Merchant.id,
                                                                  counts_a_customer(Membership.member_id))
               .scalar_subquery())
    return (
        select(literal(alliance_id), Merchant.id, members, func.coalesce(shown.c.partners, 0),
               func.coalesce(shown.c.total, 0))
        .select_from(Merchant).outerjoin(shown, shown.c.merchant_id == Merchant.id)
        .where(Merchant.alliance_id == alliance_id)
    )


def save_snapshot(session: Session, alliance_id: int, at: datetime, memberships: int, pairs: int,
                  seconds: float) -> OverlapSnapshot:
    snapshot = session.get(OverlapSnapshot, alliance_id)
    if snapshot is None:
        snapshot = OverlapSnapshot(alliance_id=alliance_id)
        session.add(snapshot)
    snapshot.computed_at, snapshot.memberships, snapshot.pairs, snapshot.seconds = at, memberships, pairs, seconds
    session.flush()
    return snapshot


LOCK_NAMESPACE = 0x4F56  # "OV": the first key of the recount's advisory locks


def lock_alliance(session: Session, alliance_id: int) -> None:
    """Two recounts of one alliance at once (two servers' jobs) take turns (db.job_lock)."""
    job_lock(session, LOCK_NAMESPACE, alliance_id)


def snapshot_of(session: Session, alliance_id: int) -> OverlapSnapshot | None:
    return session.get(OverlapSnapshot, alliance_id)


def alliance_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Alliance.id).order_by(Alliance.id)))


def memberships_in(session: Session, alliance_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Membership)
                          .where(Membership.merchant_id.in_(_alliance_merchants(alliance_id)),
                                 counts_a_customer(Membership.member_id))) or 0


# --- reads ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Partner:
    merchant_id: int
    name: str
    industry: str
    shared: int  # exact; suppressed by the service before it leaves


@dataclass(frozen=True)
class Summary:
    customers: int
    partners_shown: int
    shown_total: int
    other_merchants: int
    computed_at: datetime | None


def summary(session: Session, alliance_id: int, merchant_id: int) -> Summary:
    """The merchant's base row, how many other merchants its alliance has and when it was counted: one statement."""
    def base(column: Any) -> Any:
        return select(column).where(MerchantBase.alliance_id == alliance_id,
                                    MerchantBase.merchant_id == merchant_id).scalar_subquery()

    others = select(func.count()).select_from(Merchant).where(Merchant.alliance_id == alliance_id,
                                                              Merchant.id != merchant_id).scalar_subquery()
    counted = select(OverlapSnapshot.computed_at).where(OverlapSnapshot.alliance_id == alliance_id).scalar_subquery()
    row = session.execute(select(base(MerchantBase.members), base(MerchantBase.partners_shown),
                                 base(MerchantBase.shown_total), others, counted)).one()
    return Summary(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0), row[4])


def top_partners(session: Session, alliance_id: int, merchant_id: int, at_least: int, limit: int | None
                 ) -> list[Partner]:
    """The merchant's partners sharing at least `at_least` members, most shared first (ties: merchant id). With a
    limit, each side is read from the top of its (merchant, shared) index and stops after `limit` rows."""
    sides = []
    for me, other in ((PairOverlap.merchant_a_id, PairOverlap.merchant_b_id),
                      (PairOverlap.merchant_b_id, PairOverlap.merchant_a_id)):
        side = (select(other.label("other"), PairOverlap.shared.label("shared"))
                .where(PairOverlap.alliance_id == alliance_id, me == merchant_id, PairOverlap.shared >= at_least))
        if limit is not None:
            side = side.order_by(PairOverlap.shared.desc()).limit(limit)
        sides.append(side.subquery())
    partners = union_all(*(select(side.c.other, side.c.shared) for side in sides)).subquery("partners")
    stmt = (
        select(partners.c.other, Merchant.name, Merchant.industry, partners.c.shared)
        .join(Merchant, Merchant.id == partners.c.other)
        .where(Merchant.alliance_id == alliance_id)
        .order_by(partners.c.shared.desc(), partners.c.other)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [Partner(int(i), name, industry, int(n)) for i, name, industry, n in session.execute(stmt)]


def merchants_of(session: Session, p: Principal, alliance_id: int) -> list[Merchant]:
    """The alliance's merchants the caller may see, in id order."""
    return list(session.scalars(select(Merchant).where(policy.merchants(p), Merchant.alliance_id == alliance_id)
                                .order_by(Merchant.id)))


def bases(session: Session, alliance_id: int) -> dict[int, MerchantBase]:
    return {b.merchant_id: b for b in session.scalars(
        select(MerchantBase).where(MerchantBase.alliance_id == alliance_id))}


def pairs_at_least(session: Session, alliance_id: int, at_least: int) -> dict[tuple[int, int], int]:
    """(merchant a, merchant b) → shared, a < b, for the pairs sharing at least `at_least`."""
    rows = session.execute(select(PairOverlap.merchant_a_id, PairOverlap.merchant_b_id, PairOverlap.shared).where(
        PairOverlap.alliance_id == alliance_id, PairOverlap.shared >= at_least))
    return {(int(a), int(b)): int(n) for a, b, n in rows}

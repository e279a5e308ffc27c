"""Queries of duplicate candidates: the rows the batch reads (members, stores, merchants of one alliance), the
candidates stored, and the review queue scoped by the caller (tenancy.policy.dedup_candidates)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.dedup.domain import MemberRecord, PlaceRecord, phone_tail
from lianmeng.dedup.models import DedupCandidate, DedupSettings
from lianmeng.members.domain import MemberStatus
from lianmeng.members.models import Member
from lianmeng.merchants.models import Merchant, Store
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import MAX_ID
from lianmeng.vehicles import repository as vehicles_repo

BATCH = 50_000
#: Members compared: active and blocked ones. Not a phone pending its claim code (nobody's member yet), nor a
#: merged member's tombstone (merging), whatever status it carries.
COMPARED = (MemberStatus.ACTIVE.value, MemberStatus.BLOCKED.value)


def member_records(session: Session, alliance_id: int) -> Iterator[MemberRecord]:
    """The alliance's members as the batch compares them (a phone only by its last digits, from the masked copy;
    the keyed hash stays out of the batch; plates by their keyed hashes, which linking blinds for the run), read in
    id order and in batches."""
    plates = vehicles_repo.plate_hashes_in(session, alliance_id)
    after = 0
    while True:
        rows = session.execute(
            select(Member.id, Member.name, Member.birth_year, Member.gender, Member.origin_store_id,
                   Member.phone_masked)
            .where(Member.alliance_id == alliance_id, Member.status.in_(COMPARED), Member.id > after)
            .order_by(Member.id).limit(BATCH)
        ).all()
        for row in rows:
            yield MemberRecord(row.id, row.name, row.birth_year, row.gender, row.origin_store_id,
                               phone_tail(row.phone_masked), vehicles=plates.get(row.id, ()))
        if len(rows) < BATCH:
            return
        after = rows[-1].id


def members_by_id(session: Session, ids: Sequence[int]) -> dict[int, Member]:
    if not ids:
        return {}
    return {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(ids)))}


def member_count(session: Session, alliance_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Member).where(
        Member.alliance_id == alliance_id, Member.status.in_(COMPARED))) or 0


def store_records(session: Session, alliance_id: int, *, unmerged: bool = False) -> list[tuple[PlaceRecord, int]]:
    """Each store of the alliance with its merchant's id (`unmerged`: not those merged into another)."""
    query = (select(Store.id, Store.name, Store.address, Store.latitude, Store.longitude, Store.merchant_id)
             .join(Merchant, Merchant.id == Store.merchant_id).where(Merchant.alliance_id == alliance_id)
             .order_by(Store.id))
    if unmerged:
        query = query.where(Store.merged_into_id.is_(None))
    rows = session.execute(query).all()
    return [(PlaceRecord(r.id, r.name, r.address or "", None, r.latitude, r.longitude), r.merchant_id)
            for r in rows]


def merchant_records(session: Session, alliance_id: int, *, unmerged: bool = False) -> list[PlaceRecord]:
    """Each merchant with its first store's address and coordinates, and its credit code once merchants carry
    one (verification adds `Merchant.credit_code`; until then it is None). `unmerged`: not those merged into
    another."""
    query = select(Merchant).where(Merchant.alliance_id == alliance_id).order_by(Merchant.id)
    if unmerged:
        query = query.where(Merchant.merged_into_id.is_(None))
    merchants = session.scalars(query).all()
    first: dict[int, Store] = {}
    for row in session.scalars(select(Store).where(Store.merchant_id.in_([m.id for m in merchants]))
                                 .order_by(Store.id)):
        first.setdefault(row.merchant_id, row)
    records = []
    for m in merchants:
        store: Store | None = first.get(m.id)
        records.append(PlaceRecord(m.id, m.name, store.address if store else "", getattr(m, "credit_code", None),
                                   store.latitude if store else None, store.longitude if store else None))
    return records


def existing(session: Session, alliance_id: int, kind: str) -> dict[tuple[int, int], DedupCandidate]:
    rows = session.scalars(select(DedupCandidate).where(DedupCandidate.alliance_id == alliance_id,
                                                        DedupCandidate.kind == kind))
    return {(c.left_id, c.right_id): c for c in rows}


def settings_row(session: Session, alliance_id: int) -> DedupSettings | None:
    return session.get(DedupSettings, alliance_id)


def alliances_with_members(session: Session) -> list[int]:
    return list(session.scalars(select(Member.alliance_id).distinct().order_by(Member.alliance_id)))


def readable(session: Session, p: Principal, candidate_id: int) -> DedupCandidate | None:
    if not 0 < candidate_id <= MAX_ID:
        return None
    return session.scalar(select(DedupCandidate).where(DedupCandidate.id == candidate_id,
                                                       policy.dedup_candidates(p)))


def queue(session: Session, p: Principal, *, status: str | None, kind: str | None, alliance_id: int | None,
          limit: int, offset: int) -> tuple[list[DedupCandidate], int]:
    """The review queue, highest score first."""
    query = select(DedupCandidate).where(policy.dedup_candidates(p))
    if status:
        query = query.where(DedupCandidate.status == status)
    if kind:
        query = query.where(DedupCandidate.kind == kind)
    if alliance_id is not None:
        query = query.where(DedupCandidate.alliance_id == alliance_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(DedupCandidate.score.desc(), DedupCandidate.id)
                           .limit(limit).offset(offset)).all()
    return list(rows), total

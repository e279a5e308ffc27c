"""Queries of prospects' overlap, scoped by `tenancy.policy` where a caller reads."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from lianmeng.db import in_keys, insert_many
from lianmeng.members.domain import PENDING
from lianmeng.members.models import Member, Membership
from lianmeng.merchants.models import Merchant
from lianmeng.partners.models import Candidate
from lianmeng.prospects.domain import QUERY_BUDGET
from lianmeng.prospects.models import (
    OverlapAudit,
    OverlapCell,
    OverlapComputation,
    OverlapInvitation,
    ProspectMemberDigest,
)
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped

# SQLite caps the variables of one statement (32,766 by default); PostgreSQL takes one array whatever its size.
SQLITE_CHUNK = 20_000


def get_candidate(session: Session, p: Principal, candidate_id: int) -> Candidate:
    return get_scoped(session, Candidate, candidate_id, policy.overlap_candidates(p), "candidate")


def lock_candidate(session: Session, candidate_id: int) -> Candidate:
    """The prospect's row under a lock: two uploads at once cannot both spend its last query."""
    candidate = session.scalars(select(Candidate).where(Candidate.id == candidate_id).with_for_update()).one()
    return candidate


def get_invitation(session: Session, p: Principal, invitation_id: int) -> OverlapInvitation:
    return get_scoped(session, OverlapInvitation, invitation_id, policy.prospect_invitations(p), "invitation")


def list_invitations(p: Principal, *, candidate_id: int | None = None) -> Select[Any]:
    stmt = select(OverlapInvitation).where(policy.prospect_invitations(p))
    if candidate_id is not None:
        stmt = stmt.where(OverlapInvitation.candidate_id == candidate_id)
    return stmt.order_by(OverlapInvitation.id.desc())


def invitation_by_token_hashes(session: Session, token_hashes: Sequence[str]) -> OverlapInvitation | None:
    return session.scalars(select(OverlapInvitation).where(OverlapInvitation.token_hash.in_(token_hashes))
                           .order_by(OverlapInvitation.id)).first()


def computations_count(session: Session, candidate_id: int) -> int:
    return session.scalar(select(func.count()).where(OverlapComputation.candidate_id == candidate_id)) or 0


def computations_counts(session: Session, candidate_ids: Sequence[int]) -> dict[int, int]:
    if not candidate_ids:
        return {}
    rows = session.execute(select(OverlapComputation.candidate_id, func.count())
                           .where(OverlapComputation.candidate_id.in_(sorted(set(candidate_ids))))
                           .group_by(OverlapComputation.candidate_id))
    return {candidate_id: n for candidate_id, n in rows}


def candidate_names(session: Session, candidate_ids: Sequence[int]) -> dict[int, str]:
    if not candidate_ids:
        return {}
    rows = session.execute(select(Candidate.id, Candidate.name).where(Candidate.id.in_(sorted(set(candidate_ids)))))
    return {candidate_id: name for candidate_id, name in rows}


def prospects_of(p: Principal) -> Select[Any]:
    """Candidates outside the alliance the caller may invite."""
    return (select(Candidate).where(policy.overlap_candidates(p), Candidate.merchant_id.is_(None))
            .order_by(Candidate.name, Candidate.id))


# --- the member index of an invitation --------------------------------------------------------------------------


def member_phones(session: Session, alliance_id: int, batch: int = 20_000) -> Iterator[list[tuple[int, str]]]:
    """The alliance's members (not phones pending their claim code) as (id, encrypted phone), in batches by id."""
    last = 0
    while True:
        rows = session.execute(
            select(Member.id, Member.phone_enc)
            .where(Member.alliance_id == alliance_id, Member.status != PENDING, Member.id > last)
            .order_by(Member.id).limit(batch)).all()
        if not rows:
            return
        yield [(member_id, phone_enc) for member_id, phone_enc in rows]
        last = rows[-1][0]


def add_digests(session: Session, alliance_id: int, invitation_id: int, rows: Sequence[tuple[int, int]]) -> None:
    """(digest key, member id) rows of an invitation's member index."""
    insert_many(session, ProspectMemberDigest,
                [{"alliance_id": alliance_id, "invitation_id": invitation_id, "digest_key": key, "member_id": member_id}
                 for key, member_id in rows])


def merchant_bases(session: Session, alliance_id: int) -> dict[int, int]:
    """Each merchant of the alliance with its number of members (memberships), zero included."""
    merchants = session.scalars(select(Merchant.id).where(Merchant.alliance_id == alliance_id)).all()
    counts: dict[int, int] = {merchant_id: n for merchant_id, n in session.execute(
        select(Membership.merchant_id, func.count()).join(Merchant, Merchant.id == Membership.merchant_id)
        .where(Merchant.alliance_id == alliance_id).group_by(Membership.merchant_id))}
    return {merchant_id: counts.get(merchant_id, 0) for merchant_id in merchants}


def _chunks(session: Session, values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    if session.get_bind().dialect.name == "postgresql":
        yield values
        return
    for start in range(0, len(values), SQLITE_CHUNK):
        yield values[start:start + SQLITE_CHUNK]


def matched_members(session: Session, invitation_id: int, keys: Sequence[int]) -> list[int]:
    """Members whose phone, hashed under the invitation's salt, is among the uploaded hashes (by digest key): the
    set join, one index probe per key."""
    found: list[int] = []
    for chunk in _chunks(session, keys):
        found.extend(session.scalars(
            select(ProspectMemberDigest.member_id).where(
                ProspectMemberDigest.invitation_id == invitation_id,
                in_keys(session, [ProspectMemberDigest.digest_key], [(k,) for k in chunk]))))
    return found


def memberships_by_merchant(session: Session, member_ids: Sequence[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for chunk in _chunks(session, sorted(member_ids)):
        for merchant_id, n in session.execute(
                select(Membership.merchant_id, func.count())
                .where(in_keys(session, [Membership.member_id], [(m,) for m in chunk]))
                .group_by(Membership.merchant_id)):
            counts[merchant_id] = counts.get(merchant_id, 0) + n
    return counts


def _over(at: datetime) -> Any:
    spent = (select(OverlapComputation.candidate_id).group_by(OverlapComputation.candidate_id)
             .having(func.count() >= QUERY_BUDGET))
    return and_(OverlapInvitation.index_purged_at.is_(None),
                or_(OverlapInvitation.expires_at <= at, OverlapInvitation.candidate_id.in_(spent)))


def invitations_to_purge(session: Session, at: datetime, alliance_id: int | None = None) -> list[OverlapInvitation]:
    """Invitations (of one alliance, or of all) whose member index is still there although they are over:
    expired, or their prospect's budget is spent."""
    stmt = select(OverlapInvitation).where(_over(at))
    if alliance_id is not None:
        stmt = stmt.where(OverlapInvitation.alliance_id == alliance_id)
    return list(session.scalars(stmt.order_by(OverlapInvitation.id).with_for_update(skip_locked=True)))


def alliances_to_purge(session: Session, at: datetime) -> list[int]:
    stmt = (select(OverlapInvitation.alliance_id).where(_over(at)).distinct()
            .order_by(OverlapInvitation.alliance_id))
    return [int(a) for a in session.scalars(stmt)]


def delete_digests(session: Session, alliance_id: int, invitation_id: int) -> int:
    result = session.execute(delete(ProspectMemberDigest).where(ProspectMemberDigest.alliance_id == alliance_id,
                                                                ProspectMemberDigest.invitation_id == invitation_id))
    return int(getattr(result, "rowcount", 0) or 0)


def digests_count(session: Session, invitation_id: int | None = None) -> int:
    stmt = select(func.count()).select_from(ProspectMemberDigest)
    if invitation_id is not None:
        stmt = stmt.where(ProspectMemberDigest.invitation_id == invitation_id)
    return session.scalar(stmt) or 0


# --- results --------------------------------------------------------------------------------------------------


def computations_of(session: Session, candidate_id: int) -> list[OverlapComputation]:
    return list(session.scalars(select(OverlapComputation).where(OverlapComputation.candidate_id == candidate_id)
                                .order_by(OverlapComputation.id.desc())))


def latest_computation(session: Session, candidate_id: int) -> OverlapComputation | None:
    return session.scalars(select(OverlapComputation).where(OverlapComputation.candidate_id == candidate_id)
                           .order_by(OverlapComputation.id.desc()).limit(1)).first()


def cells_of(session: Session, computation_ids: Sequence[int], merchant_ids: set[int | None] | None = None
             ) -> list[OverlapCell]:
    """Cells of these computations; only the named merchants' (None: the alliance-wide cell) when given."""
    if not computation_ids:
        return []
    stmt = select(OverlapCell).where(OverlapCell.computation_id.in_(sorted(set(computation_ids))))
    if merchant_ids is not None:
        named = [m for m in merchant_ids if m is not None]
        wanted = [OverlapCell.merchant_id.in_(named)] if named else []
        if None in merchant_ids:
            wanted.append(OverlapCell.merchant_id.is_(None))
        stmt = stmt.where(or_(*wanted))
    return list(session.scalars(stmt.order_by(OverlapCell.computation_id, OverlapCell.merchant_id.is_(None),
                                              OverlapCell.merchant_id)))


def merchant_names(session: Session, merchant_ids: Sequence[int]) -> dict[int, str]:
    if not merchant_ids:
        return {}
    return {merchant_id: name for merchant_id, name in session.execute(
        select(Merchant.id, Merchant.name).where(Merchant.id.in_(sorted(set(merchant_ids)))))}


def list_audit(p: Principal, *, candidate_id: int | None = None) -> Select[Any]:
    stmt = select(OverlapAudit).where(policy.prospect_audit(p))
    if candidate_id is not None:
        stmt = stmt.where(and_(OverlapAudit.candidate_id == candidate_id))
    return stmt.order_by(OverlapAudit.id.desc())


def invitations_in_scope(session: Session, p: Principal, *, limit: int | None = None,
                         candidate_id: int | None = None) -> list[OverlapInvitation]:
    """The overlap invitations `p` may see (`list_invitations` run), at most `limit`."""
    stmt = list_invitations(p, candidate_id=candidate_id)
    return list(session.scalars(stmt.limit(limit) if limit is not None else stmt))


def prospect_candidates(session: Session, p: Principal) -> list[Candidate]:
    """Candidates outside the alliance the caller may invite (`prospects_of` run)."""
    return list(session.scalars(prospects_of(p)))

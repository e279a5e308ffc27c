from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, UTCDateTime


class OverlapInvitation(Base):
    """An invitation for a prospect (a `partners.Candidate` outside the alliance) to upload its hashed customer
    list. Holds its own random salt, encrypted; the token of its link is kept only as a keyed hash. When it is made,
    the alliance's members are hashed under its salt (`ProspectMemberDigest`) and each merchant's member count is
    noted (`bases`), so an upload is a set join."""

    __tablename__ = "prospect_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("partner_candidates.id"), index=True)
    inviter_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)  # None: operator
    invited_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("platform_users.id"))
    invited_by: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    salt_enc: Mapped[str] = mapped_column(String(200))
    members_indexed: Mapped[int] = mapped_column(Integer, default=0)
    alliance_members: Mapped[int] = mapped_column(Integer, default=0)
    bases: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # merchant id (text) -> its member count
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    index_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProspectMemberDigest(Base):
    """An alliance member's phone hashed under one invitation's salt: the index an upload is joined with. Kept as
    the hash's first 64 bits (`domain.digest_key`): a BIGINT key is probed three times faster than 32 bytes. Never
    leaves the database, never shown; purged by the jobs once the invitation is over (≤ 24 h)."""

    __tablename__ = "prospect_member_digests"

    invitation_id: Mapped[int] = mapped_column(ForeignKey("prospect_invitations.id"), primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    digest_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))


class OverlapComputation(Base):
    """One computation of an upload against the alliance: who (the invitation), when, how many distinct hashes,
    with which privacy budget. Its released cells are `OverlapCell`s; the uploaded hashes themselves are never
    written."""

    __tablename__ = "prospect_computations"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("partner_candidates.id"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("prospect_invitations.id"), index=True)
    distinct_hashes: Mapped[int] = mapped_column(Integer)
    epsilon: Mapped[float] = mapped_column(Float)
    noise_scale: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OverlapCell(Base):
    """A released count: the prospect's overlap with one merchant's members (or, `merchant_id` NULL, with the
    alliance's), noised; NULL when below k ("< 10"). The exact count is never stored."""

    __tablename__ = "prospect_overlap_cells"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"))
    computation_id: Mapped[int] = mapped_column(ForeignKey("prospect_computations.id"), index=True)
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    shared: Mapped[int | None] = mapped_column(Integer)
    base: Mapped[int] = mapped_column(Integer)


class OverlapAudit(Base):
    """The audit trail the operator reads: invitations made, computations (which pairs, what was released) and
    purges. `detail` holds only what was shown (suppressed cells as "< 10"), never a hash or a member."""

    __tablename__ = "prospect_overlap_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("partner_candidates.id"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("prospect_invitations.id"))
    computation_id: Mapped[int | None] = mapped_column(ForeignKey("prospect_computations.id"))
    event: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

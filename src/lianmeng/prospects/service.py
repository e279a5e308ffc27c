"""Use cases of a prospect's overlap: invite (a new salt, the alliance's members hashed under it), upload (read the
hashes, refuse what would single people out, spend one query of the budget, release noised and suppressed counts,
audit), read the results as the caller may, and purge the member index once the invitation is over.

The uploaded hashes are never written: they are read, joined with the invitation's member index and dropped with
the request. Exact counts are never written either; only the released (noised, suppressed) cells are.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from lianmeng.audit import service as audit
from lianmeng.audit.domain import AuditAction
from lianmeng.kit import clock, crypto
from lianmeng.kit.errors import AppError, Forbidden, Invalid, NotFound
from lianmeng.overlap.domain import K_MIN, OverlapFigure
from lianmeng.partners.models import Candidate
from lianmeng.prospects import domain, repository
from lianmeng.prospects.domain import AuditEvent
from lianmeng.prospects.errors import Problem
from lianmeng.prospects.models import OverlapAudit, OverlapCell, OverlapComputation, OverlapInvitation
from lianmeng.tenancy import Principal

SALT_PURPOSE = "overlap-salt"  # the salt is stored sealed with a key of this purpose (kit.crypto: HKDF per purpose)
TOKEN_PURPOSE = "overlap-invitation"


@dataclass(frozen=True)
class IssuedInvitation:
    """An invitation as it is made: the only time its token and salt leave the platform in an API answer."""

    invitation: OverlapInvitation
    token: str
    salt: str


@dataclass(frozen=True)
class CellView:
    merchant_id: int | None  # None: the alliance as a whole
    merchant_name: str
    shared: int | None  # None: below k
    base: int

    @property
    def shown(self) -> str:
        return domain.shown(self.shared)

    @property
    def share_pct(self) -> float | None:
        return domain.share_pct(self.shared, self.base)


@dataclass(frozen=True)
class ComputationView:
    computation: OverlapComputation
    cells: list[CellView]


@dataclass(frozen=True)
class UploadResult:
    """What the prospect sees after its upload: the alliance-wide cell only, and its budget."""

    computation: OverlapComputation
    alliance: CellView
    budget_left: int

    @property
    def share_of_upload_pct(self) -> float | None:
        return domain.share_pct(self.alliance.shared, self.computation.distinct_hashes)


def token_hash(token: str) -> str:
    return crypto.lookup_hash(token.strip(), TOKEN_PURPOSE)


def token_hashes(token: str) -> tuple[str, ...]:
    """The token's hash under the current and each retired key. The token itself is not kept, so a key rotation
    cannot re-hash it: a link made before the rotation is found by its retired-key hash (docs/operations-keys.md)."""
    return crypto.lookup_hashes(token.strip(), TOKEN_PURPOSE)


def _audit(session: Session, event: AuditEvent, actor: str, candidate_id: int, alliance_id: int, *,
           invitation_id: int | None = None, computation_id: int | None = None,
           detail: dict[str, object] | None = None) -> None:
    session.add(OverlapAudit(alliance_id=alliance_id, candidate_id=candidate_id, invitation_id=invitation_id,
                             computation_id=computation_id, event=event.value, actor=actor[:120], at=clock.now(),
                             detail=detail or {}))


# --- invite ---------------------------------------------------------------------------------------------------


def invite(session: Session, actor: Principal, candidate_id: int, hours: int = domain.INVITATION_HOURS
           ) -> IssuedInvitation:
    """The operator, or the admin of the merchant that keeps the candidate, invites a prospect. Hashing the
    alliance's members under the new salt happens here, once, so that an upload is a set join."""
    if not (actor.is_operator or actor.manages_merchant):
        raise Forbidden()
    candidate = repository.get_candidate(session, actor, candidate_id)
    if candidate.merchant_id is not None:
        raise Invalid(Problem.OVERLAP_CANDIDATE_IN_ALLIANCE)
    if domain.budget_left(repository.computations_count(session, candidate.id)) == 0:
        raise Forbidden(Problem.OVERLAP_BUDGET_SPENT, budget=domain.QUERY_BUDGET)
    salt = domain.new_salt()
    key = domain.salt_key(salt)
    assert key is not None
    token = secrets.token_urlsafe(24)
    now = clock.now()
    invitation = OverlapInvitation(
        alliance_id=candidate.alliance_id, candidate_id=candidate.id,
        inviter_merchant_id=actor.merchant_id if actor.manages_merchant else None,
        invited_by_user_id=actor.id if actor.kind == "user" else None, invited_by=actor.label[:80] or actor.kind,
        token_hash=token_hash(token), salt_enc=crypto.encrypt(salt, SALT_PURPOSE), created_at=now,
        expires_at=now + timedelta(hours=max(1, min(hours, domain.INVITATION_HOURS))), bases={})
    session.add(invitation)
    session.flush()
    indexed = index_members(session, invitation, key)
    invitation.members_indexed = indexed
    invitation.alliance_members = indexed
    invitation.bases = {str(m): n for m, n in repository.merchant_bases(session, candidate.alliance_id).items()}
    _audit(session, AuditEvent.INVITED, invitation.invited_by, candidate.id, candidate.alliance_id,
           invitation_id=invitation.id, detail={"members_indexed": indexed, "expires_at": invitation.expires_at
                                                .isoformat()})
    audit.record(session, actor, AuditAction.OVERLAP_INVITE, invitation.id, alliance_id=candidate.alliance_id,
                 after={"candidate_id": candidate.id, "members_indexed": indexed,
                        "expires_at": invitation.expires_at})
    session.flush()
    return IssuedInvitation(invitation, token, salt)


def index_members(session: Session, invitation: OverlapInvitation, key: bytes) -> int:
    """Every member's phone (decrypted in this loop only, never stored in clear) hashed under the invitation's key."""
    total = 0
    for batch in repository.member_phones(session, invitation.alliance_id):
        rows = [(domain.digest_key(domain.overlap_digest(key, domain.member_e164(crypto.decrypt(phone_enc)))),
                 member_id) for member_id, phone_enc in batch]
        repository.add_digests(session, invitation.alliance_id, invitation.id, rows)
        total += len(rows)
    return total


def salt_of(invitation: OverlapInvitation) -> str:
    return crypto.decrypt(invitation.salt_enc, SALT_PURPOSE)


def invitation_by_token(session: Session, token: str) -> OverlapInvitation:
    """The invitation of a link's token; 404 for any other string."""
    if not token or len(token) > 100:
        raise NotFound("invitation")
    invitation = repository.invitation_by_token_hashes(session, token_hashes(token))
    if invitation is None:
        raise NotFound("invitation")
    return invitation


def status_of(session: Session, invitation: OverlapInvitation, now: datetime | None = None
              ) -> domain.InvitationStatus:
    done = repository.computations_count(session, invitation.candidate_id)
    return domain.invitation_status(now or clock.now(), invitation.expires_at, done)


# --- upload ---------------------------------------------------------------------------------------------------


def upload(session: Session, token: str, raw: bytes, rng: np.random.Generator | None = None) -> UploadResult:
    """A prospect's hashed list against every merchant of the alliance. Refused, with nothing written: a malformed
    file (every problem by line), fewer than k or than MIN_UPLOAD distinct hashes, an invitation that is over, a
    prospect whose query budget is spent."""
    invitation = invitation_by_token(session, token)
    if invitation.index_purged_at is not None or clock.now() >= invitation.expires_at:
        raise AppError(Problem.OVERLAP_INVITATION_EXPIRED, status_code=410)
    read = domain.read_upload(raw)
    if read.problems:
        raise Invalid(Problem.OVERLAP_UPLOAD_MALFORMED,
                      details=problems_report(read.problems), count=len(read.problems))
    refusal = domain.size_refusal(len(read.digests))
    if refusal is not None:
        raise Invalid(refusal, k=K_MIN, minimum=domain.MIN_UPLOAD, count=len(read.digests))
    candidate = repository.lock_candidate(session, invitation.candidate_id)
    done = repository.computations_count(session, candidate.id)
    if domain.budget_left(done) == 0:
        raise Forbidden(Problem.OVERLAP_BUDGET_SPENT, budget=domain.QUERY_BUDGET)
    computation, cells = _compute(session, invitation, candidate, read.digests, rng or domain.secure_rng())
    alliance_cell = next(c for c in cells if c.merchant_id is None)
    return UploadResult(computation, CellView(None, "", alliance_cell.shared, alliance_cell.base),
                        domain.budget_left(done + 1))


def problems_report(problems: list[domain.LineProblem], limit: int = 200) -> dict[str, Any]:
    """The per-line report (the first `limit` problems, and how many there are): line numbers and codes only."""
    return {"problem_count": len(problems), "problems": [
        {"line": p.line, "problem": p.problem.value, **({"first_line": p.first_line} if p.first_line else {})}
        for p in problems[:limit]]}


def _compute(session: Session, invitation: OverlapInvitation, candidate: Candidate, digests: list[bytes],
             rng: np.random.Generator) -> tuple[OverlapComputation, list[OverlapCell]]:
    member_ids = repository.matched_members(session, invitation.id, sorted({domain.digest_key(d) for d in digests}))
    per_merchant = repository.memberships_by_merchant(session, member_ids)
    merchant_ids = sorted(int(m) for m in invitation.bases)
    exact = [per_merchant.get(m, 0) for m in merchant_ids] + [len(member_ids)]
    released = domain.release(exact, rng, ceiling=len(digests))
    computation = OverlapComputation(
        alliance_id=invitation.alliance_id, candidate_id=candidate.id, invitation_id=invitation.id,
        distinct_hashes=len(digests), epsilon=domain.EPSILON, noise_scale=domain.noise_scale(len(exact)),
        computed_at=clock.now())
    session.add(computation)
    session.flush()
    bases = [int(invitation.bases[str(m)]) for m in merchant_ids] + [invitation.alliance_members]
    cells = [OverlapCell(alliance_id=computation.alliance_id,
                         computation_id=computation.id, merchant_id=m, shared=shared, base=base)
             for m, shared, base in zip([*merchant_ids, None], released, bases, strict=True)]
    session.add_all(cells)
    _audit(session, AuditEvent.COMPUTED, f"{candidate.name} · #{invitation.id}", candidate.id,
           invitation.alliance_id, invitation_id=invitation.id, computation_id=computation.id,
           detail={"distinct_hashes": len(digests), "epsilon": domain.EPSILON,
                   "cells": [{"merchant_id": c.merchant_id, "shown": domain.shown(c.shared)} for c in cells]})
    session.flush()
    return computation, cells


# --- reading the results --------------------------------------------------------------------------------------


def results(session: Session, actor: Principal, candidate_id: int) -> list[ComputationView]:
    """The computations of a prospect the caller may see, newest first: the operator every cell; a merchant's admin
    its own merchant's cell and the alliance-wide one."""
    candidate = repository.get_candidate(session, actor, candidate_id)
    computations = repository.computations_of(session, candidate.id)
    visible: set[int | None] | None = None if actor.is_operator else {actor.merchant_id, None}
    cells = repository.cells_of(session, [c.id for c in computations], visible)
    names = repository.merchant_names(session, [c.merchant_id for c in cells if c.merchant_id is not None])
    by_computation: dict[int, list[CellView]] = {}
    for cell in cells:
        name = names.get(cell.merchant_id, "") if cell.merchant_id is not None else ""
        by_computation.setdefault(cell.computation_id, []).append(
            CellView(cell.merchant_id, name, cell.shared, cell.base))
    return [ComputationView(c, by_computation.get(c.id, [])) for c in computations]


def figure(session: Session, candidate_id: int, viewer_merchant_id: int | None) -> OverlapFigure | None:
    """The latest released cell of the prospect for the viewer merchant (the alliance-wide one for the operator,
    viewer None); None before any upload, or when the viewer had no cell in it (it joined the alliance later)."""
    latest = repository.latest_computation(session, candidate_id)
    if latest is None:
        return None
    cells = repository.cells_of(session, [latest.id], {viewer_merchant_id})
    if not cells:
        return None
    return OverlapFigure(shared=cells[0].shared, base=cells[0].base, source="upload")


# --- purge ----------------------------------------------------------------------------------------------------


def purge_expired(session: Session, at: datetime | None = None, alliance_id: int | None = None) -> int:
    """Delete the member index of every invitation that is over (expired, or its prospect's budget spent): the
    jobs run this every few minutes, so no index outlives its invitation's 23 hours by more than one run."""
    now = at or clock.now()
    invitations = repository.invitations_to_purge(session, now, alliance_id)
    for invitation in invitations:
        deleted = repository.delete_digests(session, invitation.alliance_id, invitation.id)
        invitation.index_purged_at = now
        _audit(session, AuditEvent.PURGED, "system", invitation.candidate_id, invitation.alliance_id,
               invitation_id=invitation.id, detail={"digests_deleted": deleted})
    session.flush()
    return len(invitations)


# --- describing invitations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationView:
    invitation: OverlapInvitation
    candidate_name: str
    status: domain.InvitationStatus
    budget_left: int


def describe(session: Session, invitations: list[OverlapInvitation]) -> list[InvitationView]:
    candidate_ids = [i.candidate_id for i in invitations]
    names = repository.candidate_names(session, candidate_ids)
    done = repository.computations_counts(session, candidate_ids)
    now = clock.now()
    return [InvitationView(i, names.get(i.candidate_id, ""),
                           domain.invitation_status(now, i.expires_at, done.get(i.candidate_id, 0)),
                           domain.budget_left(done.get(i.candidate_id, 0))) for i in invitations]


def budget_left_of(session: Session, candidate_id: int) -> int:
    return domain.budget_left(repository.computations_count(session, candidate_id))


def alliances_to_purge(session: Session, at: datetime | None = None) -> list[int]:
    """The jobs' choice: alliances with invitations that are over but still have their member index."""
    return repository.alliances_to_purge(session, at or clock.now())

"""Queries of verification: who else holds a code, the queue, one subject in scope, its events."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.merchants.models import Merchant
from lianmeng.partners.models import Candidate
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped
from lianmeng.verification.domain import SubjectKind, VerificationStatus
from lianmeng.verification.models import VerificationEvent


def merchants_with_code(session: Session, alliance_id: int, code: str, but: int | None) -> list[Merchant]:
    stmt = select(Merchant).where(Merchant.alliance_id == alliance_id, Merchant.credit_code == code)
    if but is not None:
        stmt = stmt.where(Merchant.id != but)
    return list(session.scalars(stmt.order_by(Merchant.id)))


def candidates_with_code(session: Session, alliance_id: int, owner_merchant_id: int | None, code: str,
                         but: int | None) -> list[Candidate]:
    """The same keeper's other prospects with this code (two keepers may well track the same prospect)."""
    owner = (Candidate.owner_merchant_id.is_(None) if owner_merchant_id is None
             else Candidate.owner_merchant_id == owner_merchant_id)
    stmt = select(Candidate).where(Candidate.alliance_id == alliance_id, Candidate.credit_code == code, owner)
    if but is not None:
        stmt = stmt.where(Candidate.id != but)
    return list(session.scalars(stmt.order_by(Candidate.id)))


def get_merchant(session: Session, p: Principal, merchant_id: int, *, lock: bool = False) -> Merchant:
    return get_scoped(session, Merchant, merchant_id, policy.verification_merchants(p), "merchant", lock=lock)


def get_prospect(session: Session, p: Principal, candidate_id: int, *, lock: bool = False) -> Candidate:
    return get_scoped(session, Candidate, candidate_id, policy.verification_prospects(p), "candidate", lock=lock)


def queue(session: Session, p: Principal, statuses: Sequence[VerificationStatus],
          kind: SubjectKind | None) -> tuple[list[Merchant], list[Candidate]]:
    codes = [s.value for s in statuses]
    merchants: list[Merchant] = []
    prospects: list[Candidate] = []
    if kind in (None, SubjectKind.MERCHANT):
        merchants = list(session.scalars(select(Merchant).where(policy.verification_merchants(p),
                                                                Merchant.verification_status.in_(codes))
                                         .order_by(Merchant.id)))
    if kind in (None, SubjectKind.PROSPECT):
        # a candidate linked to an alliance merchant is verified as that merchant; only prospects queue here
        prospects = list(session.scalars(select(Candidate).where(policy.verification_prospects(p),
                                                                 Candidate.merchant_id.is_(None),
                                                                 Candidate.verification_status.in_(codes))
                                          .order_by(Candidate.id)))
    return merchants, prospects


def events_of(session: Session, kind: SubjectKind, subject_id: int) -> list[VerificationEvent]:
    return list(session.scalars(select(VerificationEvent).where(VerificationEvent.subject_kind == kind.value,
                                                                VerificationEvent.subject_id == subject_id)
                                .order_by(VerificationEvent.id)))

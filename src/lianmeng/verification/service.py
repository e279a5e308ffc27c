"""Use cases of verification: entering details runs the automatic rules (all pass → auto_verified, otherwise
unverified with the findings); the operator verifies by hand or rejects with a reason. Every entry and decision
adds a `VerificationEvent` with the status and details before and after. Services only flush."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from lianmeng.alliances.models import Alliance
from lianmeng.kit import clock
from lianmeng.kit.errors import Conflict, Invalid
from lianmeng.merchants.models import Merchant
from lianmeng.partners.models import Candidate
from lianmeng.tenancy import Principal, policy
from lianmeng.verification import domain, repository
from lianmeng.verification.domain import AWAITING, Entry, SubjectKind, VerificationAction, VerificationStatus
from lianmeng.verification.errors import Problem
from lianmeng.verification.models import VerificationEvent
from lianmeng.verification.schemas import DETAIL_FIELDS, EventOut, FindingOut, SubjectDetailOut, SubjectOut

Subject = Merchant | Candidate


def _kind(subject: Subject) -> SubjectKind:
    return SubjectKind.MERCHANT if isinstance(subject, Merchant) else SubjectKind.PROSPECT


def _details(subject: Subject) -> dict[str, Any]:
    return {field: getattr(subject, field) for field in DETAIL_FIELDS}


def _snapshot(subject: Subject) -> dict[str, Any]:
    return {**_details(subject), "rejection_reason": subject.verification_rejection_reason}


def _others_with_code(session: Session, subject: Subject) -> list[str]:
    code = subject.credit_code
    if not code:
        return []
    if isinstance(subject, Merchant):
        return [m.name for m in repository.merchants_with_code(session, subject.alliance_id, code, subject.id)]
    merchants = [m.name for m in repository.merchants_with_code(session, subject.alliance_id, code,
                                                                 subject.merchant_id)]
    prospects = [c.name for c in repository.candidates_with_code(session, subject.alliance_id,
                                                                  subject.owner_merchant_id, code, subject.id)]
    return merchants + prospects


def _record(session: Session, actor: Principal, subject: Subject, action: VerificationAction, before: dict[str, Any],
            status_before: str, reason: str | None = None) -> None:
    session.add(VerificationEvent(
        alliance_id=subject.alliance_id, subject_kind=_kind(subject).value, subject_id=subject.id, action=action.value,
        status_before=status_before, status_after=subject.verification_status, before=before,
        after=_snapshot(subject), reason=reason, actor_user_id=actor.id if actor.kind == "user" else None,
        created_at=clock.now()))


def run_rules(session: Session, subject: Subject) -> list[domain.Finding]:
    alliance = session.get(Alliance, subject.alliance_id)
    entry = Entry(subject.credit_code, subject.legal_person, subject.registered_address, subject.licence_ref)
    return domain.run_rules(entry, _others_with_code(session, subject), alliance.city if alliance else "")


def enter_details(session: Session, actor: Principal, subject: Subject, changes: Mapping[str, Any]) -> None:
    """Apply the verification fields in `changes` (an entry or a change: credit code, legal person, registered
    address, licence reference) and run the rules. The caller has already checked the actor may edit the subject;
    the credit code has been checked by the body's schema (a wrong check character never gets here). Details sent
    again unchanged change nothing."""
    session.flush()  # the subject has its id, and other rows' codes are visible to the uniqueness rule
    before, status_before = _snapshot(subject), subject.verification_status
    given = {field: (value.strip() or None if isinstance(value, str) else value)
             for field, value in changes.items() if field in DETAIL_FIELDS}
    if subject.verification_findings is not None and all(getattr(subject, f) == v for f, v in given.items()):
        return  # the same details sent again (a form saved unchanged): nothing to re-check, no decision undone
    for field, value in given.items():
        setattr(subject, field, value)
    findings = run_rules(session, subject)
    subject.verification_findings = [f.as_dict() for f in findings]
    subject.verification_status = domain.status_after_rules(findings).value
    subject.verification_reviewed_by_user_id = None
    subject.verification_reviewed_at = None
    subject.verification_rejection_reason = None
    _record(session, actor, subject, VerificationAction.ENTERED, before, status_before)
    session.flush()


def touches_details(fields_set: set[str]) -> bool:
    return bool(fields_set & set(DETAIL_FIELDS))


def subject_of(session: Session, actor: Principal, kind: SubjectKind, subject_id: int, *,
               lock: bool = False) -> Subject:
    if kind is SubjectKind.MERCHANT:
        return repository.get_merchant(session, actor, subject_id, lock=lock)
    return repository.get_prospect(session, actor, subject_id, lock=lock)


def verify(session: Session, actor: Principal, kind: SubjectKind, subject_id: int, note: str | None = None) -> Subject:
    subject = subject_of(session, actor, kind, subject_id, lock=True)
    policy.require_verifier(actor)
    if not domain.may_verify(VerificationStatus(subject.verification_status)):
        raise Conflict(Problem.VERIFICATION_DECIDED)
    if not subject.credit_code:
        raise Invalid(Problem.VERIFICATION_NEEDS_CODE)
    before, status_before = _snapshot(subject), subject.verification_status
    subject.verification_status = VerificationStatus.VERIFIED.value
    subject.verification_reviewed_by_user_id = actor.id if actor.kind == "user" else None
    subject.verification_reviewed_at = clock.now()
    subject.verification_rejection_reason = None
    _record(session, actor, subject, VerificationAction.HAND_VERIFIED, before, status_before, note)
    session.flush()
    return subject


def reject(session: Session, actor: Principal, kind: SubjectKind, subject_id: int, reason: str) -> Subject:
    subject = subject_of(session, actor, kind, subject_id, lock=True)
    policy.require_verifier(actor)
    if not reason.strip():
        raise Invalid(Problem.VERIFICATION_REASON_REQUIRED)
    if not domain.may_reject(VerificationStatus(subject.verification_status)):
        raise Conflict(Problem.VERIFICATION_DECIDED)
    before, status_before = _snapshot(subject), subject.verification_status
    subject.verification_status = VerificationStatus.REJECTED.value
    subject.verification_reviewed_by_user_id = actor.id if actor.kind == "user" else None
    subject.verification_reviewed_at = clock.now()
    subject.verification_rejection_reason = reason.strip()
    _record(session, actor, subject, VerificationAction.REJECTED, before, status_before, reason.strip())
    session.flush()
    return subject


def to_out(subject: Subject) -> SubjectOut:
    return SubjectOut(
        kind=_kind(subject), id=subject.id, name=subject.name, **_details(subject),
        status=VerificationStatus(subject.verification_status),
        findings=[FindingOut.model_validate(f) for f in subject.verification_findings or []],
        reviewed_by_user_id=subject.verification_reviewed_by_user_id,
        reviewed_at=subject.verification_reviewed_at, rejection_reason=subject.verification_rejection_reason)


def detail(session: Session, actor: Principal, kind: SubjectKind, subject_id: int) -> SubjectDetailOut:
    subject = subject_of(session, actor, kind, subject_id)
    events = [EventOut.model_validate(e) for e in repository.events_of(session, kind, subject.id)]
    return SubjectDetailOut(**to_out(subject).model_dump(), events=events)


def queue(session: Session, actor: Principal, statuses: Sequence[VerificationStatus] = AWAITING,
          kind: SubjectKind | None = None) -> list[SubjectOut]:
    """Merchants and prospects no person has decided on yet, each with what every rule found (the operator's)."""
    policy.require_verifier(actor)
    merchants, prospects = repository.queue(session, actor, statuses, kind)
    return [to_out(s) for s in merchants] + [to_out(s) for s in prospects]

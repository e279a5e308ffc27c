"""Use cases for agreements: draft, edit while a draft, move through the status flow; every change recorded."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lianmeng.agreements import domain, repository
from lianmeng.agreements.domain import AgreementAction, AgreementEventKind, AgreementStatus, Side, Validity
from lianmeng.agreements.errors import Problem
from lianmeng.agreements.models import Agreement, AgreementEvent
from lianmeng.agreements.schemas import (
    AgreementCreate,
    AgreementOut,
    AgreementUpdate,
    CommissionTerm,
    CounterOfferIn,
)
from lianmeng.audit import service as audit
from lianmeng.audit.domain import AuditAction
from lianmeng.commissions import domain as commissions_domain
from lianmeng.kit import clock
from lianmeng.kit.errors import AppError, Conflict, Forbidden, Invalid, NotFound
from lianmeng.merchants import repository as merchants_repo
from lianmeng.notifications import service as notifications
from lianmeng.settlement.domain import SettlementCycle
from lianmeng.tenancy import Principal, policy
from lianmeng.webhooks import service as webhooks
from lianmeng.webhooks.domain import EventType


def side_of(actor: Principal, agreement: Agreement) -> Side | None:
    """How the caller stands in this agreement; None when it may only read it."""
    if actor.is_operator:
        return Side.OPERATOR
    if not actor.manages_merchant:
        return None
    if actor.merchant_id is not None and actor.merchant_id == agreement.merchant_a_id:
        return Side.PROPOSER
    if actor.merchant_id is not None and actor.merchant_id == agreement.merchant_b_id:
        return Side.COUNTERPARTY
    return None


def offered_by(agreement: Agreement) -> Side:
    """Whose offer is on the table (the proposer's until the counterparty counters)."""
    return Side.COUNTERPARTY if agreement.offered_by == Side.COUNTERPARTY.value else Side.PROPOSER


def to_out(actor: Principal, agreement: Agreement) -> AgreementOut:
    side = side_of(actor, agreement)
    actions = domain.allowed_actions(AgreementStatus(agreement.status), side, offered_by(agreement)) if side else []
    data: dict[str, Any] = {c.key: getattr(agreement, c.key) for c in Agreement.__table__.columns}
    data["alliance_wide"] = agreement.merchant_b_id is None
    data["offered_by"] = offered_by(agreement)
    return AgreementOut(**data, allowed_actions=actions)


def _record(
    session: Session, actor: Principal, agreement: Agreement, action: AgreementEventKind, from_status: str | None,
    changes: dict[str, Any] | None = None, note: str = "",
) -> None:
    session.add(
        AgreementEvent(
            alliance_id=agreement.alliance_id,
            agreement_id=agreement.id, action=action, from_status=from_status, to_status=agreement.status,
            actor=actor.label or f"{actor.kind}:{actor.id}", actor_user_id=actor.id if actor.kind == "user" else None,
            actor_merchant_id=actor.merchant_id, changes=changes or {}, note=note, at=clock.now(),
        )
    )
    before = {field: change["from"] for field, change in (changes or {}).items()}
    after = {field: change["to"] for field, change in (changes or {}).items()}
    if from_status != agreement.status:
        before["status"], after["status"] = from_status, agreement.status
    if note:
        after["note"] = note
    audit.record(session, actor, AuditAction(f"agreement.{action.value}"), agreement.id,
                 alliance_id=agreement.alliance_id, before=before, after=after)
    webhooks.emit(session, agreement.alliance_id, None, EventType.AGREEMENT_CHANGED, {
        "agreement_id": agreement.id, "action": str(action), "from_status": from_status,
        "status": agreement.status, "merchant_a_id": agreement.merchant_a_id, "merchant_b_id": agreement.merchant_b_id,
        "changed": sorted(changes or {}),
    }, parties=[m for m in (agreement.merchant_a_id, agreement.merchant_b_id) if m is not None])


def _check_terms(session: Session, actor: Principal, alliance_id: int, alliance_wide: bool,
                 terms: list[CommissionTerm], cycle: SettlementCycle) -> None:
    """Refuse (422) terms the commission engine would not pay as written (`commissions.domain.unpayable`), a hub
    outside the alliance, and a cycle other than monthly on an alliance-wide agreement (its lines are with every
    merchant, on the monthly statements). Nothing is ever accepted that would silently not be paid or settled."""
    problems = commissions_domain.unpayable(terms, alliance_wide=alliance_wide)
    if problems:
        first = problems[0]
        raise Invalid(first.code, term=first.index + 1, what=f"term.{first.field}", details={"commission_terms": [
            {"index": p.index, "field": p.field, "code": p.code} for p in problems]})
    for index, term in enumerate(terms):
        if term.hub_merchant_id is not None:
            try:
                hub = merchants_repo.get_merchant(session, actor, term.hub_merchant_id)
            except NotFound:
                hub = None
            if hub is None or hub.alliance_id != alliance_id:
                raise Invalid("wrong_alliance", what="merchant",
                              details={"commission_terms": [{"index": index, "field": "hub_merchant_id"}]})
    if alliance_wide and cycle is not SettlementCycle.MONTHLY:
        raise Invalid(Problem.AGREEMENT_CYCLE_ALLIANCE_WIDE, details={"settlement_cycle": cycle.value})


def create_agreement(session: Session, actor: Principal, data: AgreementCreate) -> Agreement:
    if not (actor.is_operator or actor.manages_merchant) or actor.alliance_id is None:
        raise Forbidden()
    merchant_a = actor.merchant_id if actor.is_merchant_side else data.merchant_a_id
    merchant_b = data.merchant_b_id
    if merchant_b is None and not actor.is_operator:
        raise Forbidden()  # alliance-wide agreements are the operator's
    if merchant_b is None:
        merchant_a = None
    elif merchant_a is None:
        raise Invalid("validation_error", details={"merchant_a_id": "required"})
    if merchant_a is not None and merchant_a == merchant_b:
        raise Invalid(Problem.AGREEMENT_SELF)
    for merchant_id in (merchant_a, merchant_b):
        if merchant_id is not None:
            merchant = merchants_repo.get_merchant(session, actor, merchant_id)
            if merchant.alliance_id != actor.alliance_id:
                raise Invalid("wrong_alliance", what="merchant")
    _check_terms(session, actor, actor.alliance_id, merchant_b is None, data.commission_terms, data.settlement_cycle)
    values = data.model_dump(mode="json", exclude={"merchant_a_id", "merchant_b_id", "valid_from", "valid_until"})
    agreement = Agreement(
        alliance_id=actor.alliance_id, merchant_a_id=merchant_a, merchant_b_id=merchant_b, status="draft",
        valid_from=data.valid_from or clock.today_in_shanghai(), valid_until=data.valid_until, **values,
    )
    session.add(agreement)
    session.flush()
    _record(session, actor, agreement, AgreementEventKind.CREATE, None)
    session.flush()
    return agreement


def _apply_terms(session: Session, actor: Principal, agreement: Agreement, data: AgreementUpdate) -> dict[str, Any]:
    """Set the terms `data` changes on the agreement after the same checks as at creation; the changes as
    {field: {"from": old, "to": new}} (JSON values), {} when nothing differs."""
    incoming = data.model_dump(mode="json", exclude_unset=True, exclude={"note"})
    changes: dict[str, Any] = {}
    for field, value in incoming.items():
        if value is None and field != "valid_until":
            continue
        current = getattr(agreement, field)
        current_json = current.isoformat() if hasattr(current, "isoformat") else current
        if current_json != value:
            changes[field] = {"from": current_json, "to": value}
    if "valid_from" in changes:
        agreement.valid_from = data.valid_from or agreement.valid_from
    if "valid_until" in changes:
        agreement.valid_until = data.valid_until
    if agreement.valid_until is not None and agreement.valid_until < agreement.valid_from:
        raise Invalid("validation_error", details={"valid_until": "must not be before valid_from"})
    if changes.keys() & {"commission_terms", "settlement_cycle"}:
        terms = [CommissionTerm.model_validate(t) for t in incoming.get("commission_terms",
                                                                      agreement.commission_terms)]
        cycle = SettlementCycle(incoming.get("settlement_cycle") or agreement.settlement_cycle)
        _check_terms(session, actor, agreement.alliance_id, agreement.merchant_b_id is None, terms, cycle)
    for field in changes.keys() - {"valid_from", "valid_until"}:
        setattr(agreement, field, incoming[field])
    return changes


def update_agreement(session: Session, actor: Principal, agreement_id: int, data: AgreementUpdate) -> Agreement:
    agreement = repository.get_agreement(session, actor, agreement_id, lock=True)
    if side_of(actor, agreement) is None:
        raise Forbidden(Problem.AGREEMENT_PARTY)
    if not domain.is_editable(AgreementStatus(agreement.status)):
        raise AppError(Problem.AGREEMENT_NOT_EDITABLE, status_code=409)
    changes = _apply_terms(session, actor, agreement, data)
    if changes:
        _record(session, actor, agreement, AgreementEventKind.UPDATE, agreement.status, changes)
    session.flush()
    return agreement


def _check_move(actor: Principal, agreement: Agreement, action: AgreementAction) -> tuple[Side, AgreementStatus]:
    """The caller's side and the status `action` leads to, or the refusal (403 not its move, 409 not now)."""
    side = side_of(actor, agreement)
    if side is None:
        raise Forbidden(Problem.AGREEMENT_PARTY)
    current = AgreementStatus(agreement.status)
    validity = Validity(agreement.valid_from, agreement.valid_until)
    try:
        target = domain.next_status(current, action, side, validity, clock.today_in_shanghai(), offered_by(agreement))
    except domain.TransitionRefused as refused:
        status_code = 403 if refused.code == "agreement_party" else 409
        raise AppError(refused.code, status_code=status_code, status=current.value, action=action.value) from None
    return side, target


def counter_offer(session: Session, actor: Principal, agreement_id: int, data: CounterOfferIn) -> Agreement:
    """The merchant who received the offer on the table sends changed terms back: the agreement stays proposed, the
    offer is now its own (the other merchant accepts, rejects or counters again). The history keeps what changed."""
    agreement = repository.get_agreement(session, actor, agreement_id, lock=True)
    side, target = _check_move(actor, agreement, AgreementAction.COUNTER)
    changes = _apply_terms(session, actor, agreement, data)
    if not changes:
        raise Invalid(Problem.AGREEMENT_COUNTER_UNCHANGED)
    agreement.status = target.value
    agreement.offered_by = side.value  # a merchant party: the operator never counters (domain)
    _record(session, actor, agreement, AgreementEventKind.of(AgreementAction.COUNTER), AgreementStatus.PROPOSED.value,
            changes, note=data.note.strip())
    session.flush()
    _offer_on_the_table(session, agreement, countered=True, by=side)
    return agreement


def _offer_on_the_table(session: Session, agreement: Agreement, *, countered: bool, by: Side) -> None:
    """The merchant the offer is now addressed to hears of it (notifications), in this transaction; `by`: who put
    it there (the operator proposes on the proposer's behalf, and the notification says so)."""
    notifications.proposal_received(
        session, alliance_id=agreement.alliance_id, agreement_id=agreement.id, title=agreement.title,
        merchant_a_id=agreement.merchant_a_id, merchant_b_id=agreement.merchant_b_id,
        offered_by_proposer=offered_by(agreement) is Side.PROPOSER, countered=countered,
        by_operator=by is Side.OPERATOR)


def transition(
    session: Session, actor: Principal, agreement_id: int, action: AgreementAction, note: str = ""
) -> Agreement:
    agreement = repository.get_agreement(session, actor, agreement_id, lock=True)
    if action is AgreementAction.COUNTER:  # a counter-offer carries its terms: `counter_offer`
        raise Invalid(Problem.AGREEMENT_COUNTER_NEEDS_TERMS, id=agreement_id)
    side, target = _check_move(actor, agreement, action)
    current = AgreementStatus(agreement.status)
    reason = note.strip()
    if domain.needs_reason(action) and not reason:
        raise Invalid(Problem.AGREEMENT_REASON_REQUIRED, details={"note": "required"}, action=action.value)
    if target is AgreementStatus.ACTIVE:  # terms written before the engine refused them never take effect
        problems = commissions_domain.unpayable(agreement.commission_terms,
                                                alliance_wide=agreement.merchant_b_id is None)
        if problems:
            raise Conflict(Problem.AGREEMENT_TERMS_UNPAYABLE, term=problems[0].index + 1,
                           details={"commission_terms": [{"index": p.index, "field": p.field, "code": p.code}
                                                         for p in problems]})
    agreement.status = target.value
    _record(session, actor, agreement, AgreementEventKind.of(action), current.value, note=reason)
    session.flush()
    if action is AgreementAction.PROPOSE:
        _offer_on_the_table(session, agreement, countered=False, by=side)
    return agreement


def history(session: Session, actor: Principal, agreement_id: int) -> list[AgreementEvent]:
    agreement = repository.get_agreement(session, actor, agreement_id)
    policy.require_staff_login(actor)
    return repository.events_of(session, agreement.alliance_id, agreement.id)

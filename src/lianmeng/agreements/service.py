"""Use cases for agreements: draft, edit while a draft, move through the status flow; every change recorded."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lianmeng.agreements import domain, repository
from lianmeng.agreements.domain import AgreementAction, AgreementStatus, Side, Validity
from lianmeng.agreements.models import Agreement, AgreementEvent
from lianmeng.agreements.schemas import AgreementCreate, AgreementOut, AgreementUpdate
from lianmeng.kit import clock
from lianmeng.kit.errors import AppError, Forbidden, Invalid
from lianmeng.merchants import repository as merchants_repo
from lianmeng.tenancy import Principal, policy


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


def to_out(actor: Principal, agreement: Agreement) -> AgreementOut:
    side = side_of(actor, agreement)
    actions = domain.allowed_actions(AgreementStatus(agreement.status), side) if side else []
    data: dict[str, Any] = {c.key: getattr(agreement, c.key) for c in Agreement.__table__.columns}
    data["alliance_wide"] = agreement.merchant_b_id is None
    return AgreementOut(**data, allowed_actions=actions)


def _record(
    session: Session, actor: Principal, agreement: Agreement, action: str, from_status: str | None,
    changes: dict[str, Any] | None = None, note: str = "",
) -> None:
    session.add(
        AgreementEvent(
            agreement_id=agreement.id, action=action, from_status=from_status, to_status=agreement.status,
            actor=actor.label or f"{actor.kind}:{actor.id}", actor_user_id=actor.id if actor.kind == "user" else None,
            actor_merchant_id=actor.merchant_id, changes=changes or {}, note=note, at=clock.now(),
        )
    )


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
        raise Invalid("agreement_self")
    for merchant_id in (merchant_a, merchant_b):
        if merchant_id is not None:
            merchant = merchants_repo.get_merchant(session, actor, merchant_id)
            if merchant.alliance_id != actor.alliance_id:
                raise Invalid("wrong_alliance", what="merchant")
    values = data.model_dump(mode="json", exclude={"merchant_a_id", "merchant_b_id", "valid_from", "valid_until"})
    agreement = Agreement(
        alliance_id=actor.alliance_id, merchant_a_id=merchant_a, merchant_b_id=merchant_b, status="draft",
        valid_from=data.valid_from or clock.today_in_shanghai(), valid_until=data.valid_until, **values,
    )
    session.add(agreement)
    session.flush()
    _record(session, actor, agreement, "create", None)
    session.flush()
    return agreement


def update_agreement(session: Session, actor: Principal, agreement_id: int, data: AgreementUpdate) -> Agreement:
    agreement = repository.get_agreement(session, actor, agreement_id, lock=True)
    if side_of(actor, agreement) is None:
        raise Forbidden("agreement_party")
    if not domain.is_editable(AgreementStatus(agreement.status)):
        raise AppError("agreement_not_editable", status_code=409)
    incoming = data.model_dump(mode="json", exclude_unset=True)
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
    for field in changes.keys() - {"valid_from", "valid_until"}:
        setattr(agreement, field, incoming[field])
    if changes:
        _record(session, actor, agreement, "update", agreement.status, changes)
    session.flush()
    return agreement


def transition(
    session: Session, actor: Principal, agreement_id: int, action: AgreementAction, note: str = ""
) -> Agreement:
    agreement = repository.get_agreement(session, actor, agreement_id, lock=True)
    side = side_of(actor, agreement)
    if side is None:
        raise Forbidden("agreement_party")
    current = AgreementStatus(agreement.status)
    validity = Validity(agreement.valid_from, agreement.valid_until)
    try:
        target = domain.next_status(current, action, side, validity, clock.today_in_shanghai())
    except domain.TransitionRefused as refused:
        status_code = 403 if refused.code == "agreement_party" else 409
        raise AppError(refused.code, status_code=status_code, status=current.value, action=action.value) from None
    reason = note.strip()
    if domain.needs_reason(action) and not reason:
        raise Invalid("agreement_reason_required", details={"note": "required"}, action=action.value)
    agreement.status = target.value
    _record(session, actor, agreement, action.value, current.value, note=reason)
    session.flush()
    return agreement


def history(session: Session, actor: Principal, agreement_id: int) -> list[AgreementEvent]:
    agreement = repository.get_agreement(session, actor, agreement_id)
    policy.require_staff_login(actor)
    return repository.events_of(session, agreement.id)

"""Use cases: top up stored value, record an order, refund it. One transaction each (the door commits).

An order posts, under keys derived from the order id, so a retry never posts twice:
  order:<id>:stored-value   member's stored value → the merchant that sold it (and partner balance if used at a
                            partner under a joint-card agreement)
  order:<id>:points-spend   member's points → operator float; operator owes the redeemer their value
  order:<id>:points-earn    operator float → member (debt repaid first); issuer owes the operator their value
  order:<id>:commission     referrer's rebates, frozen for the agreement's return window (commissions.service)
A refund reverses each in proportion (orders.domain.refund_parts), never edits what was posted.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianmeng.agreements import repository as agreements_repo
from lianmeng.agreements.domain import CooperationMode
from lianmeng.alliances.models import Alliance
from lianmeng.commissions import service as commissions
from lianmeng.db import insert_once
from lianmeng.kit import clock
from lianmeng.kit.errors import AppError, Conflict, Invalid
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, Leg, OwnerType
from lianmeng.members import repository as members_repo
from lianmeng.merchants import repository as merchants_repo
from lianmeng.merchants.models import Merchant
from lianmeng.orders import domain, repository
from lianmeng.orders.models import Order, Refund, TopUp
from lianmeng.orders.schemas import OrderCreate, RefundCreate, TopUpCreate
from lianmeng.points import domain as points_domain
from lianmeng.points import repository as points_repo
from lianmeng.points import service as points
from lianmeng.tenancy import Principal, policy


def member_stored_value(member_id: int, merchant_id: int) -> AccountRef:
    return AccountRef(OwnerType.MEMBER, member_id, AccountKind.STORED_VALUE, scope_id=merchant_id)


def _liability(merchant_id: int) -> AccountRef:
    return AccountRef(OwnerType.MERCHANT, merchant_id, AccountKind.STORED_VALUE_LIABILITY)


def _partner(merchant_id: int, partner_id: int) -> AccountRef:
    return AccountRef(OwnerType.MERCHANT, merchant_id, AccountKind.PARTNER_BALANCE, scope_id=partner_id)


def _acting_merchant(session: Session, actor: Principal, requested: int | None) -> Merchant:
    merchant_id = actor.merchant_id if actor.is_merchant_side else requested
    if merchant_id is None:
        raise Invalid("validation_error", details={"merchant_id": "required"})
    merchant = merchants_repo.get_merchant(session, actor, merchant_id)
    policy.require_serves(actor, merchant.id)
    if merchant.status != "active":
        raise Invalid("merchant_suspended")
    return merchant


def top_up(session: Session, actor: Principal, data: TopUpCreate) -> TopUp:
    merchant = _acting_merchant(session, actor, data.merchant_id)
    existing = repository.top_up_by_external_id(session, merchant.id, data.external_id)
    if existing is None:
        member = members_repo.get_member(session, actor, data.member_id)
        row = TopUp(alliance_id=merchant.alliance_id, merchant_id=merchant.id, member_id=member.id,
                    external_id=data.external_id, amount_fen=data.amount_fen, created_at=clock.now())
        if insert_once(session, row):
            legs = [Leg(member_stored_value(member.id, merchant.id), data.amount_fen),
                    Leg(_liability(merchant.id), -data.amount_fen)]
            ledger.post(session, merchant.alliance_id, f"top-up:{row.id}", "top_up", legs, cause_id=row.id)
            return row
        existing = repository.top_up_by_external_id(session, merchant.id, data.external_id)
    if existing is None or (existing.member_id, existing.amount_fen) != (data.member_id, data.amount_fen):
        raise Conflict("duplicate_external_id")
    return existing


def _same_order(order: Order, data: OrderCreate) -> bool:
    return (order.member_id, order.amount_fen, order.points_used, order.stored_value_fen) == (
        data.member_id, data.amount_fen, data.points_used, data.stored_value_fen)


def record_order(session: Session, actor: Principal, data: OrderCreate) -> Order:
    """Record a consumption once per (merchant, external id); a retry gets the first order back."""
    merchant = _acting_merchant(session, actor, data.merchant_id)
    existing = repository.order_by_external_id(session, merchant.id, data.external_id)
    if existing is not None:
        if not _same_order(existing, data):
            raise Conflict("duplicate_external_id")
        return existing
    member = members_repo.get_member(session, actor, data.member_id)
    alliance = session.get(Alliance, merchant.alliance_id)
    assert alliance is not None
    if data.store_id is not None and merchants_repo.get_store(session, actor, data.store_id).merchant_id != merchant.id:
        raise Invalid("wrong_merchant", what="store")
    points_value = points_domain.points_value_fen(data.points_used, alliance.points_per_yuan_value)
    try:
        split = domain.payment_split(data.amount_fen, data.stored_value_fen, points_value)
    except domain.SplitRefused as refused:
        raise Invalid(refused.code) from None
    sv_merchant = data.stored_value_merchant_id or merchant.id
    if data.stored_value_fen and sv_merchant != merchant.id and agreements_repo.active_agreement_between(
        session, merchant.alliance_id, merchant.id, sv_merchant, CooperationMode.JOINT_CARD.value,
        clock.today_in_shanghai(),
    ) is None:
        raise AppError("stored_value_not_accepted", status_code=409)
    order = Order(
        alliance_id=merchant.alliance_id, merchant_id=merchant.id, store_id=data.store_id or actor.store_id,
        member_id=member.id, external_id=data.external_id, amount_fen=data.amount_fen, cash_fen=split.cash_fen,
        stored_value_fen=split.stored_value_fen,
        stored_value_merchant_id=sv_merchant if data.stored_value_fen else None,
        points_used=data.points_used, points_value_fen=points_value,
        items=[i.model_dump() for i in data.items], referrer_merchant_id=data.referrer_merchant_id,
        referrer_staff_id=data.referrer_staff_id, recorded_by=actor.label, created_at=clock.now(),
    )
    if not insert_once(session, order):
        raced = repository.order_by_external_id(session, merchant.id, data.external_id)
        if raced is None or not _same_order(raced, data):
            raise Conflict("duplicate_external_id")
        return raced
    if split.stored_value_fen:
        _spend_stored_value(session, order, sv_merchant)
    if data.points_used:
        points.spend(session, order.alliance_id, member.id, merchant.id, data.points_used, order.id,
                     alliance.points_per_yuan_value)
    order.points_earned = _points_to_earn(session, order, member.id)
    points.earn(session, order.alliance_id, member.id, merchant.id, order.points_earned, order.id,
                alliance.points_per_yuan_value, alliance.points_expiry_months)
    commissions.credit_order(session, order, member)
    session.flush()
    return order


def _spend_stored_value(session: Session, order: Order, sv_merchant: int) -> None:
    amount = order.stored_value_fen
    legs = [Leg(member_stored_value(order.member_id, sv_merchant), -amount), Leg(_liability(sv_merchant), amount)]
    if sv_merchant != order.merchant_id:  # the seller of the stored value now owes the partner who served
        legs += [Leg(_partner(sv_merchant, order.merchant_id), -amount),
                 Leg(_partner(order.merchant_id, sv_merchant), amount)]
    ledger.post(session, order.alliance_id, f"order:{order.id}:stored-value", "order", legs, cause_id=order.id)


def _points_to_earn(session: Session, order: Order, member_id: int) -> int:
    row = points_repo.rule_of(session, order.merchant_id)
    rule = points_domain.EarningRule() if row is None else points_domain.EarningRule(
        points_per_yuan=row.points_per_yuan, min_order_fen=row.min_order_fen,
        max_points_per_order=row.max_points_per_order, tier_multipliers_pct=dict(row.tier_multipliers_pct),
    )
    membership = members_repo.membership_of(session, member_id, order.merchant_id)
    return points_domain.points_earned(rule, order.cash_fen + order.stored_value_fen,
                                       membership.tier if membership else None)


def refund_order(session: Session, actor: Principal, order_id: int, data: RefundCreate) -> Refund:
    """Refund part or all of an order. Money and points go back in proportion to what each payment method has
    not yet had back; the points the order earned are taken back (debt if already spent)."""
    order = repository.get_order(session, actor, order_id, lock=True)
    policy.require_serves(actor, order.merchant_id)
    existing = repository.refund_by_external_id(session, order.id, data.external_id)
    if existing is not None:
        if existing.amount_fen != data.amount_fen:
            raise Conflict("duplicate_external_id")
        return existing
    alliance = session.get(Alliance, order.alliance_id)
    assert alliance is not None
    cash_done, sv_done, restored_done, reversed_done = repository.refunded_totals(session, order.id)
    value_done = points_domain.points_value_fen(restored_done, alliance.points_per_yuan_value)
    try:
        cash, sv, value = domain.refund_parts(
            [order.cash_fen, order.stored_value_fen, order.points_value_fen], [cash_done, sv_done, value_done],
            data.amount_fen,
        )
    except domain.SplitRefused as refused:
        raise Invalid(refused.code) from None
    refund = Refund(alliance_id=order.alliance_id, order_id=order.id, external_id=data.external_id,
                    amount_fen=data.amount_fen, cash_fen=cash, stored_value_fen=sv, reason=data.reason,
                    created_at=clock.now())
    if not insert_once(session, refund):
        raise Conflict("duplicate_external_id")
    refunded_cumulative = order.refunded_fen + data.amount_fen
    if sv:
        _refund_stored_value(session, order, refund, sv)
    if order.points_used:
        target = order.points_used if value_done + value == order.points_value_fen else min(
            order.points_used,
            points_domain.points_for_fen(value_done + value, alliance.points_per_yuan_value),
        )
        refund.points_restored = points.restore_spent(
            session, order.alliance_id, order.id, order.member_id, order.merchant_id, order.points_used,
            max(target, restored_done), refund.id, alliance.points_per_yuan_value,
        )
    reverse = points_domain.reverse_earned_on_refund(order.points_earned, order.amount_fen, refunded_cumulative,
                                                     reversed_done)
    points.claw_back_earned(session, order.alliance_id, order.id, order.member_id, order.merchant_id, reverse,
                            refund.id, alliance.points_per_yuan_value, reversed_done)
    refund.points_reversed = reverse
    commissions.reverse_for_refund(session, order, refund.id, refunded_cumulative)
    order.refunded_fen = refunded_cumulative
    session.flush()
    return refund


def _refund_stored_value(session: Session, order: Order, refund: Refund, amount: int) -> None:
    sv_merchant = order.stored_value_merchant_id or order.merchant_id
    legs = [Leg(member_stored_value(order.member_id, sv_merchant), amount), Leg(_liability(sv_merchant), -amount)]
    if sv_merchant != order.merchant_id:
        legs += [Leg(_partner(sv_merchant, order.merchant_id), amount),
                 Leg(_partner(order.merchant_id, sv_merchant), -amount)]
    ledger.post(session, order.alliance_id, f"refund:{refund.id}:stored-value", "refund", legs, cause_id=refund.id)

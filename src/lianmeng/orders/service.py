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

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from lianmeng.agreements import repository as agreements_repo
from lianmeng.agreements.domain import CooperationMode
from lianmeng.alliances.models import Alliance
from lianmeng.commissions import repository as commissions_repo
from lianmeng.commissions import service as commissions
from lianmeng.coupons import domain as coupons_domain
from lianmeng.coupons import repository as coupons_repo
from lianmeng.coupons.domain import AttributionRule
from lianmeng.db import insert_once
from lianmeng.distribution import service as distribution
from lianmeng.kit import clock
from lianmeng.kit.errors import AppError, Conflict, Invalid, NotFound
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, Leg, OwnerType, PostingCause
from lianmeng.members import repository as members_repo
from lianmeng.merchants import repository as merchants_repo
from lianmeng.merchants.models import Merchant
from lianmeng.orders import domain, repository
from lianmeng.orders.errors import Problem
from lianmeng.orders.models import Order, Refund, TopUp
from lianmeng.orders.schemas import OrderCreate, RefundCreate, TopUpCreate
from lianmeng.ownership import service as ownership
from lianmeng.points import domain as points_domain
from lianmeng.points import repository as points_repo
from lianmeng.points import service as points
from lianmeng.settlement import repository as settlement_repo
from lianmeng.tenancy import Principal, policy
from lianmeng.webhooks import service as webhooks
from lianmeng.webhooks.domain import EventType, NewEvent


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
            ledger.post(session, merchant.alliance_id, f"top-up:{row.id}", PostingCause.TOP_UP, legs, cause_id=row.id)
            return row
        existing = repository.top_up_by_external_id(session, merchant.id, data.external_id)
    if existing is None or (existing.member_id, existing.amount_fen) != (data.member_id, data.amount_fen):
        raise Conflict(Problem.DUPLICATE_EXTERNAL_ID)
    return existing


def _same_order(order: Order, data: OrderCreate) -> bool:
    return (order.member_id, order.amount_fen, order.points_used, order.stored_value_fen) == (
        data.member_id, data.amount_fen, data.points_used, data.stored_value_fen)


def record_order(session: Session, actor: Principal, data: OrderCreate, *,
                 referred_at: datetime | None = None) -> Order:
    """Record a consumption once per (merchant, external id); a retry gets the first order back. `referred_at`:
    when the named referrer touched the member (a coupon's hand-out), for terms counted from the referral."""
    recorded = record_orders(session, actor, [data], referred_at=[referred_at])[0]
    if recorded.error is not None:
        raise recorded.error
    assert recorded.order_id is not None
    order = session.get(Order, recorded.order_id)
    assert order is not None
    return order


@dataclass
class Recorded:
    """What became of one order of a batch: its id (new, or the first one's for a retried external id), or why
    it was refused. A refused order wrote nothing; its batch-mates are not affected."""

    order_id: int | None = None
    replayed: bool = False
    error: AppError | None = None


@dataclass
class _Plan:
    """One order of a batch, checked and computed, waiting for its id to be written."""

    index: int
    data: OrderCreate
    merchant: Merchant
    alliance: Alliance
    member: members_repo.MemberFacts
    split: domain.PaymentSplit
    sv_merchant: int
    points_value: int
    earned: int
    referred: commissions.ReferredOrder | None
    at: datetime  # when it is recorded: commission terms, points granted, return windows count from here
    sold_at: datetime  # when the sale happened (= `at` but for an offline backlog): settlement and reports
    draws: list[points_domain.Draw] = field(default_factory=list)
    repaid: int = 0
    credits: list[commissions.Credit] = field(default_factory=list)

    def commissioned(self) -> commissions.ReferredOrder:
        """The order as the commission rules see it: with its referrer if it has one (and its member's origin for
        hub terms in any case)."""
        return self.referred or commissions.ReferredOrder(
            alliance_id=self.merchant.alliance_id, merchant_id=self.merchant.id, member=self.member,
            referrer_merchant_id=None, referrer_staff_id=None, amount_fen=self.data.amount_fen, at=self.at)

    def refs(self) -> list[AccountRef]:
        member_id, merchant_id = self.member.id, self.merchant.id
        refs = [points.member_points(member_id), points.member_debt(member_id), points.FLOAT, points.CLEARING,
                points.merchant_ref(merchant_id, AccountKind.POINTS_ISSUED),
                points.merchant_ref(merchant_id, AccountKind.POINTS_REDEEMED),
                AccountRef(OwnerType.MERCHANT, merchant_id, AccountKind.COMMISSION_PAYABLE), commissions.FEES]
        if self.split.stored_value_fen:
            refs += [leg.account for leg in _stored_value_legs(self.member.id, self.sv_merchant, merchant_id, 1)]
        return refs

    def postings(self) -> dict[str, list[Leg]]:
        """Key suffix → legs (the keys become order:<id>:<suffix> once the order has its id)."""
        rate = self.alliance.points_per_yuan_value
        member_id, merchant_id = self.member.id, self.merchant.id
        out: dict[str, list[Leg]] = {}
        if self.split.stored_value_fen:
            out["stored-value"] = _stored_value_legs(member_id, self.sv_merchant, merchant_id,
                                                     self.split.stored_value_fen)
        if self.data.points_used:
            out["points-spend"] = points.spend_legs(member_id, merchant_id, self.data.points_used, rate)
        if self.earned:
            out["points-earn"] = points.earn_legs(member_id, merchant_id, self.earned, self.repaid, rate)
        if self.credits:
            out["commission"] = commissions.credit_legs(merchant_id, self.credits)
        return out


class _Lookups:
    """What a batch reads once and shares: merchants, alliances, earning rules, stores, joint-card partners."""

    def __init__(self, session: Session, actor: Principal) -> None:
        self.session, self.actor = session, actor
        self._merchants: dict[int | None, Merchant | AppError] = {}
        self._rules: dict[int, points_domain.EarningRule] = {}
        self._stores: dict[int, int | AppError] = {}
        self._joint: dict[tuple[int, int], bool] = {}
        self._settled: dict[int, list[domain.SettledSpan]] = {}

    def merchant(self, requested: int | None) -> Merchant:
        if requested not in self._merchants:
            try:
                self._merchants[requested] = _acting_merchant(self.session, self.actor, requested)
            except AppError as refused:
                self._merchants[requested] = refused
        found = self._merchants[requested]
        if isinstance(found, AppError):
            raise found
        return found

    def alliance(self, alliance_id: int) -> Alliance:
        alliance = self.session.get(Alliance, alliance_id)
        assert alliance is not None
        return alliance

    def rule(self, merchant: Merchant) -> points_domain.EarningRule:
        merchant_id = merchant.id
        if merchant_id not in self._rules:
            row = points_repo.rule_of(self.session, merchant.alliance_id, merchant_id)
            self._rules[merchant_id] = points_domain.EarningRule() if row is None else points_domain.EarningRule(
                points_per_yuan=row.points_per_yuan, min_order_fen=row.min_order_fen,
                max_points_per_order=row.max_points_per_order, tier_multipliers_pct=dict(row.tier_multipliers_pct),
            )
        return self._rules[merchant_id]

    def check_store(self, store_id: int, merchant_id: int) -> None:
        if store_id not in self._stores:
            try:
                self._stores[store_id] = merchants_repo.get_store(self.session, self.actor, store_id).merchant_id
            except AppError as refused:
                self._stores[store_id] = refused
        owner = self._stores[store_id]
        if isinstance(owner, AppError):
            raise owner
        if owner != merchant_id:
            raise Invalid("wrong_merchant", what="store")

    def accepts_stored_value(self, merchant: Merchant, sv_merchant: int) -> bool:
        """A partner's stored value is accepted only under an active joint-card agreement."""
        key = (merchant.id, sv_merchant)
        if key not in self._joint:
            self._joint[key] = agreements_repo.active_agreement_between(
                self.session, merchant.alliance_id, merchant.id, sv_merchant, CooperationMode.JOINT_CARD.value,
                clock.today_in_shanghai(),
            ) is not None
        return self._joint[key]

    def settled(self, merchant: Merchant) -> list[domain.SettledSpan]:
        """The settled periods a backdated sale of this merchant may not fall in (holds off settlement runs of
        its alliance until the transaction ends: settlement_repo.settled_spans)."""
        if merchant.id not in self._settled:
            self._settled[merchant.id] = [domain.SettledSpan(*span) for span in settlement_repo.settled_spans(
                self.session, merchant.alliance_id, merchant.id)]
        return self._settled[merchant.id]


def record_orders(session: Session, actor: Principal, batch: Sequence[OrderCreate], *,
                  referred_at: Sequence[datetime | None] | None = None) -> list[Recorded]:
    """Record several orders in the caller's transaction with a fixed number of statements, whatever the batch
    size (group commit: docs/benchmarks.md). Each order is checked against balances locked for the whole batch
    before anything is written; a refused order gets its error in its `Recorded` and writes nothing, the others
    are recorded. Replays (a known external id with the same content) return the first order."""
    policy.require_staff_login(actor)  # members never record orders, not even their own
    now = clock.now()
    results = [Recorded() for _ in batch]
    lookups = _Lookups(session, actor)
    plans, duplicates = _check(session, actor, batch, lookups, results, now)
    for plan in plans:
        touched = referred_at[plan.index] if referred_at else None
        if plan.referred is not None and touched is not None:
            plan.referred = replace(plan.referred, referred_at=min(touched, now))
    _attribute(session, [p for p in plans if p.referred is None], now)
    if plans:
        accepted, books_of = _admit(session, plans, results, now)
        _write(session, actor, accepted, books_of, results, now)
        distribution.reward_orders(session, [
            distribution.NewOrder(order_id, p.merchant.alliance_id, p.merchant.id, p.member.id, p.data.amount_fen, now)
            for p in accepted if (order_id := results[p.index].order_id) is not None and not results[p.index].replayed])
    for index, first in duplicates.items():  # the same external id twice in one batch: the second is a retry
        results[index] = Recorded(order_id=results[first].order_id, replayed=True) if (
            results[first].order_id is not None and batch[index] == batch[first]
        ) else Recorded(error=Conflict(Problem.DUPLICATE_EXTERNAL_ID))
    return results


def _check(session: Session, actor: Principal, batch: Sequence[OrderCreate], lookups: _Lookups,
           results: list[Recorded], now: datetime) -> tuple[list[_Plan], dict[int, int]]:
    """Everything that needs no lock: merchant, replay, member, store, payment split, partner's stored value,
    points to earn. Refusals go straight to `results`; a repeated external id maps to its first index."""
    merchants: dict[int, Merchant] = {}
    for i, data in enumerate(batch):
        try:
            merchants[i] = lookups.merchant(data.merchant_id)
        except AppError as refused:
            results[i].error = refused
    known = repository.orders_by_external_ids(session, {(m.id, batch[i].external_id) for i, m in merchants.items()})
    members = members_repo.member_facts(session, actor, {batch[i].member_id for i in merchants})
    tiers = members_repo.tiers_at(session, {(batch[i].member_id, m.id) for i, m in merchants.items()})
    plans: list[_Plan] = []
    first_of: dict[tuple[int, str], int] = {}
    duplicates: dict[int, int] = {}
    for i, merchant in merchants.items():
        data = batch[i]
        key = (merchant.id, data.external_id)
        if key in known:
            results[i] = _replay(known[key], data)
            continue
        if key in first_of:
            duplicates[i] = first_of[key]
            continue
        try:
            plan = _plan(data, merchant, members.get(data.member_id), tiers, lookups, i, now)
        except AppError as refused:
            results[i].error = refused
            continue
        first_of[key] = i
        plans.append(plan)
    return plans, duplicates


def _replay(order: Order | None, data: OrderCreate) -> Recorded:
    if order is None or not _same_order(order, data):
        return Recorded(error=Conflict(Problem.DUPLICATE_EXTERNAL_ID))
    return Recorded(order_id=order.id, replayed=True)


def _plan(data: OrderCreate, merchant: Merchant, member: members_repo.MemberFacts | None,
          tiers: dict[tuple[int, int], str | None], lookups: _Lookups, index: int, now: datetime) -> _Plan:
    if member is None:
        raise NotFound("member")
    alliance = lookups.alliance(merchant.alliance_id)
    if data.store_id is not None:
        lookups.check_store(data.store_id, merchant.id)
    sold_at = now
    if data.occurred_at is not None:  # an offline backlog: the sale happened then, it is recorded now
        refusal = domain.occurred_refusal(data.occurred_at, now, lookups.settled(merchant))
        if refusal is not None:
            code, params = refusal
            raise Invalid(code, details={"occurred_at": code}, **params)
        sold_at = min(data.occurred_at, now)
    points_value = points_domain.points_value_fen(data.points_used, alliance.points_per_yuan_value)
    try:
        split = domain.payment_split(data.amount_fen, data.stored_value_fen, points_value)
    except domain.SplitRefused as refused:
        raise Invalid(refused.code) from None
    sv_merchant = data.stored_value_merchant_id or merchant.id
    if data.stored_value_fen and sv_merchant != merchant.id and not lookups.accepts_stored_value(merchant,
                                                                                                sv_merchant):
        raise AppError(Problem.STORED_VALUE_NOT_ACCEPTED, status_code=409)
    earned = points_domain.points_earned(lookups.rule(merchant), split.cash_fen + split.stored_value_fen,
                                         tiers.get((member.id, merchant.id)))
    referred = None if data.referrer_merchant_id is None else commissions.ReferredOrder(
        alliance_id=merchant.alliance_id, merchant_id=merchant.id, member=member,
        referrer_merchant_id=data.referrer_merchant_id, referrer_staff_id=data.referrer_staff_id,
        amount_fen=data.amount_fen, at=now,
    )
    return _Plan(index, data, merchant, alliance, member, split, sv_merchant, points_value, earned, referred, now,
                 sold_at)


def _attribute(session: Session, plans: list[_Plan], now: datetime) -> None:
    """Orders that name no referrer get the one the alliance's attribution rule credits (coupons.domain), if any:
    one statement for the whole batch."""
    if not plans:
        return
    max_window = max(p.alliance.attribution_window_days for p in plans)
    touched = {p.member.id for p in plans if p.alliance.attribution_rule != AttributionRule.REGISTRATION.value}
    touches: dict[int, list[coupons_domain.Touch]] = defaultdict(list)
    earliest = min(p.sold_at for p in plans)
    for row in coupons_repo.touches_of(session, touched, earliest - timedelta(days=max_window)):
        touches[row.member_id].append(coupons_domain.Touch(row.referrer_merchant_id, row.referrer_staff_id,
                                                           row.target_merchant_id, row.issued_at))
    found_for: dict[int, coupons_domain.Attribution] = {}
    for plan in plans:
        member = plan.member
        found = coupons_domain.attribute(
            AttributionRule(plan.alliance.attribution_rule), plan.alliance.attribution_window_days,
            touches[member.id], plan.merchant.id, member.origin_merchant_id, member.origin_staff_id,
            member.created_at, plan.sold_at)
        if found is not None:
            found_for[plan.index] = found
    # the member's owner (归属) at the referring merchant is the staff member the referral credits
    owners = ownership.owners_for_attribution(
        session, {(p.member.id, found_for[p.index].referrer_merchant_id) for p in plans if p.index in found_for})
    for plan in plans:
        if plan.index not in found_for:
            continue
        found = found_for[plan.index]
        staff_id = owners.get((plan.member.id, found.referrer_merchant_id), found.referrer_staff_id)
        plan.referred = commissions.ReferredOrder(
            alliance_id=plan.merchant.alliance_id, merchant_id=plan.merchant.id, member=plan.member,
            referrer_merchant_id=found.referrer_merchant_id, referrer_staff_id=staff_id,
            amount_fen=plan.data.amount_fen, at=now, referred_at=found.referred_at)


def _admit(session: Session, plans: list[_Plan], results: list[Recorded], now: datetime,
           ) -> tuple[list[_Plan], dict[int, ledger.Books]]:
    """Lock the batch's grants and kept accounts (id order), then take the orders one by one against them. The
    commission agreements in force are read first: they say whose rebate accounts (referrers', hubs') to lock."""
    grants = points.live_grants_for_update(session, [p.member.id for p in plans if p.data.points_used], now)
    referrals = commissions.ReferralBook(session, [p.commissioned() for p in plans])
    books_of: dict[int, ledger.Books] = {}
    for alliance_id in sorted({p.merchant.alliance_id for p in plans}):
        refs = [ref for p in plans if p.merchant.alliance_id == alliance_id
                for ref in (*p.refs(), *referrals.refs(p.commissioned()))]
        books_of[alliance_id] = ledger.open_books(session, alliance_id, refs)
    referrals.read_history(session)
    accepted: list[_Plan] = []
    for plan in plans:
        books = books_of[plan.merchant.alliance_id]
        member_id = plan.member.id
        try:
            if plan.data.points_used:
                try:
                    plan.draws = points_domain.allocate_spend(grants[member_id], plan.data.points_used, now)
                except points_domain.InsufficientPoints as short:
                    raise points.InsufficientPoints(short.available, short.requested) from None
            plan.repaid = min(plan.earned, max(-books.balance(points.member_debt(member_id)), 0))
            plan.credits = referrals.credits(plan.commissioned())
            books.admit(plan.postings().values())
        except AppError as refused:
            results[plan.index].error = refused
            continue
        grants[member_id] = points.take_drawn(grants[member_id], plan.draws)
        referrals.record(member_id, plan.merchant.id, plan.credits)
        accepted.append(plan)
    return accepted, books_of


def _order_row(plan: _Plan, actor: Principal, now: datetime) -> dict[str, Any]:
    data = plan.data
    return {
        "alliance_id": plan.merchant.alliance_id, "merchant_id": plan.merchant.id,
        "store_id": data.store_id or actor.store_id, "member_id": plan.member.id, "external_id": data.external_id,
        "amount_fen": data.amount_fen, "cash_fen": plan.split.cash_fen, "stored_value_fen": plan.split.stored_value_fen,
        "stored_value_merchant_id": plan.sv_merchant if data.stored_value_fen else None,
        "points_used": data.points_used, "points_value_fen": plan.points_value, "points_earned": plan.earned,
        "items": [i.model_dump() for i in data.items],
        "referrer_merchant_id": plan.referred.referrer_merchant_id if plan.referred else None,
        "referrer_staff_id": plan.referred.referrer_staff_id if plan.referred else None, "refunded_fen": 0,
        "recorded_by": actor.label,
        "created_at": now, "occurred_at": plan.sold_at,
    }
def refund_order(session: Session, actor: Principal, order_id: int, data: RefundCreate) -> Refund:
    """Refund part or all of an order. Money and points go back in proportion to what each payment method has
    not yet had back; the points the order earned are taken back (debt if already spent)."""
    order = repository.get_order(session, actor, order_id, lock=True)
    policy.require_serves(actor, order.merchant_id)
    existing = repository.refund_by_external_id(session, order, data.external_id)
    if existing is not None:
        if existing.amount_fen != data.amount_fen:
            raise Conflict(Problem.DUPLICATE_EXTERNAL_ID)
        return existing
    alliance = session.get(Alliance, order.alliance_id)
    assert alliance is not None
    cash_done, sv_done, restored_done, reversed_done = repository.refunded_totals(session, order)
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
        raise Conflict(Problem.DUPLICATE_EXTERNAL_ID)
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
    distribution.reverse_for_refund(session, order, refunded_cumulative)
    order.refunded_fen = refunded_cumulative
    session.flush()
    webhooks.emit(session, order.alliance_id, order.merchant_id, EventType.ORDER_REFUNDED, {
        "order_id": order.id, "refund_id": refund.id, "merchant_id": order.merchant_id,
        "external_id": refund.external_id, "amount_fen": refund.amount_fen, "cash_fen": refund.cash_fen,
        "stored_value_fen": refund.stored_value_fen, "refunded_total_fen": order.refunded_fen,
        "order_amount_fen": order.amount_fen,
    }, parties=[m for m in (order.referrer_merchant_id, order.stored_value_merchant_id) if m is not None],
        member_id=order.member_id)
    return refund


def _refund_stored_value(session: Session, order: Order, refund: Refund, amount: int) -> None:
    sv_merchant = order.stored_value_merchant_id or order.merchant_id
    legs = [leg.reversed() for leg in _stored_value_legs(order.member_id, sv_merchant, order.merchant_id, amount)]
    ledger.post(session, order.alliance_id, f"refund:{refund.id}:stored-value", PostingCause.REFUND, legs,
                cause_id=refund.id)


def _write(session: Session, actor: Principal, accepted: list[_Plan], books_of: dict[int, ledger.Books],
           results: list[Recorded], now: datetime) -> None:
    """One INSERT for the orders, then the postings, grant changes and rebates of those that were inserted."""
    ids = repository.insert_orders(session, [_order_row(plan, actor, now) for plan in accepted])
    drafts: dict[int, list[ledger.Draft]] = defaultdict(list)
    draws: list[dict[str, Any]] = []
    grants: list[dict[str, Any]] = []
    rebates: list[dict[str, Any]] = []
    events: list[NewEvent] = []
    for plan in accepted:
        order_id = ids.get((plan.merchant.id, plan.data.external_id))
        if order_id is None:  # a concurrent request recorded this external id first: nothing of ours is written
            raced = repository.order_by_external_id(session, plan.merchant.id, plan.data.external_id)
            results[plan.index] = _replay(raced, plan.data)
            continue
        results[plan.index] = Recorded(order_id=order_id)
        events.append(_recorded_event(plan, order_id))
        drafts[plan.merchant.alliance_id] += [
            ledger.Draft(f"order:{order_id}:{suffix}",
                         PostingCause.COMMISSION if suffix == "commission" else PostingCause.ORDER, legs,
                         cause_id=order_id, occurred_at=plan.sold_at)
            for suffix, legs in plan.postings().items()
        ]
        draws += [{"alliance_id": plan.merchant.alliance_id,
                   "grant_id": d.grant_id, "order_id": order_id, "refund_id": None, "reason": "spend",
                   "points": d.points, "at": now} for d in plan.draws]
        if plan.earned - plan.repaid:
            grants.append({
                "alliance_id": plan.merchant.alliance_id, "member_id": plan.member.id,
                "issuer_merchant_id": plan.merchant.id, "order_id": order_id, "points": plan.earned - plan.repaid,
                "remaining": plan.earned - plan.repaid, "granted_at": now,
                "expires_at": points_domain.expiry_for(clock.shanghai(now), plan.alliance.points_expiry_months),
            })
        if plan.credits:
            rebates += commissions.rebate_rows(order_id, plan.commissioned(), plan.credits)
    for alliance_id, alliance_drafts in drafts.items():
        ledger.post_many(session, books_of[alliance_id], alliance_drafts, now)
    points.write_batch(session, draws, grants)
    commissions_repo.insert_rebates(session, rebates)
    webhooks.emit_many(session, events)


def _recorded_event(plan: _Plan, order_id: int) -> NewEvent:
    """order.recorded: ids and amounts in fen. Parties: the selling merchant, the referrer, the merchant whose
    stored value paid (a joint card); the member's id goes to the selling merchant only (webhooks.domain)."""
    data, referrer = plan.data, plan.referred.referrer_merchant_id if plan.referred else None
    parties = [m for m in (referrer, plan.sv_merchant if data.stored_value_fen else None) if m is not None]
    return NewEvent(plan.merchant.alliance_id, plan.merchant.id, EventType.ORDER_RECORDED, {
        "order_id": order_id, "merchant_id": plan.merchant.id, "store_id": data.store_id,
        "external_id": data.external_id, "amount_fen": data.amount_fen, "cash_fen": plan.split.cash_fen,
        "stored_value_fen": plan.split.stored_value_fen, "points_used": data.points_used,
        "points_earned": plan.earned, "referrer_merchant_id": referrer, "occurred_at": plan.sold_at.isoformat(),
    }, tuple(parties), plan.member.id)


def _stored_value_legs(member_id: int, sv_merchant: int, merchant_id: int, amount: int) -> list[Leg]:
    """Member's stored value → the merchant that sold it; used at a partner (joint card), the seller of the
    stored value now owes the partner who served. A refund posts the same legs negated."""
    legs = [Leg(member_stored_value(member_id, sv_merchant), -amount), Leg(_liability(sv_merchant), amount)]
    if sv_merchant != merchant_id:
        legs += [Leg(_partner(sv_merchant, merchant_id), -amount), Leg(_partner(merchant_id, sv_merchant), amount)]
    return legs

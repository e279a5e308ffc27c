"""Commissions in money: computed by the pure rules (commissions.domain), credited frozen at order time, released
when the agreement's return window has passed, reversed in proportion by refunds (a clawback once released).

Postings (keys derived from the order/refund/rebate, so retries and concurrent job runs post once):
  order:<id>:commission     payer's commission_payable → each payee's rebate_frozen (+ operator fees)
  refund:<id>:commission    back, from rebate_frozen; from rebate_available (then clawback) once released
  rebate:<id>:release       rebate_frozen → rebate_clawback repaid first → rebate_available
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session

from lianmeng.agreements import repository as agreements_repo
from lianmeng.agreements.models import Agreement
from lianmeng.agreements.schemas import CommissionKind, CommissionTerm
from lianmeng.commissions import domain, repository
from lianmeng.commissions.models import Rebate
from lianmeng.kit import clock
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import OPERATOR, AccountKind, AccountRef, Leg, OwnerType, Party, PostingCause
from lianmeng.members.repository import MemberFacts
from lianmeng.notifications import service as notifications
from lianmeng.orders.models import Order
from lianmeng.webhooks import service as webhooks
from lianmeng.webhooks.domain import EventType

FEES = AccountRef(OwnerType.OPERATOR, 0, AccountKind.FEES)


def payee_ref(payee_type: str, payee_id: int, kind: AccountKind) -> AccountRef:
    return AccountRef(OwnerType(payee_type), payee_id, kind)


def _payable(merchant_id: int) -> AccountRef:
    return AccountRef(OwnerType.MERCHANT, merchant_id, AccountKind.COMMISSION_PAYABLE)


@dataclass(frozen=True)
class Credit:
    """What one order owes its referrer under an agreement: the rebates to create (frozen) and their legs."""

    agreement_id: int
    payouts: list[domain.Payout]
    releases_at: datetime

    @property
    def referrer_fen(self) -> int:
        """Counts towards the member's monthly cap (operator commission does not)."""
        return sum(p.amount_fen for p in self.payouts if p.payee is not domain.PayeeKind.OPERATOR)


@dataclass(frozen=True)
class ReferredOrder:
    """An order about to be recorded, as the commission rules need it: with its referrer when it has one (referral
    terms), and always with its member's origin (hub terms)."""

    alliance_id: int
    merchant_id: int
    member: MemberFacts
    referrer_merchant_id: int | None
    referrer_staff_id: int | None
    amount_fen: int
    at: datetime
    referred_at: datetime | None = None  # when the referrer touched the member (attribution), if known

    @property
    def is_referred(self) -> bool:
        return self.referrer_merchant_id not in (None, self.merchant_id)


def rebate_refs(referrer_merchant_id: int | None, referrer_staff_id: int | None) -> list[AccountRef]:
    """The kept accounts a referred order may credit: lock them with the rest of the batch."""
    refs = []
    if referrer_merchant_id is not None:
        refs.append(payee_ref("merchant", referrer_merchant_id, AccountKind.REBATE_FROZEN))
    if referrer_staff_id is not None:
        refs.append(payee_ref("staff", referrer_staff_id, AccountKind.REBATE_FROZEN))
    return refs


class ReferralBook:
    """What the commission rules need to know about a batch's orders. Built before the batch's accounts are locked:
    the agreements in force (one statement per alliance: those of the batch's merchants and the alliance-wide ones),
    which say whose accounts to lock (`refs`). Once locked, `read_history` reads the referred orders' orders so far
    and commission this month (two statements); the batch's own earlier orders add what the database does not show
    yet. Use `credits` for each order in turn, then `record` the accepted ones."""

    def __init__(self, session: Session, orders: Sequence[ReferredOrder]) -> None:
        self._pairs: dict[tuple[int, int], list[Agreement]] = {}
        self._hubs: dict[int, list[Agreement]] = {}  # alliance → its alliance-wide agreements with hub terms
        self._terms: dict[int, list[CommissionTerm]] = {}  # agreement → its terms, validated once per batch
        self._referred = [o for o in orders if o.is_referred]
        self._orders_at: dict[tuple[int, int], int] = {}
        self._month_paid: dict[tuple[int, int], int] = {}
        if not orders:
            return
        today = clock.today_in_shanghai(orders[0].at)
        for alliance_id in sorted({o.alliance_id for o in orders}):
            merchants = {o.merchant_id for o in orders if o.alliance_id == alliance_id} | {
                o.referrer_merchant_id for o in self._referred if o.alliance_id == alliance_id
                and o.referrer_merchant_id is not None}
            for agreement in agreements_repo.commission_agreements(session, alliance_id, merchants, today):
                if not agreement.commission_terms:
                    continue
                self._terms[agreement.id] = [domain.normalise_term(t) for t in agreement.commission_terms]
                if agreement.merchant_a_id is None or agreement.merchant_b_id is None:
                    self._hubs.setdefault(alliance_id, []).append(agreement)
                    continue
                for pair in ((agreement.merchant_a_id, agreement.merchant_b_id),
                             (agreement.merchant_b_id, agreement.merchant_a_id)):
                    self._pairs.setdefault(pair, []).append(agreement)  # oldest first, as the query orders them

    def refs(self, order: ReferredOrder) -> list[AccountRef]:
        """The kept accounts this order may credit (its referrer's, and the hubs' that brought its member)."""
        refs = rebate_refs(order.referrer_merchant_id, order.referrer_staff_id) if order.is_referred else []
        hubs = {term.hub_merchant_id for agreement in self._hubs.get(order.alliance_id, [])
                for term in self._terms[agreement.id] if term.kind is CommissionKind.HUB_SHARE
                and term.hub == "merchant" and domain.brought_by_hub(term, order.member.origin_merchant_id)}
        return refs + [payee_ref("merchant", hub, AccountKind.REBATE_FROZEN)
                       for hub in sorted(h for h in hubs if h is not None and h != order.merchant_id)]

    def read_history(self, session: Session) -> None:
        """Once the batch's accounts are locked: the referred members' orders so far at each merchant and the
        commission paid this month under each agreement (for first-order and monthly-cap terms)."""
        if not self._referred:
            return
        self._orders_at = repository.orders_at_many(session, {(o.member.id, o.merchant_id) for o in self._referred})
        month_start = clock.shanghai(self._referred[0].at).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        self._month_paid = repository.month_paid_many(
            session, {o.member.id for o in self._referred},
            {a.id for agreements in self._pairs.values() for a in agreements}, month_start)

    def credits(self, order: ReferredOrder) -> list[Credit]:
        """What this order owes under every active agreement with its referrer, and under every alliance-wide hub
        term whose hub brought its member (pure: nothing is read or written)."""
        return [*self._referral_credits(order), *self._hub_credits(order)]

    def _referral_credits(self, order: ReferredOrder) -> list[Credit]:
        if not order.is_referred or order.referrer_merchant_id is None:
            return []
        out = []
        member = order.member
        referred_at = order.referred_at or (
            member.created_at if member.origin_merchant_id == order.referrer_merchant_id else order.at)
        referral = domain.Referral(order.referrer_merchant_id, order.referrer_staff_id, min(referred_at, order.at))
        for agreement in self._pairs.get((order.merchant_id, order.referrer_merchant_id), []):
            side: Literal["a", "b"] = "a" if agreement.merchant_a_id == order.merchant_id else "b"
            facts = domain.OrderFacts(
                order_amount_fen=order.amount_fen, ordered_at=order.at,
                is_first_order=self._orders_at.get((member.id, order.merchant_id), 0) == 0,
                member_month_paid_fen=self._month_paid.get((member.id, agreement.id), 0),
            )
            payouts = domain.commission_for_order(self._terms[agreement.id], referral, facts,
                                                  payer_merchant_id=order.merchant_id, payer_side=side)
            if payouts:
                out.append(Credit(agreement.id, payouts, order.at + timedelta(days=agreement.return_window_days)))
        return out

    def _hub_credits(self, order: ReferredOrder) -> list[Credit]:
        facts = domain.HubOrder(payer_merchant_id=order.merchant_id, origin_merchant_id=order.member.origin_merchant_id,
                                enrolled_at=min(order.member.created_at, order.at), order_amount_fen=order.amount_fen,
                                ordered_at=order.at)
        out = []
        for agreement in self._hubs.get(order.alliance_id, []):
            payouts = domain.hub_commission(self._terms[agreement.id], facts)
            if payouts:
                out.append(Credit(agreement.id, payouts, order.at + timedelta(days=agreement.return_window_days)))
        return out

    def record(self, member_id: int, merchant_id: int, credits: Sequence[Credit]) -> None:
        """An order of the batch was accepted: later ones see it as an earlier order (and its commission)."""
        key = (member_id, merchant_id)
        self._orders_at[key] = self._orders_at.get(key, 0) + 1
        for credit in credits:
            paid = (member_id, credit.agreement_id)
            self._month_paid[paid] = self._month_paid.get(paid, 0) + credit.referrer_fen


def _target(payout: domain.Payout) -> AccountRef:
    if payout.payee is domain.PayeeKind.OPERATOR:
        return FEES
    return payee_ref(payout.payee.value, payout.payee_id or 0, AccountKind.REBATE_FROZEN)


def _payee(payee_type: str, payee_id: int) -> Party:
    """The counterparty the payer's side names. A member (a sharer, distribution) is never named on a merchant's
    statement: members are one aggregated counterparty (id 0)."""
    if payee_type == "operator":
        return OPERATOR
    return Party(OwnerType(payee_type), 0 if payee_type == "member" else payee_id)


def credit_legs(payer_merchant_id: int, credits: Sequence[Credit]) -> list[Leg]:
    """The payer's commission_payable → each payee's frozen rebate (the operator's share straight to fees). Each
    pair of legs names the other side, so both statements say who the commission is with."""
    legs: list[Leg] = []
    payer = Party(OwnerType.MERCHANT, payer_merchant_id)
    for payout in (p for credit in credits for p in credit.payouts):
        payee = OPERATOR if payout.payee is domain.PayeeKind.OPERATOR else _payee(payout.payee.value,
                                                                                  payout.payee_id or 0)
        legs += [Leg(_target(payout), payout.amount_fen, payer),
                 Leg(_payable(payer_merchant_id), -payout.amount_fen, payee)]
    return legs


def rebate_rows(order_id: int, order: ReferredOrder, credits: Sequence[Credit]) -> list[dict[str, Any]]:
    """The rebate rows of a credited order, one per payout: frozen until its agreement's return window ends (the
    operator's share is available at once)."""
    rows = []
    for credit, payout in ((c, p) for c in credits for p in c.payouts):
        is_operator = payout.payee is domain.PayeeKind.OPERATOR
        rows.append({
            "alliance_id": order.alliance_id, "order_id": order_id, "agreement_id": credit.agreement_id,
            "member_id": order.member.id, "payer_merchant_id": order.merchant_id,
            "payee_type": "operator" if is_operator else payout.payee.value, "payee_id": payout.payee_id or 0,
            "amount_fen": payout.amount_fen, "reversed_fen": 0, "reason": payout.reason,
            "status": "available" if is_operator else "frozen",
            "releases_at": order.at if is_operator else credit.releases_at,
            "released_at": order.at if is_operator else None, "created_at": order.at,
        })
    return rows


def reverse_for_refund(session: Session, order: Order, refund_id: int, refunded_total_fen: int) -> int:
    """Take back, in proportion to the refund, what the order's rebates credited. Returns fen reversed."""
    legs: list[Leg] = []
    total = 0
    taken: dict[AccountRef, int] = {}  # what earlier legs of this posting already took from an available balance
    for rebate in repository.rebates_of_order(session, order):
        amount = domain.reverse_for_refund(paid_fen=rebate.amount_fen, order_amount_fen=order.amount_fen,
                                           refunded_total_fen=refunded_total_fen,
                                           already_reversed_fen=rebate.reversed_fen)
        if amount <= 0:
            continue
        rebate.reversed_fen += amount
        total += amount
        payer = Party(OwnerType.MERCHANT, order.merchant_id)
        legs.append(Leg(_payable(order.merchant_id), amount, _payee(rebate.payee_type, rebate.payee_id)))
        if rebate.payee_type == "operator":
            legs.append(Leg(FEES, -amount, payer))
        elif rebate.status == "frozen":
            legs.append(Leg(payee_ref(rebate.payee_type, rebate.payee_id, AccountKind.REBATE_FROZEN), -amount,
                            payer))
        else:
            legs += _take_back_released(session, order.alliance_id, rebate, amount, taken)
    if legs:
        ledger.post(session, order.alliance_id, f"refund:{refund_id}:commission", PostingCause.REFUND, legs,
                    cause_id=refund_id)
    return total


def _take_back_released(
    session: Session, alliance_id: int, rebate: Rebate, amount: int, taken: dict[AccountRef, int]
) -> list[Leg]:
    """After the window: from what is still available, and the rest as a clawback later rebates repay first.
    `taken` carries what this refund already took from each payee, so two rebates of one payee never take the
    same available money twice."""
    available_ref = payee_ref(rebate.payee_type, rebate.payee_id, AccountKind.REBATE_AVAILABLE)
    available = ledger.balance(session, alliance_id, available_ref) - taken.get(available_ref, 0)
    from_available = min(amount, max(available, 0))
    taken[available_ref] = taken.get(available_ref, 0) + from_available
    legs = []
    payer = Party(OwnerType.MERCHANT, rebate.payer_merchant_id)
    if from_available:
        legs.append(Leg(available_ref, -from_available, payer))
    if amount - from_available:
        legs.append(Leg(payee_ref(rebate.payee_type, rebate.payee_id, AccountKind.REBATE_CLAWBACK),
                        -(amount - from_available), payer))
    return legs


def release_matured(session: Session, at: datetime | None = None, limit: int = 500,
                    alliance_id: int | None = None) -> int:
    """Make rebates whose return window has passed withdrawable. Idempotent: each release posts under the
    rebate's own key and flips its status in the same transaction; concurrent runs skip each other's rows."""
    now = at or clock.now()
    released = 0
    for rebate in repository.matured(session, now, limit, alliance_id):
        remaining = rebate.amount_fen - rebate.reversed_fen
        rebate.status = "available"
        rebate.released_at = now
        released += 1
        if remaining <= 0:
            continue
        frozen = payee_ref(rebate.payee_type, rebate.payee_id, AccountKind.REBATE_FROZEN)
        clawback_ref = payee_ref(rebate.payee_type, rebate.payee_id, AccountKind.REBATE_CLAWBACK)
        owed = -ledger.balance(session, rebate.alliance_id, clawback_ref)
        repay = min(remaining, max(owed, 0))
        legs = [Leg(frozen, -remaining)]
        if repay:
            legs.append(Leg(clawback_ref, repay))
        if remaining - repay:
            legs.append(Leg(payee_ref(rebate.payee_type, rebate.payee_id, AccountKind.REBATE_AVAILABLE),
                            remaining - repay))
        ledger.post(session, rebate.alliance_id, f"rebate:{rebate.id}:release", PostingCause.RELEASE, legs,
                    cause_id=rebate.id)
        notifications.rebate_released(session, alliance_id=rebate.alliance_id, rebate_id=rebate.id,
                                      payee_type=rebate.payee_type, payee_id=rebate.payee_id, amount_fen=remaining)
        webhooks.emit(session, rebate.alliance_id, rebate.payer_merchant_id, EventType.REBATE_RELEASED, {
            "rebate_id": rebate.id, "order_id": rebate.order_id, "agreement_id": rebate.agreement_id,
            "payer_merchant_id": rebate.payer_merchant_id, "payee_type": rebate.payee_type,
            "payee_id": 0 if rebate.payee_type == "member" else rebate.payee_id, "amount_fen": remaining,
            "released_at": now.isoformat(),
        }, parties=[rebate.payee_id] if rebate.payee_type == "merchant" else [], member_id=rebate.member_id)
    session.flush()
    return released


def alliances_due(session: Session, at: datetime | None = None) -> list[int]:
    """The jobs' choice: alliances with rebates to release now."""
    return repository.alliances_with_matured(session, at or clock.now())

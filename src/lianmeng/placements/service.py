"""Use cases of featured placement (推广位): the operator's slots, merchants' bookings and their charges, the
calendar, who is featured on the member pages today, and the operator's placement revenue.

Services never commit. A booking locks its slot's row first (FOR UPDATE on PostgreSQL; SQLite's writer lock is
taken up front by the door), so concurrent bookings of a slot queue and each counts the seats the earlier ones
committed: the last seat goes to exactly one. The charge is posted in the same transaction
(`placement:<booking id>:charge`): merchant PLATFORM_CHARGES −amount, operator FEES +amount; a cancellation before
the first day posts its exact reverse (`placement:<booking id>:cancel`). Nothing is edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from lianmeng.audit import service as audit
from lianmeng.audit.domain import AuditAction
from lianmeng.kit import clock
from lianmeng.kit.errors import AppError, Conflict, Forbidden, Invalid
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, Leg, OwnerType, Party, PostingCause
from lianmeng.merchants import repository as merchants_repo
from lianmeng.merchants.domain import MerchantStatus
from lianmeng.merchants.models import Merchant, Store
from lianmeng.placements import domain, repository
from lianmeng.placements.domain import BookingStatus, PlacementSurface, Refused
from lianmeng.placements.errors import Problem
from lianmeng.placements.models import PlacementBooking, PlacementSlot
from lianmeng.placements.schemas import BookingCreate, SlotCreate, SlotUpdate
from lianmeng.tenancy import Principal, policy

CAUSE = PostingCause.FEATURED_PLACEMENT
FEES = AccountRef(OwnerType.OPERATOR, 0, AccountKind.FEES)
CLAIM_BLOCK = 5  # merchants in the claim pages' "more partners" block
CONFLICTS = frozenset({Problem.PLACEMENT_FULL, Problem.PLACEMENT_ALREADY_BOOKED, Problem.PLACEMENT_SLOT_INACTIVE,
                       Problem.PLACEMENT_SLOT_EXISTS, Problem.PLACEMENT_STARTED, Problem.PLACEMENT_CANCELLED})


def _refused(refusal: Refused) -> AppError:
    return AppError(refusal.code, status_code=409 if refusal.code in CONFLICTS else 422, **refusal.params)


def _slot_fields(slot: PlacementSlot) -> dict[str, object]:
    """What the audit trail keeps of a slot's terms (its surface never changes: the event names the slot)."""
    return {"title": slot.title, "price_per_day_fen": slot.price_per_day_fen,
            "capacity": slot.capacity, "max_days": slot.max_days, "active": slot.active}


# --- slots (the operator) ----------------------------------------------------------------------------------------


def create_slot(session: Session, actor: Principal, data: SlotCreate) -> PlacementSlot:
    """One slot per surface and alliance, by the alliance's operator (audited)."""
    policy.require_operator(actor)
    if actor.alliance_id is None:
        raise Forbidden()
    try:
        domain.check_terms(data.price_per_day_fen, data.capacity, data.max_days)
    except Refused as refusal:
        raise _refused(refusal) from None
    if repository.slot_on(session, actor.alliance_id, data.surface) is not None:
        raise Conflict(Problem.PLACEMENT_SLOT_EXISTS)
    slot = PlacementSlot(alliance_id=actor.alliance_id, surface=data.surface.value, title=data.title.strip(),
                         price_per_day_fen=data.price_per_day_fen, capacity=data.capacity, max_days=data.max_days,
                         active=data.active)
    session.add(slot)
    session.flush()
    audit.record(session, actor, AuditAction.PLACEMENT_SLOT, slot.id, alliance_id=slot.alliance_id,
                 after=_slot_fields(slot))
    return slot


def update_slot(session: Session, actor: Principal, slot_id: int, data: SlotUpdate) -> PlacementSlot:
    """New terms apply to later bookings; a capacity below today's bookings takes no seat from anyone (it only
    stops new bookings on the days that are full)."""
    slot = repository.get_slot(session, actor, slot_id, lock=True)
    policy.require_operator(actor)
    before = _slot_fields(slot)
    price = data.price_per_day_fen if data.price_per_day_fen is not None else slot.price_per_day_fen
    capacity = data.capacity if data.capacity is not None else slot.capacity
    max_days = data.max_days if data.max_days is not None else slot.max_days
    try:
        domain.check_terms(price, capacity, max_days)
    except Refused as refusal:
        raise _refused(refusal) from None
    slot.price_per_day_fen, slot.capacity, slot.max_days = price, capacity, max_days
    if data.title is not None:
        slot.title = data.title.strip()
    if data.active is not None:
        slot.active = data.active
    session.flush()
    audit.record(session, actor, AuditAction.PLACEMENT_SLOT, slot.id, alliance_id=slot.alliance_id, before=before,
                 after=_slot_fields(slot), only_changes=True)
    return slot


# --- bookings ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    """What a booking would be: shown (price in ¥) before the merchant confirms."""

    slot: PlacementSlot
    merchant_id: int
    merchant_name: str
    first_day: date
    last_day: date
    days: int
    amount_fen: int


def _merchant_of(session: Session, actor: Principal, data: BookingCreate) -> tuple[int, str]:
    if actor.is_operator:
        if data.merchant_id is None:
            raise Invalid(Problem.PLACEMENT_MERCHANT_REQUIRED)
        merchant_id = data.merchant_id
    else:
        merchant_id = actor.merchant_id or 0
        if data.merchant_id is not None and data.merchant_id != merchant_id:
            raise Forbidden()
    policy.require_books_placement(actor, merchant_id)
    merchant = merchants_repo.get_merchant(session, actor, merchant_id)
    if merchant.status != MerchantStatus.ACTIVE.value:
        raise Invalid("merchant_suspended")
    return merchant.id, merchant.name


def quote(session: Session, actor: Principal, data: BookingCreate, *, lock: bool = False) -> Quote:
    """Every check a booking makes, and its price, without writing."""
    merchant_id, name = _merchant_of(session, actor, data)
    slot = repository.get_slot(session, actor, data.slot_id, lock=lock)
    if not slot.active:
        raise Conflict(Problem.PLACEMENT_SLOT_INACTIVE)
    try:
        domain.check_dates(clock.today_in_shanghai(), data.first_day, data.days, slot.max_days)
        last = domain.last_day(data.first_day, data.days)
        held = repository.held_between(session, slot.id, data.first_day, last)
        domain.check_room(held, merchant_id, data.first_day, last, slot.capacity)
    except Refused as refusal:
        raise _refused(refusal) from None
    return Quote(slot, merchant_id, name, data.first_day, last, data.days,
                 domain.price(slot.price_per_day_fen, data.days))


def _legs(merchant_id: int, amount: int) -> list[Leg]:
    """The merchant owes the operator (its statement's line, settled with the operator); the operator's fees."""
    return [Leg(AccountRef(OwnerType.MERCHANT, merchant_id, AccountKind.PLATFORM_CHARGES), -amount),
            Leg(FEES, amount, Party(OwnerType.MERCHANT, merchant_id))]


def book(session: Session, actor: Principal, data: BookingCreate) -> PlacementBooking:
    """Book and charge at once. 409 when any day is full or the merchant already holds the slot on one of them."""
    offer = quote(session, actor, data, lock=True)
    slot = offer.slot
    booking = PlacementBooking(
        alliance_id=slot.alliance_id, slot_id=slot.id, merchant_id=offer.merchant_id, first_day=offer.first_day,
        last_day=offer.last_day, days=offer.days, price_per_day_fen=slot.price_per_day_fen,
        amount_fen=offer.amount_fen, status=BookingStatus.BOOKED.value,
        booked_by_user_id=actor.id if actor.kind == "user" else None, created_at=clock.now())
    session.add(booking)
    session.flush()
    ledger.post(session, slot.alliance_id, f"placement:{booking.id}:charge", CAUSE,
                _legs(offer.merchant_id, offer.amount_fen), cause_id=booking.id,
                memo=f"推广位 featured placement #{booking.id} {offer.first_day}–{offer.last_day}")
    audit.record(session, actor, AuditAction.PLACEMENT_BOOK, booking.id, alliance_id=booking.alliance_id,
                 after={"slot_id": slot.id, "merchant_id": booking.merchant_id, "first_day": booking.first_day,
                        "days": booking.days, "amount_fen": booking.amount_fen})
    return booking


def cancel(session: Session, actor: Principal, booking_id: int) -> PlacementBooking:
    """Before its first day (Shanghai): the charge is reversed in full. From then on: 409, nothing refunded."""
    booking = repository.get_booking(session, actor, booking_id, lock=True)
    policy.require_books_placement(actor, booking.merchant_id)
    try:
        domain.check_cancel(BookingStatus(booking.status), booking.first_day, clock.today_in_shanghai())
    except Refused as refusal:
        raise _refused(refusal) from None
    legs = [leg.reversed() for leg in _legs(booking.merchant_id, booking.amount_fen)]
    ledger.post(session, booking.alliance_id, f"placement:{booking.id}:cancel", CAUSE, legs, cause_id=booking.id,
                memo=f"取消推广位 featured placement #{booking.id} cancelled")
    booking.status = BookingStatus.CANCELLED.value
    booking.cancelled_at = clock.now()
    booking.cancelled_by_user_id = actor.id if actor.kind == "user" else None
    session.flush()
    audit.record(session, actor, AuditAction.PLACEMENT_CANCEL, booking.id, alliance_id=booking.alliance_id,
                 before={"status": BookingStatus.BOOKED.value}, after={"status": booking.status,
                                                                      "refund_fen": booking.amount_fen})
    return booking


# --- reads -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayFigures:
    day: date
    booked: int
    free: int
    mine: bool


def calendar(session: Session, actor: Principal, slot_id: int, first: date | None = None,
             days: int = domain.CALENDAR_DAYS) -> tuple[PlacementSlot, list[DayFigures]]:
    """A slot's days from `first` (today in Shanghai by default): how many are featured, seats left, and whether
    the caller's own merchant is. Counts only."""
    slot = repository.get_slot(session, actor, slot_id)
    start = first or clock.today_in_shanghai()
    last = start + timedelta(days=days - 1)
    held = repository.held_between(session, slot.id, start, last)
    counts = domain.occupancy(held, start, last)
    own = [h for h in held if actor.is_merchant_side and h.merchant_id == actor.merchant_id]
    return slot, [DayFigures(day, n, max(slot.capacity - n, 0), any(h.covers(day) for h in own))
                  for day, n in counts.items()]


def featured(session: Session, alliance_id: int, surface: PlacementSurface, today: date | None = None) -> list[int]:
    """The merchants featured on a surface today (Shanghai), in booking order: what the member pages put first."""
    day = today or clock.today_in_shanghai()
    return domain.featured_today(repository.held_on_surface(session, alliance_id, surface, day), day)


@dataclass(frozen=True)
class Showcased:
    """A merchant in the claim pages' "more partners" block: its name, trade and first open store."""

    merchant: Merchant
    store: Store
    featured: bool


def claim_partners(session: Session, alliance_id: int, giver_id: int | None, limit: int = CLAIM_BLOCK,
                   today: date | None = None) -> list[Showcased]:
    """The claim pages' "more partners" block: the merchants featured today first (booking order, marked), then the
    alliance's other open merchants in their usual order, up to `limit`; the merchant giving the coupon is left
    out (the page is already about it)."""
    first_store: dict[int, tuple[Store, Merchant]] = {}
    for store, merchant in merchants_repo.open_stores(session, alliance_id):
        if merchant.id != giver_id:
            first_store.setdefault(merchant.id, (store, merchant))
    ordered = domain.featured_first(list(first_store.values()), lambda sm: sm[1].id,
                                    featured(session, alliance_id, PlacementSurface.CLAIM_PAGES, today))
    return [Showcased(merchant, store, is_featured) for (store, merchant), is_featured in ordered[:limit]]


def revenue(session: Session, actor: Principal) -> list[tuple[str, int, int]]:
    """(month, bookings, fen) of the operator's placement charges, by the Shanghai month they were booked in."""
    policy.require_operator(actor)
    return domain.revenue_by_month((clock.today_in_shanghai(b.created_at), b.amount_fen)
                                   for b in repository.booked_for_revenue(session, actor))

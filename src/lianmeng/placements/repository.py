"""Queries of featured placement, scoped by the caller through tenancy.policy. The member pages' reads (who is
featured today on a surface) take the member's alliance: they name merchants only, never a booking's figures."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from lianmeng.merchants.models import Merchant
from lianmeng.placements.domain import BookingStatus, Held, PlacementSurface
from lianmeng.placements.models import PlacementBooking, PlacementSlot
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped

BOOKED = BookingStatus.BOOKED.value


def get_slot(session: Session, p: Principal, slot_id: int, *, lock: bool = False) -> PlacementSlot:
    """The slot if the caller may read it (404 otherwise). `lock` reads it FOR UPDATE: bookings of one slot queue
    here, so the seats they count are the committed ones."""
    return get_scoped(session, PlacementSlot, slot_id, policy.placement_slots(p), "placement_slot", lock=lock)


def list_slots(p: Principal) -> Select[Any]:
    return select(PlacementSlot).where(policy.placement_slots(p)).order_by(PlacementSlot.id)


def slot_on(session: Session, alliance_id: int, surface: PlacementSurface) -> PlacementSlot | None:
    return session.scalars(select(PlacementSlot).where(
        PlacementSlot.alliance_id == alliance_id, PlacementSlot.surface == surface.value)).first()


def get_booking(session: Session, p: Principal, booking_id: int, *, lock: bool = False) -> PlacementBooking:
    return get_scoped(session, PlacementBooking, booking_id, policy.placement_bookings(p), "placement_booking",
                      lock=lock)


def list_bookings(p: Principal, *, slot_id: int | None = None, merchant_id: int | None = None,
                  status: BookingStatus | None = None) -> Select[Any]:
    stmt = select(PlacementBooking).where(policy.placement_bookings(p))
    if slot_id is not None:
        stmt = stmt.where(PlacementBooking.slot_id == slot_id)
    if merchant_id is not None:
        stmt = stmt.where(PlacementBooking.merchant_id == merchant_id)
    if status is not None:
        stmt = stmt.where(PlacementBooking.status == status.value)
    return stmt.order_by(PlacementBooking.id.desc())


def held_between(session: Session, slot_id: int, first: date, last: date) -> list[Held]:
    """The slot's bookings in force on any day of [first, last] (every merchant's: occupancy needs them all;
    callers show counts, never whose)."""
    rows = session.execute(select(PlacementBooking.id, PlacementBooking.merchant_id, PlacementBooking.first_day,
                                  PlacementBooking.last_day).where(
        PlacementBooking.slot_id == slot_id, PlacementBooking.status == BOOKED,
        PlacementBooking.first_day <= last, PlacementBooking.last_day >= first))
    return [Held(int(i), int(m), f, lday) for i, m, f, lday in rows]


def held_on_surface(session: Session, alliance_id: int, surface: PlacementSurface, day: date) -> list[Held]:
    """Bookings in force on `day` in the alliance's active slot of `surface` (the member pages' read)."""
    rows = session.execute(select(PlacementBooking.id, PlacementBooking.merchant_id, PlacementBooking.first_day,
                                  PlacementBooking.last_day)
                           .join(PlacementSlot, and_(PlacementSlot.alliance_id == PlacementBooking.alliance_id,
                                                     PlacementSlot.id == PlacementBooking.slot_id))
                           .where(PlacementSlot.alliance_id == alliance_id, PlacementSlot.surface == surface.value,
                                  PlacementSlot.active.is_(True), PlacementBooking.status == BOOKED,
                                  PlacementBooking.first_day <= day, PlacementBooking.last_day >= day))
    return [Held(int(i), int(m), f, lday) for i, m, f, lday in rows]


def merchant_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {int(i): str(n) for i, n in session.execute(select(Merchant.id, Merchant.name).where(Merchant.id.in_(ids)))}


def booked_for_revenue(session: Session, p: Principal) -> list[PlacementBooking]:
    """Every booking in the caller's scope that is still charged (cancelled ones were reversed)."""
    return list(session.scalars(list_bookings(p, status=BookingStatus.BOOKED).order_by(None)
                                .order_by(PlacementBooking.id)))

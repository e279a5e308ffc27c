"""API of featured placement (推广位): the operator's slots, bookings and their cancellation, a slot's calendar and
the operator's placement revenue. Writes run once per Idempotency-Key (`Writer.run`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from lianmeng.kit.pagination import Page, page_of
from lianmeng.kit.types import MAX_ID
from lianmeng.placements import repository, service
from lianmeng.placements.domain import BookingStatus
from lianmeng.placements.schemas import (
    BookingCreate,
    BookingOut,
    Calendar,
    CalendarDay,
    Revenue,
    RevenueMonth,
    SlotCreate,
    SlotOut,
    SlotUpdate,
)
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep
from lianmeng.web.openapi import may_answer

router = APIRouter(tags=["placements 推广位"])


@router.post("/placements/slots", response_model=SlotOut, status_code=201, responses=may_answer(409),
             summary="Define the alliance's featured slot for a surface (operator)")
def create_slot(body: SlotCreate, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: SlotOut.model_validate(service.create_slot(writer.session, writer.principal, body)),
                      body, 201)


@router.get("/placements/slots", response_model=Page[SlotOut])
def list_slots(session: SessionDep, principal: CurrentPrincipal, paging: Paging) -> Page[SlotOut]:
    return page_of(session, repository.list_slots(principal), paging, SlotOut)


@router.patch("/placements/slots/{slot_id}", response_model=SlotOut,
              summary="Change a slot's price, capacity, longest booking, or stop offering it (operator)")
def update_slot(slot_id: int, body: SlotUpdate, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: SlotOut.model_validate(
        service.update_slot(writer.session, writer.principal, slot_id, body)), body)


@router.get("/placements/slots/{slot_id}/calendar", response_model=Calendar,
            summary="Seats booked and left per day (counts only), from a day (today in Shanghai by default)")
def slot_calendar(slot_id: int, session: SessionDep, principal: CurrentPrincipal,
                  start: Annotated[date | None, Query(alias="from")] = None,
                  days: Annotated[int, Query(ge=1, le=92)] = 28) -> Calendar:
    slot, figures = service.calendar(session, principal, slot_id, start, days)
    return Calendar(slot_id=slot.id, capacity=slot.capacity,
                    days=[CalendarDay(day=f.day, booked=f.booked, free=f.free, mine=f.mine) for f in figures])


@router.post("/placements/bookings", response_model=BookingOut, status_code=201, responses=may_answer(409),
             summary="Book days of a slot for a merchant; charged at once to its platform charges")
def book(body: BookingCreate, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: BookingOut.model_validate(service.book(writer.session, writer.principal, body)),
                      body, 201)


@router.get("/placements/bookings", response_model=Page[BookingOut])
def list_bookings(session: SessionDep, principal: CurrentPrincipal, paging: Paging,
                  slot_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                  merchant_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                  status: BookingStatus | None = None) -> Page[BookingOut]:
    return page_of(session, repository.list_bookings(principal, slot_id=slot_id, merchant_id=merchant_id,
                                                     status=status), paging, BookingOut)


@router.get("/placements/bookings/{booking_id}", response_model=BookingOut)
def get_booking(booking_id: int, session: SessionDep, principal: CurrentPrincipal) -> BookingOut:
    return BookingOut.model_validate(repository.get_booking(session, principal, booking_id))


@router.post("/placements/bookings/{booking_id}/cancel", response_model=BookingOut, responses=may_answer(409),
             summary="Cancel a booking before its first day: the charge is reversed in full")
def cancel_booking(booking_id: int, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: BookingOut.model_validate(service.cancel(writer.session, writer.principal,
                                                                       booking_id)))


@router.get("/placements/revenue", response_model=Revenue,
            summary="The operator's placement charges by month of booking (cancelled bookings excluded)")
def revenue(session: SessionDep, principal: CurrentPrincipal) -> Revenue:
    months = service.revenue(session, principal)
    return Revenue(months=[RevenueMonth(month=m, bookings=n, amount_fen=fen) for m, n, fen in months],
                   total_fen=sum(fen for _, _, fen in months))

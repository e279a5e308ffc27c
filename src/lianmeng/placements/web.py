"""Console pages of featured placement (推广位), /console/placements.

The operator defines one slot per surface (price per day, merchants at once, longest booking), books for a
merchant, sees each slot's next four weeks as a calendar grid (who is featured each day) and its placement revenue
by month. A merchant's admin sees the slots and how many seats each day has left (counts, never whose), books with
the price in ¥ shown on a confirmation step first, and cancels its own bookings before they begin. Store staff read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from lianmeng.kit import clock
from lianmeng.kit.pagination import PageParams, paginate
from lianmeng.merchants import repository as merchants_repo
from lianmeng.placements import domain, repository, service
from lianmeng.placements.domain import PlacementSurface
from lianmeng.placements.models import PlacementBooking, PlacementSlot
from lianmeng.placements.schemas import BookingCreate, SlotCreate, SlotUpdate
from lianmeng.web.console import Page, StaffPage, attempt, form_of, parse, run_write, yuan_field

router = APIRouter(include_in_schema=False)
BOOKINGS_SHOWN = 100


@dataclass
class SlotView:
    slot: PlacementSlot
    days: list[service.DayFigures]
    names_by_day: dict[date, list[str]]  # the operator's grid: who is featured each day


def _may_book(page: Page) -> bool:
    me = page.me
    return me.is_operator or (me.manages_merchant and me.kind == "user" and not me.promoter)


def _slot_views(page: Page, slots: list[PlacementSlot]) -> list[SlotView]:
    views = []
    for slot in slots:
        _, days = service.calendar(page.session, page.me, slot.id)
        names: dict[date, list[str]] = {}
        if page.me.is_operator and days:
            held = repository.held_between(page.session, slot.id, days[0].day, days[-1].day)
            named = repository.merchant_names(page.session, {h.merchant_id for h in held})
            for figures in days:
                names[figures.day] = [named.get(h.merchant_id, "") for h in sorted(held, key=lambda h: h.booking_id)
                                      if h.covers(figures.day)]
        views.append(SlotView(slot, days, names))
    return views


def _index(page: Page, *, status_code: int = 200, **context: Any) -> Response:
    me = page.me
    slots, _ = paginate(page.session, repository.list_slots(me), PageParams(page=1, page_size=10))
    bookings, _ = paginate(page.session, repository.list_bookings(me), PageParams(page=1, page_size=BOOKINGS_SHOWN))
    merchants = merchants_repo.merchants_in_scope(page.session, me) if me.is_operator else []
    names = repository.merchant_names(page.session, {b.merchant_id for b in bookings})
    by_surface = {slot.surface: slot for slot in slots}
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return page.render(
        "placements/index.html", status_code=status_code, slots=slots, views=_slot_views(page, slots),
        by_surface=by_surface, surfaces=list(PlacementSurface), bookings=bookings, names=names,
        slot_names={s.id: s.surface for s in slots}, may_book=_may_book(page), today=clock.today_in_shanghai(),
        merchant_options=[(str(m.id), m.name) for m in merchants],
        slot_options=[(str(s.id), page.label("placement_surface", s.surface)) for s in slots if s.active],
        revenue=service.revenue(page.session, me) if me.is_operator else [],
        limits={"capacity": domain.MAX_CAPACITY, "max_days": domain.MAX_DAYS_LIMIT},
        flash=context.pop("flash", None), **context)


@router.get("/console/placements")
def index(page: StaffPage, done: str = "") -> Response:
    flashes = {"booked": page.t("已预订,费用已计入本月对账单", "Booked; the charge is on this month's statement"),
               "cancelled": page.t("已取消,费用已全额冲回", "Cancelled; the charge was reversed in full"),
               "saved": page.t("推广位已保存", "Slot saved")}
    return _index(page, flash=flashes.get(done))


def _whole(text: str) -> int | None:
    cleaned = text.strip()
    return int(cleaned) if cleaned.isascii() and cleaned.isdigit() and len(cleaned) < 10 else None


@router.post("/console/placements/slots")
async def save_slot(page: StaffPage) -> Response:
    """Create the slot of a surface, or change it if the alliance has one (the operator)."""
    values = await form_of(page)
    errors: dict[str, str] = {}
    price, price_error = yuan_field(page, values.get("price", ""), max_fen=domain.MAX_PRICE_PER_DAY_FEN)
    if price_error:
        errors["price"] = price_error
    capacity, max_days = _whole(values.get("capacity", "")), _whole(values.get("max_days", ""))
    if capacity is None:
        errors["capacity"] = page.t("请输入整数", "Enter a whole number")
    if max_days is None:
        errors["max_days"] = page.t("请输入整数", "Enter a whole number")
    surface = values.get("surface", "")
    if surface not in {s.value for s in PlacementSurface}:
        errors["surface"] = page.t("请选择一项", "Choose one of the options")
    if errors:
        return _index(page, status_code=422, values=values, errors=errors, form_surface=surface)
    assert price is not None and capacity is not None and max_days is not None
    existing = repository.slot_on(page.session, page.me.alliance_id or 0, PlacementSurface(surface))
    active = values.get("active", "") == "1"
    title = values.get("title", "")[:60]
    if existing is None:
        data = SlotCreate(surface=PlacementSurface(surface), title=title, price_per_day_fen=price, capacity=capacity,
                          max_days=max_days, active=active)
        _, error = run_write(page, lambda: service.create_slot(page.session, page.me, data))
    else:
        update = SlotUpdate(title=title, price_per_day_fen=price, capacity=capacity, max_days=max_days,
                            active=active)
        _, error = run_write(page, lambda: service.update_slot(page.session, page.me, existing.id, update))
    if error is not None:
        return _index(page, status_code=422, values=values, error=error, form_surface=surface)
    return page.redirect("/console/placements?done=saved")


def _booking_of(page: Page, values: dict[str, str]) -> tuple[BookingCreate | None, dict[str, str]]:
    fields = {"slot_id": values.get("slot_id", ""), "first_day": values.get("first_day", ""),
              "days": values.get("days", "")}
    if page.me.is_operator:
        fields["merchant_id"] = values.get("merchant_id", "")
    return parse(BookingCreate, fields, page.lang)


@router.post("/console/placements/quote")
async def quote(page: StaffPage) -> Response:
    """Step one of booking: every check, and the price in ¥, before anything is charged."""
    values = await form_of(page)
    data, errors = _booking_of(page, values)
    if data is None:
        return _index(page, status_code=422, values=values, errors=errors)
    offer, error = attempt(page, lambda: service.quote(page.session, page.me, data), keep=False)
    if error is not None or offer is None:
        return _index(page, status_code=error.status_code if error else 422, values=values,
                      error=page.error_text(error) if error else "")
    return page.render("placements/confirm.html", offer=offer, values=values)


@router.post("/console/placements/bookings")
async def book(page: StaffPage) -> Response:
    values = await form_of(page)
    data, errors = _booking_of(page, values)
    if data is None:
        return _index(page, status_code=422, values=values, errors=errors)
    booking, error = attempt(page, lambda: service.book(page.session, page.me, data))
    if error is not None or booking is None:
        return _index(page, status_code=error.status_code if error else 422, values=values,
                      error=page.error_text(error) if error else "")
    return page.redirect(f"/console/placements?done=booked#booking-{booking.id}")


@router.post("/console/placements/bookings/{booking_id}/cancel")
async def cancel(booking_id: int, page: StaffPage) -> Response:
    await form_of(page)
    cancelled: PlacementBooking | None
    cancelled, error = attempt(page, lambda: service.cancel(page.session, page.me, booking_id))
    if error is not None or cancelled is None:
        if error is not None and error.status_code in (403, 404):
            raise error
        return _index(page, status_code=error.status_code if error else 409,
                      error=page.error_text(error) if error else "")
    return page.redirect("/console/placements?done=cancelled")

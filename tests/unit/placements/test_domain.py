"""The pure rules of featured placement: terms and their bounds, dates, price, occupancy and capacity, who is
featured today and in which order, cancellation, revenue by month."""

from __future__ import annotations

from datetime import date

import pytest

from lianmeng.placements import domain
from lianmeng.placements.domain import BookingStatus, Held, Refused
from lianmeng.placements.errors import Problem

TODAY = date(2026, 12, 10)


def held(booking_id: int, merchant_id: int, first: str, last: str) -> Held:
    return Held(booking_id, merchant_id, date.fromisoformat(first), date.fromisoformat(last))


def refusal(call: object, *args: object) -> Problem:
    with pytest.raises(Refused) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value.code


def test_terms_bounds() -> None:
    domain.check_terms(1, 1, 1)
    domain.check_terms(domain.MAX_PRICE_PER_DAY_FEN, domain.MAX_CAPACITY, domain.MAX_DAYS_LIMIT)
    assert refusal(domain.check_terms, 0, 3, 30) is Problem.PLACEMENT_PRICE_RANGE
    assert refusal(domain.check_terms, domain.MAX_PRICE_PER_DAY_FEN + 1, 3, 30) is Problem.PLACEMENT_PRICE_RANGE
    assert refusal(domain.check_terms, 5_000, 0, 30) is Problem.PLACEMENT_CAPACITY_RANGE
    assert refusal(domain.check_terms, 5_000, domain.MAX_CAPACITY + 1, 30) is Problem.PLACEMENT_CAPACITY_RANGE
    assert refusal(domain.check_terms, 5_000, 3, 0) is Problem.PLACEMENT_MAX_DAYS_RANGE
    assert refusal(domain.check_terms, 5_000, 3, domain.MAX_DAYS_LIMIT + 1) is Problem.PLACEMENT_MAX_DAYS_RANGE


def test_price_is_the_daily_price_times_the_days_in_whole_fen() -> None:
    assert domain.price(5_000, 7) == 35_000
    assert domain.price(1, 366) == 366
    assert isinstance(domain.price(12_345, 3), int)


def test_a_booking_runs_from_its_first_day_through_first_plus_days_minus_one() -> None:
    assert domain.last_day(date(2026, 12, 30), 3) == date(2027, 1, 1)
    assert domain.last_day(TODAY, 1) == TODAY


def test_dates_today_or_later_within_a_year_and_the_slot_s_longest_booking() -> None:
    domain.check_dates(TODAY, TODAY, 1, 30)
    domain.check_dates(TODAY, date(2027, 12, 11), 30, 30)
    assert refusal(domain.check_dates, TODAY, date(2026, 12, 9), 3, 30) is Problem.PLACEMENT_START_PAST
    assert refusal(domain.check_dates, TODAY, date(2027, 12, 12), 3, 30) is Problem.PLACEMENT_START_TOO_FAR
    assert refusal(domain.check_dates, TODAY, TODAY, 0, 30) is Problem.PLACEMENT_DAYS_RANGE
    assert refusal(domain.check_dates, TODAY, TODAY, 31, 30) is Problem.PLACEMENT_DAYS_RANGE


def test_occupancy_counts_each_day_of_the_period() -> None:
    bookings = [held(1, 10, "2026-12-10", "2026-12-12"), held(2, 11, "2026-12-12", "2026-12-20")]
    counts = domain.occupancy(bookings, date(2026, 12, 11), date(2026, 12, 13))
    assert counts == {date(2026, 12, 11): 1, date(2026, 12, 12): 2, date(2026, 12, 13): 1}


def test_full_on_any_day_refuses_and_names_the_first_full_day() -> None:
    bookings = [held(1, 10, "2026-12-10", "2026-12-12"), held(2, 11, "2026-12-12", "2026-12-20")]
    domain.check_room(bookings, 12, TODAY, date(2026, 12, 11), 2)  # one seat left on the 10th and 11th
    domain.check_room(bookings, 12, date(2026, 12, 13), date(2026, 12, 14), 2)
    with pytest.raises(Refused) as caught:
        domain.check_room(bookings, 12, TODAY, date(2026, 12, 14), 2)
    assert caught.value.code is Problem.PLACEMENT_FULL and caught.value.params == {"day": "2026-12-12"}
    domain.check_room(bookings, 12, TODAY, date(2026, 12, 14), 3)


def test_a_merchant_holds_one_seat_at_a_time_but_may_book_again_after() -> None:
    bookings = [held(1, 10, "2026-12-10", "2026-12-12")]
    assert refusal(domain.check_room, bookings, 10, date(2026, 12, 12), date(2026, 12, 13), 5) \
        is Problem.PLACEMENT_ALREADY_BOOKED
    domain.check_room(bookings, 10, date(2026, 12, 13), date(2026, 12, 15), 5)


def test_featured_today_in_booking_order_and_only_during_the_booked_days() -> None:
    bookings = [held(7, 30, "2026-12-01", "2026-12-31"), held(3, 20, "2026-12-10", "2026-12-10"),
                held(9, 40, "2026-12-11", "2026-12-12")]
    assert domain.featured_today(bookings, TODAY) == [20, 30]
    assert domain.featured_today(bookings, date(2026, 12, 11)) == [30, 40]
    assert domain.featured_today(bookings, date(2027, 1, 1)) == []


def test_featured_first_keeps_everything_else_in_its_order() -> None:
    stores = [("a", 1), ("b", 2), ("c", 3), ("d", 2), ("e", 4)]  # (store, merchant), nearest first
    ordered = domain.featured_first(stores, lambda s: s[1], [4, 2])
    assert ordered == [(("e", 4), True), (("b", 2), True), (("d", 2), True), (("a", 1), False),
                       (("c", 3), False)]
    assert domain.featured_first(stores, lambda s: s[1], []) == [(s, False) for s in stores]


def test_cancel_only_before_the_first_day() -> None:
    domain.check_cancel(BookingStatus.BOOKED, date(2026, 12, 11), TODAY)
    assert refusal(domain.check_cancel, BookingStatus.BOOKED, TODAY, TODAY) is Problem.PLACEMENT_STARTED
    assert refusal(domain.check_cancel, BookingStatus.BOOKED, date(2026, 12, 1), TODAY) is Problem.PLACEMENT_STARTED
    assert refusal(domain.check_cancel, BookingStatus.CANCELLED, date(2026, 12, 20), TODAY) \
        is Problem.PLACEMENT_CANCELLED


def test_revenue_by_month_of_booking() -> None:
    charges = [(date(2026, 11, 30), 10_000), (date(2026, 12, 1), 5_000), (date(2026, 12, 31), 2_500)]
    assert domain.revenue_by_month(charges) == [("2026-11", 1, 10_000), ("2026-12", 2, 7_500)]
    assert domain.revenue_by_month([]) == []

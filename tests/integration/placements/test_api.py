"""Featured placement through the API: the operator's slots and their bounds, bookings charged through the ledger,
full and overlapping days refused with 409, bad dates with 422, cancellation before the start reversed in full and
refused after it, the calendar's counts, revenue, and who may do what."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.audit.models import AuditEvent
from lianmeng.ledger.models import Posting
from tests.conftest import World
from tests.integration.placements.placing import API, book, call, charges, day, operator_fees, slot


def test_the_operator_defines_one_slot_per_surface_within_bounds(world: World) -> None:
    made = slot(world)
    assert (made["surface"], made["price_per_day_fen"], made["capacity"], made["max_days"], made["active"]) == (
        "partner_list", 5_000, 2, 30, True)
    again = call(world, "operator", "POST", "/placements/slots", {"surface": "partner_list",
                                                                  "price_per_day_fen": 1, "capacity": 1,
                                                                  "max_days": 1}, 409)
    assert again["error"]["code"] == "placement_slot_exists" and "该位置已有推广位" in again["error"]["message"]
    for terms, code, words in (({"price_per_day_fen": 0}, "placement_price_range", "推广位日价须在"),
                               ({"price_per_day_fen": 10_000_001}, "placement_price_range", "¥100,000.00"),
                               ({"capacity": 21}, "placement_capacity_range", "1 至 20"),
                               ({"max_days": 0}, "placement_max_days_range", "单次可订天数")):
        refused = call(world, "operator", "POST", "/placements/slots",
                       {"surface": "claim_pages", "price_per_day_fen": 100, "capacity": 1, "max_days": 5, **terms},
                       422)
        assert refused["error"]["code"] == code and words in refused["error"]["message"], refused
    english = call(world, "operator", "POST", "/placements/slots", {"surface": "claim_pages",
                   "price_per_day_fen": 100, "capacity": 0, "max_days": 5}, 422, lang="en")
    assert "between 1 and 20" in english["error"]["message"]
    assert call(world, "operator", "POST", "/placements/slots", {"surface": "claim_pages", "price_per_day_fen": "1",
                                                                 "capacity": 1, "max_days": 5}, 422)
    call(world, "admin1", "POST", "/placements/slots", {"surface": "claim_pages", "price_per_day_fen": 100,
                                                        "capacity": 1, "max_days": 5}, 403)
    changed = call(world, "operator", "PATCH", f"/placements/slots/{made['id']}", {"price_per_day_fen": 8_000})
    assert changed["price_per_day_fen"] == 8_000
    call(world, "operator", "PATCH", f"/placements/slots/{made['id']}", {"capacity": 0}, 422)
    call(world, "admin1", "PATCH", f"/placements/slots/{made['id']}", {"capacity": 5}, 403)
    listed = call(world, "admin2", "GET", "/placements/slots")
    assert [s["id"] for s in listed["items"]] == [made["id"]]


def test_a_booking_is_charged_at_once_and_the_last_seat_goes_once(world: World, session: Session) -> None:
    m1, _, m3 = world.a.merchants
    made = slot(world)
    first = book(world, "admin1", made["id"], 1, 3)
    assert (first["merchant_id"], first["days"], first["amount_fen"], first["status"]) == (m1, 3, 15_000, "booked")
    assert first["last_day"] == day(3)
    assert charges(session, world, m1) == -15_000 and operator_fees(session, world) == 15_000
    posting = session.scalars(select(Posting).where(Posting.idempotency_key == f"placement:{first['id']}:charge"))
    assert posting.one().cause == "featured_placement"
    book(world, "admin2", made["id"], 3, 2)  # day 3 now full (m1 and m2); day 4 has one seat
    full = book(world, "admin3", made["id"], 2, 3, status=409)
    assert full["error"]["code"] == "placement_full" and day(3) in full["error"]["message"]
    assert "推广位已满" in full["error"]["message"]
    again = book(world, "admin1", made["id"], 3, 1, status=409)
    assert again["error"]["code"] == "placement_already_booked"
    book(world, "admin3", made["id"], 4, 2)  # the seat of day 4 and 5
    assert charges(session, world, m3) == -10_000
    assert operator_fees(session, world) == 15_000 + 10_000 + 10_000


def test_bad_dates_and_days_are_422_in_words_and_write_nothing(world: World, session: Session) -> None:
    made = slot(world)
    for first, days, code, words in ((-1, 3, "placement_start_past", "开始日期不能早于今天"),
                                     (1, 31, "placement_days_range", "1 至 30 天"),
                                     (1, 0, "placement_days_range", "推广天数"),
                                     (400, 1, "placement_start_too_far", "366 天之后")):
        refused = book(world, "admin1", made["id"], first, days, status=422)
        assert refused["error"]["code"] == code and words in refused["error"]["message"], refused
    for body in ({"first_day": "2026-13-01"}, {"first_day": "tomorrow"}, {"days": "3"}, {"slot_id": 0}):
        call(world, "admin1", "POST", "/placements/bookings", {"slot_id": made["id"], "first_day": day(1), "days": 3,
                                                               **body}, 422)
    assert charges(session, world, world.a.merchants[0]) == 0
    call(world, "operator", "PATCH", f"/placements/slots/{made['id']}", {"active": False})
    paused = book(world, "admin1", made["id"], 1, 1, status=409)
    assert paused["error"]["code"] == "placement_slot_inactive"


def test_cancelling_before_the_first_day_reverses_the_charge_and_after_it_is_refused(world: World,
                                                                                       session: Session) -> None:
    m1 = world.a.merchants[0]
    made = slot(world)
    later = book(world, "admin1", made["id"], 2, 2)
    call(world, "admin2", "POST", f"/placements/bookings/{later['id']}/cancel", status=404)
    call(world, "staff1", "POST", f"/placements/bookings/{later['id']}/cancel", status=403)
    cancelled = call(world, "admin1", "POST", f"/placements/bookings/{later['id']}/cancel")
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"]
    assert charges(session, world, m1) == 0 and operator_fees(session, world) == 0
    keys = set(session.scalars(select(Posting.idempotency_key).where(Posting.cause == "featured_placement")))
    assert keys == {f"placement:{later['id']}:charge", f"placement:{later['id']}:cancel"}
    session.rollback()
    trail = session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "placement")
                            .order_by(AuditEvent.id)).all()
    assert trail == ["placement.slot", "placement.book", "placement.cancel"]
    twice = call(world, "admin1", "POST", f"/placements/bookings/{later['id']}/cancel", status=409)
    assert twice["error"]["code"] == "placement_cancelled"
    book(world, "admin1", made["id"], 2, 2)  # the seat is free again
    today = book(world, "admin2", made["id"], 0, 1)
    started = call(world, "admin2", "POST", f"/placements/bookings/{today['id']}/cancel", status=409)
    assert started["error"]["code"] == "placement_started" and "不能取消,也不退款" in started["error"]["message"]
    assert charges(session, world, world.a.merchants[1]) == -5_000


def test_who_books_for_whom(world: World) -> None:
    m2 = world.a.merchants[1]
    made = slot(world)
    call(world, "staff1", "POST", "/placements/bookings", {"slot_id": made["id"], "first_day": day(1), "days": 1},
         403)
    call(world, "admin1", "POST", "/placements/bookings", {"slot_id": made["id"], "merchant_id": m2,
                                                           "first_day": day(1), "days": 1}, 403)
    missing = book(world, "operator", made["id"], 1, 1, status=422)
    assert missing["error"]["code"] == "placement_merchant_required"
    foreign = book(world, "operator", made["id"], 1, 1, status=404, merchant_id=world.b.merchants[0])
    assert foreign["error"]["code"] == "not_found"
    for_m2 = book(world, "operator", made["id"], 1, 1, merchant_id=m2)
    assert for_m2["merchant_id"] == m2
    beta = world.client.post(f"{API}/placements/bookings", headers=world.b.actors["admin1"].headers,
                             json={"slot_id": made["id"], "first_day": day(1), "days": 1})
    assert beta.status_code == 404
    assert [b["id"] for b in call(world, "admin2", "GET", "/placements/bookings")["items"]] == [for_m2["id"]]
    assert call(world, "admin1", "GET", "/placements/bookings")["items"] == []
    call(world, "admin1", "GET", f"/placements/bookings/{for_m2['id']}", status=404)
    assert call(world, "operator", "GET", f"/placements/bookings?merchant_id={m2}")["total"] == 1


def test_the_calendar_counts_seats_and_never_names_who(world: World) -> None:
    made = slot(world)
    book(world, "admin1", made["id"], 1, 2)
    book(world, "admin2", made["id"], 2, 2)
    seen = call(world, "admin3", "GET", f"/placements/slots/{made['id']}/calendar?days=4")
    assert seen["capacity"] == 2
    assert [(d["booked"], d["free"], d["mine"]) for d in seen["days"]] == [(0, 2, False), (1, 1, False),
                                                                          (2, 0, False), (1, 1, False)]
    assert "merchant_id" not in str(seen)
    mine = call(world, "admin1", "GET", f"/placements/slots/{made['id']}/calendar?from={day(1)}&days=3")
    assert [d["mine"] for d in mine["days"]] == [True, True, False]
    call(world, "admin1", "GET", f"/placements/slots/{made['id']}/calendar?days=93", status=422)


def test_revenue_by_month_is_the_operator_s(world: World) -> None:
    made = slot(world)
    book(world, "admin1", made["id"], 1, 2)
    cancelled = book(world, "admin2", made["id"], 1, 4)
    call(world, "admin2", "POST", f"/placements/bookings/{cancelled['id']}/cancel")
    revenue = call(world, "operator", "GET", "/placements/revenue")
    assert revenue["total_fen"] == 10_000 and [m["bookings"] for m in revenue["months"]] == [1]
    call(world, "admin1", "GET", "/placements/revenue", status=403)

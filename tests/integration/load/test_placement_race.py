"""Featured placement: 16 merchants' admins book the last seat of a slot at the same instant, over real HTTP on
PostgreSQL. Exactly one gets it (201); the others hear 409 `placement_full`; the slot holds its capacity and the
operator is paid once per booking (the slot's row is locked while a booking counts its seats)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from lianmeng.db import new_session
from lianmeng.kit import clock
from lianmeng.ledger.models import Posting
from lianmeng.placements.models import PlacementBooking
from tests.conftest import DATABASE_URL, IS_POSTGRES, PASSWORD
from tests.integration.load.burst import Call, fire
from tests.integration.load.conftest import Alliance, Server

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="races over real HTTP run on PostgreSQL")

RACERS = 16
CAPACITY = 3


def _ok(response: httpx.Response, status: int = 201) -> dict[str, object]:
    assert response.status_code == status, response.text
    body: dict[str, object] = response.json()
    return body


def _racing_admins(client: httpx.Client, operator: dict[str, str]) -> list[dict[str, str]]:
    """RACERS merchants of the alliance, each with an admin logged in."""
    admins = []
    for i in range(RACERS):
        merchant = _ok(client.post("/api/v1/merchants", headers=operator, json={
            "name": f"推广竞争商户 {i}", "industry": "dining"}))["id"]
        _ok(client.post("/api/v1/users", headers=operator, json={
            "username": f"race-admin-{i}", "password": PASSWORD, "role": "merchant_admin", "merchant_id": merchant}))
        login = _ok(client.post("/api/v1/auth/login", json={"username": f"race-admin-{i}", "password": PASSWORD}),
                    200)
        admins.append({"Authorization": f"Bearer {login['access_token']}"})
    return admins


def test_sixteen_merchants_race_for_the_last_seat_and_one_gets_it(server: Server, alliance: Alliance) -> None:
    first_day = (clock.today_in_shanghai() + timedelta(days=3)).isoformat()
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        login = _ok(client.post("/api/v1/auth/login", json={"username": "load-op", "password": PASSWORD}), 200)
        operator = {"Authorization": f"Bearer {login['access_token']}"}
        slot = _ok(client.post("/api/v1/placements/slots", headers=operator, json={
            "surface": "partner_list", "price_per_day_fen": 8_800, "capacity": CAPACITY, "max_days": 30}))["id"]
        for merchant in alliance.merchants:  # two of the three seats taken beforehand
            _ok(client.post("/api/v1/placements/bookings", headers=operator, json={
                "slot_id": slot, "merchant_id": merchant, "first_day": first_day, "days": 2}))
        admins = _racing_admins(client, operator)
    body = {"slot_id": slot, "first_day": first_day, "days": 1}
    burst = fire(server.base_url, [Call("POST", "/api/v1/placements/bookings", admin, body) for admin in admins])
    assert burst.problems == [], burst.problems[:5]
    assert sorted(burst.finals).count((201, None)) == 1, burst.codes()
    assert set(burst.finals) == {(201, None), (409, "placement_full")}, burst.codes()
    with new_session(DATABASE_URL) as session:
        booked = session.scalar(select(func.count(PlacementBooking.id)).where(PlacementBooking.slot_id == slot))
        assert booked == CAPACITY
        charged = session.scalar(select(func.count(Posting.id)).where(Posting.cause == "featured_placement"))
        assert charged == CAPACITY

"""Helpers of the placement tests: API calls as alliance A's actors, dates in Shanghai, the ledger's balances."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from lianmeng.kit import clock
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, OwnerType
from tests.conftest import World

API = "/api/v1"
SLOT = {"surface": "partner_list", "title": "会员页置顶", "price_per_day_fen": 5_000, "capacity": 2, "max_days": 30}


def call(world: World, who: str, method: str, path: str, body: Any = None, status: int = 200,
         lang: str = "zh-CN") -> Any:
    headers = {**world.a.actors[who].headers, "Accept-Language": lang}
    r = world.client.request(method, API + path, json=body, headers=headers)
    assert r.status_code == status, f"{who} {method} {path}: {r.status_code} {r.text}"
    return r.json()


def day(offset: int) -> str:
    """Today in Shanghai plus `offset` days, as the API takes it."""
    return (clock.today_in_shanghai() + timedelta(days=offset)).isoformat()


def slot(world: World, **terms: Any) -> dict[str, Any]:
    made: dict[str, Any] = call(world, "operator", "POST", "/placements/slots", {**SLOT, **terms}, 201)
    return made


def book(world: World, who: str, slot_id: int, first: int | str, days: int, status: int = 201,
         **extra: Any) -> Any:
    first_day = day(first) if isinstance(first, int) else first
    return call(world, who, "POST", "/placements/bookings",
                {"slot_id": slot_id, "first_day": first_day, "days": days, **extra}, status)


def charges(session: Session, world: World, merchant_id: int) -> int:
    session.rollback()
    return ledger.balance(session, world.a.alliance_id,
                          AccountRef(OwnerType.MERCHANT, merchant_id, AccountKind.PLATFORM_CHARGES))


def operator_fees(session: Session, world: World) -> int:
    session.rollback()
    return ledger.balance(session, world.a.alliance_id, AccountRef(OwnerType.OPERATOR, 0, AccountKind.FEES))


def as_date(text: str) -> date:
    return date.fromisoformat(text)

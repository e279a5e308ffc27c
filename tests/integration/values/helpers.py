"""Members and orders written straight into the database (the value model only reads them)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from lianmeng.members.models import Member, Membership
from lianmeng.orders.models import Order, Refund

AT = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


def add_member(session: Session, alliance_id: int, merchant_id: int, n: int) -> int:
    member = Member(alliance_id=alliance_id, card_no=f"V{n:09d}", phone_enc="x", phone_hash=f"h{n}",
                    phone_masked="139****0000", status="active", origin_merchant_id=merchant_id)
    session.add(member)
    session.flush()
    session.add(Membership(alliance_id=alliance_id,
                           member_id=member.id, merchant_id=merchant_id, joined_at=AT - timedelta(days=400)))
    return member.id


def add_order(session: Session, alliance_id: int, merchant_id: int, member_id: int, fen: int, at: datetime,
              refunded: int = 0) -> Order:
    order = Order(alliance_id=alliance_id, merchant_id=merchant_id, member_id=member_id,
                  external_id=f"o{random.getrandbits(60)}", amount_fen=fen, cash_fen=fen, refunded_fen=refunded,
                  created_at=at)
    session.add(order)
    session.flush()
    return order


def add_refund(session: Session, order: Order, fen: int, at: datetime) -> None:
    order.refunded_fen += fen
    session.add(Refund(alliance_id=order.alliance_id, order_id=order.id, external_id=f"r{order.id}-{fen}",
                       amount_fen=fen, cash_fen=fen, created_at=at))
    session.flush()


def populate(session: Session, alliance_id: int, merchants: list[int], members: int, seed: int = 7,
             at: datetime = AT) -> list[int]:
    """`members` members, each with 0–8 orders at random merchants over the last 500 days, some refunded."""
    rng = random.Random(seed)
    ids = []
    for n in range(members):
        home = rng.choice(merchants)
        member_id = add_member(session, alliance_id, home, seed * 100_000 + n)
        ids.append(member_id)
        for _ in range(rng.choice([0, 1, 1, 1, 2, 2, 3, 5, 8])):
            when = at - timedelta(days=rng.randint(0, 500), minutes=rng.randint(0, 1440))
            fen = rng.choice([1_000, 5_000, 20_000, 80_000, 300_000, 1_500_000])
            order = add_order(session, alliance_id, rng.choice(merchants), member_id, fen, when)
            if rng.random() < 0.1:
                add_refund(session, order, fen // 2, when + timedelta(hours=1))
    session.flush()
    return ids

"""An alliance whose customers overlap in known amounts, written straight into the database (members with real
encrypted phones and keyed hashes, so privacy tests can look for them), on top of conftest's world.

Alliance A (m1, m2, m3; each already has the one member its staff enrolled through the API):
  12 members at m1 and m2 · 9 at m1 and m3 · 5 at m2 and m3 · 20 at m1 only
so m1 has 42 customers, m2 18, m3 15, and the pairs share 12 (shown), 9 and 5 (both "< 10").
Alliance B's merchant gets 15 members of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pytest
from sqlalchemy.orm import Session

from lianmeng.db import unit_of_work
from lianmeng.kit import clock, crypto, ids
from lianmeng.members import repository as members_repo
from lianmeng.members.models import Member, Membership
from tests.conftest import DATABASE_URL, World

FIRST_MEMBER_ID = 900_001  # far from every count, merchant id and limit that a response may carry


@dataclass
class Customers:
    """What was written: every member's id, phone, keyed hash, masked phone and card number."""

    ids: list[int] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    masked: list[str] = field(default_factory=list)
    cards: list[str] = field(default_factory=list)
    next_id: int = FIRST_MEMBER_ID

    def secrets(self) -> list[str]:
        """Strings no overlap view may contain."""
        return [*self.phones, *self.hashes, *self.masked, *self.cards, *(str(i) for i in self.ids)]


def add_customers(session: Session, customers: Customers, alliance_id: int, groups: Iterable[tuple[int, set[int]]]
                  ) -> None:
    """`groups`: (how many members, the merchants each of them holds a membership at)."""
    for how_many, merchants in groups:
        for _ in range(how_many):
            member_id = customers.next_id
            customers.next_id += 1
            phone = f"137{member_id:08d}"
            member = Member(id=member_id, alliance_id=alliance_id, card_no=ids.new_card_number(), qr_version=1,
                            phone_enc=crypto.encrypt(phone), phone_hash=members_repo.phone_hash(alliance_id, phone),
                            phone_masked=crypto.mask_phone(phone), status="active")
            session.add(member)
            session.flush()
            for merchant_id in sorted(merchants):
                session.add(Membership(alliance_id=alliance_id,
                                       member_id=member_id, merchant_id=merchant_id, joined_at=clock.now()))
            customers.ids.append(member_id)
            customers.phones.append(phone)
            customers.hashes.append(member.phone_hash)
            customers.masked.append(member.phone_masked)
            customers.cards.append(member.card_no)
    session.flush()


@pytest.fixture
def customers(world: World) -> Customers:
    m1, m2, m3 = world.a.merchants
    written = Customers()
    with unit_of_work(DATABASE_URL) as session:
        add_customers(session, written, world.a.alliance_id,
                      [(12, {m1, m2}), (9, {m1, m3}), (5, {m2, m3}), (20, {m1})])
        add_customers(session, written, world.b.alliance_id, [(15, {world.b.merchants[0]})])
    return written


def refresh(alliance_id: int) -> None:
    from lianmeng.overlap import service

    with unit_of_work(DATABASE_URL) as session:
        service.refresh_alliance(session, alliance_id)

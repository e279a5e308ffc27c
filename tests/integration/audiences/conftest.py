"""Members of known value, tags and consents, written straight into the database on top of conftest's world (real
encrypted phones, keyed hashes and names, so the privacy tests can look for them).

Alliance A's m1 (besides the one member its staff enrolled through the API, who has no value row):
  high     25 · gold at m1 · ¥6,000 in 6 orders, last 10 days ago · important_value · 8 stars · both consents ·
              the first 15 declared "fitness"; each bought 小保养 at m1's store
  low      12 · standard · ¥500 in 1 order 200 days ago · general_develop · 3 stars · data sharing only
  refused   3 · like high, but refused personalised offers
  private   5 · like high, marketing consent but NO data-sharing consent
m2 has 20 high-value members of its own (never counted for m1). The alliance has the tags fitness and parenting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from lianmeng.db import unit_of_work
from lianmeng.kit import clock, crypto, ids
from lianmeng.members import repository as members_repo
from lianmeng.members.models import Member, Membership
from lianmeng.orders.models import Order
from lianmeng.tags.models import MemberTag, TagDefinition
from lianmeng.values.models import MemberValue
from tests.conftest import DATABASE_URL, World

FIRST_MEMBER_ID = 900_001
AGREEMENT = {"modes": ["rights_exchange"], "benefits": [{"offered_by": "a", "text": "首次保养9折"}]}


@dataclass
class Known:
    """What was written: the groups' member ids, and every secret no share or page may contain."""

    groups: dict[str, list[int]] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    tags: dict[str, int] = field(default_factory=dict)
    next_id: int = FIRST_MEMBER_ID


def _member(session: Session, known: Known, alliance_id: int, merchant_id: int, store_id: int, group: str, *,
            marketing: bool, sharing: bool, refused: bool = False, tier: str = "standard") -> int:
    member_id = known.next_id
    known.next_id += 1
    phone = f"136{member_id:08d}"
    name = f"王{group}{member_id}"
    member = Member(id=member_id, alliance_id=alliance_id, card_no=ids.new_card_number(), qr_version=1,
                    phone_enc=crypto.encrypt(phone), phone_hash=members_repo.phone_hash(alliance_id, phone),
                    phone_masked=crypto.mask_phone(phone), name=name, birth_year=1990, gender="female",
                    status="active", consent_marketing=marketing, consent_data_sharing=sharing,
                    offers_refused=refused, origin_merchant_id=merchant_id, origin_store_id=store_id)
    session.add(member)
    session.flush()
    session.add(Membership(alliance_id=alliance_id,
                           member_id=member_id, merchant_id=merchant_id, tier=tier, joined_at=clock.now()))
    known.groups.setdefault(group, []).append(member_id)
    known.secrets.extend([phone, member.phone_hash, member.phone_masked, member.card_no, name, str(member_id)])
    return member_id


def _value(session: Session, alliance_id: int, member_id: int, merchant_id: int, *, fen: int, orders: int,
           days: int, rfm: str, stars: int) -> None:
    now = clock.now()
    session.add(MemberValue(alliance_id=alliance_id, member_id=member_id, merchant_id=merchant_id,
                            last_order_at=now - timedelta(days=days), recency_days=days, frequency=orders,
                            monetary_fen=fen, rfm_class=rfm, computed_at=now))
    session.add(MemberValue(alliance_id=alliance_id, member_id=member_id, merchant_id=None,
                            last_order_at=now - timedelta(days=days), recency_days=days, frequency=orders,
                            monetary_fen=fen, rfm_class=rfm, stars=stars, computed_at=now))


def _order(session: Session, alliance_id: int, merchant_id: int, store_id: int, member_id: int, fen: int,
           days: int, item: str) -> None:
    session.add(Order(alliance_id=alliance_id, merchant_id=merchant_id, store_id=store_id, member_id=member_id,
                      external_id=f"K-{member_id}", amount_fen=fen, cash_fen=fen,
                      items=[{"name": item, "quantity": 1, "unit_price_fen": fen}],
                      created_at=clock.now() - timedelta(days=days)))


def write_known(world: World) -> Known:
    a = world.a
    m1, m2 = a.merchants[0], a.merchants[1]
    known = Known()
    with unit_of_work(DATABASE_URL) as session:
        for code, zh, en in (("fitness", "健身", "Fitness"), ("parenting", "亲子", "Parenting")):
            tag = TagDefinition(alliance_id=a.alliance_id, code=code, group="interest", name_zh=zh, name_en=en,
                                declarable=True)
            session.add(tag)
            session.flush()
            known.tags[code] = tag.id
        plan = (("high", 25, True, True, False), ("low", 12, False, True, False),
                ("refused", 3, True, True, True), ("private", 5, True, False, False))
        for group, how_many, marketing, sharing, refused in plan:
            for i in range(how_many):
                high = group != "low"
                member_id = _member(session, known, a.alliance_id, m1, a.stores[m1], group, marketing=marketing,
                                    sharing=sharing, refused=refused, tier="gold" if high else "standard")
                _value(session, a.alliance_id, member_id, m1, fen=600_000 if high else 50_000,
                       orders=6 if high else 1, days=10 if high else 200,
                       rfm="important_value" if high else "general_develop", stars=8 if high else 3)
                _order(session, a.alliance_id, m1, a.stores[m1], member_id, 600_000 if high else 50_000,
                       10 if high else 200, "小保养" if high else "洗车")
                if group == "high" and i < 15:
                    session.add(MemberTag(alliance_id=a.alliance_id, member_id=member_id,
                                          tag_id=known.tags["fitness"], source="declared", at=clock.now()))
        for _ in range(20):
            member_id = _member(session, known, a.alliance_id, m2, a.stores[m2], "m2", marketing=True,
                                sharing=True, tier="gold")
            _value(session, a.alliance_id, member_id, m2, fen=900_000, orders=9, days=5, rfm="important_value",
                   stars=9)
    return known


@pytest.fixture
def known(world: World) -> Known:
    return write_known(world)


def activate_agreement(world: World, a_index: int, b_index: int) -> int:
    """An active agreement between two merchants of alliance A (drafted, proposed, accepted, activated)."""
    client, side = world.client, world.a
    op = side.actors["operator"].headers
    body = {**AGREEMENT, "title": "数据合作", "merchant_a_id": side.merchants[a_index],
            "merchant_b_id": side.merchants[b_index]}
    r = client.post("/api/v1/agreements", json=body, headers=op)
    assert r.status_code == 201, r.text
    agreement_id = int(r.json()["id"])
    for action in ("propose", "accept", "activate"):
        r = client.post(f"/api/v1/agreements/{agreement_id}/transitions", json={"action": action}, headers=op)
        assert r.status_code == 200, r.text
    return agreement_id

"""What the group-buy tests share: agreements that cover the package, an offer body, member logins, more members,
and the books' checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lianmeng.auth import service as auth_service
from lianmeng.db import unit_of_work
from lianmeng.groupbuys.models import GroupBuyGroup
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, OwnerType
from lianmeng.ledger.models import Entry
from lianmeng.members.models import Member
from tests.conftest import World

API = "/api/v1"
PRICE = 19_900  # ¥199 a seat


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def activate_agreement(client: TestClient, headers: dict[str, str], a: int, b: int,
                       modes: tuple[str, ...] = ("joint_card",)) -> int:
    """An active agreement between merchants a and b (the operator proposes, accepts and activates it)."""
    agreement = ok(client.post(f"{API}/agreements", headers=headers, json={
        "title": "拼团套餐合作", "merchant_a_id": a, "merchant_b_id": b, "modes": list(modes)}))
    for action in ("propose", "accept", "activate"):
        ok(client.post(f"{API}/agreements/{agreement['id']}/transitions", headers=headers, json={"action": action}),
           200)
    return int(agreement["id"])


def cover(world: World) -> None:
    """The car centre (m1, the seller) has joint-card agreements with the gym (m2) and the restaurant (m3)."""
    m1, m2, m3 = world.a.merchants
    op = world.a.actors["operator"].headers
    activate_agreement(world.client, op, m1, m2)
    activate_agreement(world.client, op, m3, m1)


def offer_body(world: World, **extra: Any) -> dict[str, Any]:
    """A car wash at the centre (m1), a gym week (m2) and a ¥100 dinner voucher (m3), ¥199 for 3 within 24 hours."""
    m1, m2, m3 = world.a.merchants
    return {"name": "洗车+健身周卡+晚餐券 三人团", "price_fen": PRICE, "group_size": 3, "hours_to_form": 24,
            "seller_merchant_id": m1, "components": [
                {"merchant_id": m1, "name": "精洗一次", "unit_name": "次", "units": 1, "list_value_fen": 8_800},
                {"merchant_id": m2, "name": "健身周卡", "unit_name": "周", "units": 1, "list_value_fen": 19_900},
                {"merchant_id": m3, "name": "晚餐代金券", "unit_name": "张", "units": 1, "list_value_fen": 10_000},
            ], **extra}


def create_offer(world: World, who: str = "operator", **extra: Any) -> dict[str, Any]:
    return ok(world.client.post(f"{API}/group-buys", headers=world.a.actors[who].headers,
                                json=offer_body(world, **extra)))


def member_headers(db_url: str, member_id: int) -> dict[str, str]:
    with unit_of_work(db_url) as s:
        member = s.get(Member, member_id)
        assert member is not None
        token = auth_service.member_token(member).access_token
    return {"Authorization": f"Bearer {token}"}


def add_members(db_url: str, alliance_id: int, count: int, prefix: str = "G") -> list[int]:
    """`count` more members of the alliance, straight in the database (names like 团员7)."""
    ids = []
    with unit_of_work(db_url) as s:
        for i in range(count):
            member = Member(alliance_id=alliance_id, card_no=f"{prefix}{i:015d}"[:16], phone_enc="x",
                            phone_hash=f"{prefix}-{i}", phone_masked="139****0000", name=f"团员{i}")
            s.add(member)
            s.flush()
            ids.append(member.id)
    return ids


def the_members(world: World) -> list[int]:
    return [world.a.members[m] for m in world.a.merchants]


def past_deadline(db_url: str, group_id: int, at: datetime) -> None:
    with unit_of_work(db_url) as s:
        s.execute(update(GroupBuyGroup).where(GroupBuyGroup.id == group_id).values(deadline_at=at))


def bal(session: Session, alliance_id: int, owner: int, kind: AccountKind, scope: int = 0) -> int:
    session.rollback()
    return ledger.balance(session, alliance_id, AccountRef(OwnerType.MERCHANT, owner, kind, scope_id=scope))


def postings_balance(session: Session) -> None:
    session.rollback()
    sums = session.execute(select(Entry.posting_id, func.sum(Entry.amount)).group_by(Entry.posting_id)).all()
    assert sums and all(total == 0 for _, total in sums)

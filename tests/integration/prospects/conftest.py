"""A prospect of alliance A and enough members for real counts: 300 members at m1, the first 150 also at m2, none
more at m3. Noise is drawn from a seeded generator here so that assertions are exact."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from sqlalchemy import insert, select

from lianmeng.db import unit_of_work
from lianmeng.kit import clock, crypto
from lianmeng.members import repository as members_repo
from lianmeng.members.models import Member, Membership
from lianmeng.partners.models import Candidate
from lianmeng.prospects import domain
from tests.conftest import World

EXTRA = 300


def phone(i: int) -> str:
    return f"137{i:08d}"


@dataclass
class Prospects:
    world: World
    candidate_id: int  # a prospect kept by the operator
    m1_candidate_id: int  # a prospect kept by merchant m1
    member_ids: list[int]


@pytest.fixture(autouse=True)
def seeded_noise(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    generator = np.random.default_rng(20261207)  # one stream: each computation draws fresh noise from it
    monkeypatch.setattr(domain, "secure_rng", lambda: generator)
    yield


@pytest.fixture
def prospects(world: World, db_url: str) -> Prospects:
    a = world.a
    m1, m2, _ = a.merchants
    now = clock.now()
    with unit_of_work(db_url) as s:
        rows = [{"alliance_id": a.alliance_id, "card_no": f"P{i:010d}", "qr_version": 1,
                 "phone_enc": crypto.encrypt(phone(i)), "phone_hash": members_repo.phone_hash(a.alliance_id, phone(i)),
                 "phone_masked": crypto.mask_phone(phone(i)), "status": "active", "gender": "undisclosed",
                 "created_at": now, "updated_at": now} for i in range(EXTRA)]
        s.execute(insert(Member), rows)
        ids = list(s.scalars(select(Member.id).where(Member.card_no.like("P%")).order_by(Member.id)))
        s.execute(insert(Membership), [{"alliance_id": a.alliance_id, "member_id": m, "merchant_id": m1,
                                        "joined_at": now, "created_at": now, "updated_at": now, "tier": "standard"}
                                       for m in ids] +
                  [{"alliance_id": a.alliance_id, "member_id": m, "merchant_id": m2, "joined_at": now,
                    "created_at": now, "updated_at": now, "tier": "standard"} for m in ids[:150]])
        op = Candidate(alliance_id=a.alliance_id, name="星河瑜伽", industry="fitness", brand_tags=["高端"])
        own = Candidate(alliance_id=a.alliance_id, owner_merchant_id=m1, name="山野户外", industry="travel",
                        brand_tags=[])
        s.add_all([op, own])
        s.flush()
        return Prospects(world, op.id, own.id, ids)

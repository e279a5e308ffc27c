"""An audience counts people: once a merchant's two records of one person are merged, the tombstone (which keeps
its origin merchant and any membership the survivor already held) is nobody's member any more (docs/merging.md),
so it is neither counted nor offered anything; undo makes it a member again."""

from __future__ import annotations

from typing import Any

from lianmeng.audiences.service import own_members
from lianmeng.db import unit_of_work
from tests.conftest import DATABASE_URL, World
from tests.integration.audiences.test_audiences import count

MERGES = "/api/v1/members/merges"


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_merged_person_is_one_member_of_the_audience(world: World) -> None:
    m1 = world.a.merchants[0]
    kept = world.a.members[m1]
    op = world.a.actors["operator"].headers
    twin = ok(world.client.post("/api/v1/members", headers=world.a.actors["staff1"].headers, json={
        "phone": "13900099999", "name": "会员1", "consent_marketing": True}))["id"]
    before = count(world, {})
    assert before["total"] == 2 and before["marketing"] == 2

    done = ok(world.client.post(MERGES, headers=op, json={"survivor_id": kept, "absorbed_id": twin,
                                                           "reason": "同一人两次办卡"}))
    assert count(world, {}) == {**before, "total": 1, "marketing": 1}
    with unit_of_work(DATABASE_URL) as session:
        assert set(session.scalars(own_members(world.a.alliance_id, m1))) == {kept}  # offers reach the survivor

    ok(world.client.post(f"{MERGES}/{done['id']}/undo", headers=op, json={"reason": "两个人"}), 200)
    assert count(world, {}) == before
    with unit_of_work(DATABASE_URL) as session:
        assert set(session.scalars(own_members(world.a.alliance_id, m1))) == {kept, twin}

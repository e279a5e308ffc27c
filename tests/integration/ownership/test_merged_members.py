"""The pool holds people: once two records of one person are merged, the tombstone is nobody's member
(docs/merging.md, as tenancy.policy.members), so it is not in the pool, not counted in it, cannot be claimed and
is not taken by a bulk assignment; undo puts it back in the pool."""

from __future__ import annotations

from tests.conftest import World
from tests.integration.ownership.ownership import API, enrol, ok

MERGES = "/api/v1/members/merges"


def pool_ids(world: World, who: str = "staff1") -> set[int]:
    page = ok(world.client.get(f"{API}/pool", headers=world.a.actors[who].headers))
    assert page["total"] == len(page["items"])
    return {m["id"] for m in page["items"]}


def test_a_merged_member_leaves_the_pool_and_undo_returns_it(world: World) -> None:
    m1 = world.a.merchants[0]
    op, clerk = world.a.actors["operator"].headers, world.a.actors["staff1"].headers
    kept, twin = enrol(world, "staff1", 2)
    assert pool_ids(world) == {world.a.members[m1], kept, twin}

    done = ok(world.client.post(MERGES, headers=op, json={"survivor_id": kept, "absorbed_id": twin,
                                                           "reason": "同一人两次办卡"}), 201)
    assert pool_ids(world) == {world.a.members[m1], kept}
    overview = ok(world.client.get(f"{API}/overview", headers=world.a.actors["admin1"].headers))
    assert overview["pool"] == 2, overview
    claim = world.client.post(f"{API}/claims", headers=clerk, json={"member_id": twin})
    assert claim.status_code == 404, claim.text
    assigned = ok(world.client.post(f"{API}/assignments", headers=world.a.actors["admin1"].headers, json={
        "basis": "all_members", "staff_ids": [world.a.staff[m1]], "only_unowned": True}))
    assert assigned["assigned"] == 2, assigned
    assert pool_ids(world) == set()

    ok(world.client.post(f"{MERGES}/{done['id']}/undo", headers=op, json={"reason": "两个人"}))
    assert pool_ids(world) == {twin}

"""Overlap counts people (docs/merging.md: reports count a tombstone's rows as its survivor's when they need one
person). When two records of one person are merged and both held a membership at the same merchants, the
absorbed record's memberships stay on the tombstone (the survivor already holds one there): they must not count a
second customer, in the recounted aggregates nor in the figures counted on the spot. Undo makes them two again."""

from __future__ import annotations

from typing import Any

from lianmeng.db import unit_of_work
from lianmeng.overlap import repository, service
from tests.conftest import DATABASE_URL, World
from tests.integration.overlap.conftest import Customers, refresh
from tests.integration.overlap.test_overlap import stored

MERGES = "/api/v1/members/merges"


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def counted(world: World) -> tuple[int, int, int, int, bool]:
    """After a recount: (m1–m2 shared, m1's and m2's customers, memberships counted, whether a recount is due)."""
    refresh(world.a.alliance_id)
    m1, m2, _ = world.a.merchants
    pairs, bases = stored(world.a.alliance_id)
    with unit_of_work(DATABASE_URL) as session:
        memberships = repository.memberships_in(session, world.a.alliance_id)
        snapshot = repository.snapshot_of(session, world.a.alliance_id)
        assert snapshot is not None
        due = snapshot.memberships != memberships
    return pairs[(m1, m2)], bases[m1], bases[m2], memberships, due


def test_a_merged_person_is_one_customer_of_each_merchant(world: World, customers: Customers) -> None:
    m1, m2, _ = world.a.merchants
    op = world.a.actors["operator"].headers
    before = counted(world)
    assert before[:3] == (12, 42, 18) and not before[4]  # conftest's design
    with unit_of_work(DATABASE_URL) as session:
        live_before = service.merchant_overlap(session, m1, m2), service.alliance_overlap(session, m1)
    assert (live_before[0].shared, live_before[0].base, live_before[1].shared) == (12, 42, 12)
    twin, kept = customers.ids[0], customers.ids[1]  # both hold a membership at m1 and at m2

    done = ok(world.client.post(MERGES, headers=op, json={"survivor_id": kept, "absorbed_id": twin,
                                                           "reason": "同一人两次办卡"}))
    assert done["moved"]["memberships"] == [] and len(done["moved"]["memberships_kept_by_survivor"]) == 2
    after = counted(world)
    assert after[:3] == (11, 41, 17) and after[3] == before[3] - 2 and not after[4]
    with unit_of_work(DATABASE_URL) as session:  # the figures counted on the spot agree
        pair, alliance = service.merchant_overlap(session, m1, m2), service.alliance_overlap(session, m1)
    assert (pair.shared, pair.base, alliance.shared, alliance.base) == (11, 41, 11, 41)

    ok(world.client.post(f"{MERGES}/{done['id']}/undo", headers=op, json={"reason": "两个人"}), 200)
    assert counted(world) == before

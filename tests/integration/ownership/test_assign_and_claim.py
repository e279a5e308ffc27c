"""A merchant admin assigns members in bulk and leaves the rest in the pool; staff claim from the pool within the
daily limit (409 with the limit beyond it), release, and see only their own members."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.kit import clock
from lianmeng.ownership.models import OwnershipPeriod
from lianmeng.values.models import MemberValue
from tests.conftest import World
from tests.integration.ownership.ownership import API, enrol, ok, second_clerk


def test_round_robin_assignment_leaves_the_rest_in_the_pool(world: World, session: Session) -> None:
    m1 = world.a.merchants[0]
    admin = world.a.actors["admin1"].headers
    other = second_clerk(world)
    first = world.a.staff[m1]
    members = enrol(world, "staff1", 5)
    done = ok(world.client.post(f"{API}/assignments", headers=admin, json={
        "basis": "all_members", "staff_ids": [first, other.staff_id]}))
    # the world's own member of m1 and the five new ones: six, three each
    assert (done["assigned"], done["unchanged"], done["to_pool"]) == (6, 0, 0)
    assert done["per_staff"] == {str(first): 3, str(other.staff_id): 3}
    seen = ok(world.client.get(f"{API}/overview", headers=admin))
    assert {row["staff_id"]: row["owned"] for row in seen["items"]} == {first: 3, other.staff_id: 3}
    assert seen["pool"] == 0 and seen["daily_claim_limit"] == 20 and seen["idle_days"] == 90
    again = ok(world.client.post(f"{API}/assignments", headers=admin, json={
        "basis": "all_members", "staff_ids": [first], "only_unowned": False}))
    assert (again["assigned"], again["unchanged"]) == (3, 3)
    periods = session.scalars(select(OwnershipPeriod).where(OwnershipPeriod.member_id.in_(members))).all()
    moved = [p for p in periods if p.end_change == "re_assigned"]
    assert len(moved) == 3 and all(p.staff_id == other.staff_id and p.ended_at is not None for p in moved)
    history = ok(world.client.get(f"{API}/history", headers=admin, params={"member_id": moved[0].member_id}))
    assert [(h["start_change"], h["end_change"]) for h in history["items"]] == [
        ("bulk_assigned", None), ("bulk_assigned", "re_assigned")]


def test_assignment_by_store_and_by_value_class(world: World, session: Session) -> None:
    m1 = world.a.merchants[0]
    admin = world.a.actors["admin1"].headers
    members = enrol(world, "staff1", 3)  # the clerk's store is the members' origin store
    ok(world.client.post("/api/v1/orders", headers=world.a.actors["staff1"].headers, json={
        "external_id": "AT-STORE-1", "member_id": members[2], "amount_fen": 8_800, "store_id": world.a.stores[m1]}),
       201)
    by_orders = ok(world.client.post(f"{API}/assignments", headers=admin, json={
        "basis": "store_orders", "store_id": world.a.stores[m1], "staff_ids": [world.a.staff[m1]]}))
    assert by_orders["assigned"] == 1
    by_store = ok(world.client.post(f"{API}/assignments", headers=admin, json={
        "basis": "origin_store", "store_id": world.a.stores[m1], "staff_ids": [world.a.staff[m1]]}))
    assert (by_store["assigned"], by_store["unchanged"]) == (3, 0)  # the one who ordered there is owned already
    missing = world.client.post(f"{API}/assignments", headers=admin, json={
        "basis": "origin_store", "staff_ids": [world.a.staff[m1]]})
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "ownership_store_required"
    foreign_store = world.client.post(f"{API}/assignments", headers=admin, json={
        "basis": "origin_store", "store_id": world.a.stores[world.a.merchants[1]], "staff_ids": [world.a.staff[m1]]})
    assert foreign_store.status_code == 404
    foreign_staff = world.client.post(f"{API}/assignments", headers=admin, json={
        "basis": "all_members", "staff_ids": [world.a.staff[world.a.merchants[1]]]})
    assert foreign_staff.status_code == 404
    # value classes: only the member whose class at m1 is chosen
    session.add(MemberValue(alliance_id=world.a.alliance_id, member_id=members[0], merchant_id=m1,
                            rfm_class="important_value", computed_at=clock.now()))
    session.add(MemberValue(alliance_id=world.a.alliance_id, member_id=members[1], merchant_id=m1,
                            rfm_class="general_winback", computed_at=clock.now()))
    session.commit()
    other = second_clerk(world)
    by_value = ok(world.client.post(f"{API}/assignments", headers=admin, json={
        "basis": "value_class", "rfm_classes": ["important_value"], "staff_ids": [other.staff_id],
        "only_unowned": False, "rest_to_pool": True}))
    assert (by_value["assigned"], by_value["to_pool"]) == (1, 3)
    owners = ok(world.client.get(f"{API}/owners", headers=admin))["items"]
    assert [(o["member_id"], o["staff_id"]) for o in owners] == [(members[0], other.staff_id)]
    assert ok(world.client.get(f"{API}/overview", headers=admin))["pool"] == 3


def test_claims_within_the_daily_limit_and_one_owner(world: World) -> None:
    m1 = world.a.merchants[0]
    admin = world.a.actors["admin1"].headers
    clerk = world.a.actors["staff1"].headers
    other = second_clerk(world)
    members = enrol(world, "staff1", 4)
    pool = ok(world.client.get(f"{API}/pool", headers=clerk))
    assert pool["total"] == 5 and all("*" in m["phone_masked"] for m in pool["items"])
    assert ok(world.client.put(f"{API}/settings", headers=admin, json={"daily_claim_limit": 2, "idle_days": 30})) \
        == {"merchant_id": m1, "daily_claim_limit": 2, "idle_days": 30}
    assert world.client.put(f"{API}/settings", headers=clerk, json={"daily_claim_limit": 5}).status_code == 403
    bad = world.client.put(f"{API}/settings", headers=admin, json={"daily_claim_limit": 0, "idle_days": 30})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "ownership_claim_limit_range"

    claimed = ok(world.client.post(f"{API}/claims", headers=clerk, json={"member_id": members[0]}), 201)
    assert (claimed["staff_id"], claimed["change"]) == (world.a.staff[m1], "pool_claimed")
    mine = world.client.post(f"{API}/claims", headers=clerk, json={"member_id": members[0]})
    assert mine.status_code == 409 and mine.json()["error"]["code"] == "ownership_already_yours"
    taken = world.client.post(f"{API}/claims", headers=other.headers, json={"member_id": members[0]})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "ownership_already_owned"
    ok(world.client.post(f"{API}/claims", headers=clerk, json={"member_id": members[1]}), 201)
    assert ok(world.client.get(f"{API}/claims/today", headers=clerk)) == {"limit": 2, "claimed_today": 2,
                                                                          "remaining": 0}
    over = world.client.post(f"{API}/claims", headers=clerk, json={"member_id": members[2]})
    assert over.status_code == 409 and over.json()["error"]["code"] == "ownership_claim_limit"
    assert "2" in over.json()["error"]["message"]
    english = world.client.post(f"{API}/claims", headers={**clerk, "Accept-Language": "en"},
                                json={"member_id": members[2]})
    assert english.json()["error"]["message"] == "Daily claim limit reached (2 a day)"
    # releasing does not give a claim back: the limit counts claims made today
    ok(world.client.post(f"{API}/releases", headers=clerk, json={"member_id": members[1]}))
    assert world.client.post(f"{API}/claims", headers=clerk, json={"member_id": members[1]}).status_code == 409
    # each staff member sees its own members; the admin all of the merchant's
    ok(world.client.post(f"{API}/claims", headers=other.headers, json={"member_id": members[3]}), 201)
    assert [o["member_id"] for o in ok(world.client.get(f"{API}/owners", headers=clerk))["items"]] == [members[0]]
    assert [o["member_id"] for o in ok(world.client.get(f"{API}/owners", headers=other.headers))["items"]] \
        == [members[3]]
    assert len(ok(world.client.get(f"{API}/owners", headers=admin))["items"]) == 2
    # another staff member's member cannot be released by a clerk; a member of another merchant cannot be claimed
    assert world.client.post(f"{API}/releases", headers=clerk, json={"member_id": members[3]}).status_code == 404
    foreign = world.a.members[world.a.merchants[1]]
    assert world.client.post(f"{API}/claims", headers=other.headers, json={"member_id": foreign}).status_code == 404
    assert ok(world.client.get(f"{API}/pool", headers=clerk))["total"] == 3  # the world's member, [1], [2]

"""Merging duplicate stores, prospects and merchants through the API: living things move to the survivor, history
stays, undo restores exactly what moved; each refusal says why with nothing changed. Runs on SQLite and, with
LIANMENG_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.auth.models import User
from lianmeng.coupons.models import CouponTemplate
from lianmeng.members.models import Member, Membership
from lianmeng.merchants.models import Merchant, Staff, Store
from lianmeng.merging import service
from lianmeng.merging.domain import PlaceKind
from lianmeng.merging.models import PlaceMerge, PlaceMergeEvent
from lianmeng.orders.models import Order
from lianmeng.partners.models import Candidate, CandidateStore, MysteryVisit
from lianmeng.tenancy import Principal
from tests.conftest import World
from tests.integration.coupons.test_coupons import agree, centre_coupon
from tests.integration.merging.test_member_merges import ok, refused
from tests.integration.orders.test_concurrency import race

API = "/api/v1/merges"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def op(world: World) -> dict[str, str]:
    return world.a.actors["operator"].headers


def new_store(world: World, merchant_id: int, name: str = "store bis", headers: dict[str, str] | None = None) -> int:
    return int(ok(world.client.post(f"/api/v1/merchants/{merchant_id}/stores", headers=headers or op(world), json={
        "name": name, "address": "深南大道 1 号", "latitude": 22.54, "longitude": 114.05}))["id"])


def merge(world: World, kind: str, survivor: int, absorbed: int, headers: dict[str, str] | None = None,
          reason: str = "同一家录入两次") -> Any:
    return world.client.post(f"{API}/{kind}", headers=headers or op(world),
                             json={"survivor_id": survivor, "absorbed_id": absorbed, "reason": reason})


def undo(world: World, merge_id: int, headers: dict[str, str] | None = None, reason: str = "误合并") -> Any:
    return world.client.post(f"{API}/{merge_id}/undo", headers=headers or op(world), json={"reason": reason})


# --- stores --------------------------------------------------------------------------------------------------


def test_store_merge_moves_staff_members_and_acceptance_and_undo_restores_exactly(
        world: World, session: Session) -> None:
    m1, m2 = world.a.merchants[:2]
    old = world.a.stores[m1]  # the store staff1 works at and its member came through
    kept = new_store(world, m1, "同一家店(新录入)")
    member = world.a.members[m1]
    assert session.get(Member, member).origin_store_id == old  # type: ignore[union-attr]
    template = centre_coupon(world, acceptance="selected", accepted_store_ids=[old, world.a.stores[m2]])
    ok(world.client.post("/api/v1/orders", headers=world.a.actors["staff1"].headers, json={
        "external_id": "AT-OLD", "member_id": member, "amount_fen": 10_000}))
    session.rollback()
    order = session.scalars(select(Order).where(Order.external_id == "AT-OLD")).one()

    done = ok(merge(world, "stores", kept, old, headers=world.a.actors["admin1"].headers))
    assert done["kind"] == "store" and done["status"] == "in_force" and done["actor_label"] == "admin-alpha-1"
    assert done["moved"]["rows"]["staff.store_id"] == [world.a.staff[m1]]
    assert done["moved"]["rows"]["members.origin_store_id"] == [member]
    assert [e["kind"] for e in done["events"]] == ["merge"]
    session.rollback()
    assert session.get(Staff, world.a.staff[m1]).store_id == kept  # type: ignore[union-attr]
    assert session.get(Member, member).origin_store_id == kept  # type: ignore[union-attr]
    assert session.get(CouponTemplate, template["id"]).accepted_store_ids == [kept, world.a.stores[m2]]  # type: ignore[union-attr]
    assert session.get(Order, order.id).store_id == old  # type: ignore[union-attr]  # history stays
    absorbed = session.get(Store, old)
    assert absorbed is not None and (absorbed.active, absorbed.merged_into_id) == (False, kept)

    undone = ok(undo(world, done["id"], headers=world.a.actors["admin1"].headers), 200)
    assert undone["status"] == "reversed" and [e["kind"] for e in undone["events"]] == ["merge", "undo"]
    session.rollback()
    assert session.get(Staff, world.a.staff[m1]).store_id == old  # type: ignore[union-attr]
    assert session.get(Member, member).origin_store_id == old  # type: ignore[union-attr]
    assert session.get(CouponTemplate, template["id"]).accepted_store_ids == [old, world.a.stores[m2]]  # type: ignore[union-attr]
    absorbed = session.get(Store, old)
    assert absorbed is not None and (absorbed.active, absorbed.merged_into_id) == (True, None)
    refused(undo(world, done["id"]), "unmerge_already_undone", 409)
    assert len(session.scalars(select(PlaceMergeEvent)).all()) == 2


def test_store_merge_refusals_say_why_and_change_nothing(world: World, session: Session) -> None:
    m1, m2 = world.a.merchants[:2]
    s1, s2 = world.a.stores[m1], world.a.stores[m2]
    bis = new_store(world, m1)
    refused(merge(world, "stores", s1, s1), "merge_same_place")
    refused(merge(world, "stores", s1, s2), "merge_stores_other_merchant")
    beta_store = world.b.stores[world.b.merchants[0]]
    assert merge(world, "stores", s1, beta_store).status_code == 404  # another alliance's store: not found
    assert merge(world, "stores", s1, bis, headers=world.a.actors["staff1"].headers).status_code == 403
    assert merge(world, "stores", s1, bis, headers=world.a.actors["admin2"].headers).status_code == 403
    blank = merge(world, "stores", s1, bis, reason=" ")
    assert blank.status_code == 422
    first = ok(merge(world, "stores", s1, bis))
    refused(merge(world, "stores", s1, bis), "merge_place_already_merged")
    refused(merge(world, "stores", bis, s1), "merge_into_merged_place")
    assert ok(world.client.get(f"{API}/{first['id']}", headers=op(world)), 200)["absorbed_id"] == bis
    assert world.client.get(f"{API}/{first['id']}", headers=world.a.actors["admin2"].headers).status_code == 404
    listed = ok(world.client.get(f"{API}?kind=store", headers=world.a.actors["admin1"].headers), 200)
    assert [m["id"] for m in listed["items"]] == [first["id"]]
    assert ok(world.client.get(API, headers=world.b.actors["operator"].headers), 200)["items"] == []
    assert len(session.scalars(select(PlaceMerge)).all()) == 1


def test_store_undo_refused_when_a_moved_row_changed_since(world: World, session: Session) -> None:
    m1 = world.a.merchants[0]
    old, kept = world.a.stores[m1], new_store(world, m1)
    done = ok(merge(world, "stores", kept, old))
    session.execute(update(Staff).where(Staff.id == world.a.staff[m1]).values(store_id=None))
    session.commit()
    en = {**op(world), "Accept-Language": "en"}
    error = refused(undo(world, done["id"], headers=en), "unmerge_place_changed", 409)
    assert "staff working at the store" in error["message"]
    session.rollback()
    assert session.get(Store, old).merged_into_id == kept  # type: ignore[union-attr]  # nothing changed
    assert session.get(PlaceMerge, done["id"]).status == "in_force"  # type: ignore[union-attr]


def test_undo_refused_after_the_window(world: World, session: Session) -> None:
    m1 = world.a.merchants[0]
    done = ok(merge(world, "stores", new_store(world, m1), world.a.stores[m1]))
    merge_row = session.get(PlaceMerge, done["id"])
    assert merge_row is not None
    session.execute(update(PlaceMerge).where(PlaceMerge.id == done["id"])
                    .values(merged_at=merge_row.merged_at - timedelta(days=31)))
    session.commit()
    refused(undo(world, done["id"]), "unmerge_window_closed", 409)


# --- prospects -----------------------------------------------------------------------------------------------

PROSPECT = {"name": "威尔仕健身", "industry": "fitness",
            "stores": [{"name": "车公庙店", "address": "深南大道 1 号", "latitude": 22.5372, "longitude": 114.0242}]}


def test_prospect_merge_moves_its_stores_and_visits_and_undo_restores(world: World, session: Session) -> None:
    admin = world.a.actors["admin1"].headers
    kept = ok(world.client.post("/api/v1/partners/candidates", headers=admin, json=PROSPECT))
    dup = ok(world.client.post("/api/v1/partners/candidates", headers=admin, json={**PROSPECT, "name": "威尔士健身"}))
    ok(world.client.post(f"/api/v1/partners/candidates/{dup['id']}/visits", headers=admin, json={
        "visitor": "张店长", "visited_on": "2026-11-20", "score": 4}))
    theirs = ok(world.client.post("/api/v1/partners/candidates", headers=world.a.actors["admin2"].headers,
                                  json=PROSPECT))
    ours = ok(world.client.post("/api/v1/partners/candidates", headers=op(world), json=PROSPECT))
    assert merge(world, "prospects", kept["id"], theirs["id"], headers=admin).status_code == 404  # not its list
    assert merge(world, "prospects", kept["id"], ours["id"]).status_code == 404  # the operator's list is its own
    in_alliance = ok(world.client.post("/api/v1/partners/candidates", headers=admin, json={
        **PROSPECT, "name": "服务中心", "industry": "auto_service", "merchant_id": world.a.merchants[1]}))
    refused(merge(world, "prospects", kept["id"], in_alliance["id"], headers=admin), "merge_not_prospect")

    done = ok(merge(world, "prospects", kept["id"], dup["id"], headers=admin))
    session.rollback()
    assert {s.candidate_id for s in session.scalars(select(CandidateStore).where(
        CandidateStore.id.in_(done["moved"]["rows"]["partner_candidate_stores.candidate_id"])))} == {kept["id"]}
    assert {v.candidate_id for v in session.scalars(select(MysteryVisit))} == {kept["id"]}
    absorbed = session.get(Candidate, dup["id"])
    assert absorbed is not None and (absorbed.status, absorbed.merged_into_id) == ("dropped", kept["id"])

    ok(undo(world, done["id"], headers=admin), 200)
    session.rollback()
    assert {v.candidate_id for v in session.scalars(select(MysteryVisit))} == {dup["id"]}
    assert len(session.scalars(select(CandidateStore).where(CandidateStore.candidate_id == dup["id"])).all()) == 1
    absorbed = session.get(Candidate, dup["id"])
    assert absorbed is not None and (absorbed.status, absorbed.merged_into_id) == ("watching", None)


# --- merchants -----------------------------------------------------------------------------------------------


def new_merchant(world: World) -> tuple[int, int, int]:
    """A merchant entered twice (m4, the gym again): its store, a guide with a login, and a member enrolled there
    who is also the gym's member. Nothing has happened there yet."""
    o = op(world)
    mid = int(ok(world.client.post("/api/v1/merchants", headers=o, json={
        "name": "alpha merchant 1 (again)", "industry": "fitness", "brand_tags": ["高端"], "rating": 4.5,
        "years_in_business": 3}))["id"])
    store = new_store(world, mid, "gym again")
    staff = int(ok(world.client.post(f"/api/v1/merchants/{mid}/staff", headers=o, json={
        "name": "导购 again", "role": "shopping_guide", "store_id": store}))["id"])
    ok(world.client.post("/api/v1/users", headers=o, json={
        "username": "staff-again", "password": "correct-horse-9", "role": "store_staff", "merchant_id": mid,
        "staff_id": staff}))
    return mid, store, staff


def test_merchant_merge_moves_stores_staff_and_memberships_keeping_one_and_undo_restores(
        world: World, session: Session) -> None:
    m1 = world.a.merchants[0]
    m4, store4, staff4 = new_merchant(world)
    both = world.a.members[m1]  # the gym's member, enrolled at m4 too
    session.add(Membership(alliance_id=world.a.alliance_id, member_id=both, merchant_id=m4, joined_at=NOW))
    only4 = world.a.members[world.a.merchants[1]]  # m2's member, enrolled at m4 only
    session.add(Membership(alliance_id=world.a.alliance_id, member_id=only4, merchant_id=m4, joined_at=NOW))
    session.commit()
    template = centre_coupon(world, acceptance="selected", accepted_merchant_ids=[m4])

    assert merge(world, "merchants", m1, m4, headers=world.a.actors["admin1"].headers).status_code == 403
    done = ok(merge(world, "merchants", m1, m4))
    session.rollback()
    assert session.get(Store, store4).merchant_id == m1  # type: ignore[union-attr]
    assert session.get(Staff, staff4).merchant_id == m1  # type: ignore[union-attr]
    user = session.scalars(select(User).where(User.username == "staff-again")).one()
    assert user.merchant_id == m1
    memberships = {(m.member_id, m.merchant_id) for m in session.scalars(select(Membership).where(
        Membership.member_id.in_([both, only4])))}
    assert (only4, m1) in memberships and (only4, m4) not in memberships
    assert (both, m1) in memberships and (both, m4) in memberships  # the member holding both keeps one at m1
    assert len(done["moved"]["kept"]["memberships.merchant_id"]) == 1
    assert session.get(CouponTemplate, template["id"]).accepted_merchant_ids == [m1]  # type: ignore[union-attr]
    absorbed = session.get(Merchant, m4)
    assert absorbed is not None and (absorbed.status, absorbed.merged_into_id) == ("suspended", m1)

    ok(undo(world, done["id"]), 200)
    session.rollback()
    assert session.get(Store, store4).merchant_id == m4  # type: ignore[union-attr]
    assert session.get(Staff, staff4).merchant_id == m4  # type: ignore[union-attr]
    assert session.scalars(select(User).where(User.username == "staff-again")).one().merchant_id == m4
    assert {(m.member_id, m.merchant_id) for m in session.scalars(select(Membership).where(
        Membership.merchant_id == m4))} == {(both, m4), (only4, m4)}
    assert session.get(CouponTemplate, template["id"]).accepted_merchant_ids == [m4]  # type: ignore[union-attr]
    absorbed = session.get(Merchant, m4)
    assert absorbed is not None and (absorbed.status, absorbed.merged_into_id) == ("active", None)


def test_merchant_merge_refused_in_words_when_business_happened_there(world: World, session: Session) -> None:
    m1, m2, m3 = world.a.merchants
    agreement = agree(world)
    ok(world.client.post("/api/v1/orders", headers=world.a.actors["staff1"].headers, json={
        "external_id": "EARN-1", "member_id": world.a.members[m1], "amount_fen": 10_000}))
    error = refused(merge(world, "merchants", m3, m1), "merge_merchant_blocked", 409)
    assert error["details"]["ledger_entries"] > 0 and error["details"]["agreement_ids"] == [agreement]
    assert f"#{agreement}" in error["message"] and "账目分录" in error["message"]
    error = refused(merge(world, "merchants", m3, m2), "merge_merchant_blocked", 409)
    assert error["details"]["agreement_ids"] == [agreement]
    refused(merge(world, "merchants", m3, m3), "merge_same_place")
    assert merge(world, "merchants", m3, world.b.merchants[0]).status_code == 404  # the operator cannot see it
    refused(merge(world, "merchants", m3, world.b.merchants[0], headers=world.platform.headers),
            "merge_place_other_alliance")  # the platform sees both: refused in words
    session.rollback()
    assert session.scalars(select(PlaceMerge)).all() == []
    assert session.get(Merchant, m1).merged_into_id is None  # type: ignore[union-attr]


def test_crossed_merges_of_one_pair_at_once_end_with_exactly_one(world: World, session: Session,
                                                                  wide_engine: Engine) -> None:
    """A into B and B into A at the same moment: both places are locked in id order, so one merge wins and the
    other is refused in words (422: already merged / into a merged one), never both."""
    m1 = world.a.merchants[0]
    old, bis = world.a.stores[m1], new_store(world, m1)
    operator = world.a.actors["operator"]
    p = Principal(kind="user", id=operator.user_id, role=Role.OPERATOR_ADMIN, alliance_id=world.a.alliance_id,
                  label=operator.username)

    def attempt(survivor: int, absorbed: int) -> Callable[[Session], object]:
        return lambda s: service.merge_places(s, p, PlaceKind.STORE, survivor, absorbed, "同时合并")

    outcomes = race(wide_engine, [attempt(old, bis), attempt(bis, old)] * 2)
    assert outcomes == {201: 1, 422: 3}
    session.rollback()
    merges = session.scalars(select(PlaceMerge)).all()
    assert len(merges) == 1
    stores = {s.id: s.merged_into_id for s in session.scalars(select(Store).where(Store.id.in_([old, bis])))}
    assert sorted(stores.values(), key=lambda v: v is not None) == [None, merges[0].survivor_id]


def test_two_undos_at_once_undo_once(world: World, session: Session, wide_engine: Engine) -> None:
    m1 = world.a.merchants[0]
    done = ok(merge(world, "stores", new_store(world, m1), world.a.stores[m1]))
    operator = world.a.actors["operator"]
    p = Principal(kind="user", id=operator.user_id, role=Role.OPERATOR_ADMIN, alliance_id=world.a.alliance_id,
                  label=operator.username)
    outcomes = race(wide_engine, [lambda s: service.unmerge_place(s, p, done["id"], "误合并")] * 4)
    assert outcomes == {201: 1, 409: 3}  # race() counts a success as 201
    session.rollback()
    assert len(session.scalars(select(PlaceMergeEvent).where(PlaceMergeEvent.merge_id == done["id"])).all()) == 2
    assert session.get(Staff, world.a.staff[m1]).store_id == world.a.stores[m1]  # type: ignore[union-attr]

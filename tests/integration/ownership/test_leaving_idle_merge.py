"""Staff leaving (to a successor or the pool; their frozen rebates still release to them), the idle-return job,
the merge seam, and the owner as the staff member a referral credits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lianmeng.cli import app
from lianmeng.jobs.service import return_idle_members, run_all
from lianmeng.kit import clock
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, OwnerType
from lianmeng.ownership import service
from lianmeng.ownership.models import MemberOwner, OwnershipPeriod
from tests.conftest import World
from tests.integration.commissions.test_rebates import agree
from tests.integration.ownership.ownership import API, enrol, ok, second_clerk


def _owners(session: Session, merchant_id: int) -> dict[int, int]:
    session.rollback()
    return {r.member_id: r.staff_id for r in session.scalars(
        select(MemberOwner).where(MemberOwner.merchant_id == merchant_id))}


def test_hand_over_to_a_successor_then_leaving_empties_into_the_pool(world: World, session: Session) -> None:
    m1 = world.a.merchants[0]
    admin = world.a.actors["admin1"].headers
    first = world.a.staff[m1]
    other = second_clerk(world)
    members = enrol(world, "staff1", 2)
    ok(world.client.post(f"{API}/assignments", headers=admin, json={"basis": "all_members", "staff_ids": [first]}))
    done = ok(world.client.post(f"{API}/hand-overs", headers=admin, json={
        "staff_id": first, "successor_staff_id": other.staff_id}))
    assert done == {"staff_id": first, "successor_staff_id": other.staff_id, "moved": 3, "deactivated": False}
    assert set(_owners(session, m1).values()) == {other.staff_id}
    self_successor = world.client.post(f"{API}/hand-overs", headers=admin, json={
        "staff_id": first, "successor_staff_id": first})
    assert self_successor.status_code == 422
    assert world.client.post(f"{API}/hand-overs", headers=world.a.actors["staff1"].headers, json={
        "staff_id": other.staff_id}).status_code == 403
    # deactivating the successor through the staff page's PATCH: its members go to the pool
    ok(world.client.patch(f"/api/v1/staff/{other.staff_id}", headers=admin, json={"active": False}))
    assert _owners(session, m1) == {}
    ends = session.scalars(select(OwnershipPeriod.end_change).where(OwnershipPeriod.member_id == members[0])
                           .order_by(OwnershipPeriod.id)).all()
    assert ends == ["handed_over", "staff_left"]
    inactive = world.client.post(f"{API}/claims", headers=other.headers, json={"member_id": members[0]})
    assert inactive.status_code == 403


def test_a_leaving_staff_members_frozen_rebate_still_releases_to_it(world: World, session: Session) -> None:
    agree(world)
    m1, m2 = world.a.merchants[:2]
    sa = world.a.staff[m1]
    member = world.a.members[m1]
    gym = world.a.actors["staff2"].headers
    card = world.client.get(f"/api/v1/members/{member}", headers=world.a.actors["staff1"].headers).json()["card_no"]
    world.client.post("/api/v1/memberships", headers=gym, json={"card_no": card})
    ok(world.client.post("/api/v1/orders", headers=gym, json={
        "external_id": "LEAVE-1", "member_id": member, "amount_fen": 600_000, "referrer_merchant_id": m1,
        "referrer_staff_id": sa}), 201)
    ref = AccountRef(OwnerType.STAFF, sa, AccountKind.REBATE_FROZEN)
    assert ledger.balance(session, world.a.alliance_id, ref) == 5_000
    ok(world.client.post(f"{API}/hand-overs", headers=world.a.actors["admin1"].headers, json={
        "staff_id": sa, "deactivate": True}))
    run_all(world.client.app.state.database_url, at=clock.now() + timedelta(days=8))
    session.rollback()
    assert ledger.balance(session, world.a.alliance_id, ref) == 0
    assert ledger.balance(session, world.a.alliance_id,
                          AccountRef(OwnerType.STAFF, sa, AccountKind.REBATE_AVAILABLE)) == 5_000
    assert m2


def test_idle_owners_go_back_to_the_pool_unless_they_served(world: World, session: Session) -> None:
    m1 = world.a.merchants[0]
    admin = world.a.actors["admin1"].headers
    clerk = world.a.actors["staff1"].headers
    first = world.a.staff[m1]
    served, idle = enrol(world, "staff1", 2)
    ok(world.client.post(f"{API}/assignments", headers=admin, json={"basis": "all_members", "staff_ids": [first]}))
    long_ago = clock.now() - timedelta(days=100)
    session.execute(update(MemberOwner).values(since=long_ago))
    session.commit()
    # the owner records an order for one of them today: served
    ok(world.client.post("/api/v1/orders", headers=clerk, json={
        "external_id": "SERVE-1", "member_id": served, "amount_fen": 10_000}), 201)
    url = world.client.app.state.database_url
    ran = CliRunner().invoke(app, ["jobs", "run", "--database-url", url], env={"COLUMNS": "400"})
    assert ran.exit_code == 0 and "members back in the pool (not served): 2" in ran.output, ran.output
    assert _owners(session, m1) == {served: first}
    assert return_idle_members(url) == 0  # idempotent
    # 91 days on, the served one is idle too (the job in run_all)
    assert run_all(url, at=clock.now() + timedelta(days=91)).members_back_in_pool == 1
    assert _owners(session, m1) == {}
    reasons = session.scalars(select(OwnershipPeriod.end_change).where(OwnershipPeriod.member_id == idle)).all()
    assert reasons == ["idle_returned"]


def test_merge_moves_owners_and_unmerge_restores_them(world: World, session: Session) -> None:
    m1, m2 = world.a.merchants[:2]
    survivor, absorbed = enrol(world, "staff1", 2)
    other = second_clerk(world)
    with_m2 = enrol(world, "staff2", 1, base=13_800_000_000)[0]
    ok(world.client.post(f"{API}/claims", headers=world.a.actors["staff1"].headers, json={"member_id": survivor}),
       201)
    ok(world.client.post(f"{API}/claims", headers=other.headers, json={"member_id": absorbed}), 201)
    assert with_m2
    # the absorbed member also has an owner at m2, where the survivor has none
    session.rollback()
    service._start(session, world.a.alliance_id, m2, absorbed, world.a.staff[m2],
                   service.OwnershipChange.BULK_ASSIGNED, clock.now(), None)
    session.commit()
    service.move_on_merge(session, world.a.alliance_id, survivor, absorbed)
    session.commit()
    rows = {(r.member_id, r.merchant_id): r.staff_id for r in session.scalars(select(MemberOwner))}
    assert rows == {(survivor, m1): world.a.staff[m1], (survivor, m2): world.a.staff[m2]}
    service.restore_on_unmerge(session, world.a.alliance_id, survivor, absorbed)
    session.commit()
    rows = {(r.member_id, r.merchant_id): r.staff_id for r in session.scalars(select(MemberOwner))}
    assert rows == {(survivor, m1): world.a.staff[m1], (absorbed, m1): other.staff_id,
                    (absorbed, m2): world.a.staff[m2]}


def test_the_owner_is_who_a_rule_attributed_referral_credits(world: World, session: Session) -> None:
    agree(world)  # m1 refers to m2; a per-head staff term pays the referring staff member ¥50
    m1, m2 = world.a.merchants[:2]
    op = world.a.actors["operator"].headers
    ok(world.client.patch(f"/api/v1/alliances/{world.a.alliance_id}", headers=op,
                          json={"attribution_rule": "registration"}))
    member = world.a.members[m1]  # enrolled at m1 by its first clerk (origin staff)
    other = second_clerk(world)
    ok(world.client.post(f"{API}/assignments", headers=world.a.actors["admin1"].headers, json={
        "basis": "all_members", "staff_ids": [other.staff_id]}))
    gym = world.a.actors["staff2"].headers
    card = world.client.get(f"/api/v1/members/{member}", headers=world.a.actors["staff1"].headers).json()["card_no"]
    world.client.post("/api/v1/memberships", headers=gym, json={"card_no": card})
    order = ok(world.client.post("/api/v1/orders", headers=gym, json={
        "external_id": "OWNED-1", "member_id": member, "amount_fen": 600_000}), 201)
    assert (order["referrer_merchant_id"], order["referrer_staff_id"]) == (m1, other.staff_id)
    frozen = AccountKind.REBATE_FROZEN
    assert ledger.balance(session, world.a.alliance_id, AccountRef(OwnerType.STAFF, other.staff_id, frozen)) == 5_000
    assert ledger.balance(session, world.a.alliance_id, AccountRef(OwnerType.STAFF, world.a.staff[m1], frozen)) == 0
    assert m2

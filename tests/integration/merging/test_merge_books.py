"""The books around a merge (issue 14, "Done when"): with points grants, a points debt, stored value and coupons
on both members, the ledger invariants of the property test (tests/integration/ledger/test_properties.py) hold
after the merge and after its undo, and the stored value each person holds is still exactly what that person's
top-ups, spends and refunds say, counting a tombstone's rows as the survivor's (docs/merging.md).

A merge that would make a guarded balance negative is refused with nothing moved. No real path leads there today
(the absorbed member's kept accounts are read under a row lock and move whole; the only member account that may
go negative is the points debt, which moves as a debt), so the guard is proven with a crafted stale read: the
holdings the merge moves are reported one point above what the account holds, and the ledger's guarded update
refuses the posting (`InsufficientBalance` → 409 `merge_negative_balance`)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.coupons.models import Coupon
from lianmeng.ledger import service as ledger
from lianmeng.ledger.models import Posting
from lianmeng.members.models import Member
from lianmeng.merging import repository as merging_repository
from lianmeng.merging.domain import Holding
from lianmeng.merging.models import MemberMerge, MergeEvent
from lianmeng.orders.service import member_stored_value
from lianmeng.points.models import PointsGrant
from lianmeng.points.service import member_debt, member_points
from tests.books import assert_ledger_invariants
from tests.conftest import World
from tests.integration.coupons.test_coupons import agree, centre_coupon, issue
from tests.integration.ledger.test_properties import (
    _SV_MOVES,
    BAD_ORDERS,
    Tally,
    _check_accounts,
    _check_points,
    _check_rebates,
)
from tests.integration.merging.test_member_merges import URL, Pair, merge, ok, refused

Person = tuple[int, int]  # (member, merchant)


def person_stored_value(session: Session) -> dict[Person, int]:
    """Stored value by person and merchant from the top-ups, spends and refunds: a tombstone's rows count as its
    survivor's (one level: a survivor merged again is refused an undo until the later merge is undone)."""
    person = func.coalesce(Member.merged_into_id, Member.id)
    rows = session.execute(select(person, _SV_MOVES.c.merchant_id, func.sum(_SV_MOVES.c.fen))
                           .join(Member, Member.id == _SV_MOVES.c.member_id)
                           .group_by(person, _SV_MOVES.c.merchant_id)).all()
    return {(int(m), int(merchant)): int(total) for m, merchant, total in rows if total}


def check_books(session: Session) -> dict[tuple[str, int, str, int], int]:
    """The property test's invariants 1–6 over the whole database, stored value (7) per person; the balances."""
    session.rollback()
    assert_ledger_invariants(session)
    conn = session.connection()
    balances = _check_accounts(conn, Tally(), True)
    _check_rebates(conn, balances)
    _check_points(conn, balances)
    assert conn.execute(BAD_ORDERS).all() == []
    held = {(owner_id, scope): total for (owner, owner_id, kind, scope), total in balances.items()
            if owner == "member" and kind == "stored_value" and total}
    assert held == person_stored_value(session)
    session.rollback()
    return balances


def load_both(world: World, pair: Pair, *, debt: bool = False) -> dict[str, int]:
    """Both members hold points grants, stored value and a coupon; with `debt` the absorbed one's points are
    instead a points debt (earned, spent, then the earning order refunded). Returns the coupons' ids."""
    a = world.a
    gym, centre = a.actors["staff1"].headers, a.actors["staff2"].headers
    ok(world.client.post("/api/v1/top-ups", headers=a.actors["admin1"].headers, json={
        "external_id": "TOP-A", "member_id": pair.absorbed, "amount_fen": 50_000}))
    earned = ok(world.client.post("/api/v1/orders", headers=gym, json={
        "external_id": "EARN-A", "member_id": pair.absorbed, "amount_fen": 10_000}))  # 100 points
    ok(world.client.post("/api/v1/orders", headers=gym, json={
        "external_id": "SV-A", "member_id": pair.absorbed, "amount_fen": 5_000, "stored_value_fen": 5_000}))
    if debt:
        ok(world.client.post("/api/v1/orders", headers=gym, json={
            "external_id": "SPEND-A", "member_id": pair.absorbed, "amount_fen": 150, "points_used": 150}))
        ok(world.client.post(f"/api/v1/orders/{earned['id']}/refunds", headers=gym, json={
            "external_id": "REFUND-A", "amount_fen": 10_000}))
    ok(world.client.post("/api/v1/top-ups", headers=a.actors["admin2"].headers, json={
        "external_id": "TOP-S", "member_id": pair.survivor, "amount_fen": 20_000}))
    ok(world.client.post("/api/v1/orders", headers=centre, json={
        "external_id": "EARN-S", "member_id": pair.survivor, "amount_fen": 40_000}))
    agree(world)
    template = centre_coupon(world)
    return {"absorbed": int(ok(issue(world, template["id"], pair.absorbed))["id"]),
            "survivor": int(ok(issue(world, template["id"], pair.survivor, who="staff2"))["id"])}


def member_books(session: Session, world: World, member_id: int, merchants: list[int]) -> tuple[int, ...]:
    """(points, points debt, stored value at each merchant) of one member, freshly read."""
    session.rollback()
    alliance = world.a.alliance_id
    return (ledger.balance(session, alliance, member_points(member_id)),
            ledger.balance(session, alliance, member_debt(member_id)),
            *(ledger.balance(session, alliance, member_stored_value(member_id, m)) for m in merchants))


@pytest.mark.parametrize("debt", [False, True], ids=["points", "debt"])
def test_books_hold_after_a_merge_and_its_undo_with_everything_on_both_members(world: World, session: Session,
                                                                              debt: bool) -> None:
    pair = Pair(world)
    coupons = load_both(world, pair, debt=debt)
    merchants = [pair.m1, pair.m2]
    before = {m: member_books(session, world, m, merchants) for m in (pair.absorbed, pair.survivor)}
    check_books(session)
    points, owed, at_gym, _ = before[pair.absorbed]
    assert (points, owed, at_gym) == ((0, -100, 45_000) if debt else (150, 0, 45_000))  # what the test is about
    assert before[pair.survivor] == (400, 0, 0, 20_000)
    grants_before = {g.id: (g.member_id, g.remaining) for g in session.scalars(select(PointsGrant))}
    assert {m for m, remaining in grants_before.values() if remaining} == (
        {pair.survivor} if debt else {pair.absorbed, pair.survivor})

    done = ok(merge(world, pair))
    check_books(session)
    survivor_now = member_books(session, world, pair.survivor, merchants)
    assert survivor_now == tuple(s + a for s, a in zip(before[pair.survivor], before[pair.absorbed], strict=True))
    assert member_books(session, world, pair.absorbed, merchants) == (0, 0, 0, 0)
    assert {session.get(Coupon, c).member_id for c in coupons.values()} == {pair.survivor}  # type: ignore[union-attr]
    assert {g.member_id for g in session.scalars(select(PointsGrant).where(PointsGrant.remaining > 0))} == {
        pair.survivor}
    moved = {(b["kind"], b["scope_id"], b["amount"]) for b in done["moved"]["balances"]}
    assert moved == {(kind, scope, amount) for kind, scope, amount in (
        ("points", 0, points), ("points_debt", 0, owed), ("stored_value", pair.m1, at_gym)) if amount}

    ok(world.client.post(f"{URL}/{done['id']}/undo", headers=pair.op, json={"reason": "两个人"}), 200)
    check_books(session)
    assert {m: member_books(session, world, m, merchants) for m in before} == before
    assert {g.id: (g.member_id, g.remaining) for g in session.scalars(select(PointsGrant))} == grants_before
    assert session.get(Coupon, coupons["absorbed"]).member_id == pair.absorbed  # type: ignore[union-attr]
    assert session.get(Coupon, coupons["survivor"]).member_id == pair.survivor  # type: ignore[union-attr]


def test_undo_is_refused_once_the_survivor_has_repaid_the_moved_debt(world: World, session: Session) -> None:
    """Undoing after the survivor's earnings repaid the debt that moved would hand the survivor a positive points
    debt (points owed to it out of nowhere): refused in words, nothing changed."""
    pair = Pair(world)
    load_both(world, pair, debt=True)
    merchants = [pair.m1, pair.m2]
    debt = member_books(session, world, pair.absorbed, merchants)[1]
    assert debt < 0
    done = ok(merge(world, pair))
    ok(world.client.post("/api/v1/orders", headers=world.a.actors["staff2"].headers, json={
        "external_id": "REPAY-S", "member_id": pair.survivor, "amount_fen": 100_000}))  # earns more than owed
    assert member_books(session, world, pair.survivor, merchants)[1] == 0
    before = {m: member_books(session, world, m, merchants) for m in (pair.absorbed, pair.survivor)}
    error = refused(world.client.post(f"{URL}/{done['id']}/undo", headers={**pair.op, "Accept-Language": "en"},
                                      json={"reason": "wrong"}), "unmerge_repaid", 409)
    assert f"points owed moved by the merge have since been repaid ({-debt})" in error["message"], error
    assert {m: member_books(session, world, m, merchants) for m in before} == before
    assert session.get(MemberMerge, done["id"]).status == "in_force"  # type: ignore[union-attr]
    check_books(session)


def stale_by_one(real: Any) -> Any:
    """kept_holdings as a stale read would give it: the points one above what the account holds."""
    def holdings(session: Session, alliance_id: int, member_id: int) -> list[Holding]:
        return [Holding(h.kind, h.scope_id, h.amount + 1) if h.kind.value == "points" else h
                for h in real(session, alliance_id, member_id)]
    return holdings


def test_a_merge_that_would_make_a_balance_negative_is_refused_with_nothing_moved(
        world: World, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    pair = Pair(world)
    coupons = load_both(world, pair)
    merchants = [pair.m1, pair.m2]
    before = {m: member_books(session, world, m, merchants) for m in (pair.absorbed, pair.survivor)}
    assert before[pair.absorbed][0] > 0  # points to move, so the stale read asks for one more than there is
    monkeypatch.setattr(merging_repository, "kept_holdings", stale_by_one(merging_repository.kept_holdings))

    error = refused(merge(world, pair, headers={**pair.op, "Accept-Language": "en"}), "merge_negative_balance",
                    409)
    assert error["message"] == "The merge would make a balance negative (alliance points); nothing was moved"
    zh = refused(merge(world, pair), "merge_negative_balance", 409)
    assert "未做任何变更" in zh["message"]

    session.rollback()
    assert {m: member_books(session, world, m, merchants) for m in before} == before
    assert session.scalars(select(MemberMerge)).all() == []
    assert session.scalars(select(MergeEvent)).all() == []
    assert session.scalars(select(Posting).where(Posting.cause == "member_merge")).all() == []
    absorbed = session.get(Member, pair.absorbed)
    assert absorbed is not None and (absorbed.status, absorbed.merged_into_id) == ("active", None)
    assert session.get(Coupon, coupons["absorbed"]).member_id == pair.absorbed  # type: ignore[union-attr]
    assert {g.member_id for g in session.scalars(select(PointsGrant).where(PointsGrant.remaining > 0))} == {
        pair.absorbed, pair.survivor}
    check_books(session)

    monkeypatch.undo()  # the same pair merges once the read is right
    ok(merge(world, pair))
    check_books(session)

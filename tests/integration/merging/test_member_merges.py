"""Merging two members through the API: everything moves by ledger postings, the old card serves the survivor,
undo restores it all, and every refusal says why with nothing moved."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.auth.models import OutboxMessage
from lianmeng.coupons.models import Coupon
from lianmeng.ledger import service as ledger
from lianmeng.ledger.models import Posting
from lianmeng.members import service as members_service
from lianmeng.members.models import Member, Membership
from lianmeng.members.schemas import CardRef
from lianmeng.merging import service as merging_service
from lianmeng.merging.models import MemberMerge, MergeEvent
from lianmeng.orders.service import member_stored_value
from lianmeng.points.models import PointsGrant
from lianmeng.points.service import member_points
from lianmeng.tenancy import Principal
from tests.books import assert_ledger_invariants
from tests.conftest import World
from tests.integration.coupons.test_coupons import agree, centre_coupon, issue
from tests.integration.orders.test_concurrency import race

URL = "/api/v1/members/merges"


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def refused(response: Any, code: str, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, response.text
    return error


class Pair:
    """The gym's member (to be absorbed: points, stored value and a coupon, all from the gym m1) and the service
    centre's member (the survivor)."""

    def __init__(self, world: World) -> None:
        self.m1, self.m2 = world.a.merchants[:2]
        self.absorbed = world.a.members[self.m1]
        self.survivor = world.a.members[self.m2]
        self.op = world.a.actors["operator"].headers


def load_absorbed(world: World, pair: Pair) -> int:
    """100 points and ¥500.00 of stored value at the gym, and a coupon for the centre; returns the coupon id."""
    ok(world.client.post("/api/v1/top-ups", headers=world.a.actors["admin1"].headers, json={
        "external_id": "TOP-M", "member_id": pair.absorbed, "amount_fen": 50_000}))
    ok(world.client.post("/api/v1/orders", headers=world.a.actors["staff1"].headers, json={
        "external_id": "EARN-M", "member_id": pair.absorbed, "amount_fen": 10_000}))
    agree(world)
    template = centre_coupon(world)
    return int(ok(issue(world, template["id"], pair.absorbed))["id"])


def balances(session: Session, world: World, member_id: int, merchant_id: int) -> tuple[int, int]:
    session.rollback()
    alliance = world.a.alliance_id
    return (ledger.balance(session, alliance, member_points(member_id)),
            ledger.balance(session, alliance, member_stored_value(member_id, merchant_id)))


def merge(world: World, pair: Pair, headers: dict[str, str] | None = None, **body: Any) -> Any:
    payload = {"survivor_id": pair.survivor, "absorbed_id": pair.absorbed, "reason": "同一人两次办卡", **body}
    return world.client.post(URL, headers=headers or pair.op, json=payload)


def test_merge_moves_everything_by_postings_and_the_old_card_serves_the_survivor(
        world: World, session: Session) -> None:
    pair = Pair(world)
    coupon_id = load_absorbed(world, pair)
    assert balances(session, world, pair.absorbed, pair.m1) == (100, 50_000)
    done = ok(merge(world, pair))
    assert done["status"] == "in_force" and done["actor_label"] == "op-alpha"
    assert {(b["kind"], b["amount"]) for b in done["moved"]["balances"]} == {("points", 100), ("stored_value", 50_000)}
    assert [e["kind"] for e in done["events"]] == ["merge"]

    assert balances(session, world, pair.survivor, pair.m1) == (100, 50_000)
    assert balances(session, world, pair.absorbed, pair.m1) == (0, 0)
    assert_ledger_invariants(session)
    posting = session.scalars(select(Posting).where(Posting.cause == "member_merge")).one()
    assert posting.idempotency_key == f"member-merge:{done['id']}"
    assert session.get(Coupon, coupon_id).member_id == pair.survivor  # type: ignore[union-attr]
    assert {g.member_id for g in session.scalars(select(PointsGrant))} == {pair.survivor}
    assert {m.merchant_id for m in session.scalars(select(Membership).where(
        Membership.member_id == pair.survivor))} == {pair.m1, pair.m2}
    absorbed = session.get(Member, pair.absorbed)
    assert absorbed is not None and (absorbed.status, absorbed.merged_into_id) == ("merged", pair.survivor)

    assert members_service.resolve_card(session, CardRef(card_no=absorbed.card_no)).id == pair.survivor
    token = ok(world.client.post("/api/v1/auth/member/card",
                                 json={"qr_payload": members_service.qr_payload(absorbed)}), 200)
    assert token["member_id"] == pair.survivor
    m3 = world.a.merchants[2]
    joined = ok(world.client.post("/api/v1/memberships", headers=world.a.actors["staff3"].headers,
                                  json={"card_no": absorbed.card_no}))
    assert joined["member_id"] == pair.survivor and joined["merchant_id"] == m3


def test_undo_reverses_by_postings_and_restores_everything(world: World, session: Session) -> None:
    pair = Pair(world)
    coupon_id = load_absorbed(world, pair)
    done = ok(merge(world, pair))
    undone = ok(world.client.post(f"{URL}/{done['id']}/undo", headers=pair.op, json={"reason": "误合并:父子两人"}), 200)
    assert undone["status"] == "reversed" and undone["undo_reason"] == "误合并:父子两人"
    assert [e["kind"] for e in undone["events"]] == ["merge", "undo"]
    assert balances(session, world, pair.absorbed, pair.m1) == (100, 50_000)
    assert balances(session, world, pair.survivor, pair.m1) == (0, 0)
    assert_ledger_invariants(session)
    assert session.get(Coupon, coupon_id).member_id == pair.absorbed  # type: ignore[union-attr]
    assert {m.member_id for m in session.scalars(select(Membership).where(
        Membership.merchant_id == pair.m1))} == {pair.absorbed}
    absorbed = session.get(Member, pair.absorbed)
    assert absorbed is not None and (absorbed.status, absorbed.merged_into_id) == ("active", None)
    assert members_service.resolve_card(session, CardRef(card_no=absorbed.card_no)).id == pair.absorbed
    refused(world.client.post(f"{URL}/{done['id']}/undo", headers=pair.op, json={"reason": "again"}),
            "unmerge_already_undone", 409)
    assert len(session.scalars(select(MergeEvent)).all()) == 2


def test_undo_is_refused_in_words_once_the_moved_points_are_spent(world: World, session: Session) -> None:
    pair = Pair(world)
    ok(world.client.post("/api/v1/orders", headers=world.a.actors["staff1"].headers, json={
        "external_id": "EARN-M", "member_id": pair.absorbed, "amount_fen": 10_000}))
    done = ok(merge(world, pair))
    ok(world.client.post("/api/v1/orders", headers=world.a.actors["staff1"].headers, json={
        "external_id": "SPEND-S", "member_id": pair.survivor, "amount_fen": 10_000, "points_used": 60}))
    before = balances(session, world, pair.survivor, pair.m1)
    en = {**pair.op, "Accept-Language": "en"}
    error = refused(world.client.post(f"{URL}/{done['id']}/undo", headers=en, json={"reason": "wrong"}),
                    "unmerge_spent", 409)
    assert "alliance points" in error["message"] and "short by 60" in error["message"], error
    zh = refused(world.client.post(f"{URL}/{done['id']}/undo", headers=pair.op, json={"reason": "wrong"}),
                 "unmerge_spent", 409)
    assert "联盟积分" in zh["message"]
    assert balances(session, world, pair.survivor, pair.m1) == before
    assert session.get(MemberMerge, done["id"]).status == "in_force"  # type: ignore[union-attr]
    assert session.scalars(select(Posting).where(Posting.cause == "member_merge_undo")).all() == []
    assert_ledger_invariants(session)


def test_undo_after_the_window_is_refused(world: World, session: Session) -> None:
    pair = Pair(world)
    done = ok(merge(world, pair))
    merged_at = session.get(MemberMerge, done["id"]).merged_at  # type: ignore[union-attr]
    session.execute(update(MemberMerge).where(MemberMerge.id == done["id"])
                    .values(merged_at=merged_at - timedelta(days=31)))
    session.commit()
    error = refused(world.client.post(f"{URL}/{done['id']}/undo", headers=pair.op, json={"reason": "late"}),
                    "unmerge_window_closed", 409)
    assert "30" in error["message"]


def test_every_bad_pair_is_422_with_nothing_moved(world: World, session: Session) -> None:
    pair = Pair(world)
    refused(merge(world, pair, absorbed_id=pair.survivor), "merge_same_member")
    refused(merge(world, pair, reason="   "), "merge_reason_required")
    platform = world.platform.headers
    other = world.b.members[world.b.merchants[0]]
    refused(merge(world, pair, headers=platform, absorbed_id=other), "merge_other_alliance")
    assert world.client.post(URL, headers=pair.op, json={
        "survivor_id": pair.survivor, "absorbed_id": other, "reason": "x"}).status_code == 404  # not confirmed
    ok(merge(world, pair))
    third = world.a.members[world.a.merchants[2]]
    refused(merge(world, pair, survivor_id=pair.absorbed, absorbed_id=third), "merge_into_tombstone")
    refused(merge(world, pair, survivor_id=third), "merge_already_merged")
    session.rollback()
    assert len(session.scalars(select(MemberMerge)).all()) == 1
    assert session.get(Member, third).status == "active"  # type: ignore[union-attr]


def test_merchant_admins_merge_only_their_own_members(world: World, session: Session) -> None:
    pair = Pair(world)
    admin1 = world.a.actors["admin1"].headers
    assert merge(world, pair, headers=admin1).status_code == 404  # the survivor is the centre's member
    assert merge(world, pair, headers=world.a.actors["staff1"].headers).status_code == 403
    twin = ok(world.client.post("/api/v1/members", headers=world.a.actors["staff1"].headers, json={
        "phone": "13900099999", "name": "会员1", "consent_marketing": True}))["id"]
    done = ok(merge(world, pair, headers=admin1, survivor_id=pair.absorbed, absorbed_id=twin))
    assert [m["id"] for m in ok(world.client.get(URL, headers=admin1), 200)["items"]] == [done["id"]]
    assert ok(world.client.get(URL, headers=world.a.actors["admin2"].headers), 200)["items"] == []
    assert world.client.get(f"{URL}/{done['id']}", headers=world.a.actors["admin2"].headers).status_code == 404
    assert ok(world.client.get(URL, headers=pair.op), 200)["items"][0]["id"] == done["id"]
    assert ok(world.client.get(URL, headers=world.b.actors["operator"].headers), 200)["items"] == []
    ok(world.client.post(f"{URL}/{done['id']}/undo", headers=admin1, json={"reason": "two people"}), 200)


def test_stored_value_at_two_merchants_moves_scope_by_scope(world: World, session: Session) -> None:
    pair = Pair(world)
    for who, merchant_key in (("admin1", "T1"), ("admin2", "T2")):
        ok(world.client.post("/api/v1/top-ups", headers=world.a.actors[who].headers, json={
            "external_id": merchant_key, "member_id": pair.absorbed if who == "admin1" else pair.survivor,
            "amount_fen": 1_000}))
    ok(merge(world, pair))
    assert balances(session, world, pair.survivor, pair.m1)[1] == 1_000
    assert balances(session, world, pair.survivor, pair.m2)[1] == 1_000
    assert_ledger_invariants(session)


def test_the_merged_members_phone_logs_the_survivor_in(world: World, session: Session) -> None:
    pair = Pair(world)
    ok(merge(world, pair))
    phone = {"alliance_id": world.a.alliance_id, "phone": "13900010000"}  # the gym's member (tests/conftest.py)
    assert world.client.post("/api/v1/auth/member/code", json=phone).status_code == 202
    session.rollback()
    body = session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    found = re.search(r"验证码为 (\d{6})", body or "")
    assert found, body
    token = ok(world.client.post("/api/v1/auth/member/code/verify", json={**phone, "code": found.group(1)}), 200)
    assert token["member_id"] == pair.survivor


def test_crossed_member_merges_at_once_end_with_exactly_one(world: World, session: Session,
                                                             wide_engine: Engine) -> None:
    """A into B and B into A at the same moment: the members are locked and re-read as locked, so one merge wins
    and the others are refused (never two tombstones pointing at each other)."""
    pair = Pair(world)
    operator = world.a.actors["operator"]
    p = Principal(kind="user", id=operator.user_id, role=Role.OPERATOR_ADMIN, alliance_id=world.a.alliance_id,
                  label=operator.username)

    def attempt(survivor: int, absorbed: int) -> Callable[[Session], object]:
        return lambda s: merging_service.merge_members(s, p, survivor, absorbed, "同时合并")

    outcomes = race(wide_engine, [attempt(pair.survivor, pair.absorbed), attempt(pair.absorbed, pair.survivor)] * 2)
    assert outcomes == {201: 1, 422: 3}
    session.rollback()
    assert len(session.scalars(select(MemberMerge)).all()) == 1
    statuses = [m.status for m in session.scalars(select(Member).where(Member.id.in_([pair.survivor,
                                                                                      pair.absorbed])))]
    assert sorted(statuses) == ["active", "merged"]

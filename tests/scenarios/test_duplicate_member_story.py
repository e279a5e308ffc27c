"""Seed 004's "how many of these records are real?", told through the API (issue 14): the same person enrols twice,
at the gym with her name in characters and at the service centre, a month later and with another phone, with her
name typed in pinyin. She earns points at both. The operator's duplicate run proposes the pair; the review shows
both records side by side with masked phones and which fields agree; the operator merges them. Everything she held
moves to the surviving card by ledger postings, her old card still works at the counter, and when it turns out to be
a mistake the merge is undone by postings — the books balanced at every step."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lianmeng.kit import crypto
from lianmeng.ledger import service as ledger
from lianmeng.points.service import member_points
from tests.books import assert_ledger_invariants
from tests.conftest import World

API = "/api/v1"


def call(world: World, headers: dict[str, str], method: str, path: str, body: Any = None, status: int = 200,
         **params: Any) -> Any:
    r = world.client.request(method, API + path, json=body, headers=headers, params=params or None)
    assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
    return r.json()


def points(session: Session, world: World, member_id: int) -> int:
    session.rollback()  # a fresh read of what the requests committed
    return ledger.balance(session, world.a.alliance_id, member_points(member_id))


def test_the_same_person_enrolled_twice_is_found_reviewed_merged_and_unmerged(world: World,
                                                                              session: Session) -> None:
    a = world.a
    op = a.actors["operator"].headers
    centre_desk, gym_desk = a.actors["staff1"].headers, a.actors["staff2"].headers

    at_gym = call(world, gym_desk, "POST", "/members", {
        "phone": "13622220001", "name": "曾小凡", "birth_year": 1988, "gender": "female"}, 201)
    at_centre = call(world, centre_desk, "POST", "/members", {
        "phone": "13622220002", "name": "Zeng Xiaofan", "birth_year": 1988, "gender": "female"}, 201)
    call(world, gym_desk, "POST", "/orders", {"external_id": "GYM-1", "member_id": at_gym["id"],
                                              "amount_fen": 30_000}, 201)
    call(world, centre_desk, "POST", "/orders", {"external_id": "SVC-1", "member_id": at_centre["id"],
                                                 "amount_fen": 50_000}, 201)
    gym_points, centre_points = points(session, world, at_gym["id"]), points(session, world, at_centre["id"])
    assert gym_points > 0 and centre_points > 0

    # the operator's run proposes the pair (曾 read as zēng: the pinyin spelling agrees with the characters)
    call(world, op, "POST", "/dedup/run", alliance_id=a.alliance_id)
    items = call(world, op, "GET", "/dedup/candidates", kind="member")["items"]
    (pair,) = [c for c in items if {c["left_id"], c["right_id"]} == {at_gym["id"], at_centre["id"]}]
    detail = call(world, op, "GET", f"/dedup/candidates/{pair['id']}")
    text = str(detail)
    assert "13622220001" not in text and "13622220002" not in text  # masked phones only
    assert {r["phone_masked"] for r in detail["records"]} == {crypto.mask_phone("13622220001"),
                                                             crypto.mask_phone("13622220002")}
    # neither merchant's admin sees a pair that holds the other merchant's customer
    for admin in ("admin1", "admin2"):
        mine = call(world, a.actors[admin].headers, "GET", "/dedup/candidates", kind="member")["items"]
        assert pair["id"] not in {c["id"] for c in mine}

    # review → merge, the gym's card survives; her points follow by postings
    decided = call(world, op, "POST", f"/dedup/candidates/{pair['id']}/decision", {
        "verdict": "merge", "survivor_id": at_gym["id"], "reason": "同一人:拼音与汉字同名,生日相同"})
    assert decided["status"] == "merged"
    assert points(session, world, at_gym["id"]) == gym_points + centre_points
    assert_ledger_invariants(session)
    (merge,) = call(world, op, "GET", "/members/merges", member_id=at_gym["id"])["items"]

    # her old card still works at a third merchant's counter: it resolves to the surviving member
    joined = call(world, a.actors["staff3"].headers, "POST", "/memberships", {"card_no": at_centre["card_no"]}, 201)
    assert joined["member_id"] == at_gym["id"]

    # it was two people after all: undone by postings, each has her own points again
    undone = call(world, op, "POST", f"/members/merges/{merge['id']}/undo", {"reason": "核实后为两人"})
    assert undone["status"] == "reversed"
    assert points(session, world, at_gym["id"]) == gym_points
    assert points(session, world, at_centre["id"]) == centre_points
    assert_ledger_invariants(session)

"""Feedback on a visit: only the redemption's member rates, once; the rated and the referring merchant see it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.referrals.models import Feedback
from tests.conftest import World
from tests.integration.referrals.conftest import API, member_headers
from tests.integration.referrals.story import Story

MISSING = 987_654_321


def post(world: World, headers: dict[str, str], redemption_id: int, body: dict[str, Any]) -> Any:
    return world.client.post(f"{API}/redemptions/{redemption_id}/feedback", headers=headers, json=body)


def count(session: Session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Feedback)) or 0


def test_the_member_rates_its_visit_once(world: World, story: Story, session: Session) -> None:
    m1, m2, _ = world.a.merchants
    me = member_headers(world, world.a.members[m1])
    r = post(world, me, story.redemptions["R4"], {"rating": 2, "comment": "  等了一个小时  "})
    assert r.status_code == 201, r.text
    got = r.json()
    assert {k: got[k] for k in ("redemption_id", "member_id", "merchant_id", "referrer_merchant_id", "rating",
                                "comment", "is_complaint")} == {
        "redemption_id": story.redemptions["R4"], "member_id": world.a.members[m1], "merchant_id": m2,
        "referrer_merchant_id": m1, "rating": 2, "comment": "等了一个小时", "is_complaint": True}
    again = post(world, me, story.redemptions["R4"], {"rating": 5})
    assert again.status_code == 409 and again.json()["error"]["code"] == "feedback_exists"
    en = world.client.post(f"{API}/redemptions/{story.redemptions['R4']}/feedback", json={"rating": 5},
                           headers={**me, "Accept-Language": "en"})
    assert en.json()["error"]["message"] == "This visit has already been rated"
    assert post(world, me, story.redemptions["R1"], {"rating": 3}).json()["is_complaint"] is False
    assert count(session) == 2


def test_an_idempotent_retry_replays_instead_of_conflicting(world: World, story: Story) -> None:
    me = member_headers(world, world.a.members[world.a.merchants[0]])
    headers = {**me, "Idempotency-Key": "rate-R1"}
    first = post(world, headers, story.redemptions["R1"], {"rating": 5, "comment": "好"})
    again = post(world, headers, story.redemptions["R1"], {"rating": 5, "comment": "好"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()


def test_nobody_else_rates_in_the_members_place(world: World, story: Story, session: Session) -> None:
    m1, m2, _ = world.a.merchants
    rid = story.redemptions["R1"]
    missing = post(world, world.a.actors["admin3"].headers, MISSING, {"rating": 5})
    assert missing.status_code == 404
    # cannot see the redemption: answered exactly like one that does not exist
    for headers in (world.a.actors["admin3"].headers, world.a.actors["staff3"].headers,
                    world.b.actors["operator"].headers, world.b.actors["admin1"].headers,
                    member_headers(world, world.a.members[m2]),
                    member_headers(world, world.b.members[world.b.merchants[0]])):
        r = post(world, headers, rid, {"rating": 5})
        assert (r.status_code, r.json()) == (404, missing.json())
    # can see it, but is not the member: forbidden
    for who in ("admin2", "staff2", "admin1", "staff1", "operator"):
        r = post(world, world.a.actors[who].headers, rid, {"rating": 5})
        assert r.status_code == 403, (who, r.text)
    r = world.client.post(f"{API}/redemptions/{rid}/feedback", headers=world.platform.headers, json={"rating": 5})
    assert r.status_code == 403
    assert post(world, member_headers(world, world.a.members[m1]), MISSING, {"rating": 5}).status_code == 404
    assert count(session) == 0


@pytest.mark.parametrize("body", [
    {"rating": 0}, {"rating": 6}, {"rating": "good"}, {}, {"rating": 4, "comment": "长" * 501},
    {"rating": 4, "merchant_id": 1},
])
def test_bad_feedback_is_422(world: World, story: Story, session: Session, body: dict[str, Any]) -> None:
    me = member_headers(world, world.a.members[world.a.merchants[0]])
    r = post(world, me, story.redemptions["R1"], body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error", r.text
    assert count(session) == 0


def test_a_500_character_comment_is_fine(world: World, story: Story) -> None:
    me = member_headers(world, world.a.members[world.a.merchants[0]])
    assert post(world, me, story.redemptions["R1"], {"rating": 4, "comment": "好" * 500}).status_code == 201


def listed(world: World, headers: dict[str, str], **params: Any) -> set[int]:
    r = world.client.get(f"{API}/feedback", headers=headers, params={**params, "page_size": 200})
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == len(page["items"])
    return {item["redemption_id"] for item in page["items"]}


def test_feedback_lists_follow_the_policy(world: World, story: Story) -> None:
    m1, m2, m3 = world.a.merchants
    rid = story.redemptions
    me = member_headers(world, world.a.members[m1])
    for name, rating in (("R1", 5), ("R2", 1), ("R4", 2), ("R_m3", 4)):
        assert post(world, me, rid[name], {"rating": rating}).status_code == 201
    actors = world.a.actors
    everything = {rid["R1"], rid["R2"], rid["R4"], rid["R_m3"]}
    assert listed(world, actors["operator"].headers) == everything
    assert listed(world, me) == everything
    assert listed(world, actors["admin1"].headers) == everything  # referrer of R1..R4, rated at R_m3
    assert listed(world, actors["admin2"].headers) == {rid["R1"], rid["R2"], rid["R4"]}
    assert listed(world, actors["staff3"].headers) == {rid["R_m3"]}  # m3 referred that visit
    # the referring merchant sees the complaints about the partner it sent its customers to
    assert listed(world, actors["admin1"].headers, complaints_only=True) == {rid["R2"], rid["R4"]}
    assert listed(world, actors["admin1"].headers, complaints_only=True, merchant_id=m2) == {rid["R2"], rid["R4"]}
    assert listed(world, actors["admin1"].headers, referrer_merchant_id=m3) == {rid["R_m3"]}
    # filters never widen
    assert listed(world, actors["admin3"].headers, merchant_id=m2) == set()
    assert listed(world, actors["admin3"].headers, referrer_merchant_id=m1) == set()
    assert listed(world, world.b.actors["operator"].headers) == set()
    assert listed(world, world.b.actors["admin1"].headers, merchant_id=m2) == set()
    assert listed(world, member_headers(world, world.a.members[m2])) == set()
    # and the funnel's complaint count agrees
    funnel = world.client.get(f"{API}/referrals/funnel", headers=actors["admin1"].headers,
                              params={"date_from": "2025-11-03", "date_to": "2025-11-16"}).json()
    by_pair = {(r["referrer_merchant_id"], r["receiving_merchant_id"]): r for r in funnel["items"]}
    assert (by_pair[m1, m2]["complaints"], by_pair[m1, m2]["avg_rating"]) == (2, "2.7")
    assert (by_pair[m3, m1]["complaints"], by_pair[m3, m1]["avg_rating"]) == (0, "4.0")

"""Tags through the API: the taxonomy (operator only writes), staff tags scoped to the merchant that added them,
and the member's own interests and refusal of personalised offers (members only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.kit import clock
from lianmeng.members.models import Member, Membership
from lianmeng.tags.models import MemberTag
from tests.conftest import World

API = "/api/v1"


def call(world: World, method: str, path: str, headers: dict[str, str], body: Any = None,
         status: int = 200) -> Any:
    response = world.client.request(method, f"{API}{path}", headers=headers, json=body)
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def member_headers(world: World, member_id: int) -> dict[str, str]:
    """A member's bearer header, by scanning its card QR (as the cashier's app does)."""
    qr = call(world, "GET", f"/members/{member_id}/card", world.a.actors["operator"].headers)["qr_payload"]
    token = call(world, "POST", "/auth/member/card", {}, {"qr_payload": qr})["access_token"]
    return {"Authorization": f"Bearer {token}"}


def actor(world: World, name: str) -> dict[str, str]:
    return world.a.actors[name].headers


# --- taxonomy -------------------------------------------------------------------------------------------------


def test_the_taxonomy_starts_as_the_default_and_only_the_operator_edits_it(world: World) -> None:
    listed = call(world, "GET", "/tags", actor(world, "staff1"))
    assert {t["code"] for t in listed} >= {"fitness", "parenting", "car_owner", "child_seat", "young_parents"}
    assert {t["group"] for t in listed} == {"interest", "life_stage", "vehicle"}
    new = {"code": "pet_owner", "group": "interest", "name_zh": "养宠人士", "name_en": "Pet owner",
           "declarable": True, "rule": {"kind": "bought_keyword", "keywords": ["猫粮", "狗粮"]}}
    for who in ("admin1", "staff1"):
        assert call(world, "POST", "/tags", actor(world, who), new, 403)["error"]["code"] == "forbidden"
        call(world, "PATCH", "/tags/fitness", actor(world, who), {"name_zh": "运动"}, 403)
        call(world, "POST", "/tags/rules/run", actor(world, who), None, 403)
    created = call(world, "POST", "/tags", actor(world, "operator"), new, 201)
    assert created["rule"] == {"kind": "bought_keyword", "keywords": ["猫粮", "狗粮"], "min_count": 1}
    call(world, "POST", "/tags", actor(world, "operator"), new, 409)
    call(world, "POST", "/tags", actor(world, "operator"), {**new, "code": "suv", "group": "vehicle"}, 422)
    call(world, "POST", "/tags", actor(world, "operator"),
         {**new, "code": "gym_rat", "rule": {"kind": "repeat_visits", "min_count": 3}}, 422)
    changed = call(world, "PATCH", "/tags/pet_owner", actor(world, "operator"),
                   {"name_zh": "铲屎官", "active": False, "rule": None})
    assert (changed["name_zh"], changed["active"], changed["rule"]) == ("铲屎官", False, None)
    call(world, "PATCH", "/tags/car_owner", actor(world, "operator"), {"declarable": True}, 422)
    call(world, "PATCH", "/tags/unicorn", actor(world, "operator"), {"active": False}, 404)
    assert call(world, "POST", "/tags/rules/run", actor(world, "operator"))["added"] == 0
    other = call(world, "GET", "/tags", world.b.actors["operator"].headers)
    assert "pet_owner" not in {t["code"] for t in other}  # each alliance has its own taxonomy
    call(world, "GET", "/tags", world.platform.headers, None, 422)
    assert "pet_owner" in {t["code"] for t in call(world, "GET", f"/tags?alliance_id={world.a.alliance_id}",
                                                  world.platform.headers)}


# --- staff tags -----------------------------------------------------------------------------------------------


def test_staff_tag_their_own_members_and_no_other_merchant_sees_it(world: World, session: Session) -> None:
    m1, m2, _ = world.a.merchants
    x, y = world.a.members[m1], world.a.members[m2]
    tagged = call(world, "POST", f"/members/{x}/tags", actor(world, "staff1"),
                  {"tag": "child_seat", "note": "保养时看到儿童座椅"}, 201)
    assert (tagged["source"], tagged["merchant_id"], tagged["note"]) == ("staff", m1, "保养时看到儿童座椅")
    assert tagged["staff_name"] == f"导购 {m1}" and tagged["merchant_name"] == "alpha merchant 1"
    call(world, "POST", f"/members/{x}/tags", actor(world, "admin1"), {"tag": "child_seat"}, 409)
    call(world, "POST", f"/members/{x}/tags", actor(world, "staff1"), {"tag": "unicorn"}, 422)
    call(world, "POST", f"/members/{x}/tags", actor(world, "staff2"), {"tag": "child_seat"}, 404)
    call(world, "POST", f"/members/{y}/tags", actor(world, "staff1"), {"tag": "fitness"}, 404)
    call(world, "POST", f"/members/{x}/tags", actor(world, "operator"), {"tag": "fitness"}, 403)
    call(world, "POST", f"/members/{x}/tags", world.b.actors["staff1"].headers, {"tag": "fitness"}, 404)

    # x joins m2 too: m2 now sees x, its declared interests, and none of m1's tags
    session.add(Membership(alliance_id=world.a.alliance_id, member_id=x, merchant_id=m2, joined_at=clock.now()))
    session.commit()
    me = member_headers(world, x)
    call(world, "PUT", "/me/interests", me, {"tags": ["fitness"]})
    call(world, "POST", f"/members/{x}/tags", actor(world, "staff2"), {"tag": "parenting", "note": "问起早教"}, 201)
    seen_by_m2 = call(world, "GET", f"/members/{x}/tags", actor(world, "admin2"))
    assert {(t["tag"], t["source"]) for t in seen_by_m2} == {("fitness", "declared"), ("parenting", "staff")}
    seen_by_m1 = call(world, "GET", f"/members/{x}/tags", actor(world, "staff1"))
    assert {(t["tag"], t["source"]) for t in seen_by_m1} == {("fitness", "declared"), ("child_seat", "staff")}
    assert len(call(world, "GET", f"/members/{x}/tags", actor(world, "operator"))) == 3
    call(world, "GET", f"/members/{x}/tags", actor(world, "staff3"), None, 404)
    call(world, "GET", f"/members/{x}/tags", world.b.actors["operator"].headers, None, 404)
    assert [t["tag"] for t in call(world, "GET", f"/members/{x}/tags", me)] == ["fitness"]  # declared only

    declared = next(t["id"] for t in seen_by_m1 if t["source"] == "declared")
    call(world, "DELETE", f"/member-tags/{tagged['id']}", actor(world, "staff2"), None, 404)  # not m2's
    call(world, "DELETE", f"/member-tags/{declared}", actor(world, "staff1"), None, 403)  # the member's
    call(world, "DELETE", f"/member-tags/{tagged['id']}", actor(world, "admin1"), None, 204)
    call(world, "DELETE", f"/member-tags/{tagged['id']}", actor(world, "admin1"), None, 404)
    session.rollback()
    left = session.scalars(select(MemberTag.source).where(MemberTag.member_id == x)).all()
    assert sorted(left) == ["declared", "staff"]


# --- the member's own choices ---------------------------------------------------------------------------------


def test_a_member_declares_and_removes_interests(world: World, session: Session) -> None:
    x = world.a.members[world.a.merchants[0]]
    me = member_headers(world, x)
    start = call(world, "GET", "/me/interests", me)
    assert {i["tag"] for i in start["interests"]} == {"fitness", "parenting", "dining", "travel", "beauty",
                                                      "education"}  # declarable interests only
    assert not any(i["declared"] for i in start["interests"]) and start["offers_refused"] is False
    both = call(world, "PUT", "/me/interests", me, {"tags": ["fitness", "parenting"]})
    assert {i["tag"] for i in both["interests"] if i["declared"]} == {"fitness", "parenting"}
    assert all(i["declared_at"] for i in both["interests"] if i["declared"])
    call(world, "PUT", "/me/interests", me, {"tags": ["fitness", "car_owner"]}, 422)  # not declarable
    one = call(world, "PUT", "/me/interests", me, {"tags": ["fitness"]})
    assert [i["tag"] for i in one["interests"] if i["declared"]] == ["fitness"]
    rows = session.execute(select(MemberTag.source, MemberTag.merchant_id, MemberTag.user_id)
                           .where(MemberTag.member_id == x)).all()
    assert [tuple(r) for r in rows] == [("declared", None, None)]  # unticked: deleted, not hidden
    assert call(world, "PUT", "/me/interests", me, {"tags": []})["interests"][0]["declared"] is False


def test_a_member_refuses_personalised_offers_in_one_tap_and_can_undo(world: World, session: Session) -> None:
    x = world.a.members[world.a.merchants[0]]
    me = member_headers(world, x)
    refused = call(world, "PUT", "/me/personalised-offers", me, {"refused": True})
    assert refused["offers_refused"] is True and refused["offers_refused_at"]
    member = session.get(Member, x)
    assert member is not None and member.offers_refused
    call(world, "PUT", "/me/personalised-offers", me, {"refused": "yes"}, 422)
    undone = call(world, "PUT", "/me/personalised-offers", me, {"refused": False})
    assert undone["offers_refused"] is False


def test_staff_and_api_keys_cannot_use_the_members_own_controls(world: World) -> None:
    m1 = world.a.merchants[0]
    key = call(world, "POST", f"/merchants/{m1}/api-keys", actor(world, "admin1"), {"name": "POS"}, 201)["key"]
    for headers in (actor(world, "staff1"), actor(world, "operator"), {"X-API-Key": key}, world.platform.headers):
        call(world, "GET", "/me/interests", headers, None, 403)
        call(world, "PUT", "/me/interests", headers, {"tags": ["fitness"]}, 403)
        call(world, "PUT", "/me/personalised-offers", headers, {"refused": True}, 403)

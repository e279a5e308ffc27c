"""Profile completeness through the API: the score in SQL agrees with the rules, the list is the merchant's own
members least complete first, saving goes through the members service and records what changed (once), bad
input is 422 with nothing written, and the leaderboard is per staff for a merchant and per merchant for the
operator."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.members.models import Member
from lianmeng.profiles import domain, service
from lianmeng.profiles.models import ProfileEdit
from lianmeng.tags.models import MemberTag
from tests.conftest import World
from tests.integration.profiles.helpers import actor, call, enrol


def edits(session: Session) -> list[ProfileEdit]:
    session.rollback()
    return list(session.scalars(select(ProfileEdit).order_by(ProfileEdit.id)))


def listed(world: World, who: str, query: str = "") -> dict[str, Any]:
    return call(world, "GET", f"/profiles/completeness{query}", actor(world, who))  # type: ignore[no-any-return]


def test_the_sql_score_agrees_with_the_rules_member_by_member(world: World, session: Session) -> None:
    m1 = world.a.merchants[0]
    enrol(world, "staff1")
    enrol(world, "staff1", name="  ", gender="male")
    enrol(world, "staff1", name="张伟", birth_year=1985, consent_marketing=True, consent_data_sharing=True)
    tagged = enrol(world, "staff1", name="王芳", gender="female")
    call(world, "POST", f"/members/{tagged}/tags", actor(world, "staff1"), {"tag": "fitness"}, 201)
    other = world.a.members[world.a.merchants[1]]
    call(world, "POST", f"/members/{other}/tags", actor(world, "staff2"), {"tag": "parenting"}, 201)
    rows = listed(world, "staff1", "?page_size=50")["items"]
    assert len(rows) == 5
    session.rollback()
    for row in rows:
        member = session.get(Member, row["member_id"])
        assert member is not None
        profile = service.profile_of(session, member, m1)
        assert row["score"] == domain.score(profile), row
        assert row["missing"] == [f.value for f in domain.missing(profile)]
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores)
    by_id = {r["member_id"]: r for r in rows}
    assert "tag" not in by_id[tagged]["missing"]
    assert set(rows[0]) >= {"phone_masked", "card_no"} and "phone" not in rows[0]
    assert all("****" in r["phone_masked"] for r in rows)


def test_another_merchants_tag_does_not_count_for_this_merchant(world: World) -> None:
    m1 = world.a.merchants[0]
    member = world.a.members[m1]
    call(world, "POST", "/memberships", actor(world, "admin2"),
         {"card_no": call(world, "GET", f"/members/{member}/card", actor(world, "operator"))["card_no"]}, 201)
    call(world, "POST", f"/members/{member}/tags", actor(world, "staff2"), {"tag": "parenting"}, 201)
    mine = {r["member_id"]: r for r in listed(world, "staff1")["items"]}
    theirs = {r["member_id"]: r for r in listed(world, "staff2")["items"]}
    assert "tag" in mine[member]["missing"] and "tag" not in theirs[member]["missing"]


def test_the_list_is_scoped_filtered_and_paginated(world: World) -> None:
    m1, m2, _ = world.a.merchants
    for i in range(3):
        enrol(world, "admin1", name=f"甲{i}")  # an admin login: no staff record, no store
    enrol(world, "staff1", birth_year=1990)
    everyone = listed(world, "staff1", "?page_size=2")
    assert everyone["total"] == 5 and len(everyone["items"]) == 2
    ids = {r["member_id"] for r in listed(world, "staff1", "?page_size=50")["items"]}
    assert world.a.members[m2] not in ids and world.a.members[m1] in ids
    mine = listed(world, "staff1", "?mine=true")
    assert mine["total"] == 2 and all(r["responsible_staff_id"] == world.a.staff[m1] for r in mine["items"])
    assert listed(world, "admin1", "?mine=true")["total"] == 0
    at_store = listed(world, "staff1", f"?store_id={world.a.stores[m1]}")
    assert at_store["total"] == 2 and all(r["origin_store_id"] == world.a.stores[m1] for r in at_store["items"])
    no_name = listed(world, "staff1", "?missing=name")
    assert no_name["total"] == 1 and no_name["items"][0]["name"] is None
    assert listed(world, "staff1", "?missing=birth_year")["total"] == 4
    call(world, "GET", "/profiles/completeness?missing=plate", actor(world, "staff1"), status=422)
    call(world, "GET", "/profiles/completeness", actor(world, "operator"), status=403)
    assert listed(world, "staff2")["total"] == 1


def test_saving_records_the_changed_fields_once_and_the_same_values_change_nothing(world: World,
                                                                                   session: Session) -> None:
    m1 = world.a.merchants[0]
    member = enrol(world, "admin1")
    body = {"name": "刘洋", "gender": "male", "birth_year": 1992, "consent_marketing": False,
            "consent_data_sharing": False, "origin_store_id": world.a.stores[m1], "tag": "fitness"}
    saved = call(world, "PATCH", f"/profiles/members/{member}", actor(world, "staff1"), body)
    assert (saved["score_before"], saved["score"], saved["missing"]) == (0, 100, [])
    assert saved["changed"] == ["name", "gender", "birth_year", "consents", "origin_store", "tag"]
    again = call(world, "PATCH", f"/profiles/members/{member}", actor(world, "staff1"), body)
    assert (again["score"], again["changed"]) == (100, [])
    rows = edits(session)
    assert len(rows) == 1
    edit = rows[0]
    assert (edit.member_id, edit.merchant_id, edit.staff_id, edit.score_before, edit.score_after) == (
        member, m1, world.a.staff[m1], 0, 100)
    assert edit.fields == "name,gender,birth_year,consents,origin_store,tag"
    stored = session.get(Member, member)
    assert stored is not None and stored.consents_answered_at is not None and not stored.consent_marketing
    assert stored.consent_marketing_at is None  # a "no" that was already "no" changes no consent time
    assert session.scalar(select(func.count()).select_from(MemberTag).where(MemberTag.member_id == member)) == 1


def test_one_consent_answer_alone_does_not_count_as_asked(world: World, session: Session) -> None:
    member = enrol(world, "staff1")
    saved = call(world, "PATCH", f"/profiles/members/{member}", actor(world, "staff1"), {"consent_marketing": False})
    assert "consents" in saved["missing"] and saved["changed"] == []
    assert edits(session) == []


def snapshot(session: Session, member_id: int) -> tuple[Any, ...]:
    session.rollback()
    row = session.get(Member, member_id)
    assert row is not None
    tags = session.scalar(select(func.count()).select_from(MemberTag).where(MemberTag.member_id == member_id))
    return (row.name, row.gender, row.birth_year, row.origin_store_id, row.consents_answered_at, tags,
            len(edits(session)))


def test_bad_input_is_422_with_nothing_written(world: World, session: Session) -> None:
    m2 = world.a.merchants[1]
    member = enrol(world, "staff1")
    before = snapshot(session, member)
    path = f"/profiles/members/{member}"
    for body in ({"name": "陈", "birth_year": 1850}, {"name": "陈", "gender": "robot"}, {"name": ""},
                 {"name": "陈", "birth_year": "1990"}, {"name": "陈", "consent_marketing": "yes"},
                 {"name": "陈", "phone": "13900000000"}, {"name": "陈", "tag": "Not A Code"}):
        call(world, "PATCH", path, actor(world, "staff1"), body, 422)
    wrong_store = call(world, "PATCH", path, actor(world, "staff1"),
                       {"name": "陈", "origin_store_id": world.a.stores[m2]}, 422)
    assert wrong_store["error"]["code"] == "wrong_merchant"
    unknown_tag = call(world, "PATCH", path, actor(world, "staff1"), {"name": "陈", "tag": "unicorn"}, 422)
    assert unknown_tag["error"]["code"] == "tag_unknown"  # the name was not kept either: one transaction
    assert snapshot(session, member) == before


def test_other_merchants_and_the_operator_cannot_save(world: World, session: Session) -> None:
    member = enrol(world, "staff1")
    before = snapshot(session, member)
    call(world, "PATCH", f"/profiles/members/{member}", actor(world, "staff2"), {"name": "陈"}, 404)
    call(world, "PATCH", f"/profiles/members/{2**31 - 2}", actor(world, "staff1"), {"name": "陈"}, 404)
    call(world, "PATCH", f"/profiles/members/{member}", actor(world, "operator"), {"name": "陈"}, 403)
    call(world, "PATCH", f"/profiles/members/{member}", world.b.actors["admin1"].headers, {"name": "陈"}, 404)
    assert snapshot(session, member) == before


def test_the_leaderboard_ranks_staff_and_the_operator_sees_merchants_only(world: World) -> None:
    m1, m2, m3 = world.a.merchants
    a = enrol(world, "staff1")
    enrol(world, "staff1", name="满分", gender="female", birth_year=1990, consent_marketing=True,
          consent_data_sharing=True)
    call(world, "PATCH", f"/profiles/members/{a}", actor(world, "staff1"), {"name": "赵", "gender": "male"})
    call(world, "PATCH", f"/profiles/members/{a}", actor(world, "staff1"), {"birth_year": 1980})
    board = call(world, "GET", "/profiles/leaderboard", actor(world, "admin1"))
    assert board["merchants"] == [] and len(board["staff"]) == 1
    row = board["staff"][0]
    assert (row["staff_id"], row["members"], row["improved_this_week"], row["best_half_hour"]) == (
        world.a.staff[m1], 3, 1, 2)
    # 会员1: name + store = 30 (only marketing was answered at enrolment); 满分: all but a tag = 80; 赵: 60
    assert (row["average"], board["average"], board["members"]) == (57, 57, 3)  # 170 / 3 = 56.7
    assert board["unassigned_members"] == 0
    operator = call(world, "GET", "/profiles/leaderboard", actor(world, "operator"))
    assert operator["staff"] == [] and {r["merchant_id"] for r in operator["merchants"]} == {m1, m2, m3}
    first = next(r for r in operator["merchants"] if r["merchant_id"] == m1)
    assert (first["members"], first["average"], first["improved_this_week"]) == (3, 57, 1)
    assert set(first) == {"merchant_id", "name", "members", "average", "improved_this_week"}
    other = call(world, "GET", "/profiles/leaderboard", actor(world, "admin2"))
    assert [r["staff_id"] for r in other["staff"]] == [world.a.staff[m2]] and other["members"] == 1

"""Enrolment, the alliance card, masked phones, consent times, memberships at several merchants."""

from __future__ import annotations

import json

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from lianmeng.kit import crypto
from lianmeng.kit.ids import is_valid_card_number
from lianmeng.members.models import Member
from tests.conftest import World

PHONE = "13812345678"


def enrol(world: World, who: str = "staff1", **extra: object) -> dict[str, object]:
    body = {"phone": PHONE, "name": "李先生", "birth_year": 1986, "gender": "male", "consent_marketing": True, **extra}
    r = world.client.post("/api/v1/members", json=body, headers=world.a.actors[who].headers)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_enrolment_issues_a_card_and_records_origin(world: World) -> None:
    member = enrol(world)
    m1 = world.a.merchants[0]
    assert is_valid_card_number(str(member["card_no"]))
    assert member["phone_masked"] == "138****5678"
    assert member["origin_merchant_id"] == m1
    assert member["origin_store_id"] == world.a.stores[m1]
    assert member["origin_staff_id"] == world.a.staff[m1]
    assert member["consent_marketing"] is True and member["consent_marketing_at"] is not None
    assert member["consent_data_sharing"] is False and member["consent_data_sharing_at"] is None
    memberships = world.client.get(f"/api/v1/memberships?member_id={member['id']}",
                                   headers=world.a.actors["admin1"].headers).json()
    assert [(m["merchant_id"], m["tier"]) for m in memberships["items"]] == [(m1, "standard")]


def test_the_clear_phone_never_leaves_or_is_stored(world: World, session: Session) -> None:
    member = enrol(world)
    op = world.a.actors["operator"].headers
    for path in (f"/api/v1/members/{member['id']}", "/api/v1/members", f"/api/v1/members?phone={PHONE}",
                 f"/api/v1/members/{member['id']}/card"):
        r = world.client.get(path, headers=op)
        assert r.status_code == 200 and PHONE not in r.text and "12345678" not in r.text
    row = session.execute(text("SELECT * FROM members WHERE id = :id"), {"id": member["id"]}).mappings().one()
    assert PHONE not in json.dumps({k: str(v) for k, v in row.items()})
    stored = session.get(Member, member["id"])
    assert stored is not None and crypto.decrypt(stored.phone_enc) == PHONE


def test_lookup_by_phone_matches_by_keyed_hash(world: World) -> None:
    member = enrol(world)
    admin = world.a.actors["admin1"].headers
    found = world.client.get("/api/v1/members", params={"phone": "+86 138-1234-5678"}, headers=admin).json()
    assert [m["id"] for m in found["items"]] == [member["id"]]
    none = world.client.get("/api/v1/members", params={"phone": "13812345679"}, headers=admin).json()
    assert none["total"] == 0
    bad = world.client.get("/api/v1/members", params={"phone": "hello"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_phone"


def test_one_card_per_phone_per_alliance(world: World) -> None:
    enrol(world)
    headers = world.a.actors["staff2"].headers
    again = world.client.post("/api/v1/members", json={"phone": "138 1234 5678"}, headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "member_exists"
    assert "李" not in again.text  # nothing about the holder leaks
    other_alliance = world.client.post("/api/v1/members", json={"phone": PHONE},
                                       headers=world.b.actors["staff1"].headers)
    assert other_alliance.status_code == 201


def test_partner_enrols_a_card_holder_who_shows_the_card(world: World) -> None:
    member = enrol(world)
    m2_admin = world.a.actors["admin2"].headers
    assert world.client.get(f"/api/v1/members/{member['id']}", headers=m2_admin).status_code == 404
    r = world.client.post("/api/v1/memberships", json={"card_no": member["card_no"], "tier": "gold"},
                          headers=world.a.actors["staff2"].headers)
    assert r.status_code == 201 and r.json()["merchant_id"] == world.a.merchants[1]
    assert world.client.get(f"/api/v1/members/{member['id']}", headers=m2_admin).status_code == 200
    dup = world.client.post("/api/v1/memberships", json={"card_no": member["card_no"]},
                            headers=world.a.actors["staff2"].headers)
    assert dup.status_code == 409
    tier = world.client.patch(f"/api/v1/memberships/{r.json()['id']}", json={"tier": "black"}, headers=m2_admin)
    assert tier.status_code == 200 and tier.json()["tier"] == "black"
    bad_card = world.client.post("/api/v1/memberships", json={"card_no": "8860000000000001"},
                                 headers=world.a.actors["staff3"].headers)
    assert bad_card.status_code == 422 and bad_card.json()["error"]["code"] == "invalid_card"


def test_consent_changes_are_timestamped(world: World, session: Session) -> None:
    member = enrol(world)
    admin = world.a.actors["admin1"].headers
    r = world.client.patch(f"/api/v1/members/{member['id']}", json={"consent_data_sharing": True}, headers=admin)
    assert r.status_code == 200 and r.json()["consent_data_sharing_at"] is not None
    assert r.json()["consent_marketing_at"] == member["consent_marketing_at"]
    r = world.client.patch(f"/api/v1/members/{member['id']}", json={"status": "blocked"}, headers=admin)
    assert r.status_code == 403  # blocking a card is the operator's call


def test_card_qr_image_for_the_holder_and_operator_only(world: World) -> None:
    member = enrol(world)
    svg = world.client.get(f"/api/v1/members/{member['id']}/card.svg", headers=world.a.actors["operator"].headers)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.lstrip().startswith("<?xml") or "<svg" in svg.text
    card = world.client.get(f"/api/v1/members/{member['id']}/card", headers=world.a.actors["admin1"].headers).json()
    assert card["qr_payload"] is None and card["card_no_display"].count(" ") == 3
    assert world.client.get(f"/api/v1/members/{member['id']}/card.svg",
                            headers=world.a.actors["admin1"].headers).status_code == 403


def test_search_filter_and_paginate(world: World, session: Session) -> None:
    headers = world.a.actors["staff1"].headers
    for i in range(25):
        body = {"phone": f"1860000{i:04d}", "name": f"王{i}", "gender": "female"}
        r = world.client.post("/api/v1/members", json=body, headers=headers)
        assert r.status_code == 201
    page = world.client.get("/api/v1/members", params={"page": 2, "page_size": 10, "gender": "female"},
                            headers=headers).json()
    assert page["total"] == 25 and len(page["items"]) == 10 and page["page"] == 2
    named = world.client.get("/api/v1/members", params={"q": "王1"}, headers=headers).json()
    assert {m["name"] for m in named["items"]} == {"王1", *{f"王1{i}" for i in range(10)}}
    assert world.client.get("/api/v1/members", params={"page_size": 1000}, headers=headers).status_code == 422
    assert session.scalars(select(Member)).first() is not None


def test_lookup_by_phone_in_a_body_is_scoped_like_the_query(world: World) -> None:
    """POST /members/lookup keeps the number out of URLs (and so out of access logs)."""
    member = enrol(world)
    admin1, admin2 = world.a.actors["admin1"].headers, world.a.actors["admin2"].headers
    for headers in (admin1, admin2, world.b.actors["operator"].headers, world.a.actors["operator"].headers):
        by_query = world.client.get("/api/v1/members", params={"phone": PHONE}, headers=headers).json()
        by_body = world.client.post("/api/v1/members/lookup", json={"phone": "+86 138-1234-5678"}, headers=headers)
        assert by_body.status_code == 200 and by_body.json() == by_query
    found = world.client.post("/api/v1/members/lookup", json={"phone": PHONE}, headers=admin1).json()
    assert [m["id"] for m in found["items"]] == [member["id"]] and PHONE not in str(found)
    hidden = world.client.post("/api/v1/members/lookup", json={"phone": PHONE}, headers=admin2).json()
    assert hidden["total"] == 0  # another merchant's member stays invisible, as with GET
    bad = world.client.post("/api/v1/members/lookup", json={"phone": "hello"}, headers=admin1)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_phone"
    assert world.client.post("/api/v1/members/lookup", json={"phone": PHONE}).status_code == 401

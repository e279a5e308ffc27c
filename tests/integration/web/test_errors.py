"""Bad input: a 4xx with a code and a message in zh-CN or en, and nothing written."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.members.models import Member
from tests.conftest import World


def count_members(session: Session) -> int:
    session.rollback()
    return session.scalar(select(func.count(Member.id))) or 0


def test_malformed_json_is_400(world: World, session: Session) -> None:
    before = count_members(session)
    headers = {**world.a.actors["staff1"].headers, "Content-Type": "application/json"}
    r = world.client.post("/api/v1/members", content=b'{"phone": "138', headers=headers)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "malformed_json"
    assert r.json()["error"]["message"] == "请求体不是有效的 JSON"
    assert count_members(session) == before


def test_missing_field_and_unknown_field_are_422_in_english(world: World, session: Session) -> None:
    headers = {**world.a.actors["staff1"].headers, "Accept-Language": "en"}
    r = world.client.post("/api/v1/members", json={"name": "无手机"}, headers=headers)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "validation_error" and error["message"] == "The request is invalid"
    assert any(d["loc"][-1] == "phone" for d in error["details"])
    r = world.client.post("/api/v1/members", json={"phone": "13812345678", "vip": True}, headers=headers)
    assert r.status_code == 422
    assert count_members(session) == len(world.a.members) + len(world.b.members)


def test_bad_phone_is_invalid_phone(world: World) -> None:
    for phone in ("12345", "0755-88886666", "+1 650 253 0000", "138123456789", "abc"):
        r = world.client.post("/api/v1/members", json={"phone": phone}, headers=world.a.actors["staff1"].headers)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_phone", phone


def test_unknown_ids_are_404_not_500(world: World) -> None:
    op = world.a.actors["operator"].headers
    for path in ("/api/v1/members/999999", "/api/v1/merchants/999999", "/api/v1/stores/0", "/api/v1/staff/-1",
                 "/api/v1/agreements/999999", "/api/v1/users/999999", "/api/v1/memberships/424242"):
        r = world.client.get(path, headers=op)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", path
    r = world.client.get("/api/v1/members/abc", headers=op)
    assert r.status_code == 422
    r = world.client.get("/api/v1/members/99999999999999999999999", headers=op)
    assert r.status_code == 404  # beyond any id: nobody's member


def test_oversized_body_is_413_and_not_read(world: World, session: Session) -> None:
    before = count_members(session)
    big = b'{"phone": "13812345678", "name": "' + b"x" * 2_000_000 + b'"}'
    r = world.client.post("/api/v1/members", content=big,
                          headers={**world.a.actors["staff1"].headers, "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"

    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"phone": "13812345678", "name": "'
        for _ in range(40):
            yield b"y" * 50_000
        yield b'"}'

    r = world.client.post("/api/v1/members", content=chunks(),
                          headers={**world.a.actors["staff1"].headers, "Content-Type": "application/json"})
    assert r.status_code == 413
    assert count_members(session) == before


def test_unknown_route_and_wrong_method(world: World) -> None:
    r = world.client.get("/api/v1/nothing-here", headers={"Accept-Language": "en"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "route_not_found"
    r = world.client.delete("/api/v1/members", headers=world.a.actors["operator"].headers)
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_wrong_types_and_ranges(world: World) -> None:
    op = world.a.actors["operator"].headers
    bad_merchants = [
        {"name": "x", "industry": "spaceflight"},
        {"name": "x", "industry": "fitness", "rating": 5.5},
        {"name": "x", "industry": "fitness", "rating": "NaN"},
        {"name": "", "industry": "fitness"},
        {"name": "x", "industry": "fitness", "years_in_business": -2},
        {"name": "x", "industry": "fitness", "brand_tags": ["a" * 31]},
    ]
    for body in bad_merchants:
        assert world.client.post("/api/v1/merchants", json=body, headers=op).status_code == 422, body
    m = world.a.merchants[0]
    bad_stores = [
        {"name": "s", "address": "a", "latitude": 91, "longitude": 114},
        {"name": "s", "address": "a", "latitude": 22.5, "longitude": 114, "opening_hours": "9am-9pm"},
    ]
    for body in bad_stores:
        assert world.client.post(f"/api/v1/merchants/{m}/stores", json=body, headers=op).status_code == 422, body
    assert world.client.get("/api/v1/merchants", params={"min_rating": 9}, headers=op).status_code == 422

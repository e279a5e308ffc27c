"""Vehicles on members through the API and the member's console page: stored as phones are (encrypted, keyed
hash, masked), seen and recorded only by who may see the member; the same car may be on two members."""

from __future__ import annotations

import json

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from lianmeng.kit import crypto
from lianmeng.vehicles.models import MemberVehicle
from tests.conftest import World
from tests.integration.web.console import console, csrf_of

PLATE = "粤B12345"
VIN = "LSVAU218XN2183294"


def _add(world: World, who: str, member_id: int, body: dict[str, str], side: str = "a") -> tuple[int, dict]:  # type: ignore[type-arg]
    actors = (world.a if side == "a" else world.b).actors
    r = world.client.post(f"/api/v1/members/{member_id}/vehicles", json=body, headers=actors[who].headers)
    return r.status_code, r.json() if r.content else {}


def test_a_vehicle_is_stored_like_a_phone_and_shown_masked(world: World, session: Session) -> None:
    m1 = world.a.merchants[0]
    x = world.a.members[m1]
    status, out = _add(world, "staff1", x, {"plate": "粤b·12345", "vin": "lsvau218xn2183294"})
    assert status == 201, out
    assert (out["plate_masked"], out["vin_masked"], out["merchant_id"]) == ("粤B***45", "LSV***3294", m1)
    listed = world.client.get(f"/api/v1/members/{x}/vehicles", headers=world.a.actors["operator"].headers)
    assert listed.status_code == 200 and [v["id"] for v in listed.json()] == [out["id"]]
    assert PLATE not in listed.text and VIN not in listed.text and "12345" not in listed.text
    row = session.execute(text("SELECT * FROM member_vehicles WHERE id = :id"), {"id": out["id"]}).mappings().one()
    dumped = json.dumps({k: str(v) for k, v in row.items()}, ensure_ascii=False)
    assert PLATE not in dumped and VIN not in dumped
    stored = session.get(MemberVehicle, out["id"])
    assert stored is not None and crypto.decrypt(stored.plate_enc or "") == PLATE
    assert crypto.decrypt(stored.vin_enc or "") == VIN
    assert stored.alliance_id == world.a.alliance_id


def test_bad_plates_and_vins_are_refused_in_both_languages(world: World) -> None:
    x = world.a.members[world.a.merchants[0]]
    headers = world.a.actors["staff1"].headers
    for body, code, zh, en in (({"plate": "粤B1234"}, "invalid_plate", "车牌号格式不正确", "Invalid plate number"),
                               ({"vin": "LSVAU2180N2183294"}, "invalid_vin", "校验码", "check digit"),
                               ({}, "vehicle_required", "请填写车牌号或车架号", "Give a plate number or a VIN")):
        r = world.client.post(f"/api/v1/members/{x}/vehicles", json=body, headers=headers)
        assert r.status_code == 422 and r.json()["error"]["code"] == code and zh in r.json()["error"]["message"]
        r = world.client.post(f"/api/v1/members/{x}/vehicles", json=body,
                              headers={**headers, "Accept-Language": "en"})
        assert r.status_code == 422 and en in r.json()["error"]["message"]


def test_a_car_is_recorded_once_per_member_and_may_be_on_another_member_too(world: World) -> None:
    m1, m2, _ = world.a.merchants
    x, y = world.a.members[m1], world.a.members[m2]
    assert _add(world, "staff1", x, {"plate": PLATE})[0] == 201
    status, out = _add(world, "staff1", x, {"plate": "粤B 12345", "vin": VIN})
    assert status == 409 and out["error"]["code"] == "vehicle_exists" and "已登记" in out["error"]["message"]
    # a household's car, or one person enrolled twice: recorded, and nothing says whose else it is
    status, out = _add(world, "staff2", y, {"plate": "粤B 12345"})
    assert status == 201 and out["member_id"] == y and set(out) == {"id", "member_id", "plate_masked", "vin_masked",
                                                                    "merchant_id", "created_at"}
    assert _add(world, "staff2", y, {"vin": VIN})[0] == 201
    assert _add(world, "staff1", x, {"vin": VIN})[0] == 201


def test_only_who_may_see_the_member_sees_or_records_its_vehicles(world: World) -> None:
    m1 = world.a.merchants[0]
    x = world.a.members[m1]  # brought in by merchant 1; merchant 2 never served it
    status, out = _add(world, "staff1", x, {"plate": PLATE})
    assert status == 201
    for who in ("admin2", "staff2"):
        headers = world.a.actors[who].headers
        assert world.client.get(f"/api/v1/members/{x}/vehicles", headers=headers).status_code == 404
        assert _add(world, who, x, {"plate": "粤B54321"})[0] == 404
        assert world.client.delete(f"/api/v1/members/{x}/vehicles/{out['id']}", headers=headers).status_code == 404
    other_alliance = world.b.actors["operator"].headers
    assert world.client.get(f"/api/v1/members/{x}/vehicles", headers=other_alliance).status_code == 404
    assert _add(world, "operator", x, {"plate": "粤B54321"}, side="b")[0] == 404
    # merchant 2 enrols the card holder: now it sees the car, records its own, and may not remove merchant 1's
    card = world.client.get(f"/api/v1/members/{x}", headers=world.a.actors["admin1"].headers).json()["card_no"]
    assert world.client.post("/api/v1/memberships", json={"card_no": card},
                             headers=world.a.actors["staff2"].headers).status_code == 201
    seen = world.client.get(f"/api/v1/members/{x}/vehicles", headers=world.a.actors["staff2"].headers).json()
    assert [v["plate_masked"] for v in seen] == ["粤B***45"]
    status, second = _add(world, "staff2", x, {"plate": "粤BD54321"})
    assert status == 201 and second["plate_masked"] == "粤B***21"
    refused = world.client.delete(f"/api/v1/members/{x}/vehicles/{out['id']}",
                                  headers=world.a.actors["admin2"].headers)
    assert refused.status_code == 403
    assert world.client.delete(f"/api/v1/members/{x}/vehicles/{second['id']}",
                               headers=world.a.actors["admin2"].headers).status_code == 204
    assert world.client.delete(f"/api/v1/members/{x}/vehicles/{out['id']}",
                               headers=world.a.actors["operator"].headers).status_code == 204
    assert world.client.get(f"/api/v1/members/{x}/vehicles", headers=world.a.actors["admin1"].headers).json() == []


def test_a_vehicle_is_removed_only_under_its_own_member(world: World) -> None:
    m1, m2, _ = world.a.merchants
    x, y = world.a.members[m1], world.a.members[m2]
    status, out = _add(world, "operator", x, {"plate": PLATE})
    assert status == 201 and out["merchant_id"] is None
    wrong = world.client.delete(f"/api/v1/members/{y}/vehicles/{out['id']}",
                                headers=world.a.actors["operator"].headers)
    assert wrong.status_code == 404
    # recorded by the operator: a merchant may not remove it
    assert world.client.delete(f"/api/v1/members/{x}/vehicles/{out['id']}",
                               headers=world.a.actors["admin1"].headers).status_code == 403


def test_the_member_page_records_and_removes_vehicles(world: World, session: Session) -> None:
    x = world.a.members[world.a.merchants[0]]
    clerk = console(world.client, world.a.actors["staff1"].username)
    page = clerk.get(f"/console/members/{x}")
    assert page.status_code == 200 and 'id="vehicles"' in page.text and "暂无车辆" in page.text
    token = csrf_of(page.text)
    added = clerk.post(f"/console/members/{x}/vehicles", data={"csrf": token, "plate": "粤b 12345", "vin": ""},
                       follow_redirects=False)
    assert added.status_code == 303, added.text
    page = clerk.get(f"/console/members/{x}")
    assert "粤B***45" in page.text and PLATE not in page.text
    bad = clerk.post(f"/console/members/{x}/vehicles", data={"csrf": token, "plate": "粤B1", "vin": ""})
    assert bad.status_code == 422 and 'id="vehicle-error"' in bad.text and "车牌号格式不正确" in bad.text
    again = clerk.post(f"/console/members/{x}/vehicles", data={"csrf": token, "plate": PLATE, "vin": ""})
    assert again.status_code == 422 and "该会员已登记此车辆" in again.text
    vehicle = session.scalars(select(MemberVehicle).where(MemberVehicle.member_id == x)).one()
    removed = clerk.post(f"/console/members/{x}/vehicles/{vehicle.id}/delete", data={"csrf": token},
                         follow_redirects=False)
    assert removed.status_code == 303
    session.rollback()
    assert session.scalars(select(MemberVehicle).where(MemberVehicle.member_id == x)).first() is None


def test_the_profile_edit_flow_records_a_plate(world: World, session: Session) -> None:
    m1, m2, _ = world.a.merchants
    x, y = world.a.members[m1], world.a.members[m2]
    clerk = console(world.client, world.a.actors["staff1"].username)
    page = clerk.get(f"/console/profiles/members/{x}")
    assert page.status_code == 200 and 'name="plate"' in page.text
    token = csrf_of(page.text)
    bad = clerk.post(f"/console/profiles/members/{x}", data={"csrf": token, "plate": "粤B1", "action": "stay"})
    assert bad.status_code == 422 and "车牌号格式不正确" in bad.text
    saved = clerk.post(f"/console/profiles/members/{x}", data={"csrf": token, "plate": "粤b 12345", "action": "stay"},
                       follow_redirects=False)
    assert saved.status_code == 303, saved.text
    again = clerk.post(f"/console/profiles/members/{x}", data={"csrf": token, "plate": PLATE, "action": "stay"},
                       follow_redirects=False)
    assert again.status_code == 303  # already on this member: nothing to add, nothing refused
    session.rollback()
    cars = session.scalars(select(MemberVehicle).where(MemberVehicle.member_id == x)).all()
    assert [c.plate_masked for c in cars] == ["粤B***45"] and cars[0].merchant_id == m1
    assert "粤B***45" in clerk.get(f"/console/profiles/members/{x}").text
    # the same plate for another merchant's member (a household's car): recorded there too
    other = console(world.client, world.a.actors["staff2"].username)
    form = other.get(f"/console/profiles/members/{y}")
    shared = other.post(f"/console/profiles/members/{y}", follow_redirects=False,
                        data={"csrf": csrf_of(form.text), "name": "新名字", "plate": PLATE, "action": "stay"})
    assert shared.status_code == 303, shared.text
    session.rollback()
    assert session.scalars(select(MemberVehicle).where(MemberVehicle.member_id == y)).one().plate_masked == "粤B***45"
    # through the API the same field answers in JSON
    r = world.client.patch(f"/api/v1/profiles/members/{y}", json={"plate": "粤B1"},
                           headers=world.a.actors["staff2"].headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_plate"


def test_a_merge_moves_the_cars_to_the_survivor_and_undo_brings_them_back(world: World, session: Session) -> None:
    m1, m2, _ = world.a.merchants
    absorbed, survivor = world.a.members[m1], world.a.members[m2]
    status, car = _add(world, "staff1", absorbed, {"plate": PLATE})
    assert status == 201
    op = world.a.actors["operator"].headers
    r = world.client.post("/api/v1/members/merges", headers=op, json={
        "survivor_id": survivor, "absorbed_id": absorbed, "reason": "同一人两次办卡"})
    assert r.status_code == 201, r.text
    assert r.json()["moved"]["vehicles"] == [car["id"]]
    listed = world.client.get(f"/api/v1/members/{survivor}/vehicles", headers=op).json()
    assert [v["plate_masked"] for v in listed] == ["粤B***45"]
    assert _add(world, "staff2", survivor, {"plate": PLATE})[1]["error"]["code"] == "vehicle_exists"
    undone = world.client.post(f"/api/v1/members/merges/{r.json()['id']}/undo", headers=op, json={"reason": "误合并"})
    assert undone.status_code == 200, undone.text
    session.rollback()
    assert session.get(MemberVehicle, car["id"]).member_id == absorbed  # type: ignore[union-attr]


def test_a_car_both_records_hold_stays_on_the_tombstone(world: World, session: Session) -> None:
    m1, m2, _ = world.a.merchants
    absorbed, survivor = world.a.members[m1], world.a.members[m2]
    kept = _add(world, "staff2", survivor, {"plate": PLATE})[1]
    same = _add(world, "staff1", absorbed, {"plate": PLATE})[1]
    other = _add(world, "staff1", absorbed, {"vin": VIN})[1]
    op = world.a.actors["operator"].headers
    r = world.client.post("/api/v1/members/merges", headers=op, json={
        "survivor_id": survivor, "absorbed_id": absorbed, "reason": "同一辆车,同一人"})
    assert r.status_code == 201, r.text
    assert r.json()["moved"]["vehicles"] == [other["id"]]
    session.rollback()
    assert session.get(MemberVehicle, same["id"]).member_id == absorbed  # type: ignore[union-attr]
    assert session.get(MemberVehicle, kept["id"]).member_id == survivor  # type: ignore[union-attr]

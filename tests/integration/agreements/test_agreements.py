"""An agreement's life: draft, edit, propose, accept by the other side, activate, suspend, resume, terminate."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World

TERMS = {
    "title": "特斯拉服务中心 × 健身房 权益互换",
    "modes": ["rights_exchange", "joint_campaign"],
    "commission_terms": [
        {"kind": "per_head", "amount_fen": 5000, "payee": "staff"},
        {"kind": "percent_of_order", "rate_bp": 500, "cap_per_order_fen": 20000},
    ],
    "benefits": [{"offered_by": "a", "text": "免费车辆检测"}, {"offered_by": "b", "text": "免费体验7天"}],
    "return_window_days": 7,
}


def act(client: TestClient, headers: dict[str, str], agreement_id: int, action: str) -> Any:
    return client.post(f"/api/v1/agreements/{agreement_id}/transitions", json={"action": action, "note": action},
                       headers=headers)


def test_the_full_status_flow_with_history(world: World) -> None:
    c = world.client
    a, b = world.a.actors["admin1"].headers, world.a.actors["admin2"].headers
    r = c.post("/api/v1/agreements", json={**TERMS, "merchant_b_id": world.a.merchants[1]}, headers=a)
    assert r.status_code == 201, r.text
    agreement = r.json()
    assert agreement["status"] == "draft" and agreement["merchant_a_id"] == world.a.merchants[0]
    assert agreement["allowed_actions"] == ["propose", "terminate"]
    edited = c.patch(f"/api/v1/agreements/{agreement['id']}", json={"return_window_days": 10}, headers=a)
    assert edited.status_code == 200 and edited.json()["return_window_days"] == 10
    assert act(c, a, agreement["id"], "propose").json()["status"] == "proposed"
    refused = act(c, a, agreement["id"], "accept")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "agreement_party"
    frozen = c.patch(f"/api/v1/agreements/{agreement['id']}", json={"return_window_days": 1}, headers=b)
    assert frozen.status_code == 409 and frozen.json()["error"]["code"] == "agreement_not_editable"
    assert act(c, b, agreement["id"], "accept").json()["status"] == "accepted"
    assert act(c, a, agreement["id"], "activate").json()["status"] == "active"
    assert act(c, b, agreement["id"], "suspend").json()["status"] == "suspended"
    assert act(c, a, agreement["id"], "resume").json()["status"] == "active"
    done = act(c, world.a.actors["operator"].headers, agreement["id"], "terminate")
    assert done.json()["status"] == "terminated" and done.json()["allowed_actions"] == []
    again = act(c, a, agreement["id"], "resume")
    assert again.status_code == 409 and again.json()["error"]["code"] == "agreement_transition"
    events = c.get(f"/api/v1/agreements/{agreement['id']}/events", headers=b).json()
    assert [e["action"] for e in events] == [
        "create", "update", "propose", "accept", "activate", "suspend", "resume", "terminate"]
    assert [e["actor"] for e in events][:4] == ["admin-alpha-1", "admin-alpha-1", "admin-alpha-1", "admin-alpha-2"]
    assert events[1]["changes"] == {"return_window_days": {"from": 7, "to": 10}}
    assert events[-1]["from_status"] == "active" and events[-1]["to_status"] == "terminated"
    assert all(e["at"] for e in events)


def test_activation_waits_for_the_start_date(world: World) -> None:
    c = world.client
    a, b = world.a.actors["admin1"].headers, world.a.actors["admin2"].headers
    body = {**TERMS, "merchant_b_id": world.a.merchants[1], "valid_from": "2099-01-01"}
    agreement = c.post("/api/v1/agreements", json=body, headers=a).json()
    act(c, a, agreement["id"], "propose")
    act(c, b, agreement["id"], "accept")
    r = act(c, a, agreement["id"], "activate")
    assert r.status_code == 409 and r.json()["error"]["code"] == "agreement_not_started"


def test_alliance_wide_agreements_are_the_operators(world: World) -> None:
    c = world.client
    op = world.a.actors["operator"].headers
    r = c.post("/api/v1/agreements", json={**TERMS, "title": "联盟积分互通"}, headers=world.a.actors["admin1"].headers)
    assert r.status_code == 403
    # referral terms need two sides; alliance-wide, they would never be paid (issue 11, item 12): refused
    r = c.post("/api/v1/agreements", json={**TERMS, "title": "联盟积分互通"}, headers=op)
    assert r.status_code == 422 and r.json()["error"]["code"] == "commission_term_needs_pair"
    r = c.post("/api/v1/agreements", json={**TERMS, "title": "联盟积分互通", "commission_terms": []}, headers=op)
    assert r.status_code == 201 and r.json()["alliance_wide"] is True
    agreement_id = r.json()["id"]
    for action in ("propose", "accept", "activate"):
        assert act(c, op, agreement_id, action).status_code == 200
    seen = c.get("/api/v1/agreements", headers=world.a.actors["staff3"].headers).json()
    assert agreement_id in [x["id"] for x in seen["items"]]
    assert act(c, world.a.actors["admin3"].headers, agreement_id, "suspend").status_code == 403


def test_bad_terms_are_refused_with_nothing_written(world: World) -> None:
    c = world.client
    a = world.a.actors["admin1"].headers
    cases: list[dict[str, Any]] = [
        {**TERMS, "merchant_b_id": world.a.merchants[0]},  # with itself
        {**TERMS, "merchant_b_id": world.b.merchants[0]},  # another alliance's merchant
        {**TERMS, "merchant_b_id": world.a.merchants[1], "modes": []},
        {**TERMS, "merchant_b_id": world.a.merchants[1], "modes": ["teleport"]},
        {**TERMS, "merchant_b_id": world.a.merchants[1], "commission_terms": [{"kind": "per_head"}]},
        {**TERMS, "merchant_b_id": world.a.merchants[1], "commission_terms": [{"kind": "percent_of_order",
                                                                             "rate_bp": 20000}]},
        {**TERMS, "merchant_b_id": world.a.merchants[1], "valid_from": "2027-01-01", "valid_until": "2026-01-01"},
        {**TERMS, "merchant_b_id": world.a.merchants[1], "return_window_days": -1},
    ]
    # another alliance's merchant is one this admin cannot see (404); every other body is refused as invalid
    expected = [(422, "agreement_self"), (404, "not_found")] + [(422, "validation_error")] * (len(cases) - 2)
    for body, (status, code) in zip(cases, expected, strict=True):
        r = c.post("/api/v1/agreements", json=body, headers=a)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), (body, r.text)
    assert c.get("/api/v1/agreements", headers=world.a.actors["operator"].headers).json()["total"] == 0
    clerk = c.post("/api/v1/agreements", json={**TERMS, "merchant_b_id": world.a.merchants[1]},
                   headers=world.a.actors["staff1"].headers)
    assert clerk.status_code == 403


def test_list_filters(world: World) -> None:
    c = world.client
    op = world.a.actors["operator"].headers
    m = world.a.merchants
    body = {**TERMS, "merchant_a_id": m[0], "merchant_b_id": m[1]}
    first = c.post("/api/v1/agreements", json=body, headers=op).json()
    c.post("/api/v1/agreements", json={**TERMS, "title": "餐厅联合活动", "modes": ["joint_campaign"],
                                       "merchant_a_id": m[1], "merchant_b_id": m[2]}, headers=op)
    act(c, op, first["id"], "propose")

    def ids(**params: Any) -> list[int]:
        return [x["id"] for x in c.get("/api/v1/agreements", params=params, headers=op).json()["items"]]

    assert ids(status="proposed") == [first["id"]]
    assert len(ids(merchant_id=m[1])) == 2
    assert ids(mode="rights_exchange") == [first["id"]]
    assert len(ids(q="餐厅")) == 1

"""The points part of the member's page, now in the points capability: balance, worth, soonest expiry and the
history in words with the merchant each line happened at (orders, refunds)."""

from __future__ import annotations

from typing import Any

from lianmeng.alliances.models import Alliance
from lianmeng.db import new_session
from lianmeng.points import domain
from lianmeng.points.web import member_points_view
from tests.conftest import World


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_the_history_names_each_line_and_its_merchant(world: World, db_url: str) -> None:
    m1 = world.a.merchants[0]
    member = world.a.members[m1]
    staff = world.a.actors["staff1"].headers
    order = ok(world.client.post("/api/v1/orders", headers=staff, json={
        "external_id": "PV-1", "member_id": member, "amount_fen": 20_000}))
    ok(world.client.post(f"/api/v1/orders/{order['id']}/refunds", headers=staff,
                         json={"external_id": "PV-R1", "amount_fen": 5_000}))
    with new_session(db_url) as s:
        alliance = s.get(Alliance, world.a.alliance_id)
        assert alliance is not None
        zh = member_points_view(s, alliance.id, member, alliance.points_per_yuan_value, "zh-CN")
        en = member_points_view(s, alliance.id, member, alliance.points_per_yuan_value, "en")
    assert zh.balance == 150 and zh.owed == 0
    assert zh.value_fen == domain.points_value_fen(150, alliance.points_per_yuan_value)
    assert zh.expiring is not None and zh.expiring[0] == 150
    assert [(line.label, line.points, line.merchant) for line in zh.history] == [
        ("退款扣回积分", -50, "alpha merchant 1"), ("消费得积分", 200, "alpha merchant 1")]
    assert [line.label for line in en.history] == ["Taken back on refund", "Earned"]


def test_a_member_without_points_has_an_empty_history(world: World, db_url: str) -> None:
    with new_session(db_url) as s:
        alliance = s.get(Alliance, world.a.alliance_id)
        assert alliance is not None
        view = member_points_view(s, alliance.id, world.a.members[world.a.merchants[1]],
                                  alliance.points_per_yuan_value, "zh-CN")
    assert (view.balance, view.owed, view.value_fen, view.expiring, view.history) == (0, 0, 0, None, [])


def test_entry_kinds_by_cause_and_sign() -> None:
    kinds = domain.PointsEntryKind
    assert [domain.entry_kind(c, a) for c, a in (("order", 5), ("order", -5), ("refund", 5), ("refund", -5),
                                                  ("expiry", -5), ("manual", 5))] == [
        kinds.EARN, kinds.SPEND, kinds.REFUND_RESTORE, kinds.REFUND_REVERSE, kinds.EXPIRE, kinds.ADJUST]

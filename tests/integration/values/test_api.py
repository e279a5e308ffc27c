"""The value API and pages: scoping (a merchant reads its own members only, never another merchant's money), the
operator's settings and the distributions."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy.orm import Session

from lianmeng.kit import clock
from lianmeng.values import service
from lianmeng.values.domain import CLASS_OF
from tests.conftest import World
from tests.integration.values.helpers import add_member, add_order
from tests.integration.web.console import console, csrf_of


def seed(world: World, session: Session) -> int:
    """The member merchant 1 brought in spends ¥123.45 at merchant 1 and ¥9,876.54 at merchant 2; a few other
    members give the quintiles something to rank. Returns the member's id."""
    a = world.a
    m1, m2, _ = a.merchants
    member_id = a.members[m1]
    now = clock.now()
    add_order(session, a.alliance_id, m1, member_id, 12_345, now - timedelta(days=3))
    add_order(session, a.alliance_id, m2, member_id, 987_654, now - timedelta(days=1))
    for n in range(6):
        other = add_member(session, a.alliance_id, m1, 700 + n)
        add_order(session, a.alliance_id, m1, other, 5_000 * (n + 1), now - timedelta(days=10 * n + 1))
    service.refresh(session, a.alliance_id)
    # a later order at merchant 1 moves the member's class or stars: history
    for day in range(6):
        add_order(session, a.alliance_id, m1, member_id, 90_000, now - timedelta(hours=day + 1))
    service.refresh(session, a.alliance_id, at=clock.now() + timedelta(seconds=1))
    session.commit()
    return member_id


def test_a_merchant_reads_its_own_row_and_only_the_stars_of_the_alliance(world: World, session: Session) -> None:
    member_id = seed(world, session)
    admin1 = world.a.actors["admin1"].headers
    response = world.client.get(f"/api/v1/members/{member_id}/value", headers=admin1)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["merchant"]["merchant_id"] == world.a.merchants[0]
    assert body["merchant"]["frequency"] == 7
    assert body["merchant"]["monetary_fen"] == 12_345 + 6 * 90_000
    assert body["merchant"]["rfm_class"] == "important_value"
    assert body["alliance"] is None and body["merchants"] == []
    assert body["level"]["stars"] == 6 and body["level"]["stars_text"] == "★★★★★★☆☆☆"
    # nothing of what the member spends at merchant 2, nor the alliance total, anywhere in the answer
    text = response.text
    for secret in ("987654", "9,876.54", str(12_345 + 6 * 90_000 + 987_654)):
        assert secret not in text
    alliance_history = [h for h in body["history"] if h["merchant_id"] is None]
    assert alliance_history and all(h["frequency"] is None and h["monetary_fen"] is None
                                    and h["rfm_class"] is None for h in alliance_history)
    assert all(h["merchant_id"] in (None, world.a.merchants[0]) for h in body["history"])


def test_the_operator_reads_everything(world: World, session: Session) -> None:
    member_id = seed(world, session)
    response = world.client.get(f"/api/v1/members/{member_id}/value", headers=world.a.actors["operator"].headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["merchant"] is None
    assert body["alliance"]["monetary_fen"] == 12_345 + 6 * 90_000 + 987_654
    assert body["alliance"]["merchants_visited"] == 2 and body["alliance"]["stars"] == 6
    assert {m["merchant_id"]: m["monetary_fen"] for m in body["merchants"]} == {
        world.a.merchants[0]: 12_345 + 6 * 90_000, world.a.merchants[1]: 987_654}
    assert any(h["merchant_id"] is None and h["monetary_fen"] is not None for h in body["history"])


def test_another_merchant_or_alliance_gets_404_like_a_missing_member(world: World, session: Session) -> None:
    member_id = seed(world, session)
    missing = world.client.get("/api/v1/members/999999/value", headers=world.a.actors["admin3"].headers)
    assert missing.status_code == 404
    for headers in (world.a.actors["admin3"].headers, world.b.actors["operator"].headers,
                    world.b.actors["admin1"].headers):
        response = world.client.get(f"/api/v1/members/{member_id}/value", headers=headers)
        assert response.status_code == 404
        assert response.json() == missing.json()


def test_the_operators_window_setting(world: World) -> None:
    op = world.a.actors["operator"].headers
    got = world.client.get("/api/v1/value-model/settings", headers=op)
    assert got.status_code == 200 and got.json()["window_days"] == 365
    for bad in (29, 731, "90"):
        assert world.client.put("/api/v1/value-model/settings", json={"window_days": bad},
                                headers=op).status_code == 422
    put = world.client.put("/api/v1/value-model/settings", json={"window_days": 90}, headers=op)
    assert put.status_code == 200 and put.json()["window_days"] == 90
    assert world.client.get("/api/v1/value-model/settings", headers=op).json()["window_days"] == 90
    admin = world.a.actors["admin1"].headers
    assert world.client.put("/api/v1/value-model/settings", json={"window_days": 60},
                            headers=admin).status_code == 403
    assert world.client.get("/api/v1/value-model/settings", headers=admin).status_code == 403


def test_summary_for_the_merchant_and_the_operator(world: World, session: Session) -> None:
    seed(world, session)
    admin1 = world.a.actors["admin1"].headers
    mine = world.client.get("/api/v1/values/summary", headers=admin1)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["merchant_id"] == world.a.merchants[0]
    assert [c["rfm_class"] for c in body["classes"]] == [c.value for c in CLASS_OF.values()]
    assert sum(c["members"] for c in body["classes"]) == 7  # the member and the six others ordered at merchant 1
    assert sum(s["members"] for s in body["stars"]) == 7
    assert world.client.get(f"/api/v1/values/summary?merchant_id={world.a.merchants[1]}",
                            headers=admin1).status_code == 403
    alliance = world.client.get("/api/v1/values/summary", headers=world.a.actors["operator"].headers).json()
    assert alliance["merchant_id"] is None and sum(c["members"] for c in alliance["classes"]) == 7
    other = world.client.get("/api/v1/values/summary", headers=world.b.actors["operator"].headers).json()
    assert sum(c["members"] for c in other["classes"]) == 0


def test_pages(world: World, session: Session) -> None:
    member_id = seed(world, session)
    admin = console(world.client, world.a.actors["admin1"].username)
    page = admin.get(f"/console/members/{member_id}")
    assert page.status_code == 200
    section = page.text[page.text.index('id="member-value"'):]
    section = section[:section.index("</section>")]
    assert "重要价值" in section and "★★★★★★☆☆☆" in section
    assert "¥9,876.54" not in page.text and "¥15,399.99" not in page.text
    values_page = admin.get("/console/values")
    assert values_page.status_code == 200 and values_page.text.count("<svg") == 2
    assert 'id="window-form"' not in values_page.text
    assert admin.post("/console/values/settings", data={"csrf": csrf_of(values_page.text),
                                                        "window_days": "90"}).status_code == 404
    op = console(world.client, world.a.actors["operator"].username)
    page = op.get("/console/values")
    assert page.status_code == 200 and 'id="window-form"' in page.text
    token = csrf_of(page.text)
    bad = op.post("/console/values/settings", data={"csrf": token, "window_days": "10"})
    assert bad.status_code == 422 and "30–730" in bad.text
    good = op.post("/console/values/settings", data={"csrf": token, "window_days": "180"})
    assert good.status_code == 200 and re.search(r'name="window_days"[^>]*value="180"', good.text)
    refreshed = op.post("/console/values/refresh", data={"csrf": token})
    assert refreshed.status_code == 200 and "重新计算" in refreshed.text
    detail = op.get(f"/console/members/{member_id}")
    assert "¥15,399.99" in detail.text  # the operator sees the alliance-wide spend

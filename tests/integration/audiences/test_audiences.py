"""Audiences through the API and the service seam: exact live counts over a merchant's own members, save, list,
edit, archive, who may do what, and bad input refused with nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from lianmeng.audiences import service
from lianmeng.audiences.models import Audience
from lianmeng.db import unit_of_work
from tests.conftest import DATABASE_URL, World
from tests.integration.audiences.conftest import Known

COUNT = "/api/v1/audiences/count"


def count(world: World, rules: dict[str, Any], who: str = "admin1") -> dict[str, Any]:
    r = world.client.post(COUNT, json=rules, headers=world.a.actors[who].headers)
    assert r.status_code == 200, r.text
    return {k: v for k, v in r.json().items() if k != "counted_at"}


@pytest.mark.parametrize(("rules", "expected"), [
    # 25 + 12 + 3 + 5 written, and the member m1's staff enrolled through the API; the 3 refusals left out
    ({}, {"total": 43, "marketing": 31, "data_sharing": 37, "refused": 3}),
    ({"exclude_refused": False}, {"total": 46, "marketing": 34, "data_sharing": 40, "refused": 3}),
    ({"classes": ["important_value"]}, {"total": 30, "marketing": 30, "data_sharing": 25, "refused": 3}),
    ({"classes": ["important_value"], "data_sharing_consent": True},
     {"total": 25, "marketing": 25, "data_sharing": 25, "refused": 3}),
    ({"monetary_min_fen": 100_000, "min_frequency": 6}, {"total": 30, "marketing": 30, "data_sharing": 25,
                                                         "refused": 3}),
    ({"monetary_max_fen": 100_000}, {"total": 12, "marketing": 0, "data_sharing": 12, "refused": 0}),
    ({"stars_min": 7, "stars_max": 9}, {"total": 30, "marketing": 30, "data_sharing": 25, "refused": 3}),
    ({"stars_max": 5}, {"total": 12, "marketing": 0, "data_sharing": 12, "refused": 0}),
    ({"recency_min_days": 90}, {"total": 12, "marketing": 0, "data_sharing": 12, "refused": 0}),
    ({"recency_max_days": 30}, {"total": 30, "marketing": 30, "data_sharing": 25, "refused": 3}),
    ({"tags_any": ["fitness", "parenting"]}, {"total": 15, "marketing": 15, "data_sharing": 15, "refused": 0}),
    ({"tags_all": ["fitness", "parenting"]}, {"total": 0, "marketing": 0, "data_sharing": 0, "refused": 0}),
    ({"marketing_consent": True, "classes": ["general_develop"]},
     {"total": 0, "marketing": 0, "data_sharing": 0, "refused": 0}),
])
def test_live_counts_are_exact(world: World, known: Known, rules: dict[str, Any], expected: dict[str, int]) -> None:
    assert count(world, rules) == expected


def test_store_rule_counts_origin_store_or_an_order_there(world: World, known: Known) -> None:
    store = world.a.stores[world.a.merchants[0]]
    assert count(world, {"store_ids": [store]})["total"] == 43


def test_another_merchants_members_are_never_counted(world: World, known: Known) -> None:
    # m2's 20 high-value members (9 stars) are m2's: m2 counts them, m1 does not (m1's top stars are 8)
    assert count(world, {"stars_min": 9})["total"] == 0
    assert count(world, {"stars_min": 9}, who="admin2")["total"] == 20


def test_save_list_edit_and_archive(world: World, known: Known) -> None:
    client, a = world.client, world.a
    admin, staff, op = a.actors["admin1"].headers, a.actors["staff1"].headers, a.actors["operator"].headers
    r = client.post("/api/v1/audiences", json={"name": "高价值会员", "rules": {"classes": ["important_value"]}},
                    headers=admin)
    assert r.status_code == 201, r.text
    saved = r.json()
    assert saved["last_count"] == 30 and saved["rules"]["classes"] == ["important_value"]
    assert "重要价值" in saved["summary_zh"]
    audience = f"/api/v1/audiences/{saved['id']}"
    # store staff read; the operator sees counts only; another merchant and alliance: 404 as for no audience
    assert client.get(audience, headers=staff).json()["name"] == "高价值会员"
    seen = client.get(audience, headers=op).json()
    assert seen["rules"] is None and seen["summary_zh"] is None and seen["last_count"] == 30
    assert client.get(f"{audience}/count", headers=op).json()["total"] == 30
    missing = client.get("/api/v1/audiences/987654321", headers=admin)
    for who in (a.actors["admin2"].headers, world.b.actors["admin1"].headers, world.b.actors["operator"].headers):
        r = client.get(audience, headers=who)
        assert r.status_code == 404 and r.json()["error"]["code"] == missing.json()["error"]["code"]
    assert [x["id"] for x in client.get("/api/v1/audiences", headers=a.actors["admin2"].headers).json()["items"]] == []
    assert [x["id"] for x in client.get("/api/v1/audiences", headers=op).json()["items"]] == [saved["id"]]
    # only the merchant's admins build
    for who in (staff, op):
        assert client.patch(audience, json={"name": "x"}, headers=who).status_code == 403
        assert client.post("/api/v1/audiences", json={"name": "x"}, headers=who).status_code == 403
        assert client.post(COUNT, json={}, headers=who).status_code == 403
    r = client.patch(audience, json={"name": "挽留", "rules": {"recency_min_days": 90}}, headers=admin)
    assert r.status_code == 200 and r.json()["last_count"] == 12 and r.json()["name"] == "挽留"
    assert client.post(f"{audience}/archive", headers=staff).status_code == 403
    assert client.post(f"{audience}/archive", headers=admin).json()["archived"] is True
    assert client.get("/api/v1/audiences", headers=admin).json()["items"] == []
    assert client.get("/api/v1/audiences?archived=true", headers=admin).json()["total"] == 1
    assert client.patch(audience, json={"name": "again"}, headers=admin).status_code == 422


def audiences_written() -> int:
    with unit_of_work(DATABASE_URL) as session:
        return session.scalar(select(func.count()).select_from(Audience)) or 0


@pytest.mark.parametrize(("rules", "code"), [
    ({"classes": ["vip"]}, "validation_error"),
    ({"monetary_min_fen": 500_000, "monetary_max_fen": 1}, "validation_error"),
    ({"stars_min": 0}, "validation_error"),
    ({"tags_any": ["golf"]}, "audience_unknown_tag"),
    ({"store_ids": ["@m2store"]}, "audience_foreign_store"),
    ({"everyone": True}, "validation_error"),
    ({"monetary_min_fen": "1000"}, "validation_error"),
])
def test_bad_rules_are_422_and_nothing_is_written(world: World, known: Known, rules: dict[str, Any],
                                                  code: str) -> None:
    client, a = world.client, world.a
    if rules.get("store_ids") == ["@m2store"]:
        rules = {"store_ids": [a.stores[a.merchants[1]]]}
    admin = a.actors["admin1"].headers
    r = client.post("/api/v1/audiences", json={"name": "坏规则", "rules": rules}, headers=admin)
    assert r.status_code == 422 and r.json()["error"]["code"] == code, r.text
    assert client.post(COUNT, json=rules, headers=admin).status_code == 422
    assert audiences_written() == 0


def test_unknown_tag_is_named_in_the_callers_language(world: World, known: Known) -> None:
    r = world.client.post(COUNT, json={"tags_all": ["golf"]},
                          headers={**world.a.actors["admin1"].headers, "Accept-Language": "en"})
    assert r.status_code == 422 and "golf" in r.json()["error"]["message"]


def test_select_members_always_leaves_out_refusals_and_materialises(world: World, known: Known) -> None:
    with unit_of_work(DATABASE_URL) as session:
        audience = Audience(alliance_id=world.a.alliance_id, merchant_id=world.a.merchants[0], name="all",
                            rules={"classes": ["important_value"], "exclude_refused": False})
        session.add(audience)
        session.flush()
        chosen = service.materialise(session, audience)
        assert chosen == sorted(known.groups["high"] + known.groups["private"])
        assert not set(chosen) & set(known.groups["refused"])
        counted = session.scalar(select(func.count()).select_from(service.select_members(session, audience)
                                                                  .subquery()))
        assert counted == 30

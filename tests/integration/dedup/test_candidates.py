"""Duplicate candidates end to end on the database: the run finds a planted pair and leaves distinct people alone,
the review decisions, the scoping of the queue, the job and the CLI."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lianmeng.db import unit_of_work
from lianmeng.dedup import service
from lianmeng.dedup.models import DedupCandidate, DedupSettings
from tests.conftest import World

_phones = iter(range(10_000_000, 99_999_999, 7_919))


def enrol(world: World, actor: str, name: str, birth_year: int | None, gender: str = "female",
          side: str = "a") -> int:
    who = getattr(world, side).actors[actor]
    store = getattr(world, side).stores[who.merchant_id]
    r = world.client.post("/api/v1/members", headers=who.headers, json={
        "phone": f"137{next(_phones):08d}", "name": name, "birth_year": birth_year, "gender": gender,
        "origin_store_id": store})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def run(db_url: str, alliance_id: int) -> service.RunReport:
    with unit_of_work(db_url) as session:
        return service.run(session, alliance_id)


def pairs(session: Session, alliance_id: int) -> dict[tuple[int, int], DedupCandidate]:
    session.rollback()  # a fresh read: the run committed in a unit of work of its own
    return {(c.left_id, c.right_id): c for c in session.scalars(
        select(DedupCandidate).where(DedupCandidate.alliance_id == alliance_id, DedupCandidate.kind == "member"))}


@pytest.fixture
def planted(world: World, db_url: str) -> dict[str, Any]:
    """Merchant 1 and merchant 2 enrol 曾小凡 twice (once typed in pinyin), 張偉 twice (once in traditional
    characters, birth year one off); and distinct people around them."""
    a = world.a
    ids = {
        "zeng": enrol(world, "staff1", "曾小凡", 1985),
        "zeng_pinyin": enrol(world, "staff2", "Zeng Xiaofan", 1985),
        "zhang": enrol(world, "staff1", "张伟", 1979, "male"),
        "zhang_trad": enrol(world, "staff2", "張偉", 1980, "male"),
        "other1": enrol(world, "staff1", "李娜", 1990),
        "other2": enrol(world, "staff2", "王芳", 1962),
        "other3": enrol(world, "staff3", "陈静", 2001),
        "ceng": enrol(world, "staff3", "岑小帆", 1971, "male"),  # sounds like zeng to someone reading 曾 as ceng
    }
    report = run(db_url, a.alliance_id)
    return {"ids": ids, "report": report}


def test_the_run_finds_planted_pairs_and_not_distinct_people(planted: dict[str, Any], world: World,
                                                             session: Session) -> None:
    ids = planted["ids"]
    found = pairs(session, world.a.alliance_id)
    zeng = tuple(sorted((ids["zeng"], ids["zeng_pinyin"])))
    zhang = tuple(sorted((ids["zhang"], ids["zhang_trad"])))
    assert zeng in found and zhang in found
    assert found[zeng].status == "pending"
    assert "pinyin" in found[zeng].fields["agree"] and "birth_year" in found[zeng].fields["agree"]
    assert "origin_store" in found[zeng].fields["disagree"]
    distinct = {ids[k] for k in ("other1", "other2", "other3", "ceng")}
    assert not [p for p in found if set(p) & distinct], found
    assert planted["report"].member_pairs == len(found)
    settings = session.get(DedupSettings, world.a.alliance_id)
    assert settings is not None and settings.members_at_last_run == planted["report"].members


def test_a_second_run_keeps_decisions(planted: dict[str, Any], world: World, db_url: str, session: Session) -> None:
    op = world.a.actors["operator"].headers
    ids = planted["ids"]
    items = world.client.get("/api/v1/dedup/candidates?kind=member", headers=op).json()["items"]
    zhang = next(i for i in items if {i["left_id"], i["right_id"]} == {ids["zhang"], ids["zhang_trad"]})
    r = world.client.post(f"/api/v1/dedup/candidates/{zhang['id']}/decision", headers=op,
                          json={"verdict": "not_duplicate", "reason": "father and son"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "rejected"
    run(db_url, world.a.alliance_id)
    again = pairs(session, world.a.alliance_id)
    assert again[(zhang["left_id"], zhang["right_id"])].status == "rejected"
    assert len(again) == len(items)
    r = world.client.post(f"/api/v1/dedup/candidates/{zhang['id']}/decision", headers=op,
                          json={"verdict": "not_duplicate"})
    assert r.status_code == 422


def test_detail_shows_the_two_records_with_masked_phones(planted: dict[str, Any], world: World) -> None:
    op = world.a.actors["operator"].headers
    items = world.client.get("/api/v1/dedup/candidates?kind=member", headers=op).json()["items"]
    detail = world.client.get(f"/api/v1/dedup/candidates/{items[0]['id']}", headers=op).json()
    assert len(detail["records"]) == 2
    for record in detail["records"]:
        assert "****" in record["phone_masked"]
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", json.dumps(detail))  # no clear phone anywhere
    assert 0 < detail["score"] <= 1


def test_merge_calls_the_merging_seam_and_closes_the_candidate(planted: dict[str, Any], world: World,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    calls: list[tuple[int, int, str]] = []
    fake = types.ModuleType("lianmeng.merging.service")
    fake.merge_members = lambda session, p, survivor, absorbed, reason: calls.append(  # type: ignore[attr-defined]
        (survivor, absorbed, reason))
    monkeypatch.setattr("lianmeng.merging.service.merge_members", fake.merge_members)  # type: ignore[attr-defined]
    op = world.a.actors["operator"].headers
    ids = planted["ids"]
    items = world.client.get("/api/v1/dedup/candidates?kind=member", headers=op).json()["items"]
    zeng = next(i for i in items if {i["left_id"], i["right_id"]} == {ids["zeng"], ids["zeng_pinyin"]})
    r = world.client.post(f"/api/v1/dedup/candidates/{zeng['id']}/decision", headers=op,
                          json={"verdict": "merge", "survivor_id": ids["other1"]})
    assert r.status_code == 422 and calls == []  # the survivor must be one of the pair
    r = world.client.post(f"/api/v1/dedup/candidates/{zeng['id']}/decision", headers=op,
                          json={"verdict": "merge"})
    assert r.status_code == 422
    r = world.client.post(f"/api/v1/dedup/candidates/{zeng['id']}/decision", headers=op,
                          json={"verdict": "merge", "survivor_id": ids["zeng"], "reason": "same person"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "merged" and r.json()["survivor_id"] == ids["zeng"]
    assert calls == [(ids["zeng"], ids["zeng_pinyin"], "same person")]


def test_a_failed_merge_leaves_the_candidate_pending(planted: dict[str, Any], world: World,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    from lianmeng.kit.errors import Invalid

    def refuse(*_: object) -> None:
        raise Invalid("dedup_survivor")

    fake = types.ModuleType("lianmeng.merging.service")
    fake.merge_members = refuse  # type: ignore[attr-defined]
    monkeypatch.setattr("lianmeng.merging.service.merge_members", fake.merge_members)  # type: ignore[attr-defined]
    op = world.a.actors["operator"].headers
    item = world.client.get("/api/v1/dedup/candidates?kind=member", headers=op).json()["items"][0]
    r = world.client.post(f"/api/v1/dedup/candidates/{item['id']}/decision", headers=op,
                          json={"verdict": "merge", "survivor_id": item["left_id"]})
    assert r.status_code == 422
    assert world.client.get(f"/api/v1/dedup/candidates/{item['id']}", headers=op).json()["status"] == "pending"


def test_scoping(planted: dict[str, Any], world: World) -> None:
    c = world.client
    op = world.a.actors["operator"].headers
    items = c.get("/api/v1/dedup/candidates?kind=member", headers=op).json()["items"]
    assert items
    # merchant 1's admin: the pairs are across merchants 1 and 2, so neither member pair is wholly its own
    assert c.get("/api/v1/dedup/candidates", headers=world.a.actors["admin1"].headers).json()["total"] == 0
    for item in items:
        for outsider in (world.a.actors["admin1"].headers, world.a.actors["staff1"].headers,
                         world.b.actors["operator"].headers):
            r = c.get(f"/api/v1/dedup/candidates/{item['id']}", headers=outsider)
            assert r.status_code == 404
            r = c.post(f"/api/v1/dedup/candidates/{item['id']}/decision", headers=outsider,
                       json={"verdict": "not_duplicate"})
            assert r.status_code == 404
    assert c.get("/api/v1/dedup/candidates/999999", headers=op).status_code == 404
    assert c.get("/api/v1/dedup/candidates", headers=world.b.actors["operator"].headers).json()["total"] == 0
    platform = c.get("/api/v1/dedup/candidates?kind=member", headers=world.platform.headers).json()
    assert platform["total"] == len(items)


def test_a_merchant_admin_reviews_pairs_of_its_own_members(world: World, db_url: str) -> None:
    mine = enrol(world, "staff1", "欧阳娜娜", 1995)
    again = enrol(world, "staff1", "Ouyang Nana", 1995)
    enrol(world, "staff2", "欧阳娜娜", 1995)  # the same name at merchant 2: not merchant 1's customer
    run(db_url, world.a.alliance_id)
    admin = world.a.actors["admin1"].headers
    page = world.client.get("/api/v1/dedup/candidates", headers=admin).json()
    assert [{i["left_id"], i["right_id"]} for i in page["items"]] == [{mine, again}]
    r = world.client.post(f"/api/v1/dedup/candidates/{page['items'][0]['id']}/decision", headers=admin,
                          json={"verdict": "not_duplicate", "reason": "twins"})
    assert r.status_code == 200, r.text
    # store staff do not review
    assert world.client.get("/api/v1/dedup/candidates", headers=world.a.actors["staff1"].headers
                            ).json()["total"] == 0


def test_duplicate_stores_are_candidates(world: World, db_url: str, session: Session) -> None:
    op = world.a.actors["operator"].headers
    m1 = world.a.merchants[0]
    r = world.client.post(f"/api/v1/merchants/{m1}/stores", headers=op, json={
        "name": "張記茶餐廳", "address": "深圳市福田區深南大道1號", "latitude": 22.5400, "longitude": 114.0500})
    assert r.status_code == 201, r.text
    old = r.json()["id"]
    r = world.client.post(f"/api/v1/merchants/{m1}/stores", headers=op, json={
        "name": "张记茶餐厅", "address": "深圳市福田区深南大道1号", "latitude": 22.5404, "longitude": 114.0502})
    assert r.status_code == 201, r.text
    new = r.json()["id"]
    run(db_url, world.a.alliance_id)
    stores = world.client.get("/api/v1/dedup/candidates?kind=store", headers=op).json()["items"]
    assert any("location" in s["agree"] and "name" in s["agree"] for s in stores), stores
    pair = next(s for s in stores if {s["left_id"], s["right_id"]} == {old, new})
    r = world.client.post(f"/api/v1/dedup/candidates/{pair['id']}/decision", headers=op,
                          json={"verdict": "merge", "survivor_id": old, "reason": "同一家店"})
    assert r.status_code == 200, r.text  # the operator merges a store pair from the review (merging.merge_places)
    merges = world.client.get("/api/v1/merges?kind=store", headers=op).json()["items"]
    assert [(m["survivor_id"], m["absorbed_id"]) for m in merges] == [(old, new)]
    run(db_url, world.a.alliance_id)  # the merged store is not proposed again
    again = world.client.get("/api/v1/dedup/candidates?kind=store&status=pending", headers=op).json()["items"]
    assert all(new not in (s["left_id"], s["right_id"]) for s in again)


def test_thresholds(world: World) -> None:
    op = world.a.actors["operator"].headers
    r = world.client.get("/api/v1/dedup/thresholds", headers=op)
    assert r.status_code == 200 and r.json()["auto_merge"] is False
    r = world.client.put("/api/v1/dedup/thresholds", headers=op, json={"review": 0.9, "auto": 0.5})
    assert r.status_code == 422
    r = world.client.put("/api/v1/dedup/thresholds", headers=op, json={"review": 0.5, "auto": 0.99,
                                                                        "auto_merge": True})
    assert r.status_code == 200 and r.json()["auto"] == 0.99
    r = world.client.put("/api/v1/dedup/thresholds", headers=world.a.actors["admin1"].headers,
                         json={"review": 0.5, "auto": 0.99})
    assert r.status_code == 403


def test_auto_merge_goes_through_the_same_seam(world: World, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    calls: list[tuple[int, int]] = []
    fake = types.ModuleType("lianmeng.merging.service")
    fake.merge_members = lambda session, p, survivor, absorbed, reason: calls.append(  # type: ignore[attr-defined]
        (survivor, absorbed))
    monkeypatch.setattr("lianmeng.merging.service.merge_members", fake.merge_members)  # type: ignore[attr-defined]
    first = enrol(world, "staff1", "单田芳", 1934, "male")
    second = enrol(world, "staff2", "單田芳", 1934, "male")
    with unit_of_work(db_url) as session:
        service.set_thresholds(session, service.SYSTEM_REVIEWER, world.a.alliance_id, 0.01, 0.02, True)
    report = run(db_url, world.a.alliance_id)
    assert report.auto_merged >= 1
    assert (first, second) in calls


def test_the_job_runs_due_alliances_once(world: World, db_url: str) -> None:
    from lianmeng.jobs.service import find_duplicates

    enrol(world, "staff1", "曾小凡", 1985)
    assert find_duplicates(db_url) >= 1
    assert find_duplicates(db_url) == 0  # nothing new within the day


def test_cli_run(world: World, db_url: str) -> None:
    from lianmeng.cli import app

    enrol(world, "staff1", "曾小凡", 1985)
    enrol(world, "staff2", "zeng xiaofan", 1985)
    result = CliRunner().invoke(app, ["dedup", "run", "--alliance-id", str(world.a.alliance_id),
                                      "--database-url", db_url])
    assert result.exit_code == 0, result.output
    assert "member pairs" in result.output


def test_a_refused_auto_merge_leaves_the_pair_for_review(world: World, db_url: str, session: Session,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    from lianmeng.kit.errors import Invalid

    def refuse(*_: object) -> None:
        raise Invalid("dedup_survivor")

    fake = types.ModuleType("lianmeng.merging.service")
    fake.merge_members = refuse  # type: ignore[attr-defined]
    monkeypatch.setattr("lianmeng.merging.service.merge_members", fake.merge_members)  # type: ignore[attr-defined]
    first = enrol(world, "staff1", "单田芳", 1934, "male")
    second = enrol(world, "staff2", "單田芳", 1934, "male")
    with unit_of_work(db_url) as s:
        service.set_thresholds(s, service.SYSTEM_REVIEWER, world.a.alliance_id, 0.01, 0.02, True)
    report = run(db_url, world.a.alliance_id)
    assert report.auto_merged == 0
    assert pairs(session, world.a.alliance_id)[(first, second)].status == "pending"

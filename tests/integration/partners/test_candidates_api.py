"""Candidates, scorecards, weights and "who next" through the API, on SQLite and PostgreSQL: what each caller may
see and change, bad input refused with nothing written, and scorecards that use what Lianmeng measured."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.partners.models import Candidate, CandidateStore, MysteryVisit, ScoringWeights, SincerityAnswer
from tests.conftest import World

API = "/api/v1/partners"
GYM = {"name": "威尔仕健身 Will's", "industry": "fitness", "brand_tags": ["高端", "科技"],
       "stores": [{"name": "车公庙店", "address": "深南大道 1 号", "latitude": 22.5372, "longitude": 114.0242}],
       "years_in_business": 12, "store_count": 40, "store_count_trend": "growing", "rating": 4.6,
       "rating_source": "dianping", "rating_date": "2026-11-01", "satisfaction_pct": 92, "complaints": 3,
       "has_member_system": True, "shares_deidentified_data": True}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def headers(world: World, who: str, side: str = "a") -> dict[str, str]:
    return getattr(world, side).actors[who].headers


def rows(session: Session) -> tuple[int, ...]:
    return tuple(session.scalar(select(func.count()).select_from(model)) or 0
                 for model in (Candidate, CandidateStore, MysteryVisit, SincerityAnswer, ScoringWeights))


def test_a_merchant_keeps_its_own_list_and_the_operator_the_alliances(world: World) -> None:
    c = world.client
    mine = ok(c.post(f"{API}/candidates", headers=headers(world, "admin1"), json=GYM), 201)
    ours = ok(c.post(f"{API}/candidates", headers=headers(world, "operator"), json={**GYM, "name": "总部名单"}), 201)
    assert mine["owner_merchant_id"] == world.a.merchants[0] and ours["owner_merchant_id"] is None
    assert mine["kind"] == "prospect" and mine["status"] == "watching" and len(mine["stores"]) == 1

    def listed(who: str, side: str = "a") -> set[int]:
        return {x["id"] for x in ok(c.get(f"{API}/candidates", headers=headers(world, who, side)))["items"]}

    assert listed("admin1") == {mine["id"]} and listed("staff1") == {mine["id"]}
    assert listed("operator") == {ours["id"]}
    assert listed("admin2") == set() and listed("operator", "b") == set() and listed("admin1", "b") == set()
    for who, side, cid in (("admin2", "a", mine["id"]), ("operator", "a", mine["id"]), ("admin1", "a", ours["id"]),
                           ("operator", "b", ours["id"])):
        for path in ("", "/scorecard"):
            r = c.get(f"{API}/candidates/{cid}{path}", headers=headers(world, who, side))
            assert r.status_code == 404, (who, side, path)
            missing = c.get(f"{API}/candidates/987654321{path}", headers=headers(world, who, side))
            assert r.json() == missing.json()


def test_store_staff_read_but_cannot_change_and_nothing_is_written(world: World, session: Session) -> None:
    c = world.client
    mine = ok(c.post(f"{API}/candidates", headers=headers(world, "admin1"), json=GYM), 201)
    before = rows(session)
    staff = headers(world, "staff1")
    assert c.post(f"{API}/candidates", headers=staff, json=GYM).status_code == 403
    assert c.patch(f"{API}/candidates/{mine['id']}", headers=staff, json={"name": "x"}).status_code == 403
    assert c.post(f"{API}/candidates/{mine['id']}/visits", headers=staff, json={
        "visitor": "店员", "visited_on": "2026-11-02", "score": 4}).status_code == 403
    assert c.post(f"{API}/candidates/{mine['id']}/sincerity", headers=staff, json={
        "question": "joint_fund", "answer": "will_fund", "asked_by": "店员"}).status_code == 403
    assert c.put(f"{API}/weights", headers=headers(world, "admin1"), json={
        "overlap": 20, "brand_fit": 20, "service": 20, "sincerity": 20, "distance": 20}).status_code == 403
    assert ok(c.get(f"{API}/candidates/{mine['id']}/scorecard", headers=staff))["candidate_id"] == mine["id"]
    session.rollback()
    assert rows(session) == before


def test_bad_input_is_422_with_nothing_written(world: World, session: Session) -> None:
    c = world.client
    admin = headers(world, "admin1")
    mine = ok(c.post(f"{API}/candidates", headers=admin, json=GYM), 201)
    before = rows(session)
    store = GYM["stores"][0]
    bad_bodies = [
        {**GYM, "industry": "spaceflight"},
        {**GYM, "stores": [{**store, "latitude": 114.0242, "longitude": 22.5372}]},  # swapped
        {**GYM, "stores": [{**store, "latitude": 48.85, "longitude": 2.35}]},  # Paris
        {**GYM, "rating": 5.5}, {**GYM, "rating": "4.5"}, {**GYM, "satisfaction_pct": 101},
        {**GYM, "status": "partner"}, {**GYM, "merchant_id": world.b.merchants[0]},
        {**GYM, "merchant_id": world.a.merchants[0]},
    ]
    for body in bad_bodies:
        r = c.post(f"{API}/candidates", headers=admin, json=body)
        assert r.status_code == 422, (body, r.text)
    for weights in ({"overlap": 30, "brand_fit": 15, "service": 20, "sincerity": 15, "distance": 21},
                    {"overlap": 101, "brand_fit": 0, "service": 0, "sincerity": 0, "distance": -1},
                    {"overlap": 30, "brand_fit": 15, "service": 20, "sincerity": 35}):
        r = c.put(f"{API}/weights", headers=headers(world, "operator"), json=weights)
        assert r.status_code == 422, (weights, r.text)
    assert c.post(f"{API}/candidates/{mine['id']}/sincerity", headers=admin, json={
        "question": "joint_fund", "answer": "vip_or_better", "asked_by": "王"}).status_code == 422
    assert c.post(f"{API}/candidates/{mine['id']}/visits", headers=admin, json={
        "visitor": "王", "visited_on": "2099-01-01", "score": 4}).status_code == 422
    assert c.post(f"{API}/candidates/{mine['id']}/visits", headers=admin, json={
        "visitor": "王", "visited_on": "2026-11-01", "score": 6}).status_code == 422
    assert c.patch(f"{API}/candidates/{mine['id']}", headers=admin, json={"industry": "x"}).status_code == 422
    r = c.post(f"{API}/candidates", headers={**admin, "Accept-Language": "en"}, json={**GYM, "industry": "x"})
    assert r.json()["error"]["code"] == "validation_error"
    session.rollback()
    assert rows(session) == before


def test_the_scorecard_starts_from_the_prior_and_the_gates_overrule_the_total(world: World) -> None:
    c = world.client
    admin = headers(world, "admin1")
    gym = ok(c.post(f"{API}/candidates", headers=admin, json=GYM), 201)
    card = ok(c.get(f"{API}/candidates/{gym['id']}/scorecard", headers=admin))
    overlap = next(s for s in card["standards"] if s["standard"] == "overlap")
    assert overlap["basis"] == "prior" and overlap["passed"] and "先验" in overlap["zh"] and "prior" in overlap["en"]
    assert overlap["score"] == 100  # fitness: 80%+
    distance = next(s for s in card["standards"] if s["standard"] == "distance")
    assert distance["basis"] == "measured" and distance["passed"]  # world stores at 22.54, 114.05: ~2.8 km
    assert [s["weight"] for s in card["standards"]] == [30, 15, 20, 15, 20]
    assert card["gates"] == [] and all(s["zh"] and s["en"] for s in card["standards"])

    bad = ok(c.patch(f"{API}/candidates/{gym['id']}", headers=admin, json={
        "major_negative_news": True, "negative_news_note": "预付卡跑路传闻"}))
    assert bad["major_negative_news"] is True
    card = ok(c.get(f"{API}/candidates/{gym['id']}/scorecard", headers=admin))
    assert card["gates"] == ["negative_news"] and card["verdict"] == "not_recommended"
    ok(c.patch(f"{API}/candidates/{gym['id']}", headers=admin, json={"major_negative_news": False, "rating": 3.9}))
    card = ok(c.get(f"{API}/candidates/{gym['id']}/scorecard", headers=admin))
    assert card["gates"] == ["low_rating"] and card["verdict"] == "not_recommended"


def test_sincerity_answers_count_latest_and_the_alliances_weights_apply(world: World) -> None:
    c = world.client
    admin = headers(world, "admin1")
    gym = ok(c.post(f"{API}/candidates", headers=admin, json=GYM), 201)
    for answer in ("will_not_fund", "will_fund"):
        ok(c.post(f"{API}/candidates/{gym['id']}/sincerity", headers=admin, json={
            "question": "joint_fund", "answer": answer, "asked_by": "李店长", "asked_on": "2026-11-03"}), 201)
    ok(c.post(f"{API}/candidates/{gym['id']}/sincerity", headers=admin, json={
        "question": "referred_service", "answer": "vip_or_better", "asked_by": "李店长"}), 201)
    ok(c.post(f"{API}/candidates/{gym['id']}/visits", headers=admin, json={
        "visitor": "张", "visited_on": "2026-11-02", "score": 5, "findings": "前台热情"}), 201)
    card = ok(c.get(f"{API}/candidates/{gym['id']}/scorecard", headers=admin))
    sincerity = next(s for s in card["standards"] if s["standard"] == "sincerity")
    assert sincerity["score"] == 100 and sincerity["basis"] == "declared"
    got = ok(c.get(f"{API}/candidates/{gym['id']}", headers=admin))
    assert [a["answer"] for a in got["sincerity"]] == ["will_not_fund", "will_fund", "vip_or_better"]
    assert got["visits"][0]["visitor"] == "张"

    weights = {"overlap": 0, "brand_fit": 0, "service": 0, "sincerity": 100, "distance": 0}
    assert ok(c.get(f"{API}/weights", headers=admin))["default"] is True
    ok(c.put(f"{API}/weights", headers=headers(world, "operator"), json=weights))
    assert ok(c.get(f"{API}/weights", headers=admin)) == {**weights, "default": False}
    card = ok(c.get(f"{API}/candidates/{gym['id']}/scorecard", headers=admin))
    assert card["total_score"] == 100
    assert ok(c.get(f"{API}/weights", headers=headers(world, "operator", "b")))["default"] is True


def test_an_alliance_merchant_candidate_becomes_proposed_then_partner_with_its_agreement(world: World) -> None:
    c = world.client
    m2 = world.a.merchants[1]
    admin = headers(world, "admin1")
    cand = ok(c.post(f"{API}/candidates", headers=admin, json={"name": "m2", "industry": "fitness",
                                                             "merchant_id": m2}), 201)
    assert cand["kind"] == "merchant" and cand["brand_tags"] == ["高端"] and cand["years_in_business"] == 3
    assert c.post(f"{API}/candidates", headers=admin, json={"name": "again", "industry": "fitness",
                                                            "merchant_id": m2}).status_code == 409
    card = ok(c.get(f"{API}/candidates/{cand['id']}/scorecard", headers=admin))
    overlap = next(s for s in card["standards"] if s["standard"] == "overlap")
    assert overlap["basis"] == "prior"  # m1 has a single member: fewer than k, so the prior stays
    agreement = ok(c.post("/api/v1/agreements", headers=admin, json={
        "title": "m1 × m2", "merchant_b_id": m2, "modes": ["rights_exchange"]}), 201)
    ok(c.post(f"/api/v1/agreements/{agreement['id']}/transitions", headers=admin, json={"action": "propose"}))
    assert ok(c.get(f"{API}/candidates/{cand['id']}", headers=admin))["status"] == "proposed"
    assert {x["id"] for x in ok(c.get(f"{API}/candidates?status=proposed", headers=admin))["items"]} == {cand["id"]}
    ok(c.post(f"/api/v1/agreements/{agreement['id']}/transitions", headers=headers(world, "admin2"),
              json={"action": "accept"}))
    ok(c.post(f"/api/v1/agreements/{agreement['id']}/transitions", headers=admin, json={"action": "activate"}))
    assert ok(c.get(f"{API}/candidates/{cand['id']}", headers=admin))["status"] == "partner"


def test_recommendations_rank_candidates_and_name_the_missing_links(world: World) -> None:
    c = world.client
    admin = headers(world, "admin1")  # m1 is auto service
    gym = ok(c.post(f"{API}/candidates", headers=admin, json=GYM), 201)
    bad = ok(c.post(f"{API}/candidates", headers=admin, json={**GYM, "name": "差评馆", "rating": 3.2}), 201)
    found = ok(c.get(f"{API}/recommendations", headers=admin))
    assert [r["candidate_id"] for r in found["candidates"]] == [gym["id"], bad["id"]]
    assert found["candidates"][1]["verdict"] == "not_recommended"
    assert any("一票否决" in reason for reason in found["candidates"][1]["reasons_zh"])
    links = [(x["industry"], x["yearly_spend_fen"]) for x in found["missing_links"]]
    assert links == [("early_education", 800_000), ("fitness", 600_000), ("travel", 500_000),
                     ("dining", 300_000)]
    assert found["missing_links"][1]["candidates"] == 2
    operator = ok(c.get(f"{API}/recommendations", headers=headers(world, "operator")))
    assert operator["candidates"] == []
    assert [x["industry"] for x in operator["missing_links"]] == ["early_education", "travel"]
    assert c.get(f"{API}/recommendations", headers=world.platform.headers).status_code == 403

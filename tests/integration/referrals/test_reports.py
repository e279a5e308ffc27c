"""Funnel, flows and leaderboards through the API, on the story in story.py: exact figures, Shanghai week and
period boundaries, tenancy (each merchant sees only the pairs it is part of; alliances never mix) and bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from httpx import Response
from sqlalchemy.orm import Session

from lianmeng.kit import clock
from lianmeng.referrals import rollup
from tests.conftest import World
from tests.integration.referrals.conftest import API, member_headers
from tests.integration.referrals.story import Story, coupon, sh, template

PERIOD = {"date_from": "2025-11-03", "date_to": "2025-11-16"}


def get(world: World, who: str, path: str, side: str = "a", **params: Any) -> Response:
    actor = (world.a if side == "a" else world.b).actors[who]
    return world.client.get(API + path, headers=actor.headers, params=params)


def ok(world: World, who: str, path: str, side: str = "a", **params: Any) -> Any:
    r = get(world, who, path, side, **params)
    assert r.status_code == 200, r.text
    return r.json()


def rate(world: World, story: Story, ratings: dict[str, int]) -> None:
    headers = member_headers(world, world.a.members[world.a.merchants[0]])
    for name, rating in ratings.items():
        r = world.client.post(f"{API}/redemptions/{story.redemptions[name]}/feedback", headers=headers,
                              json={"rating": rating, "comment": f"{name} 评价"})
        assert r.status_code == 201, r.text


def pairs(body: dict[str, Any]) -> dict[tuple[str | None, int | None, int | None], dict[str, Any]]:
    return {(row["week"], row["referrer_merchant_id"], row["receiving_merchant_id"]): row for row in body["items"]}


M1_TO_M2 = {
    "issued": 10, "claimed": 8, "arrived": 5, "converted": 3, "conversion_rate_bp": 6_000, "revenue_fen": 185_000,
    "avg_first_order_fen": 61_667, "discount_fen": 10_000, "commission_fen": 8_000, "staff_incentive_fen": 3_000,
    "acquisition_cost_fen": 21_000, "acquisition_cost_per_conversion_fen": 7_000, "avg_rating": "3.7",
    "ratings": 3, "complaints": 1,
}
M3_TO_M1 = {
    "issued": 2, "claimed": 2, "arrived": 1, "converted": 0, "conversion_rate_bp": 0, "revenue_fen": 0,
    "avg_first_order_fen": None, "discount_fen": 2_000, "commission_fen": 0, "staff_incentive_fen": 0,
    "acquisition_cost_fen": 2_000, "acquisition_cost_per_conversion_fen": None, "avg_rating": None, "ratings": 0,
    "complaints": 0,
}


def subset(row: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in expected}


# --- funnel ---------------------------------------------------------------------------------------------------


def test_funnel_over_the_period_gives_the_exact_figures(world: World, story: Story) -> None:
    rate(world, story, {"R1": 5, "R2": 4, "R4": 2})
    m1, m2, m3 = world.a.merchants
    body = ok(world, "operator", "/referrals/funnel", **PERIOD)
    assert (body["date_from"], body["date_to"], body["group"]) == ("2025-11-03", "2025-11-16", "period")
    rows = pairs(body)
    assert set(rows) == {(None, m1, m2), (None, m3, m1)}
    assert subset(rows[None, m1, m2], M1_TO_M2) == M1_TO_M2
    assert subset(rows[None, m3, m1], M3_TO_M1) == M3_TO_M1
    row = rows[None, m1, m2]
    assert (row["referrer_merchant_name"], row["receiving_merchant_name"]) == ("alpha merchant 1", "alpha merchant 2")
    assert (row["week"], row["week_start"]) == (None, None)


def test_funnel_by_week_cuts_at_shanghai_mondays(world: World, story: Story) -> None:
    rate(world, story, {"R1": 5, "R2": 4, "R4": 2})
    m1, m2, m3 = world.a.merchants
    rows = pairs(ok(world, "operator", "/referrals/funnel", group="week", **PERIOD))
    assert set(rows) == {("2025-W45", m1, m2), ("2025-W46", m1, m2), ("2025-W45", m3, m1)}
    w45, w46 = rows["2025-W45", m1, m2], rows["2025-W46", m1, m2]
    assert (w45["week_start"], w46["week_start"]) == ("2025-11-03", "2025-11-10")
    # the coupon of Mon 10 Nov 00:30 Shanghai (Sun 9 Nov in UTC) belongs to W46
    assert subset(w45, {**M1_TO_M2, "issued": 0}) == {
        "issued": 6, "claimed": 5, "arrived": 3, "converted": 2, "conversion_rate_bp": 6_667,
        "revenue_fen": 110_000, "avg_first_order_fen": 55_000, "discount_fen": 6_000, "commission_fen": 5_000,
        "staff_incentive_fen": 2_000, "acquisition_cost_fen": 13_000, "acquisition_cost_per_conversion_fen": 6_500,
        "avg_rating": "4.5", "ratings": 2, "complaints": 0}
    assert subset(w46, M1_TO_M2) == {
        "issued": 4, "claimed": 3, "arrived": 2, "converted": 1, "conversion_rate_bp": 5_000,
        "revenue_fen": 75_000, "avg_first_order_fen": 75_000, "discount_fen": 4_000, "commission_fen": 3_000,
        "staff_incentive_fen": 1_000, "acquisition_cost_fen": 8_000, "acquisition_cost_per_conversion_fen": 8_000,
        "avg_rating": "2.0", "ratings": 1, "complaints": 1}
    # the weeks add up to the period
    for key in ("issued", "claimed", "arrived", "converted", "revenue_fen", "acquisition_cost_fen", "complaints"):
        assert w45[key] + w46[key] == M1_TO_M2[key], key


def test_period_bounds_are_shanghai_dates(world: World, story: Story) -> None:
    m1, m2, _ = world.a.merchants
    # Mon 3 Nov alone: only the coupon of 00:30 Shanghai (still Sun 2 Nov in UTC), not the one of Sun 23:30
    rows = pairs(ok(world, "operator", "/referrals/funnel", date_from="2025-11-03", date_to="2025-11-03"))
    assert rows[None, m1, m2]["issued"] == 1
    # Sun 2 Nov alone: the coupon of 23:30 Shanghai (15:30 UTC), not the one of 00:30 on Monday
    rows = pairs(ok(world, "operator", "/referrals/funnel", date_from="2025-11-02", date_to="2025-11-02"))
    assert rows[None, m1, m2]["issued"] == 1
    # Sun 16 Nov 23:30 is inside the period; Mon 17 Nov 00:10 is not
    rows = pairs(ok(world, "operator", "/referrals/funnel", date_from="2025-11-16", date_to="2025-11-17"))
    assert rows[None, m1, m2]["issued"] == 2
    rows = pairs(ok(world, "operator", "/referrals/funnel", date_from="2025-11-16", date_to="2025-11-16"))
    assert rows[None, m1, m2]["issued"] == 1
    assert rows[None, m1, m2]["arrived"] == 0 and rows[None, m1, m2]["conversion_rate_bp"] is None


def test_funnel_filters_by_pair(world: World, story: Story) -> None:
    m1, m2, m3 = world.a.merchants
    assert set(pairs(ok(world, "operator", "/referrals/funnel", referrer_merchant_id=m3, **PERIOD))) == {
        (None, m3, m1)}
    assert set(pairs(ok(world, "operator", "/referrals/funnel", receiving_merchant_id=m2, **PERIOD))) == {
        (None, m1, m2)}
    assert ok(world, "operator", "/referrals/funnel", referrer_merchant_id=m2, receiving_merchant_id=m1,
              **PERIOD)["items"] == []


def test_funnel_defaults_to_the_last_28_days(world: World, story: Story) -> None:
    body = ok(world, "operator", "/referrals/funnel")
    assert body["items"] == []  # the story is in November 2025
    assert (date.fromisoformat(body["date_to"]) - date.fromisoformat(body["date_from"])).days == 27


@pytest.mark.parametrize(("who", "visible"), [
    ("admin1", {"m1m2", "m3m1"}), ("staff1", {"m1m2", "m3m1"}), ("admin2", {"m1m2"}), ("staff2", {"m1m2"}),
    ("admin3", {"m3m1"}), ("staff3", {"m3m1"}), ("operator", {"m1m2", "m3m1"}),
])
def test_merchants_see_only_the_pairs_they_are_part_of(world: World, story: Story, who: str,
                                                       visible: set[str]) -> None:
    rate(world, story, {"R1": 5, "R2": 4, "R4": 2})
    m1, m2, m3 = world.a.merchants
    names = {(None, m1, m2): "m1m2", (None, m3, m1): "m3m1"}
    rows = pairs(ok(world, who, "/referrals/funnel", **PERIOD))
    assert {names[k] for k in rows} == visible
    if "m1m2" in visible:  # both parties see the same figures for their pair
        assert subset(rows[None, m1, m2], M1_TO_M2) == M1_TO_M2
    # naming the other pair in a filter does not widen anything
    for referrer, receiver in ((m1, m2), (m3, m1)):
        filtered = ok(world, who, "/referrals/funnel", referrer_merchant_id=referrer, receiving_merchant_id=receiver,
                      **PERIOD)
        assert {names[k] for k in pairs(filtered)} <= visible


def test_alliances_never_mix(world: World, story: Story) -> None:
    m1 = world.a.merchants[0]
    bm = world.b.merchants[0]
    for who in ("operator", "admin1"):
        rows = pairs(ok(world, who, "/referrals/funnel", side="b", **PERIOD))
        assert set(rows) == {(None, bm, bm)}
        assert rows[None, bm, bm]["arrived"] == 1
        assert ok(world, who, "/referrals/funnel", side="b", referrer_merchant_id=m1, **PERIOD)["items"] == []
    assert (None, bm, bm) not in pairs(ok(world, "operator", "/referrals/funnel", **PERIOD))
    flows = ok(world, "operator", "/referrals/flows", side="b", **PERIOD)
    assert flows["items"] == [] and [m["merchant_id"] for m in flows["merchants"]] == [bm]
    for by in ("merchant", "staff"):
        board = ok(world, "operator", "/referrals/leaderboard", side="b", by=by, at="2025-11-05")
        assert {row["id"] for row in board["items"]} == ({bm} if by == "merchant" else {world.b.staff[bm]})
        board = ok(world, "operator", "/referrals/leaderboard", by=by, at="2025-11-05")
        assert bm not in {row["id"] for row in board["items"]} and world.b.staff[bm] not in {
            row["id"] for row in board["items"]}


def test_platform_sees_every_alliance_or_one(world: World, story: Story) -> None:
    m1, m2, m3 = world.a.merchants
    bm = world.b.merchants[0]
    r = world.client.get(API + "/referrals/funnel", headers=world.platform.headers, params=PERIOD)
    assert set(pairs(r.json())) == {(None, m1, m2), (None, m3, m1), (None, bm, bm)}
    r = world.client.get(API + "/referrals/funnel", headers=world.platform.headers,
                         params={**PERIOD, "alliance_id": world.b.alliance_id})
    assert set(pairs(r.json())) == {(None, bm, bm)}


PERIOD_ERRORS = [
    ({"date_from": "2025-11-17", "date_to": "2025-11-16"}, "report_range_inverted"),
    ({"date_from": "2024-01-01", "date_to": "2025-01-01"}, "report_range_too_long"),
    ({"date_from": "2020-01-01"}, "report_range_too_long"),
    ({"date_to": "2025-02-30"}, "validation_error"),
    ({"date_from": "2025-13-01"}, "validation_error"),
]
FUNNEL_ERRORS = [({"group": "month"}, "validation_error"), ({"referrer_merchant_id": 0}, "validation_error"),
                 ({"receiving_merchant_id": "m2"}, "validation_error")]


@pytest.mark.parametrize(("path", "params", "code"), [
    *(("/referrals/funnel", p, c) for p, c in [*PERIOD_ERRORS, *FUNNEL_ERRORS]),
    *(("/referrals/flows", p, c) for p, c in PERIOD_ERRORS),
])
def test_bad_input_is_422_with_a_clear_message(world: World, path: str, params: dict[str, Any], code: str) -> None:
    headers = world.a.actors["operator"].headers
    r = world.client.get(API + path, headers=headers, params=params)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code
    if code == "report_range_inverted":
        assert r.json()["error"]["message"] == "开始日期(2025-11-17)晚于结束日期(2025-11-16)"
        en = world.client.get(API + path, headers={**headers, "Accept-Language": "en"}, params=params)
        assert en.json()["error"]["message"] == "date_from (2025-11-17) is after date_to (2025-11-16)"
    if code == "report_range_too_long" and "date_to" in params:
        assert r.json()["error"]["message"] == "查询区间为 367 天,最长 366 天"


def test_a_full_leap_year_is_allowed(world: World) -> None:
    body = ok(world, "operator", "/referrals/funnel", date_from="2024-01-01", date_to="2024-12-31", group="week")
    assert body["items"] == []


def test_members_may_not_read_reports(world: World, story: Story) -> None:
    headers = member_headers(world, world.a.members[world.a.merchants[0]])
    for path in ("/referrals/funnel", "/referrals/flows", "/referrals/leaderboard"):
        r = world.client.get(API + path, headers=headers)
        assert r.status_code == 403, (path, r.text)
        assert r.json()["error"]["code"] == "forbidden"
    assert world.client.get(API + "/referrals/funnel").status_code == 401


# --- flows ----------------------------------------------------------------------------------------------------


def balances(body: dict[str, Any]) -> dict[int, tuple[int, int, int, int]]:
    return {m["merchant_id"]: (m["sent"], m["received"], m["balance"], m["revenue_in_fen"])
            for m in body["merchants"]}


def test_flows_matrix_and_balances_for_the_operator(world: World, story: Story) -> None:
    m1, m2, m3 = world.a.merchants
    body = ok(world, "operator", "/referrals/flows", **PERIOD)
    assert body["items"] == [
        {"referrer_merchant_id": m1, "receiving_merchant_id": m2, "arrived": 5, "converted": 3,
         "revenue_fen": 185_000},
        {"referrer_merchant_id": m3, "receiving_merchant_id": m1, "arrived": 1, "converted": 0, "revenue_fen": 0},
    ]
    assert balances(body) == {m1: (5, 1, -4, 0), m2: (0, 5, 5, 185_000), m3: (1, 0, -1, 0)}
    assert [m["name"] for m in body["merchants"]] == ["alpha merchant 1", "alpha merchant 2", "alpha merchant 3"]
    # one week only: W46 has only m1 → m2's two arrivals
    week = ok(world, "operator", "/referrals/flows", date_from="2025-11-10", date_to="2025-11-16")
    assert [(c["referrer_merchant_id"], c["arrived"], c["converted"]) for c in week["items"]] == [(m1, 2, 1)]


def test_a_merchant_sees_only_its_own_row_and_column(world: World, story: Story) -> None:
    m1, m2, m3 = world.a.merchants
    body = ok(world, "admin3", "/referrals/flows", **PERIOD)
    assert [(c["referrer_merchant_id"], c["receiving_merchant_id"]) for c in body["items"]] == [(m3, m1)]
    assert balances(body) == {m1: (0, 1, 1, 0), m2: (0, 0, 0, 0), m3: (1, 0, -1, 0)}
    assert len(body["merchants"]) == 3  # still every partner's name
    body = ok(world, "staff2", "/referrals/flows", **PERIOD)
    assert [(c["referrer_merchant_id"], c["receiving_merchant_id"]) for c in body["items"]] == [(m1, m2)]
    assert balances(body) == {m1: (5, 0, -5, 0), m2: (0, 5, 5, 185_000), m3: (0, 0, 0, 0)}
    body = ok(world, "admin1", "/referrals/flows", **PERIOD)
    assert len(body["items"]) == 2


def test_funnel_and_flows_say_as_of_when_their_figures_are_exact(world: World, story: Story,
                                                                  session: Session) -> None:
    """Read live (no rollup yet): as of the request. Read from the rollup: as of its last refresh, though the
    request comes later; another alliance's rollup does not date this one's figures."""
    before = datetime.now(UTC)
    for path in ("/referrals/funnel", "/referrals/flows"):
        at = datetime.fromisoformat(ok(world, "admin2", path, **PERIOD)["as_of"])
        assert before <= at <= datetime.now(UTC)

    counted = datetime(2026, 3, 2, 1, 15, tzinfo=UTC)
    with clock.fixed_at(counted):
        rollup.refresh(session, world.a.alliance_id)
    session.commit()
    for who in ("admin2", "operator"):
        for path in ("/referrals/funnel", "/referrals/flows"):
            body = ok(world, who, path, **PERIOD)
            assert datetime.fromisoformat(body["as_of"]) == counted, (who, path)
    assert pairs(ok(world, "operator", "/referrals/funnel", **PERIOD))[(None, world.a.merchants[0],
                                                                       world.a.merchants[1])]["arrived"] == 5
    other = datetime.fromisoformat(ok(world, "admin1", "/referrals/funnel", side="b", **PERIOD)["as_of"])
    assert other > counted


# --- leaderboards ---------------------------------------------------------------------------------------------


def board(body: dict[str, Any]) -> list[tuple[int, int, int, int, int, int]]:
    return [(r["rank"], r["id"], r["referrals"], r["arrivals"], r["conversions"], r["earnings_fen"])
            for r in body["items"]]


def test_merchant_leaderboard_of_a_week(world: World, story: Story) -> None:
    m1, _, m3 = world.a.merchants
    body = ok(world, "operator", "/referrals/leaderboard", by="merchant", period="week", at="2025-11-07")
    assert (body["period_start"], body["period_end"]) == ("2025-11-03", "2025-11-09")
    assert board(body) == [(1, m1, 6, 3, 2, 5_000), (2, m3, 2, 1, 0, 0)]
    assert body["items"][0]["name"] == "alpha merchant 1"
    # the merchant leaderboard is alliance-public: m2 and m3 see m1's figures too
    for who in ("admin2", "staff3", "admin3"):
        assert ok(world, who, "/referrals/leaderboard", by="merchant", at="2025-11-07")["items"] == body["items"]
    top = ok(world, "admin3", "/referrals/leaderboard", by="merchant", at="2025-11-07", metric="earnings", limit=1)
    assert board(top) == [(1, m1, 6, 3, 2, 5_000)]


def test_merchant_leaderboard_of_a_month(world: World, story: Story) -> None:
    m1, _, m3 = world.a.merchants
    body = ok(world, "operator", "/referrals/leaderboard", by="merchant", period="month", at="2025-11-30",
              metric="conversions")
    assert (body["period_start"], body["period_end"]) == ("2025-11-01", "2025-11-30")
    # all 12 of m1's coupons were issued in November (Shanghai), incl. 2 Nov 23:30 and 17 Nov 00:10
    assert board(body) == [(1, m1, 12, 5, 3, 8_000), (2, m3, 2, 1, 0, 0)]
    october = ok(world, "operator", "/referrals/leaderboard", period="month", at="2025-10-31")
    assert october["items"] == []


def test_staff_leaderboard_is_alliance_wide_for_the_operator_and_own_staff_for_a_merchant(
        world: World, story: Story) -> None:
    m1, _, m3 = world.a.merchants
    sf1, sf3 = world.a.staff[m1], world.a.staff[m3]
    body = ok(world, "operator", "/referrals/leaderboard", by="staff", at="2025-11-05", metric="earnings")
    assert board(body) == [(1, sf1, 6, 3, 2, 2_000), (2, sf3, 2, 1, 0, 0)]
    assert [(r["name"], r["merchant_id"]) for r in body["items"]] == [(f"导购 {m1}", m1), (f"导购 {m3}", m3)]
    w46 = ok(world, "operator", "/referrals/leaderboard", by="staff", at="2025-11-16", metric="conversions")
    assert board(w46) == [(1, sf1, 4, 2, 1, 1_000)]
    assert board(ok(world, "admin1", "/referrals/leaderboard", by="staff", at="2025-11-05")) == [
        (1, sf1, 6, 3, 2, 2_000)]
    assert board(ok(world, "staff3", "/referrals/leaderboard", by="staff", at="2025-11-05")) == [(1, sf3, 2, 1, 0, 0)]
    assert ok(world, "admin2", "/referrals/leaderboard", by="staff", at="2025-11-05")["items"] == []


def test_leaderboard_ties_are_broken_by_id(world: World, story: Story, session: Session) -> None:
    m1, m2, m3 = world.a.merchants
    alliance, member = world.a.alliance_id, world.a.members[m1]
    # in W45 m1 referred 6 and m3 2: m3 refers 4 more (a tie at 6) and m2 refers 7 of m3's coupons (the lead)
    t3 = template(session, alliance, m3)
    for _ in range(4):
        coupon(session, alliance, t3, member, sh(7, 9), False, m3, world.a.staff[m3], m1)
    for _ in range(7):
        coupon(session, alliance, t3, member, sh(8, 9), False, m2, None, m3)
    session.commit()
    body = ok(world, "operator", "/referrals/leaderboard", by="merchant", at="2025-11-05", metric="referrals")
    assert [(r["rank"], r["id"], r["referrals"]) for r in body["items"]] == [(1, m2, 7), (2, m1, 6), (3, m3, 6)]
    # by conversions m1 leads; m2 and m3 tie at 0 and follow in id order
    body = ok(world, "operator", "/referrals/leaderboard", by="merchant", at="2025-11-05", metric="conversions")
    assert [r["id"] for r in body["items"]] == [m1, m2, m3]
    body = ok(world, "operator", "/referrals/leaderboard", by="merchant", at="2025-11-05", limit=2)
    assert [r["id"] for r in body["items"]] == [m2, m1]


@pytest.mark.parametrize("params", [
    {"by": "member"}, {"period": "year"}, {"metric": "revenue"}, {"limit": 0}, {"limit": 101}, {"at": "yesterday"},
])
def test_leaderboard_rejects_bad_input(world: World, params: dict[str, Any]) -> None:
    r = get(world, "operator", "/referrals/leaderboard", **params)
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error", r.text

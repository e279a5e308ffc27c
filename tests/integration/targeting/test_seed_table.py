"""Seed 000 mode 4's table, from recipients and orders: a Shanghai centre sends a gym offer to 120 high-value members
and an early-education offer to 80; 42 and 28 convert. Shown together, 70 / 200 = 35% against a random arm converting
16 / 200 = 8%: "4.4×", with its interval, on the API, the console page (zh and en) and in the XLSX."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from openpyxl import load_workbook

from tests.conftest import World
from tests.integration.targeting.conftest import Built, ago, make_offer, record_orders, refresh
from tests.integration.web.console import console


@pytest.fixture
def seed_offers(world: World, new_members: Callable[[int], list[int]]) -> tuple[Built, Built]:
    centre, gym, school = world.a.merchants
    people = new_members(200 + 200 + 24)
    gym_treated, school_treated = people[:120], people[120:200]
    gym_random, school_random = people[200:320], people[320:400]
    gym_holdout, school_holdout = people[400:414], people[414:424]
    gym_offer = make_offer(world, sender=centre, partner=gym, name="健身月卡体验", sent_at=ago(days=3),
                           arms={"treated": gym_treated, "random": gym_random, "holdout": gym_holdout})
    school_offer = make_offer(world, sender=centre, partner=school, name="早教体验课", sent_at=ago(days=3),
                              arms={"treated": school_treated, "random": school_random, "holdout": school_holdout})
    record_orders(world.client, world.a.actors["admin2"].headers,
                  [(m, 39_900) for m in gym_treated[:42]] + [(m, 39_900) for m in gym_random[:10]]
                  + [(gym_holdout[0], 39_900)], "gym")
    record_orders(world.client, world.a.actors["admin3"].headers,
                  [(m, 128_000) for m in school_treated[:28]] + [(m, 128_000) for m in school_random[:6]], "school")
    refresh(gym_offer.offer_id)
    refresh(school_offer.offer_id)
    return gym_offer, school_offer


def test_each_offer_alone(world: World, seed_offers: tuple[Built, Built]) -> None:
    gym_offer, school_offer = seed_offers
    admin = world.a.actors["admin1"].headers
    gym = world.client.get(f"/api/v1/targeting/offers/{gym_offer.offer_id}/results", headers=admin).json()
    assert {a["arm"]: (a["converted"], a["members"]) for a in gym["arms"]} == {
        "treated": (42, 120), "random": (10, 120), "holdout": (1, 14)}
    school = world.client.get(f"/api/v1/targeting/offers/{school_offer.offer_id}/results", headers=admin).json()
    assert {a["arm"]: (a["converted"], a["members"]) for a in school["arms"]} == {
        "treated": (28, 80), "random": (6, 80), "holdout": (0, 10)}
    assert gym["arms"][0]["rate"] == school["arms"][0]["rate"] == 0.35
    holdout = next(c for c in school["comparisons"] if c["baseline"] == "holdout")
    assert holdout["ratio_infinite"] is True and holdout["verdict"] == "sample_too_small"


def test_together_35_percent_against_8_is_4_4_times(world: World, seed_offers: tuple[Built, Built]) -> None:
    ids = "&".join(f"offer_id={b.offer_id}" for b in seed_offers)
    response = world.client.get(f"/api/v1/targeting/results?{ids}", headers=world.a.actors["admin1"].headers)
    assert response.status_code == 200, response.text
    body = response.json()
    arms = {a["arm"]: a for a in body["arms"]}
    assert (arms["treated"]["converted"], arms["treated"]["members"], arms["treated"]["rate"]) == (70, 200, 0.35)
    assert (arms["random"]["converted"], arms["random"]["members"], arms["random"]["rate"]) == (16, 200, 0.08)
    assert arms["treated"]["revenue_fen"] == 42 * 39_900 + 28 * 128_000
    vs_random = next(c for c in body["comparisons"] if c["baseline"] == "random")
    assert vs_random["ratio"] == pytest.approx(4.375) and vs_random["ratio_text"] == "4.4×"
    assert (round(vs_random["ratio_low"], 2), round(vs_random["ratio_high"], 2)) == (2.59, 7.04)
    assert (round(vs_random["difference_low"], 4), round(vs_random["difference_high"], 4)) == (0.1922, 0.3447)
    assert vs_random["verdict"] == "uplift_higher"
    low, high = vs_random["incremental_revenue_low_fen"], vs_random["incremental_revenue_high_fen"]
    assert 0 < low < vs_random["incremental_revenue_fen"] < high
    vs_holdout = next(c for c in body["comparisons"] if c["baseline"] == "holdout")
    assert vs_holdout["verdict"] == "sample_too_small"  # 24 held out: fewer than 30


def test_the_page_shows_the_table(world: World, seed_offers: tuple[Built, Built]) -> None:
    browser = console(world.client, world.a.actors["admin1"].username)
    ids = "&".join(f"offer_id={b.offer_id}" for b in seed_offers)
    page = browser.get(f"/console/targeting/results?{ids}")
    assert page.status_code == 200, page.text
    html = page.text
    assert "35.0%" in html and "8.0%" in html and "4.4×" in html
    assert "2.59× … 7.04×" in html
    assert "显著:区间不含 0" in html and "样本太小" in html
    assert html.count('class="chart-bar"') == 3 and html.count('class="whisker"') == 3
    assert "健身月卡体验" in html and "早教体验课" in html and 'checked' in html
    browser.cookies.set("lm_lang", "en")
    english = browser.get(f"/console/targeting/results?{ids}").text
    assert "Significant: the interval excludes 0" in english and "Sample too small" in english
    assert "Random recommendation" in english and "4.4×" in english


def test_the_xlsx_has_both_sheets_and_the_figures(world: World, seed_offers: tuple[Built, Built]) -> None:
    ids = "&".join(f"offer_id={b.offer_id}" for b in seed_offers)
    response = world.client.get(f"/api/v1/targeting/results.xlsx?{ids}", headers=world.a.actors["admin1"].headers)
    assert response.status_code == 200, response.text
    book = load_workbook(io.BytesIO(response.content))
    arms, uplift = book.worksheets
    rows = {r[0]: r for r in arms.iter_rows(min_row=5, values_only=True)}
    treated = rows["推荐组"]
    assert treated[1] == 200 and treated[7] == 70 and float(treated[9]) == 0.35
    compared = {r[0]: r for r in uplift.iter_rows(min_row=5, values_only=True)}
    assert float(compared["随机推荐组"][6]) == 4.375 and float(compared["随机推荐组"][7]) == 2.5942

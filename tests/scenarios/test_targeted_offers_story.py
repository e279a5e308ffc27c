"""Seed 000, mode 4 (精准推荐, targeted partner offers), told through the API (issue 13, item 7).

A Shanghai service centre finds its 200 high-value members (¥5,000+ a year, active) and reads their needs from what
its staff saw: 120 bought sports clothes (fitness), 80 had a child seat fitted (parenting). It sends the gym's
trial week to the 120 and the early-education school's trial class to the 80, each with a random arm of the same
size drawn from its other members, as the seed compares with "random recommendation". It never hands a phone number
to a partner: the partners learn who came only when a member walks in with the coupon.

42 of the 120 and 28 of the 80 buy at the partner within the month; 10 and 6 of the random arms do. The results page
shows the seed's table: 35% against 8%, 4.4×, with its interval (Newcomb for the difference, log-adjusted for the
ratio). The centre also shares a de-identified portrait of the 200 with the gym: aggregates only, no cell under 10."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.coupons.models import Coupon
from lianmeng.db import unit_of_work
from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from lianmeng.kit.clock import SHANGHAI
from lianmeng.targeting.models import OfferRecipient
from tests.conftest import PASSWORD, World, login
from tests.integration.web.console import console

API = "/api/v1"
TERMS = [{"kind": "percent_of_order", "rate_bp": 500, "payee": "merchant", "payer": "b", "within_days": 30}]


@contextmanager
def on(month: int, day: int, hour: int = 10, year: int = 2027) -> Iterator[None]:
    """Everything inside happens at this Shanghai time (10:00: outside the quiet hours)."""
    with clock.fixed_at(datetime(year, month, day, hour, tzinfo=SHANGHAI)):
        yield


def call(world: World, headers: dict[str, str], method: str, path: str, body: Any = None, status: int = 200,
         **params: Any) -> Any:
    r = world.client.request(method, API + path, json=body, headers=headers, params=params or None)
    assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
    return r.json() if r.headers["content-type"].startswith("application/json") else r


def partner(world: World, op: dict[str, str], centre: int, merchant: int, title: str) -> int:
    agreement = call(world, op, "POST", "/agreements", {
        "title": title, "merchant_a_id": merchant, "merchant_b_id": centre, "modes": ["rights_exchange"],
        "commission_terms": TERMS, "return_window_days": 7}, 201)
    for action in ("propose", "accept", "activate"):
        call(world, op, "POST", f"/agreements/{agreement['id']}/transitions", {"action": action})
    return int(agreement["id"])


def enrol(world: World, desk: dict[str, str], n: int, first: int, *, data_sharing: bool) -> list[int]:
    ids = []
    for i in range(n):
        member = call(world, desk, "POST", "/members", {
            "phone": f"136{first + i:08d}", "consent_marketing": True, "consent_data_sharing": data_sharing,
            "birth_year": 1980 + i % 15, "gender": "female" if i % 2 else "male"}, 201)
        ids.append(int(member["id"]))
    return ids


def spend(world: World, desk: dict[str, str], members: list[int], yuan: int, prefix: str) -> None:
    for i, member in enumerate(members):
        call(world, desk, "POST", "/orders", {"external_id": f"{prefix}-{i}", "member_id": member,
                                              "amount_fen": (yuan + i % 7 * 100) * 100,
                                              "items": [{"name": "保养套餐", "quantity": 1,
                                                         "unit_price_fen": (yuan + i % 7 * 100) * 100}]}, 201)


def arms(session: Session, offer_id: int) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {"treated": [], "holdout": [], "random": []}
    for r in session.scalars(select(OfferRecipient).where(OfferRecipient.offer_id == offer_id)
                             .order_by(OfferRecipient.member_id)):
        out[r.arm].append(r.member_id)
    return out


def codes(db_url: str, offer_id: int, members: list[int]) -> list[str]:
    """The coupon codes these members would show at the counter (read, then the session is closed)."""
    with unit_of_work(db_url) as s:
        found = dict(s.execute(select(OfferRecipient.member_id, Coupon.code)
                               .join(Coupon, OfferRecipient.coupon_id == Coupon.id)
                               .where(OfferRecipient.offer_id == offer_id, OfferRecipient.member_id.in_(members))
                               ).all())
    return [found[m] for m in members]


def walk_in(world: World, desk: dict[str, str], coupon_codes: list[str], prefix: str) -> None:
    """The member shows the coupon at the partner's counter: the arrival, then the first order."""
    for i, code in enumerate(coupon_codes):
        arrival = call(world, desk, "POST", "/coupons/redeem", {"code": code}, 201)
        call(world, desk, "POST", f"/redemptions/{arrival['id']}/order", {
            "external_id": f"{prefix}-{i}", "amount_fen": 99_900,
            "items": [{"name": "体验后办卡", "quantity": 1, "unit_price_fen": 99_900}]}, 201)


def test_two_targeted_offers_convert_35_percent_against_8_for_random(world: World, db_url: str) -> None:
    a = world.a
    centre, gym, _ = a.merchants
    op = a.actors["operator"].headers
    centre_admin, centre_desk = a.actors["admin1"].headers, a.actors["staff1"].headers
    gym_admin, gym_desk = a.actors["admin2"].headers, a.actors["staff2"].headers

    with on(1, 4):
        school = call(world, op, "POST", "/merchants", {"name": "童趣早教", "industry": "early_education",
                                                         "brand_tags": ["高端"], "rating": 4.7,
                                                         "years_in_business": 5}, 201)["id"]
        store = call(world, op, "POST", f"/merchants/{school}/stores", {
            "name": "童趣早教 徐汇店", "address": "漕溪北路 1 号", "latitude": 31.19, "longitude": 121.44}, 201)["id"]
        staff = call(world, op, "POST", f"/merchants/{school}/staff", {
            "name": "早教前台", "role": "shopping_guide", "store_id": store}, 201)["id"]
        call(world, op, "POST", "/users", {"username": "school-admin", "password": PASSWORD,
                                           "role": "merchant_admin", "merchant_id": school}, 201)
        call(world, op, "POST", "/users", {"username": "school-desk", "password": PASSWORD, "role": "store_staff",
                                           "merchant_id": school, "staff_id": staff}, 201)
        school_admin, school_desk = login(world.client, "school-admin"), login(world.client, "school-desk")
        with_gym = partner(world, op, centre, gym, "健身房 ↔ 服务中心")
        with_school = partner(world, op, centre, school, "早教 ↔ 服务中心")
        gym_week = call(world, gym_admin, "POST", "/coupon-templates", {
            "name": "健身周卡体验", "kind": "free_item", "item_name": "7 天健身周卡", "item_value_fen": 19_900,
            "valid_days": 30, "total_stock": 1_000, "agreement_id": with_gym}, 201)["id"]
        trial_class = call(world, school_admin, "POST", "/coupon-templates", {
            "name": "早教体验课", "kind": "free_item", "item_name": "亲子体验课", "item_value_fen": 29_900,
            "valid_days": 30, "total_stock": 1_000, "agreement_id": with_school}, 201)["id"]

    # the centre's members: 200 high-value (¥5,000+ this year), 150 others who spend a few hundred
    with on(2, 1):
        high = enrol(world, centre_desk, 200, 10_000, data_sharing=True)
        others = enrol(world, centre_desk, 150, 20_000, data_sharing=False)
    with on(3, 1):
        spend(world, centre_desk, high, 5_200, "HV")
        spend(world, centre_desk, others, 300, "ORD")
    fitness, parenting = high[:120], high[120:]
    with on(3, 2):  # what the staff saw at service: sports clothes, a child seat
        for member in fitness:
            call(world, centre_desk, "POST", f"/members/{member}/tags", {"tag": "fitness", "note": "车里有运动装备"},
                 201)
        for member in parenting:
            call(world, centre_desk, "POST", f"/members/{member}/tags", {"tag": "parenting",
                                                                         "note": "保养时看到儿童座椅"}, 201)
        run_all(db_url)  # the value model: the 200 are the centre's important members

        # the audiences: the centre's own members, ¥5,000+ with it, the tag, consented to marketing
        audiences = {}
        for tag in ("fitness", "parenting"):
            rules = {"monetary_min_fen": 500_000, "tags_any": [tag], "marketing_consent": True}
            live = call(world, centre_admin, "POST", "/audiences/count", rules)
            assert live["total"] == (120 if tag == "fitness" else 80)
            audiences[tag] = call(world, centre_admin, "POST", "/audiences", {"name": f"高价值 · {tag}",
                                                                              "rules": rules}, 201)["id"]

        # a de-identified portrait for the gym: aggregates of consenting members, nothing under 10, no phone
        share = call(world, centre_admin, "POST", "/segments/shares", {
            "to_merchant_id": gym, "title": "高价值健身车主画像", "audience_id": audiences["fitness"]}, 201)
        seen = call(world, gym_admin, "GET", f"/segments/shares/{share['id']}")
        text = json.dumps(seen, ensure_ascii=False)
        assert "136" not in text and all(f'"member_id": {m}' not in text for m in fitness[:5])

        # two offers, no holdout (the seed kept none) and a random arm each, sent by the job
        offers = {}
        for tag, template, name in (("fitness", gym_week, "健身周卡"), ("parenting", trial_class, "早教体验课")):
            offers[tag] = call(world, centre_admin, "POST", "/targeting/offers", {
                "name": name, "audience_id": audiences[tag], "template_id": template, "holdout_bp": 0,
                "random_arm": True, "message": f"尊敬的会员:合作伙伴送您{name},点击领取", "attribution_days": 30},
                201)["id"]
        report = run_all(db_url)
        assert report.offers_sent == 2 * 200

    with unit_of_work(db_url) as s:
        gym_arms, school_arms = arms(s, offers["fitness"]), arms(s, offers["parenting"])
    assert gym_arms["treated"] == sorted(fitness) and school_arms["treated"] == sorted(parenting)
    assert len(gym_arms["random"]) == 120 and len(school_arms["random"]) == 80
    assert not set(gym_arms["random"]) & set(high[:120]) and not set(school_arms["random"]) & set(parenting)

    # the partners never see whom the centre targeted: no offer, no unredeemed coupon in their lists
    assert call(world, gym_admin, "GET", "/targeting/offers")["items"] == []
    assert call(world, gym_admin, "GET", "/coupons")["items"] == []

    # within the month: 42 + 10 buy at the gym, 28 + 6 at the school (random members not treated by the other)
    gym_random = [m for m in gym_arms["random"] if m not in parenting][:10]
    school_random = [m for m in school_arms["random"] if m not in fitness][:6]
    with on(3, 10):
        walk_in(world, gym_desk, codes(db_url, offers["fitness"], fitness[:42]), "GYM")
        walk_in(world, gym_desk, codes(db_url, offers["fitness"], gym_random), "GYMR")
        walk_in(world, school_desk, codes(db_url, offers["parenting"], parenting[:28]), "EDU")
        walk_in(world, school_desk, codes(db_url, offers["parenting"], school_random), "EDUR")

    with on(4, 15):
        run_all(db_url)  # the attribution window has closed: the last count
        one = call(world, centre_admin, "GET", f"/targeting/offers/{offers['fitness']}/results")
        both = call(world, centre_admin, "GET", "/targeting/results",
                    offer_id=[offers["fitness"], offers["parenting"]])
    by_arm = {arm["arm"]: arm for arm in one["arms"]}
    assert (by_arm["treated"]["members"], by_arm["treated"]["converted"]) == (120, 42)
    assert (by_arm["random"]["members"], by_arm["random"]["converted"]) == (120, 10)

    by_arm = {arm["arm"]: arm for arm in both["arms"]}
    assert (by_arm["treated"]["members"], by_arm["treated"]["converted"]) == (200, 70)
    assert (by_arm["random"]["members"], by_arm["random"]["converted"]) == (200, 16)
    assert by_arm["treated"]["rate"] == 0.35 and by_arm["random"]["rate"] == 0.08
    assert by_arm["treated"]["revenue_fen"] == 70 * 99_900
    (against_random,) = [c for c in both["comparisons"] if c["baseline"] == "random"]
    assert against_random["ratio_text"] == "4.4×"
    assert 2.5 < against_random["ratio_low"] < 2.7 and 6.9 < against_random["ratio_high"] < 7.2
    assert 0.18 < against_random["difference_low"] < 0.20 and 0.33 < against_random["difference_high"] < 0.36

    # the partner reads the aggregates of its own offer, never who
    gym_view = call(world, gym_admin, "GET", f"/targeting/offers/{offers['fitness']}/results")
    assert gym_view["view"] == "partner" and {arm["arm"] for arm in gym_view["arms"]} == {"treated", "random"}
    assert call(world, gym_admin, "GET", f"/targeting/offers/{offers['parenting']}/results", status=404)

    # the page says it in words, as the seed does
    browser = console(world.client, a.actors["admin1"].username)
    page = browser.get("/console/targeting/results", params={"offer_id": [offers["fitness"], offers["parenting"]]})
    assert page.status_code == 200
    assert "35.0%" in page.text and "8.0%" in page.text and "4.4×" in page.text


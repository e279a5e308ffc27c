"""Distance decay through the API and the console: the fit on the alliance's arrivals, the prior before there is
enough, who may see what, and no band of fewer than k arrivals (nor of fewer than k of other merchants')."""

from __future__ import annotations

import itertools
import math
import random
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from lianmeng.coupons.models import Coupon, CouponTemplate, Redemption
from lianmeng.db import new_session
from lianmeng.distance import service
from lianmeng.distance.domain import prior_conversion
from lianmeng.kit import clock
from lianmeng.kit.geo import distance_m
from lianmeng.merchants.models import Merchant, Store
from lianmeng.orders.models import Order
from tests.conftest import World
from tests.integration.referrals.conftest import member_headers
from tests.integration.web.console import console

API = "/api/v1"
BASE = (22.54, 114.05)  # where the world's stores are
KM_LAT = 1 / 111.2  # degrees of latitude per km
_serial = itertools.count(1)


@dataclass(frozen=True)
class Pair:
    referrer: int  # merchant
    referrer_store: int | None
    receiver: int
    receiver_store: int | None
    arrivals: int
    conversions: int
    days_ago: int = 30


def add_store(session: Session, merchant_id: int, km_north: float) -> int:
    alliance_id = session.get_one(Merchant, merchant_id).alliance_id
    store = Store(alliance_id=alliance_id, merchant_id=merchant_id, name=f"门店 {km_north} km", address="深南大道",
                  latitude=BASE[0] + km_north * KM_LAT, longitude=BASE[1])
    session.add(store)
    session.flush()
    return store.id


def add_arrivals(session: Session, world: World, pairs: list[Pair]) -> None:
    """Referral coupons of `referrer` used at `receiver` (use 1), `conversions` of them with an order attached."""
    alliance = world.a.alliance_id
    templates: dict[int, int] = {}
    for pair in pairs:
        if pair.receiver not in templates:
            template = CouponTemplate(alliance_id=alliance, owner_merchant_id=pair.receiver, name="体验券",
                                      kind="amount_off", amount_fen=1_000)
            session.add(template)
            session.flush()
            templates[pair.receiver] = template.id
        at = clock.now() - timedelta(days=pair.days_ago)
        member = world.a.members[pair.referrer]
        for i in range(pair.arrivals):
            n = next(_serial)
            coupon = Coupon(alliance_id=alliance, template_id=templates[pair.receiver], member_id=member,
                            code=f"D{n:09d}", issued_at=at - timedelta(days=1), valid_from=at - timedelta(days=1),
                            uses_left=0, referrer_merchant_id=pair.referrer, referrer_store_id=pair.referrer_store,
                            target_merchant_id=pair.receiver)
            session.add(coupon)
            session.flush()
            order_id = None
            if i < pair.conversions:
                order = Order(alliance_id=alliance, merchant_id=pair.receiver, member_id=member,
                              external_id=f"D-{n}", amount_fen=10_000, cash_fen=10_000, created_at=at)
                session.add(order)
                session.flush()
                order_id = order.id
            session.add(Redemption(alliance_id=alliance, coupon_id=coupon.id, use_no=1, member_id=member,
                                   merchant_id=pair.receiver, store_id=pair.receiver_store,
                                   referrer_merchant_id=pair.referrer, order_id=order_id, at=at))
    session.commit()


@dataclass
class Stores:
    m1: int
    m2_at: dict[float, int]  # km north of m1's store -> m2's store there
    m3: int


def seed_history(db_url: str, world: World) -> Stores:
    """m1 (at BASE) refers members to m2's stores 1, 3, 5, 7 and 9 km away at the seed's decay, 60 per distance;
    m3 (at BASE) sends 4 members to the 5 km store and 12 to the 9 km one; 30 recent arrivals are not yet mature."""
    m1, m2, m3 = world.a.merchants
    with new_session(db_url) as session:
        far = {km: add_store(session, m2, km) for km in (1.0, 3.0, 5.0, 7.0, 9.0)}
        s1, s3 = world.a.stores[m1], world.a.stores[m3]
        pairs = [Pair(m1, s1, m2, far[km], 60, round(60 * prior_conversion(km).rate)) for km in far]
        pairs += [Pair(m3, s3, m2, far[5.0], 4, 2), Pair(m3, None, m2, far[9.0], 12, 1),  # m3 has one store
                  Pair(m1, s1, m2, far[1.0], 30, 0, days_ago=3)]
        add_arrivals(session, world, pairs)
    return Stores(s1, far, s3)


def get(world: World, who: str, status: int = 200, **query: object) -> dict:  # type: ignore[type-arg]
    if who == "platform":
        actor = world.platform
    else:
        side, name = who.split(".")
        actor = getattr(world, side).actors[name]
    r = world.client.get(f"{API}/distance-decay", headers=actor.headers, params=query)
    assert r.status_code == status, r.text
    return r.json()  # type: ignore[no-any-return]


def test_before_any_referral_the_alliance_sees_the_seeds_prior(world: World) -> None:
    body = get(world, "a.operator")
    assert body["source"] == "prior" and not body["enough"] and body["bins"] == []
    assert body["arrivals"] is None and body["conversions"] is None
    at = {c["km"]: c for c in body["curve"]}
    assert at[3.0]["rate_bp"] == 4500 and at[15.0]["rate_bp"] == 1200 and at[15.0]["travel_minutes"] == 45.0
    assert at[3.0]["low_bp"] == at[3.0]["high_bp"] == 4500
    assert body["halving_km"] == pytest.approx(6.29, abs=0.01) and body["halving_km_low"] is None
    assert (body["min_arrivals"], body["min_bands"], body["k_min"], body["urban_speed_kmh"]) == (100, 3, 10, 20.0)


def test_the_operator_sees_the_curve_fitted_to_the_alliances_arrivals(world: World, db_url: str) -> None:
    seed_history(db_url, world)
    body = get(world, "a.operator")
    assert body["source"] == "fitted" and body["enough"] and not body["fit_failed"]
    assert body["arrivals"] == 5 * 60 + 16  # the 30 arrivals of 3 days ago are left out: not mature yet
    assert body["halving_km_low"] < body["halving_km"] < body["halving_km_high"]
    assert 4.0 < body["halving_km"] < 10.0  # m1's arrivals follow the seed's 6.3 km
    for point in body["curve"]:
        assert point["low_bp"] <= point["rate_bp"] <= point["high_bp"] <= 10_000
    bands = [(b["km_from"], b["km_to"], b["arrivals"]) for b in body["bins"]]
    assert bands == [(0.0, 2.0, 60), (2.0, 4.0, 60), (4.0, 6.0, 64), (6.0, 8.0, 60), (8.0, 10.0, 72)]
    assert all(b["rate_bp"] == round(b["conversions"] * 10_000 / b["arrivals"]) for b in body["bins"])
    assert body["prior"][6]["rate_bp"] == 4500  # 3 km, for comparison
    with new_session(db_url) as session:  # what partner scoring reads: the same fit
        estimate = service.conversion_at(session, world.a.alliance_id, 3.0)
    at3 = next(c for c in body["curve"] if c["km"] == 3.0)
    assert estimate.source == "fitted" and round(estimate.rate * 10_000) == at3["rate_bp"]
    assert round(estimate.low * 10_000) == at3["low_bp"] and round(estimate.high * 10_000) == at3["high_bp"]


def test_a_merchant_never_sees_fewer_than_k_arrivals_of_other_merchants_in_a_band(world: World, db_url: str) -> None:
    """m3 sent 4 members to the 5 km store beside m1's 60. The operator sees the 4–6 km band alone (64 arrivals);
    m1's admin, subtracting its own 60, would learn m3's 4: for it the band is merged outwards until m3's 12 at
    9 km join. m3's admin sees m1's 60 there: fine."""
    seed_history(db_url, world)
    for who in ("a.admin1", "a.admin2", "a.admin3"):
        body = get(world, who)
        for b in body["bins"]:
            assert b["arrivals"] is None or b["arrivals"] >= 10
    admin1 = [(b["km_from"], b["km_to"]) for b in get(world, "a.admin1")["bins"]]
    assert admin1 == [(0.0, 2.0), (2.0, 4.0), (4.0, 10.0)]  # m3's 4 at 5 km merged out to its 12 at 9 km
    admin3 = [(b["km_from"], b["km_to"]) for b in get(world, "a.admin3")["bins"]]
    assert (4.0, 6.0) in admin3  # its own 4 beside 60 of m1's


def test_own_scope_is_the_referrals_the_merchant_took_part_in(world: World, db_url: str) -> None:
    seed_history(db_url, world)
    own1 = get(world, "a.admin1", scope="own")
    assert own1["scope"] == "own" and own1["source"] == "fitted" and own1["arrivals"] == 300
    own3 = get(world, "a.admin3", scope="own")  # 16 arrivals: not enough, the prior with its own bin
    assert own3["source"] == "prior" and not own3["enough"] and own3["arrivals"] == 16
    assert [(b["km_from"], b["km_to"], b["arrivals"]) for b in own3["bins"]] == [(4.0, 10.0, 16)]
    assert get(world, "a.admin2", scope="own")["arrivals"] == 316  # the receiver of them all
    refused = get(world, "a.operator", 422, scope="own")
    assert refused["error"]["code"] == "distance_scope_own_merchant"
    assert get(world, "a.admin1", 422, scope="everyone")["error"]["code"] == "validation_error"


def test_who_may_read_it(world: World, db_url: str) -> None:
    seed_history(db_url, world)
    assert get(world, "a.staff1", 403)["error"]["code"] == "forbidden"
    assert get(world, "b.operator")["source"] == "prior" and get(world, "b.operator")["bins"] == []
    missing = get(world, "b.operator", 404, alliance_id=987_654_321)
    foreign = get(world, "b.operator", 404, alliance_id=world.a.alliance_id)
    assert foreign == missing
    assert get(world, "platform", 422)["error"]["code"] == "distance_alliance_required"
    platform, operator = get(world, "platform", alliance_id=world.a.alliance_id), get(world, "a.operator")
    assert {**platform, "arrived_before": None} == {**operator, "arrived_before": None}
    member = member_headers(world, world.a.members[world.a.merchants[0]])
    assert world.client.get(f"{API}/distance-decay", headers=member).status_code == 403


def test_the_console_page_draws_the_curve_band_bins_and_prior(world: World, db_url: str) -> None:
    seed_history(db_url, world)
    operator = console(world.client, world.a.actors["operator"].username)
    html = operator.get("/console/distance-decay").text
    assert 'href="/console/distance-decay"' in html  # in the nav
    assert 'data-source="fitted"' in html and "本联盟拟合" in html
    assert html.count('class="chart-band"') == 1 and html.count('class="chart-line"') == 2
    assert html.count('class="chart-dot"') == 5
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    rows = re.findall(r'<tr data-km="([\d.]+)">', html)
    assert rows == ["1.0", "3.0", "5.0", "10.0", "15.0"]
    assert "15 分钟" in html  # 5 km at 20 km/h
    english = console(world.client, world.a.actors["operator"].username)
    english.cookies.set("lm_lang", "en")
    assert "Fitted to this alliance" in english.get("/console/distance-decay").text


def test_a_merchant_admin_opens_on_its_own_referrals_when_they_are_enough(world: World, db_url: str) -> None:
    seed_history(db_url, world)
    admin1 = console(world.client, world.a.actors["admin1"].username).get("/console/distance-decay").text
    assert '<b data-scope="own">' in admin1 and 'data-scope="alliance"' in admin1
    admin3 = console(world.client, world.a.actors["admin3"].username)
    page = admin3.get("/console/distance-decay").text
    assert '<b data-scope="alliance">' in page and 'data-source="fitted"' in page
    own = admin3.get("/console/distance-decay?scope=own").text
    assert 'data-source="prior"' in own and 'id="not-enough"' in own
    staff = console(world.client, world.a.actors["staff1"].username, raise_server_exceptions=False)
    assert staff.get("/console/distance-decay").status_code == 403
    assert 'href="/console/distance-decay"' not in staff.get("/console/counter").text


def test_every_shown_band_holds_k_on_random_histories(world: World, db_url: str) -> None:
    """Random small histories between the three merchants: no viewer ever gets a band under k, nor one where its own
    arrivals leave fewer than k of others'."""
    m1, m2, m3 = world.a.merchants
    rng = random.Random(5)
    with new_session(db_url) as session:
        stores = {m: [world.a.stores[m], add_store(session, m, rng.uniform(0, 12))] for m in (m1, m2, m3)}
        pairs = []
        for _ in range(14):
            a, b = rng.sample([m1, m2, m3], 2)
            n = rng.randint(1, 14)
            pairs.append(Pair(a, rng.choice(stores[a]), b, rng.choice(stores[b]), n, rng.randint(0, n)))
        add_arrivals(session, world, pairs)
        spots = {s.id: (s.latitude, s.longitude) for s in session.query(Store)}
    for who, merchant in (("a.admin1", m1), ("a.admin2", m2), ("a.admin3", m3), ("a.operator", None)):
        for b in get(world, who)["bins"]:
            if b["arrivals"] is None:
                continue
            inside = [p for p in pairs
                      if b["km_from"] <= distance_m(*spots[p.referrer_store], *spots[p.receiver_store]) / 1000  # type: ignore[index]
                      < b["km_to"]]
            others = sum(p.arrivals for p in inside if merchant not in (p.referrer, p.receiver))
            assert b["arrivals"] == sum(p.arrivals for p in inside) >= 10
            assert others == 0 or others >= 10


def test_the_fit_is_judged_at_a_fixed_moment(world: World, db_url: str) -> None:
    """The 30 arrivals of 3 days ago join the fit once they are 14 days old."""
    seed_history(db_url, world)
    with new_session(db_url) as session, clock.fixed_at(clock.now() + timedelta(days=12)):
        fit = service.decay_fit(session, world.a.alliance_id)
    assert fit.sufficiency.arrivals == 346
    assert fit.source == "fitted" and math.isfinite(fit.curve.b)

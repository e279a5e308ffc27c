"""Customer overlap inside the alliance: the maintained aggregates equal a direct count, the views suppress every
count below k and total only what they show, freshness is stated and kept by the job, and scope is enforced."""

from __future__ import annotations

import io
import random
from collections import Counter
from datetime import timedelta
from itertools import combinations

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lianmeng.db import unit_of_work
from lianmeng.jobs.service import recount_overlap
from lianmeng.kit import clock
from lianmeng.members.models import Membership
from lianmeng.merchants.models import Merchant
from lianmeng.overlap import service
from lianmeng.overlap.domain import REFRESH_MINUTES
from lianmeng.overlap.models import MerchantBase, OverlapSnapshot, PairOverlap
from tests.conftest import DATABASE_URL, World
from tests.integration.overlap.conftest import Customers, add_customers, refresh

API = "/api/v1/overlap"


def direct_counts(alliance_id: int) -> tuple[Counter[tuple[int, int]], Counter[int]]:
    """Pairs (a < b) and bases counted in Python from the memberships themselves."""
    with unit_of_work(DATABASE_URL) as s:
        merchants = set(s.scalars(select(Merchant.id).where(Merchant.alliance_id == alliance_id)))
        held: dict[int, set[int]] = {}
        for member_id, merchant_id in s.execute(select(Membership.member_id, Membership.merchant_id)):
            if merchant_id in merchants:
                held.setdefault(member_id, set()).add(merchant_id)
    pairs: Counter[tuple[int, int]] = Counter()
    bases: Counter[int] = Counter()
    for at in held.values():
        bases.update(at)
        pairs.update(combinations(sorted(at), 2))
    return pairs, bases


def stored(alliance_id: int) -> tuple[dict[tuple[int, int], int], dict[int, int]]:
    with unit_of_work(DATABASE_URL) as s:
        pairs = {(a, b): n for a, b, n in s.execute(select(
            PairOverlap.merchant_a_id, PairOverlap.merchant_b_id, PairOverlap.shared).where(
            PairOverlap.alliance_id == alliance_id))}
        bases = {m: n for m, n in s.execute(select(MerchantBase.merchant_id, MerchantBase.members).where(
            MerchantBase.alliance_id == alliance_id))}
    return pairs, bases


def test_the_aggregates_equal_a_direct_count_of_memberships(world: World, customers: Customers) -> None:
    rng = random.Random(12)
    m = world.a.merchants
    groups = [(1, set(rng.sample(m, rng.randint(1, 3)))) for _ in range(80)]
    with unit_of_work(DATABASE_URL) as s:
        add_customers(s, customers, world.a.alliance_id, groups)
    with unit_of_work(DATABASE_URL) as s:  # a fourth merchant sharing fewer than k with each of the others
        s.add(Merchant(alliance_id=world.a.alliance_id, name="小店", industry="dining"))
        s.flush()
        small = s.scalars(select(Merchant.id).where(Merchant.name == "小店")).one()
        add_customers(s, customers, world.a.alliance_id, [(3, {small, m[0]}), (2, {small, m[1], m[2]})])
    refresh(world.a.alliance_id)
    pairs, bases = direct_counts(world.a.alliance_id)
    shown = {pair: n for pair, n in pairs.items() if n >= 10}
    assert stored(world.a.alliance_id) == (shown, dict(bases))  # exact; pairs below k are not kept at all
    assert len(shown) == 3 and {pair for pair in pairs if small in pair} == {
        (m[0], small), (m[1], small), (m[2], small)}
    with unit_of_work(DATABASE_URL) as s:
        snapshot = s.get(OverlapSnapshot, world.a.alliance_id)
        assert snapshot is not None and snapshot.memberships == sum(bases.values()) and snapshot.pairs == 3
        # the seam other capabilities call agrees with the aggregates
        for (a, b), n in pairs.items():
            figure = service.merchant_overlap(s, a, b)
            assert figure.base == bases[a] and figure.shared == (n if n >= 10 else None)
    # the other alliance was not counted by this rebuild
    assert stored(world.b.alliance_id) == ({}, {})


def test_the_designed_alliance_counts_exactly(world: World, customers: Customers) -> None:
    m1, m2, m3 = world.a.merchants
    refresh(world.a.alliance_id)
    refresh(world.b.alliance_id)
    assert stored(world.a.alliance_id) == ({(m1, m2): 12}, {m1: 42, m2: 18, m3: 15})  # 9 and 5: below k, not kept
    assert stored(world.b.alliance_id) == ({}, {world.b.merchants[0]: 16})
    # a recount after changes: m1–m2 grows, m1–m3 reaches k, m2–m3 stays below it (on PostgreSQL only the changed
    # rows are rewritten: the result must be the same as a full rebuild)
    with unit_of_work(DATABASE_URL) as s:
        add_customers(s, customers, world.a.alliance_id, [(1, {m1, m3}), (2, {m1, m2, m3})])
    refresh(world.a.alliance_id)
    pairs, bases = direct_counts(world.a.alliance_id)
    assert pairs == {(m1, m2): 14, (m1, m3): 12, (m2, m3): 7}
    assert stored(world.a.alliance_id) == ({(m1, m2): 14, (m1, m3): 12}, dict(bases))


def test_a_merchant_sees_only_counts_of_at_least_k_and_a_total_of_what_it_sees(world: World,
                                                                              customers: Customers) -> None:
    m1, m2, m3 = world.a.merchants
    refresh(world.a.alliance_id)
    c = world.client
    body = c.get(f"{API}/merchants/{m1}", headers=world.a.actors["admin1"].headers).json()
    assert body["customers"] == 42
    assert [(p["merchant_id"], p["shared"], p["shared_text"], p["share_bp"]) for p in body["partners"]] == [
        (m2, 12, "12", 2857)]
    assert body["partners_shown"] == 1 and body["partners_below_k"] == 1  # m3's 9 is not listed, nor its order
    assert body["shown_total"] == 12 == sum(p["shared"] for p in body["partners"])
    assert body["freshness"]["computed_at"] is not None and body["freshness"]["k"] == 10
    # m3 shares 9 and 5: nothing shown, nothing totalled, nothing to subtract from
    body = c.get(f"{API}/merchants/{m3}", headers=world.a.actors["admin3"].headers).json()
    assert body["partners"] == [] and body["shown_total"] == 0 and body["partners_below_k"] == 2
    assert body["customers"] == 15


def test_the_operator_matrix_lists_no_cell_below_k_and_totals_rows_over_listed_cells(
        world: World, customers: Customers) -> None:
    m1, m2, m3 = world.a.merchants
    refresh(world.a.alliance_id)
    body = world.client.get(f"{API}/matrix", headers=world.a.actors["operator"].headers).json()
    assert [(c["merchant_a_id"], c["merchant_b_id"], c["shared"]) for c in body["overlap"]] == [(m1, m2, 12)]
    assert all(c["shared"] >= 10 for c in body["overlap"])
    listed: Counter[int] = Counter()
    for cell in body["overlap"]:
        listed[cell["merchant_a_id"]] += cell["shared"]
        listed[cell["merchant_b_id"]] += cell["shared"]
    totals = {m["merchant_id"]: m["shown_total"] for m in body["merchants"]}
    assert totals == {m1: listed[m1], m2: listed[m2], m3: 0}  # m3's 9 + 5 hidden: its total says nothing of them
    assert {m["merchant_id"]: m["customers"] for m in body["merchants"]} == {m1: 42, m2: 18, m3: 15}
    # m1–m2: 12 shared = 67 % of m2's 18 customers, no referral between them: untapped, and the page says why
    assert [(u["merchant_a_id"], u["merchant_b_id"], u["shared"], u["arrivals"]) for u in body["untapped"]] == [
        (m1, m2, 12, 0)]
    assert "12" in body["untapped"][0]["why"] and "66.7%" in body["untapped"][0]["why"]
    # the heat map's view: only the largest merchant's cells (none with itself), the untapped pairs still found
    body = world.client.get(f"{API}/matrix", params={"largest": 1}, headers=world.a.actors["operator"].headers).json()
    assert body["overlap"] == [] and len(body["merchants"]) == 3 and len(body["untapped"]) == 1


def test_a_pair_that_already_refers_is_not_untapped(world: World, customers: Customers) -> None:
    from tests.integration.referrals.story import _arrive, coupon, template

    m1, m2, _ = world.a.merchants
    refresh(world.a.alliance_id)
    at = clock.now() - timedelta(days=1)
    with unit_of_work(DATABASE_URL) as s:
        tpl = template(s, world.a.alliance_id, m2)
        used = coupon(s, world.a.alliance_id, tpl, world.a.members[m1], at, True, m1, world.a.staff[m1], m2)
        _arrive(s, used, m2, at)
    body = world.client.get(f"{API}/matrix", headers=world.a.actors["operator"].headers).json()
    assert body["untapped"] == []  # 1 arrival per 12 shared is 8 per 100: not "little"
    assert body["flows"] == [{"referrer_merchant_id": m1, "receiving_merchant_id": m2, "arrived": 1}]


def test_the_export_writes_every_other_merchant_suppressed_below_k_and_totals_the_shown(
        world: World, customers: Customers) -> None:
    m1, _, m3 = world.a.merchants
    refresh(world.a.alliance_id)
    r = world.client.get(f"{API}/merchants/{m1}/export", params={"format": "xlsx"},
                         headers={**world.a.actors["admin1"].headers, "Accept-Language": "en"})
    assert r.status_code == 200, r.text
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    rows = [[cell.value for cell in row] for row in ws.iter_rows(min_row=5)]
    assert rows == [["alpha merchant 2", "Fitness", 12, 0.2857], ["alpha merchant 3", "Dining", "< 10", None],
                    ["合计 Total", None, 12, None]]
    r = world.client.get(f"{API}/merchants/{m3}/export", params={"format": "csv"},
                         headers={**world.a.actors["admin3"].headers, "Accept-Language": "zh-CN"})
    lines = r.content.decode("utf-8-sig").splitlines()
    assert lines[3:] == ["alpha merchant 1,汽车服务,< 10,", "alpha merchant 2,健身,< 10,", "合计 Total,,0,"]


def test_freshness_the_figures_change_only_when_recounted_and_the_job_recounts_when_due(
        world: World, customers: Customers) -> None:
    m1, m2, _ = world.a.merchants
    headers = world.a.actors["admin1"].headers
    body = world.client.get(f"{API}/merchants/{m1}", headers=headers).json()
    assert body["freshness"]["computed_at"] is None and body["customers"] == 0 and body["partners"] == []
    start = clock.now()
    assert recount_overlap(DATABASE_URL, start) == 2  # never counted: both alliances
    assert recount_overlap(DATABASE_URL, start + timedelta(hours=1)) == 0  # nothing changed
    with unit_of_work(DATABASE_URL) as s:
        add_customers(s, customers, world.a.alliance_id, [(3, {m1, m2})])
    assert world.client.get(f"{API}/merchants/{m1}", headers=headers).json()["partners"][0]["shared"] == 12
    soon = start + timedelta(minutes=REFRESH_MINUTES - 1)
    assert recount_overlap(DATABASE_URL, soon) == 0  # changed, but counted less than REFRESH_MINUTES ago
    later = start + timedelta(minutes=REFRESH_MINUTES)
    assert recount_overlap(DATABASE_URL, later) == 1
    body = world.client.get(f"{API}/merchants/{m1}", headers=headers).json()
    assert body["partners"][0]["shared"] == 15 and body["customers"] == 45
    assert body["freshness"]["computed_at"].startswith(later.strftime("%Y-%m-%dT%H:%M"))


def test_the_operator_recounts_now_and_nobody_else_may(world: World, customers: Customers) -> None:
    c = world.client
    r = c.post(f"{API}/refresh", headers=world.a.actors["admin1"].headers)
    assert r.status_code == 403
    r = c.post(f"{API}/refresh", headers=world.a.actors["operator"].headers)
    assert r.status_code == 200, r.text
    assert r.json()["alliance_id"] == world.a.alliance_id and r.json()["memberships"] == 3 + 12 * 2 + 9 * 2 + 5 * 2 + 20
    assert r.json()["pairs"] == 1  # the pairs kept: those sharing at least k
    r = c.post(f"{API}/refresh", params={"alliance_id": world.a.alliance_id},
               headers=world.platform.headers)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(("who", "target", "status"), [
    ("a.admin2", 0, 403),  # another merchant of the alliance: visible, not theirs
    ("a.staff1", 0, 403),  # store staff: not the merchant's business figures
    ("b.admin1", 0, 404),  # another alliance's merchant: as if it did not exist
    ("b.operator", 0, 404),
    ("a.operator", 0, 200),
    ("a.admin1", 0, 200),
])
def test_who_may_see_a_merchants_overlap(world: World, customers: Customers, who: str, target: int,
                                         status: int) -> None:
    side, name = who.split(".")
    actor = (world.a if side == "a" else world.b).actors[name]
    r = world.client.get(f"{API}/merchants/{world.a.merchants[target]}", headers=actor.headers)
    assert r.status_code == status, r.text
    r = world.client.get(f"{API}/merchants/{world.a.merchants[target]}/export", headers=actor.headers)
    assert r.status_code == status


def test_the_matrix_is_the_operators(world: World, customers: Customers) -> None:
    c = world.client
    assert c.get(f"{API}/matrix", headers=world.a.actors["admin1"].headers).status_code == 403
    r = c.get(f"{API}/matrix", headers=world.b.actors["operator"].headers)
    assert r.status_code == 200 and r.json()["alliance_id"] == world.b.alliance_id
    assert c.get(f"{API}/matrix", params={"date_from": "2026-13-01"},
                 headers=world.a.actors["operator"].headers).status_code == 422

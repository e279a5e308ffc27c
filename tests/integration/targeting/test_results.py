"""Results of targeted offers through the service, the API and the job: outcomes inside and outside the attribution
window, refunds subtracted, claims and arrivals, the combined view, and the refresh job."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from lianmeng.db import unit_of_work
from lianmeng.jobs import service as jobs
from lianmeng.kit import clock
from lianmeng.targeting import results
from lianmeng.targeting.models import OfferRecipient, TargetedOffer
from tests.conftest import DATABASE_URL, World
from tests.integration.targeting.conftest import ago, make_offer, record_orders, refresh

NewMembers = Callable[[int], list[int]]


def arm_of(out: dict[str, object], arm: str) -> dict[str, object]:
    found = [a for a in out["arms"] if a["arm"] == arm]  # type: ignore[attr-defined]
    assert len(found) == 1, out
    return found[0]  # type: ignore[no-any-return]


def outcomes(offer_id: int) -> dict[int, tuple[bool, bool, bool, int]]:
    """member → (claimed, arrived, converted, revenue) as stored on the recipients."""
    with unit_of_work(DATABASE_URL) as session:
        rows = session.query(OfferRecipient).filter_by(offer_id=offer_id).all()
        return {r.member_id: (r.claimed_at is not None, r.arrived_at is not None, r.converted_at is not None,
                              r.revenue_fen) for r in rows}


def test_outcomes_count_inside_each_recipients_window_only(world: World, new_members: NewMembers) -> None:
    m1, m2, _ = world.a.merchants
    inside, holdout, elsewhere, early, late, old_holdout = new_members(6)
    # the holdout's window opens at the offer's first send; `late` was sent 2 days after `early`
    offer = make_offer(world, sender=m1, partner=m2, name="健身体验", sent_at=ago(days=1),
                       arms={"treated": [inside, elsewhere], "holdout": [holdout]})
    closed = make_offer(world, sender=m1, partner=m2, name="上月", sent_at=ago(days=32),
                        arms={"treated": [early, late], "holdout": [old_holdout]}, sent_times={late: ago(days=29)})
    admin2 = world.a.actors["admin2"].headers
    record_orders(world.client, admin2, [(inside, 30_000), (holdout, 12_000), (early, 99_000), (late, 7_000),
                                         (old_holdout, 5_000)], "win")
    record_orders(world.client, world.a.actors["admin3"].headers, [(elsewhere, 55_000)], "other")  # not the partner
    out = refresh(offer.offer_id)
    got = outcomes(offer.offer_id)
    assert got[inside] == (False, True, True, 30_000)
    assert got[holdout] == (False, True, True, 12_000)
    assert got[elsewhere] == (False, False, False, 0)
    treated = arm_of(out, "treated")
    assert (treated["members"], treated["sent"], treated["converted"], treated["revenue_fen"]) == (2, 2, 1, 30_000)
    assert treated["rate"] == 0.5
    assert arm_of(out, "holdout")["converted"] == 1
    refresh(closed.offer_id)
    got = outcomes(closed.offer_id)
    assert got[early] == (False, False, False, 0)  # sent 32 days ago: its 30 days are over
    assert got[late] == (False, True, True, 7_000)  # sent 29 days ago: still inside
    assert got[old_holdout] == (False, False, False, 0)  # from the first send, 32 days ago


def test_an_order_before_the_send_does_not_count(world: World, new_members: NewMembers) -> None:
    m1, m2, _ = world.a.merchants
    (member,) = new_members(1)
    record_orders(world.client, world.a.actors["admin2"].headers, [(member, 20_000)], "before")
    offer = make_offer(world, sender=m1, partner=m2, name="早教", sent_at=clock.now() + timedelta(seconds=1),
                       arms={"treated": [member]})
    refresh(offer.offer_id, at=clock.now() + timedelta(hours=1))
    assert outcomes(offer.offer_id)[member] == (False, False, False, 0)


def test_refunds_are_subtracted_and_a_full_refund_is_no_conversion(world: World, new_members: NewMembers) -> None:
    m1, m2, _ = world.a.merchants
    partial, full = new_members(2)
    offer = make_offer(world, sender=m1, partner=m2, name="退款", sent_at=ago(hours=2),
                       arms={"treated": [partial, full]})
    admin2 = world.a.actors["admin2"].headers
    first, second = record_orders(world.client, admin2, [(partial, 50_000), (full, 8_000)], "refund")
    for order_id, fen, key in ((first, 20_000, "r1"), (second, 8_000, "r2")):
        response = world.client.post(f"/api/v1/orders/{order_id}/refunds", headers=admin2,
                                     json={"external_id": key, "amount_fen": fen})
        assert response.status_code == 201, response.text
    out = refresh(offer.offer_id)
    got = outcomes(offer.offer_id)
    assert got[partial] == (False, True, True, 30_000)
    assert got[full] == (False, True, False, 0)  # it came (an order is an arrival) but bought nothing in the end
    assert arm_of(out, "treated")["revenue_fen"] == 30_000


def test_claims_and_redemptions_without_an_order(world: World, new_members: NewMembers) -> None:
    m1, m2, _ = world.a.merchants
    claimer, visitor = new_members(2)
    offer = make_offer(world, sender=m1, partner=m2, name="领券", sent_at=ago(hours=1),
                       arms={"treated": [claimer, visitor]})
    staff2 = world.a.actors["staff2"].headers
    codes = {}
    for member in (claimer, visitor):
        response = world.client.post("/api/v1/coupons/issue", headers=staff2,
                                     json={"template_id": offer.template_id, "member_id": member})
        assert response.status_code == 201, response.text
        codes[member] = response.json()["code"]
    response = world.client.post("/api/v1/coupons/redeem", headers=staff2,
                                 json={"code": codes[visitor], "member_id": visitor, "bill_fen": 10_000})
    assert response.status_code == 201, response.text
    out = refresh(offer.offer_id)
    got = outcomes(offer.offer_id)
    assert got[claimer] == (True, False, False, 0)
    assert got[visitor] == (True, True, False, 0)
    treated = arm_of(out, "treated")
    assert (treated["claimed"], treated["arrived"], treated["converted"]) == (2, 1, 0)


def test_a_second_refresh_changes_nothing_and_refunds_later_are_taken_back(world: World, new_members: NewMembers
                                                                           ) -> None:
    m1, m2, _ = world.a.merchants
    (member,) = new_members(1)
    offer = make_offer(world, sender=m1, partner=m2, name="复算", sent_at=ago(hours=1), arms={"treated": [member]})
    admin2 = world.a.actors["admin2"].headers
    (order_id,) = record_orders(world.client, admin2, [(member, 9_000)], "again")
    assert refresh(offer.offer_id)["arms"] == refresh(offer.offer_id)["arms"]
    response = world.client.post(f"/api/v1/orders/{order_id}/refunds", headers=admin2,
                                 json={"external_id": "all", "amount_fen": 9_000})
    assert response.status_code == 201, response.text
    refresh(offer.offer_id)
    assert outcomes(offer.offer_id)[member] == (False, True, False, 0)


def test_the_job_refreshes_open_windows_hourly_and_once_after_they_close(world: World, new_members: NewMembers
                                                                         ) -> None:
    m1, m2, _ = world.a.merchants
    a, b = new_members(2)
    offer = make_offer(world, sender=m1, partner=m2, name="定时", sent_at=ago(days=1), arms={"treated": [a, b]},
                       attribution_days=7)
    record_orders(world.client, world.a.actors["admin2"].headers, [(a, 10_000)], "job")
    now = clock.now()
    assert jobs.refresh_targeted_offers(DATABASE_URL, now) == 1
    with unit_of_work(DATABASE_URL) as session:
        stored = session.get(TargetedOffer, offer.offer_id)
        assert stored is not None and stored.results is not None and stored.results_at is not None
        assert arm_of(stored.results, "treated")["converted"] == 1
    assert jobs.refresh_targeted_offers(DATABASE_URL, now + timedelta(minutes=30)) == 0
    assert jobs.refresh_targeted_offers(DATABASE_URL, now + timedelta(minutes=61)) == 1
    closed = now + timedelta(days=7)
    assert jobs.refresh_targeted_offers(DATABASE_URL, closed) == 1  # the window closed since: one last count
    assert jobs.refresh_targeted_offers(DATABASE_URL, closed + timedelta(days=1)) == 0
    assert jobs.run_all(DATABASE_URL, closed + timedelta(days=2)).targeted_offers_refreshed == 0


def test_offers_not_yet_assigned_are_not_due(world: World, new_members: NewMembers) -> None:
    m1, m2, _ = world.a.merchants
    (member,) = new_members(1)
    offer = make_offer(world, sender=m1, partner=m2, name="未发送", sent_at=clock.now() + timedelta(days=2),
                       arms={"treated": [member]})
    with unit_of_work(DATABASE_URL) as session:
        assert results.due_offers(session) == []
        assert results.due_offers(session, clock.now() + timedelta(days=3)) == [offer.offer_id]


def test_combined_sums_each_arm_over_the_offers(world: World, new_members: NewMembers) -> None:
    m1, m2, m3 = world.a.merchants
    people = new_members(8)
    one = make_offer(world, sender=m1, partner=m2, name="一", sent_at=ago(hours=1),
                     arms={"treated": people[:3], "holdout": people[3:4]})
    two = make_offer(world, sender=m1, partner=m3, name="二", sent_at=ago(hours=1),
                     arms={"treated": people[4:6], "random": people[6:8]})
    record_orders(world.client, world.a.actors["admin2"].headers, [(people[0], 1_000), (people[3], 2_000)], "c2")
    record_orders(world.client, world.a.actors["admin3"].headers, [(people[4], 4_000), (people[6], 8_000)], "c3")
    refresh(one.offer_id)
    refresh(two.offer_id)
    response = world.client.get(f"/api/v1/targeting/results?offer_id={one.offer_id}&offer_id={two.offer_id}",
                                headers=world.a.actors["admin1"].headers)
    assert response.status_code == 200, response.text
    body = response.json()
    arms = {a["arm"]: (a["members"], a["converted"], a["revenue_fen"]) for a in body["arms"]}
    assert arms == {"treated": (5, 2, 5_000), "holdout": (1, 1, 2_000), "random": (2, 1, 8_000)}
    assert body["names"] == ["一", "二"] and body["view"] == "sender"
    assert [c["baseline"] for c in body["comparisons"]] == ["holdout", "random"]
    assert {c["verdict"] for c in body["comparisons"]} == {"sample_too_small"}

"""Who reads a targeted offer's results: the sender's admin and the operator everything; the partner aggregates of
arms with ≥ 10 members; anyone else 404, exactly like a missing offer. No response, page or export carries a member
id, phone, card number or hash."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from openpyxl import load_workbook

from lianmeng.db import unit_of_work
from lianmeng.targeting.models import TargetedOffer
from tests.conftest import DATABASE_URL, World
from tests.integration.overlap.conftest import Customers
from tests.integration.targeting.conftest import Built, ago, make_offer, record_orders, refresh
from tests.integration.web.console import console, csrf_of

MISSING = 987_654


@pytest.fixture
def offer(world: World, new_members: Callable[[int], list[int]]) -> Built:
    """m1 sends m2's coupon: 40 treated, 12 held out, a random arm of 6 (below the partner's 10)."""
    m1, m2, _ = world.a.merchants
    people = new_members(58)
    built = make_offer(world, sender=m1, partner=m2, name="健身", sent_at=ago(days=2),
                       arms={"treated": people[:40], "holdout": people[40:52], "random": people[52:]})
    record_orders(world.client, world.a.actors["admin2"].headers,
                  [(m, 20_000) for m in people[:14]] + [(people[40], 20_000), (people[52], 20_000)], "acc")
    refresh(built.offer_id)
    return built


def nothing_personal(text: str, customers: Customers) -> None:
    for secret in customers.secrets():
        assert secret not in text, secret
    for key in ("member_id", "phone", "card_no", "token", "coupon_id"):
        assert f'"{key}"' not in text


def test_the_sender_and_the_operator_see_every_arm(world: World, offer: Built, customers: Customers) -> None:
    for who in ("admin1", "operator"):
        response = world.client.get(f"/api/v1/targeting/offers/{offer.offer_id}/results",
                                    headers=world.a.actors[who].headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["view"] == "sender" and body["hidden_arms"] == 0
        assert [a["arm"] for a in body["arms"]] == ["treated", "holdout", "random"]
        nothing_personal(response.text, customers)
    platform = world.client.get(f"/api/v1/targeting/offers/{offer.offer_id}/results", headers=world.platform.headers)
    assert platform.status_code == 200


def test_the_partner_sees_aggregates_of_arms_of_ten_or_more(world: World, offer: Built, customers: Customers) -> None:
    response = world.client.get(f"/api/v1/targeting/offers/{offer.offer_id}/results",
                                headers=world.a.actors["admin2"].headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["view"] == "partner" and body["hidden_arms"] == 1
    assert [a["arm"] for a in body["arms"]] == ["treated", "holdout"]
    assert [c["baseline"] for c in body["comparisons"]] == ["holdout"]
    nothing_personal(response.text, customers)
    xlsx = world.client.get(f"/api/v1/targeting/offers/{offer.offer_id}/results.xlsx",
                            headers=world.a.actors["admin2"].headers)
    assert xlsx.status_code == 200
    cells = [c for ws in load_workbook(io.BytesIO(xlsx.content)).worksheets
             for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "随机推荐组" not in cells and "推荐组" in cells
    assert world.client.get(f"/api/v1/targeting/offers/{offer.offer_id}/results?refresh=true",
                            headers=world.a.actors["admin2"].headers).status_code == 403


@pytest.mark.parametrize("who", ["admin3", "staff1", "staff2", "b:operator", "b:admin1"])
def test_anyone_else_gets_the_same_404_as_for_a_missing_offer(world: World, offer: Built, who: str) -> None:
    side, name = (world.b, who[2:]) if who.startswith("b:") else (world.a, who)
    headers = side.actors[name].headers
    for path in ("/api/v1/targeting/offers/{}/results", "/api/v1/targeting/offers/{}/results.xlsx",
                 "/api/v1/targeting/results?offer_id={}", "/api/v1/targeting/results.xlsx?offer_id={}",
                 "/api/v1/targeting/offers/{}/results?refresh=true"):
        theirs = world.client.get(path.format(offer.offer_id), headers=headers)
        missing = world.client.get(path.format(MISSING), headers=headers)
        assert theirs.status_code == missing.status_code == 404, (path, theirs.text)
        assert theirs.json() == missing.json()
    # one foreign offer among readable ones hides the whole view
    mixed = world.client.get(f"/api/v1/targeting/results?offer_id={offer.offer_id}&offer_id={MISSING}",
                             headers=world.a.actors["admin1"].headers)
    assert mixed.status_code == 404


def test_the_sender_refreshes_on_demand(world: World, offer: Built) -> None:
    with unit_of_work(DATABASE_URL) as session:
        stored = session.get(TargetedOffer, offer.offer_id)
        assert stored is not None
        before = stored.results_at
    response = world.client.get(f"/api/v1/targeting/offers/{offer.offer_id}/results?refresh=true",
                                headers=world.a.actors["admin1"].headers)
    assert response.status_code == 200, response.text
    with unit_of_work(DATABASE_URL) as session:
        stored = session.get(TargetedOffer, offer.offer_id)
        assert stored is not None and stored.results_at is not None and before is not None
        assert stored.results_at > before


def test_bad_requests(world: World, offer: Built) -> None:
    admin = world.a.actors["admin1"].headers
    assert world.client.get("/api/v1/targeting/results", headers=admin).status_code == 422
    too_many = "&".join(f"offer_id={offer.offer_id + i}" for i in range(21))
    assert world.client.get(f"/api/v1/targeting/results?{too_many}", headers=admin).status_code == 422
    assert world.client.get("/api/v1/targeting/offers/0/results", headers=admin).status_code == 404
    assert world.client.get(f"/api/v1/targeting/offers/{2**40}/results", headers=admin).status_code == 404
    assert world.client.get(f"/api/v1/targeting/offers/{offer.offer_id}/results").status_code == 401


def test_pages_and_exports_carry_nothing_personal(world: World, offer: Built, customers: Customers) -> None:
    for who in ("admin1", "admin2", "operator"):
        browser = console(world.client, world.a.actors[who].username)
        page = browser.get(f"/console/targeting/results?offer_id={offer.offer_id}")
        assert page.status_code == 200, page.text
        nothing_personal(page.text, customers)
        xlsx = browser.get(f"/console/targeting/results.xlsx?offer_id={offer.offer_id}")
        assert xlsx.status_code == 200
        cells = [str(c) for ws in load_workbook(io.BytesIO(xlsx.content)).worksheets
                 for row in ws.iter_rows(values_only=True) for c in row if c is not None]
        nothing_personal(json.dumps(cells, ensure_ascii=False), customers)
        assert not any(secret == cell for secret in customers.secrets() for cell in cells)
    partner_page = console(world.client, world.a.actors["admin2"].username).get(
        f"/console/targeting/results?offer_id={offer.offer_id}").text
    assert 'id="partner-note"' in partner_page and 'id="refresh-form"' not in partner_page
    other = console(world.client, world.a.actors["admin3"].username, raise_server_exceptions=False)
    assert other.get(f"/console/targeting/results?offer_id={offer.offer_id}").status_code == 404
    assert f'value="{offer.offer_id}"' not in other.get("/console/targeting/results").text


def test_the_console_refresh_button(world: World, offer: Built) -> None:
    browser = console(world.client, world.a.actors["admin1"].username)
    page = browser.get(f"/console/targeting/results?offer_id={offer.offer_id}").text
    assert 'id="refresh-form"' in page
    response = browser.post("/console/targeting/results/refresh", follow_redirects=False,
                            data={"csrf": csrf_of(page), "offer_id": str(offer.offer_id)})
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/targeting/results?offer_id={offer.offer_id}"
    partner = console(world.client, world.a.actors["admin2"].username, raise_server_exceptions=False)
    page = partner.get(f"/console/targeting/results?offer_id={offer.offer_id}").text
    assert partner.post("/console/targeting/results/refresh", follow_redirects=False,
                        data={"csrf": csrf_of(page), "offer_id": str(offer.offer_id)}).status_code == 403

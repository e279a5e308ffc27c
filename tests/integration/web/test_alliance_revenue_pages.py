"""At the counter and on the dashboard the same orders are the alliance's: a referred member's first order (with
the coupon) and a later one (without), both labelled with the referrer at the counter, both in 联盟带来的营业额."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.integration.web.console import console
from tests.integration.web.test_counter_pages import API, landed, ok, post, referral
from tests.integration.web.test_reports_pages import figure


def referrer_shown(html: str) -> str | None:
    found = re.search(r"(?:推荐方|referred by) ([^<]+)</p>", html)
    return found.group(1).strip() if found else None


def revenue(client: TestClient) -> str:
    page = client.get("/console/dashboard?period=month")
    assert page.status_code == 200, page.text
    return figure(page.text, "fig-revenue")


def test_the_counters_referrer_label_and_the_dashboards_revenue_count_the_same_orders(world: World) -> None:
    data = referral(world)  # m1's guide gave m1's member a ¥20-off coupon of m2, under an agreement
    desk = console(world.client, world.a.actors["staff2"].username)
    centre = console(world.client, world.a.actors["admin2"].username)
    assert revenue(centre) == "¥0.00"

    first = landed(desk, post(desk, "/console/counter", {"action": "redeem", "member_card": data["card_no"],
                                                         "code": data["coupon"]["code"], "bill": "200",
                                                         "receipt": "POS-1"}))
    assert first.status_code == 200, first.text
    assert referrer_shown(first.text) == "alpha merchant 1"
    assert revenue(centre) == "¥180.00"  # ¥200 less the ¥20 coupon

    later = landed(desk, post(desk, "/console/counter", {"action": "order", "member_card": data["card_no"],
                                                         "amount": "90", "order_no": "POS-2", "go": "record"}))
    assert later.status_code == 200, later.text
    assert referrer_shown(later.text) == "alpha merchant 1"  # the attribution rule credits m1 again
    assert revenue(centre) == "¥270.00"  # the later order counts too
    assert ok(world.client.get(f"{API}/orders", headers=world.a.actors["admin2"].headers), 200)["total"] == 2
    operator = console(world.client, world.a.actors["operator"].username)
    overview = operator.get("/console/operator?period=month")
    assert figure(overview.text, "tot-revenue") == "¥270.00"
    m2 = world.a.merchants[1]
    assert "¥270.00" in overview.text.split(f'data-merchant="{m2}"')[1].split("</tr>")[0]

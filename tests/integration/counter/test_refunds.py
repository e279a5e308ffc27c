"""Refunds at the counter: from an order recorded at the desk (the result links to it, and today's orders at the
store list it), full or partial, with a reason, through the same service as POST /orders/{id}/refunds. Success
redirects (POST-redirect-GET); a resubmitted form is the same refund; another merchant's clerk cannot see or
refund the order; a refund beyond what remains, or without a reason, is shown next to its field and writes
nothing."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.integration.web.console import console, csrf_of
from tests.integration.web.test_counter_pages import API, card_of, error_of, landed, ok, post


def record_at_desk(world: World, desk: TestClient, amount: str = "100.00", order_no: str = "POS-1") -> int:
    """m2's clerk records an order of m2's own member at the desk; the order's id, read from the result's link."""
    card = card_of(world, world.a.members[world.a.merchants[1]])
    recorded = landed(desk, post(desk, "/console/counter", {"action": "order", "member_card": card,
                                                            "amount": amount, "order_no": order_no, "go": "record"}))
    assert recorded.status_code == 200, recorded.text
    link = re.search(r'href="/console/counter/orders/(\d+)" id="result-order"', recorded.text)
    assert link, "the recorded order links to its page"
    return int(link.group(1))


def refund_form(desk: TestClient, order_id: int) -> dict[str, str]:
    page = desk.get(f"/console/counter/orders/{order_id}")
    assert page.status_code == 200
    number = re.search(r'name="refund_no" value="([^"]+)"', page.text)
    assert number
    return {"csrf": csrf_of(page.text), "refund_no": number.group(1)}


def refunds(world: World, order_id: int) -> list[dict[str, object]]:
    return ok(world.client.get(f"{API}/orders/{order_id}/refunds", headers=world.a.actors["admin2"].headers), 200)


def test_a_partial_then_a_full_refund_with_reasons_and_a_resubmit_refunds_once(world: World) -> None:
    desk = console(world.client, world.a.actors["staff2"].username)
    order_id = record_at_desk(world, desk)
    today = desk.get("/console/counter/orders")
    assert today.status_code == 200 and f'href="/console/counter/orders/{order_id}">POS-1<' in today.text
    assert "¥100.00" in today.text

    form = refund_form(desk, order_id)
    path = f"/console/counter/orders/{order_id}/refunds"
    done = desk.post(path, data={**form, "amount": "30", "reason": "顾客退一件"}, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"].startswith(f"/console/counter/orders/{order_id}?refunded=")
    shown = desk.get(done.headers["location"])
    assert '<p class="flash" role="status">已退款 ¥30.00</p>' in shown.text
    assert 'id="order-refunded">¥30.00<' in shown.text and 'id="order-remaining">¥70.00<' in shown.text
    assert "顾客退一件" in shown.text
    desk.get(done.headers["location"])  # a reload is a GET: nothing more
    again = desk.post(path, data={**form, "amount": "30", "reason": "顾客退一件"}, follow_redirects=False)
    assert again.status_code == 303  # the same form sent twice is the same refund
    assert [(r["amount_fen"], r["reason"]) for r in refunds(world, order_id)] == [(3_000, "顾客退一件")]

    form = refund_form(desk, order_id)
    too_much = desk.post(path, data={**form, "amount": "70.01", "reason": "退全部"})
    assert too_much.status_code == 422 and error_of(too_much.text, "amount") == "退款金额超过订单剩余可退金额"
    no_reason = desk.post(path, data={**form, "amount": "70", "reason": " "})
    assert no_reason.status_code == 422 and error_of(no_reason.text, "reason") == "请填写退款原因"
    assert error_of(no_reason.text, "amount") is None
    bad = desk.post(path, data={**form, "amount": "abc", "reason": "x"})
    assert bad.status_code == 422 and "金额" in (error_of(bad.text, "amount") or "")
    assert len(refunds(world, order_id)) == 1

    rest = desk.post(path, data={**form, "amount": "70.00", "reason": "退全部"}, follow_redirects=False)
    assert rest.status_code == 303
    full = desk.get(rest.headers["location"])
    assert 'id="fully-refunded"' in full.text and 'id="refund-button"' not in full.text
    assert [r["amount_fen"] for r in refunds(world, order_id)] == [3_000, 7_000]
    order = ok(world.client.get(f"{API}/orders/{order_id}", headers=world.a.actors["admin2"].headers), 200)
    assert order["refunded_fen"] == 10_000
    assert "¥100.00" in desk.get("/console/counter/orders").text  # the list shows what was refunded


def test_another_merchants_clerk_cannot_see_or_refund_the_order(world: World) -> None:
    desk = console(world.client, world.a.actors["staff2"].username)
    order_id = record_at_desk(world, desk)
    other = console(world.client, world.a.actors["staff3"].username)
    assert other.get(f"/console/counter/orders/{order_id}").status_code == 404
    assert f"/console/counter/orders/{order_id}" not in other.get("/console/counter/orders").text
    form = refund_form(desk, order_id)
    refused = other.post(f"/console/counter/orders/{order_id}/refunds",
                         data={"csrf": csrf_of(other.get("/console/counter").text), "refund_no": form["refund_no"],
                               "amount": "10", "reason": "x"})
    assert refused.status_code == 404
    missing_csrf = desk.post(f"/console/counter/orders/{order_id}/refunds",
                             data={"refund_no": form["refund_no"], "amount": "10", "reason": "x"})
    assert missing_csrf.status_code == 403
    assert console(world.client, world.a.actors["operator"].username).get(
        f"/console/counter/orders/{order_id}").status_code == 403
    assert refunds(world, order_id) == []

"""The guide (store staff) sees each of its rebates on the withdrawals page — the order, the partner merchant that
pays it, the amount, the unfreeze date and the status in words — not just totals; its merchant's admin sees its
own and its staff's; nobody else's, and never the customer."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from lianmeng.kit.clock import format_local
from lianmeng.kit.money import format_yuan
from tests.conftest import World
from tests.integration.commissions.test_rebates import agree, ok, referred_order
from tests.integration.web.console import console


def rows_of(html: str) -> dict[int, str]:
    table = html[html.index('id="rebates"'):]
    table = table[:table.index("</table>")]
    return {int(i): row for i, row in re.findall(r'<tr data-rebate="(\d+)"(.*?)</tr>', table, re.S)}


def test_the_guide_sees_each_rebate_and_its_unfreeze_date(world: World) -> None:
    agree(world)  # m1 refers customers to m2: ¥50 per head to m1's guide, 5% to m1
    m1, m2, _ = world.a.merchants
    order = referred_order(world, "GYM-0001", 100_000)
    rebates = ok(world.client.get("/api/v1/rebates", headers=world.a.actors["staff1"].headers), 200)["items"]
    [mine] = rebates
    assert (mine["payee_type"], mine["amount_fen"], mine["order_id"]) == ("staff", 5_000, order["id"])
    gym = ok(world.client.get(f"/api/v1/merchants/{m2}", headers=world.a.actors["operator"].headers), 200)["name"]
    member = ok(world.client.get(f"/api/v1/members/{world.a.members[m1]}",
                                 headers=world.a.actors["staff1"].headers), 200)
    identity = [v for v in (member.get("name"), member.get("phone_masked"), member.get("card_no")) if v]
    assert identity

    guide = console(world.client, world.a.actors["staff1"].username)
    html = guide.get("/console/withdrawals").text
    rows = rows_of(html)
    assert list(rows) == [mine["id"]]
    row = rows[mine["id"]]
    assert f"#{order['id']}" in row and "GYM-0001" in row and gym in row and "¥50.00" in row
    assert format_local(datetime.fromisoformat(mine["releases_at"])) in row  # the unfreeze date, Beijing time
    shown = re.sub(r"<[^>]*>", " ", row.split(">", 1)[1])
    assert "冻结中" in shown and "frozen" not in shown  # words, not the stored code
    assert not any(word in html for word in identity)

    # the admin of m1 sees its own 5% and its guide's; the paying gym's staff and a third merchant see none here
    admin1 = rows_of(console(world.client, world.a.actors["admin1"].username).get("/console/withdrawals").text)
    owed = [r for kind in ("staff", "merchant") for r in ok(world.client.get(
        "/api/v1/rebates", headers=world.a.actors["admin1"].headers, params={"payee_type": kind}), 200)["items"]]
    assert sorted(admin1) == sorted(r["id"] for r in owed if r["payer_merchant_id"] == m2)
    assert len(admin1) == 2 and any("¥50.00" in r and "按人头" in r for r in admin1.values())
    assert any("¥50.00" in r and "按比例 5.00%" in r for r in admin1.values())
    for who in ("staff2", "admin3"):
        assert rows_of(console(world.client, world.a.actors[who].username).get("/console/withdrawals").text) == {}

    # a partial refund reverses part of it: the page shows what is left and what was reversed
    ok(world.client.post(f"/api/v1/orders/{order['id']}/refunds", headers=world.a.actors["staff2"].headers,
                         json={"external_id": "RF-1", "amount_fen": 50_000, "reason": "退一半"}))
    [after] = ok(world.client.get("/api/v1/rebates", headers=world.a.actors["staff1"].headers), 200)["items"]
    assert 0 < after["reversed_fen"] < after["amount_fen"]
    row = rows_of(guide.get("/console/withdrawals").text)[mine["id"]]
    left = format_yuan(after["amount_fen"] - after["reversed_fen"])
    assert re.search(rf'class="num amount">{re.escape(left)}<br>', row) and "退款冲回" in row
    assert format_yuan(after["reversed_fen"]) in row

    # after the return window the job releases it: the page says so, in English too
    run_all(world.client.app.state.database_url, at=clock.now() + timedelta(days=8))
    row = rows_of(guide.get("/console/withdrawals").text)[mine["id"]]
    assert "已解冻" in row
    english = console(world.client, world.a.actors["staff1"].username)
    english.get("/lang/en")
    row = rows_of(english.get("/console/withdrawals").text)[mine["id"]]
    assert "Released" in row and "Per head" in row

"""Drilling from a statement line to the ledger entries and orders behind it (API, page, XLSX details sheet):
the entries of every line add up to it, to the fen and the count, for ordinary, late, refund and correcting
lines; line numbers run 1..n; the history is in words; a merchant sees only its own statements' lines, and never a
partner's customer."""

from __future__ import annotations

import io
import re
from typing import Any

from openpyxl import load_workbook

from tests.conftest import World
from tests.integration.web.console import console, csrf_of
from tests.scenarios.test_monthly_settlement_story import call, january, on


def settled(world: World, period: str = "2027-01", at: tuple[int, int, int] = (2, 1, 1)) -> dict[int, int]:
    """Settle `period` and issue it: merchant → statement id."""
    with on(*at):
        run = call(world, "operator", "POST", "/settlement/runs", {"period": period}, 201)
    call(world, "operator", "POST", f"/settlement/runs/{run['id']}/issue")
    return {s["merchant_id"]: s["id"]
            for s in call(world, "operator", "GET", "/statements", params={"run_id": run["id"]})["items"]}


def assert_every_line_adds_up(world: World, statement_id: int, who: str = "operator") -> dict[str, Any]:
    statement = call(world, who, "GET", f"/statements/{statement_id}")
    assert [line["number"] for line in statement["lines"]] == list(range(1, len(statement["lines"]) + 1))
    for line in statement["lines"]:
        detail = call(world, who, "GET", f"/statement-lines/{line['id']}")
        assert detail["line"] == line
        assert len(detail["entries"]) == line["entries"], line
        assert sum(e["amount_fen"] for e in detail["entries"]) == line["amount_fen"], line
    return statement


def member_identity(world: World, member_id: int) -> list[str]:
    """What would identify the gym's member: name and masked phone, card number."""
    member = call(world, "staff1", "GET", f"/members/{member_id}")
    found = [v for v in (member.get("name"), member.get("phone_masked"), member.get("card_no")) if v]
    assert found
    return found


def test_every_line_drills_down_to_its_entries_and_orders(world: World) -> None:
    facts = january(world)
    gym, centre = facts["gym"], facts["centre"]
    statements = settled(world)
    for statement_id in statements.values():
        assert_every_line_adds_up(world, statement_id)

    # the gym's commission line: the centre's order behind it, by id, receipt, merchant and amount; no member
    gym_st = assert_every_line_adds_up(world, statements[gym], "admin1")
    commission = next(line for line in gym_st["lines"] if line["cause"] == "commission")
    detail = call(world, "admin1", "GET", f"/statement-lines/{commission['id']}")
    [entry] = detail["entries"]
    centre_name = call(world, "operator", "GET", f"/merchants/{centre}")["name"]
    assert (entry["order_id"], entry["receipt"], entry["order_merchant"], entry["order_amount_fen"]) == (
        facts["order"]["id"], "SVC-0110", centre_name, 185_000)
    assert entry["cause_label"] == "推荐佣金" and entry["amount"] == "¥100.00"
    text = world.client.get(f"/api/v1/statement-lines/{commission['id']}",
                            headers=world.a.actors["admin1"].headers).text
    assert "member" not in text and not any(word in text for word in member_identity(world, facts["member"]))

    # the centre's points line: its own order; the joint-card line: no order (a card use)
    centre_st = call(world, "admin2", "GET", f"/statements/{statements[centre]}")
    points = next(line for line in centre_st["lines"] if line["cause"] == "order")
    entries = call(world, "admin2", "GET", f"/statement-lines/{points['id']}")["entries"]
    assert [e["receipt"] for e in entries] == ["SVC-0110"]
    card_use = next(line for line in gym_st["lines"] if line["cause"] == "joint_card_use")
    entries = call(world, "admin1", "GET", f"/statement-lines/{card_use['id']}")["entries"]
    assert entries and all(e["order_id"] is None for e in entries)

    # only the statement's readers: not another merchant (as if the line did not exist), not store staff
    call(world, "admin2", "GET", f"/statement-lines/{commission['id']}", status=404)
    foreign = call(world, "admin1", "GET", f"/statement-lines/{points['id']}", status=404)
    assert call(world, "admin1", "GET", "/statement-lines/999999", status=404) == foreign
    call(world, "staff1", "GET", f"/statement-lines/{commission['id']}", status=404)
    english = world.client.get(f"/api/v1/statement-lines/{commission['id']}",
                               headers={**world.a.actors["admin1"].headers, "Accept-Language": "en"}).json()
    assert english["entries"][0]["cause_label"] == "Referral commissions"


def test_a_correction_and_the_history_drill_down_and_export(world: World) -> None:
    facts = january(world)
    gym, centre = facts["gym"], facts["centre"]
    statements = settled(world)
    gym_st = call(world, "admin1", "GET", f"/statements/{statements[gym]}")
    commission = next(line for line in gym_st["lines"] if line["cause"] == "commission")
    call(world, "admin1", "POST", f"/statements/{statements[gym]}/dispute",
         {"reason": "佣金少算 ¥1.00", "line_ids": [commission["id"]]})
    with on(2, 3):
        adjusted = call(world, "operator", "POST", f"/statements/{statements[gym]}/adjustments", {"adjustments": [
            {"line_id": commission["id"], "amount_fen": 100, "note": "佣金补差"}]})
    correction = adjusted["lines"][-1]
    assert correction["number"] == len(adjusted["lines"]) and correction["adjusts_line_number"] == commission["number"]
    assert adjusted["events"][1]["line_numbers"] == [commission["number"]]
    assert_every_line_adds_up(world, statements[gym])
    assert_every_line_adds_up(world, statements[centre])  # the mirrored correction too
    mirrored = call(world, "admin2", "GET", f"/statements/{statements[centre]}")["events"][-1]
    assert (mirrored["action"], mirrored["mirror_of"], mirrored["reason"]) == ("adjust", statements[gym], "")
    centre_page = console(world.client, world.a.actors["admin2"].username).get(
        f"/console/money/statements/{statements[centre]}").text
    history = centre_page[centre_page.index('id="events"'):]
    assert f"对账单 #{statements[gym]} 的调整分录记入本单" in history and f"statement {statements[gym]}" not in history
    [entry] = call(world, "admin1", "GET", f"/statement-lines/{correction['id']}")["entries"]
    assert (entry["posting_id"], entry["amount_fen"], entry["cause_label"]) == (correction["posting_id"], 100,
                                                                               "对账调整")

    # the XLSX: the statement, one details row per entry (its total is the net), the history in words
    book = load_workbook(io.BytesIO(call(world, "admin1", "GET", f"/statements/{statements[gym]}/export").content))
    main, details, history = book.worksheets
    numbers = [main.cell(row=r, column=1).value for r in range(5, main.max_row)]
    assert numbers == list(range(1, len(adjusted["lines"]) + 1))
    assert [c.value for c in details[3]][:6] == ["行号", "记账时间", "事项", "分录号", "订单号", "小票号"]
    rows = [[c.value for c in row] for row in details.iter_rows(min_row=5, max_row=details.max_row - 1)]
    assert len(rows) == sum(line["entries"] for line in adjusted["lines"])
    assert sorted({r[0] for r in rows}) == list(range(1, len(adjusted["lines"]) + 1))
    assert details.cell(row=details.max_row, column=11).value == adjusted["net_fen"] / 100
    commission_rows = [r for r in rows if r[0] == commission["number"]]
    assert [(r[4], r[5]) for r in commission_rows] == [(facts["order"]["id"], "SVC-0110")]
    said = [[c.value for c in row] for row in history.iter_rows(min_row=5, max_row=history.max_row - 1)]
    assert [r[3] for r in said] == ["出具 Issued", "提出异议 Disputed", "调整 Corrected"]
    assert said[1][2] == "商户 Merchant" and said[1][6] == str(commission["number"])
    assert said[1][4:6] == ["已出具 Issued", "有异议 Disputed"]
    flat = " ".join(str(v) for r in said for v in r)
    assert not re.search(r"\b(issue|dispute|adjust|issued|disputed|adjusted)\b", flat.replace("Issued", "")
                         .replace("Disputed", "").replace("Corrected", "").replace("Adjusted", ""))
    identity = member_identity(world, facts["member"])
    for sheet in book.worksheets:
        cells = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
        assert not any(word in cells for word in identity)


def test_late_and_refund_lines_drill_down_to_their_orders(world: World) -> None:
    facts = january(world)
    gym, centre = facts["gym"], facts["centre"]
    january_statements = settled(world)
    with on(1, 31, 23, 50):
        late_order = call(world, "staff2", "POST", "/orders", {
            "external_id": "SVC-0131", "member_id": facts["member"], "amount_fen": 20_000,
            "referrer_merchant_id": gym}, 201)
    with on(2, 20):
        refund = call(world, "staff2", "POST", f"/orders/{facts['order']['id']}/refunds",
                      {"external_id": "RF-0220", "amount_fen": 85_000, "reason": "部分项目未做"}, 201)
    with on(2, 10):  # the same kinds of lines again in February: January's lines must not take them
        call(world, "staff2", "POST", "/orders", {
            "external_id": "SVC-0210", "member_id": facts["member"], "amount_fen": 50_000,
            "referrer_merchant_id": gym, "referrer_staff_id": facts["guide"]}, 201)
    february = settled(world, "2027-02", (3, 1, 1))
    for statement_id in [*february.values(), *january_statements.values()]:
        assert_every_line_adds_up(world, statement_id)
    centre_feb = call(world, "admin2", "GET", f"/statements/{february[centre]}")
    [late] = [line for line in centre_feb["lines"] if line["late"]]
    entries = call(world, "admin2", "GET", f"/statement-lines/{late['id']}")["entries"]
    assert {(e["order_id"], e["receipt"]) for e in entries} == {(late_order["id"], "SVC-0131")}
    gym_feb = call(world, "admin1", "GET", f"/statements/{february[gym]}")
    refund_line = next(line for line in gym_feb["lines"] if line["cause"] == "refund")
    entries = call(world, "admin1", "GET", f"/statement-lines/{refund_line['id']}")["entries"]
    assert {(e["refund_id"], e["order_id"], e["receipt"]) for e in entries} == {
        (refund["id"], facts["order"]["id"], "SVC-0110")}


def test_the_line_page_shows_numbers_entries_and_history_in_words(world: World) -> None:
    facts = january(world)
    gym = facts["gym"]
    statements = settled(world)
    gym_st = call(world, "admin1", "GET", f"/statements/{statements[gym]}")
    admin1 = console(world.client, world.a.actors["admin1"].username)
    page = admin1.get(f"/console/money/statements/{statements[gym]}").text
    links = re.findall(r'href="/console/money/lines/(\d+)"[^>]*>(\d+)</a>', page)
    assert [(int(i), int(n)) for i, n in links] == [(line["id"], line["number"]) for line in gym_st["lines"]]
    commission = next(line for line in gym_st["lines"] if line["cause"] == "commission")
    admin1.post(f"/console/money/statements/{statements[gym]}/dispute", data={
        "csrf": csrf_of(page), "reason": "佣金不对", "line_ids": str(commission["id"])})
    page = admin1.get(f"/console/money/statements/{statements[gym]}").text
    history = page[page.index('id="events"'):]
    assert "商户" in history and "提出异议" in history and f"第 {commission['number']} 行" in history
    assert "(dispute)" not in history and ">dispute<" not in history

    line_page = admin1.get(f"/console/money/lines/{commission['id']}")
    assert line_page.status_code == 200
    assert "SVC-0110" in line_page.text and "推荐佣金" in line_page.text
    assert re.search(r'id="entries-total">¥100\.00<', line_page.text)
    assert not any(word in line_page.text for word in member_identity(world, facts["member"]))
    admin2 = console(world.client, world.a.actors["admin2"].username, raise_server_exceptions=False)
    assert admin2.get(f"/console/money/lines/{commission['id']}").status_code == 404
    staff = console(world.client, world.a.actors["staff1"].username, raise_server_exceptions=False)
    assert staff.get(f"/console/money/lines/{commission['id']}").status_code == 403

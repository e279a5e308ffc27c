"""The dashboard and the operator's alliance view without a browser: who may see which merchant's figures, what the
figures are for a known story, the period's errors next to the fields, and the export files."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, time

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from lianmeng.kit import clock
from lianmeng.referrals import rollup
from lianmeng.referrals.models import ReferralRollupState
from tests.conftest import World
from tests.integration.referrals.story import write_story
from tests.integration.web.console import console as login

STORY = "period=custom&date_from=2025-11-03&date_to=2025-11-16"


def console(world: World, username: str) -> TestClient:
    return login(world.client, username, raise_server_exceptions=False)


def figure(html: str, ident: str) -> str:
    found = re.search(rf'id="{ident}">([^<]*)<', html)
    assert found, f"#{ident} is not on the page"
    return found.group(1)


def test_a_merchant_admin_sees_its_own_dashboard_only(world: World, session: Session) -> None:
    write_story(session, world.a, world.b)
    m1, m2, m3 = world.a.merchants
    centre = console(world, world.a.actors["admin2"].username)
    page = centre.get(f"/console/dashboard?{STORY}")
    assert page.status_code == 200, page.text
    # m2 received R1..R5 from m1 (3 converted: ¥500 + ¥600 + ¥750), 10 coupons were issued for it
    assert figure(page.text, "merchant-name") == "alpha merchant 2"
    assert (figure(page.text, "fig-referrals-in"), figure(page.text, "fig-arrivals"),
            figure(page.text, "fig-conversions")) == ("10", "5", "3")
    assert figure(page.text, "fig-revenue") == "¥1,850.00"
    assert figure(page.text, "fig-rate") == "60.0%"
    # cost: 5 arrivals × ¥20 discount + (¥30 + ¥20 + ¥30) commission + 3 × ¥10 incentive = ¥210 for 3 → ¥70
    assert figure(page.text, "fig-cac") == "¥70.00"
    assert figure(page.text, "cac-share") == "35.0%"  # of the ¥200 paid-ads benchmark
    assert page.text.count('class="chart-bar"') > 0 and 'class="chart chart-hbars"' in page.text

    assert centre.get(f"/console/dashboard?merchant_id={m1}").status_code == 403
    assert centre.get(f"/console/dashboard?merchant_id={m2}&{STORY}").status_code == 200
    assert centre.get("/console/dashboard?merchant_id=abc").status_code == 404
    assert centre.get(f"/console/dashboard/export?merchant_id={m1}&format=csv").status_code == 403

    # m3 is a party to its own exchange with m1 only: none of m1 → m2's money shows on its page
    school = console(world, world.a.actors["admin3"].username)
    page = school.get(f"/console/dashboard?{STORY}")
    assert figure(page.text, "fig-referrals-out") == "2" and figure(page.text, "fig-sent-arrivals") == "1"
    assert figure(page.text, "fig-revenue") == "¥0.00" and "¥1,850.00" not in page.text
    assert "alpha merchant 2" not in page.text.split('id="top-partners"')[-1].split("</table>")[0]
    assert m3 == world.a.actors["admin3"].merchant_id


def test_the_operator_chooses_any_merchant_of_its_alliance(world: World, session: Session) -> None:
    write_story(session, world.a, world.b)
    m2 = world.a.merchants[1]
    operator = console(world, world.a.actors["operator"].username)
    chooser = operator.get("/console/dashboard")
    assert chooser.status_code == 200 and 'id="choose-merchant"' in chooser.text
    page = operator.get(f"/console/dashboard?merchant_id={m2}&{STORY}")
    assert page.status_code == 200
    assert figure(page.text, "fig-revenue") == "¥1,850.00" and figure(page.text, "fig-arrivals") == "5"
    assert operator.get(f"/console/dashboard?merchant_id={world.b.merchants[0]}").status_code == 404

    overview = operator.get(f"/console/operator?{STORY}")
    assert overview.status_code == 200, overview.text
    assert figure(overview.text, "tot-arrivals") == "6" and figure(overview.text, "tot-revenue") == "¥1,850.00"
    assert overview.text.count('class="cell"') == 9  # 3 × 3 merchants
    assert 'data-row="alpha merchant 1" data-col="alpha merchant 2" data-value="5"' in overview.text
    assert 'data-row="alpha merchant 3" data-col="alpha merchant 1" data-value="1"' in overview.text
    assert overview.text.count('class="node"') == 3 and 'class="edge edge-draft"' in overview.text
    assert f'href="/console/dashboard?merchant_id={m2}&amp;period=custom' in overview.text
    assert "beta merchant" not in overview.text

    operator.cookies.set("lm_lang", "en")
    english = operator.get(f"/console/operator?{STORY}")
    assert english.status_code == 200 and "Alliance flow matrix" in english.text and "Agreement network" in english.text
    english = operator.get(f"/console/dashboard?merchant_id={m2}&{STORY}")
    assert "Revenue from the alliance" in english.text and "Weekly referral funnel" in english.text


def test_both_pages_say_when_the_rolled_up_figures_were_counted(world: World, session: Session) -> None:
    write_story(session, world.a, world.b)
    operator = console(world, world.a.actors["operator"].username)
    before = clock.now()
    live = operator.get(f"/console/operator?{STORY}")  # no rollup yet: the base tables answer, as of now
    assert figure(live.text, "as-of").startswith("数据截至 ")
    assert figure(live.text, "as-of").split()[1][:5] in {clock.format_local_clock(at)[:5]
                                                        for at in (before, clock.now())}

    rollup.refresh(session, world.a.alliance_id)
    state = session.get(ReferralRollupState, world.a.alliance_id)
    assert state is not None
    today = clock.today_in_shanghai()
    state.as_of = datetime.combine(today, time(0, 5), clock.SHANGHAI).astimezone(UTC)
    session.commit()
    overview = operator.get(f"/console/operator?{STORY}")
    assert figure(overview.text, "as-of").startswith("数据截至 00:05(北京时间)")
    assert figure(overview.text, "tot-arrivals") == "6"  # the rollup's figures are the base tables'
    page = console(world, world.a.actors["admin2"].username).get(f"/console/dashboard?{STORY}")
    assert figure(page.text, "as-of").startswith("数据截至 00:05(北京时间)")
    assert figure(page.text, "fig-revenue") == "¥1,850.00"

    state.as_of = datetime(2025, 11, 20, 0, 30, tzinfo=UTC)  # a job stalled for days: the date shows
    session.commit()
    operator.cookies.set("lm_lang", "en")
    english = operator.get(f"/console/dashboard?merchant_id={world.a.merchants[1]}&{STORY}")
    assert figure(english.text, "as-of").startswith("Data as of 2025-11-20 08:30 (Beijing time)")


def test_merchant_side_logins_get_the_403_page_for_the_operator_view(world: World) -> None:
    for actor in ("admin1", "staff1"):
        page = console(world, world.a.actors[actor].username).get("/console/operator")
        assert page.status_code == 403 and "text/html" in page.headers["content-type"]
        assert "无权执行此操作" in page.text
    anonymous = TestClient(world.client.app).get("/console/dashboard", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")


def test_store_staff_see_their_merchant_and_their_own_rebates(world: World, session: Session) -> None:
    write_story(session, world.a, world.b)
    guide = console(world, world.a.actors["staff1"].username)
    page = guide.get(f"/console/dashboard?{STORY}")
    assert page.status_code == 200
    assert figure(page.text, "merchant-name") == "alpha merchant 1"
    assert figure(page.text, "fig-referrals-out") == "10" and figure(page.text, "fig-sent-arrivals") == "5"
    assert 'id="rebate-frozen"' in page.text


def test_bad_dates_are_explained_next_to_their_field(world: World) -> None:
    client = console(world, world.a.actors["admin1"].username)
    page = client.get("/console/dashboard?period=custom&date_from=2025-02-30&date_to=2025-03-01")
    assert page.status_code == 422
    assert re.search(r'id="e-date_from" role="alert">日期格式不正确', page.text)
    page = client.get("/console/dashboard?period=custom&date_from=2025-03-05&date_to=2025-03-01")
    assert page.status_code == 422
    assert re.search(r'id="e-date_to" role="alert">开始日期\(2025-03-05\)晚于结束日期\(2025-03-01\)', page.text)
    page = client.get("/console/dashboard?period=custom&date_from=2020-01-01&date_to=2025-03-01")
    assert page.status_code == 422 and 'id="e-date_from"' in page.text and "最长 366 天" in page.text
    assert client.get("/console/dashboard?period=week").status_code == 200


def test_no_period_is_replaced_silently(world: World) -> None:
    """An unknown period, or dates with this week / this month, used to show this month without a word; the export
    refused a wrong date with a bare "invalid request". Each is now said, next to its field or in the answer."""
    client = console(world, world.a.actors["admin1"].username)
    page = client.get("/console/dashboard?period=nonsense")
    assert page.status_code == 422 and re.search(r'id="e-period" role="alert">没有这种统计期间', page.text)
    assert 'id="fig-arrivals"' not in page.text  # no figures of some other period
    page = client.get("/console/dashboard?period=month&date_from=2025-03-01&date_to=2025-03-31")
    assert page.status_code == 422 and re.search(r'id="e-date_from" role="alert">本周、本月不使用日期', page.text)
    # dates without a period are the custom dates they say, not this month
    page = client.get("/console/dashboard?date_from=2025-03-01&date_to=2025-03-31")
    assert page.status_code == 200 and re.search(r'id="period-range">2025-03-01 至 2025-03-31<', page.text)
    page = client.get("/console/operator?period=nonsense", follow_redirects=False)
    assert page.status_code == 403  # admin1 is no operator; the operator's page below
    operator = console(world, world.a.actors["operator"].username)
    page = operator.get("/console/operator?period=custom&date_from=2025-03-05&date_to=2025-03-01")
    assert page.status_code == 422 and 'id="e-date_to"' in page.text and 'id="tot-arrivals"' not in page.text

    export = client.get("/console/dashboard/export?period=custom&date_from=x")
    assert export.status_code == 422 and "日期格式不正确" in export.text
    export = client.get("/console/dashboard/export?period=custom&date_from=2025-03-05&date_to=2025-03-01")
    assert export.status_code == 422 and "2025-03-05" in export.text
    assert client.get("/console/dashboard/export?format=pdf").status_code == 422
    api = world.client.get("/api/v1/referrals/funnel?date_from=2025-03-05&date_to=2025-03-01",
                           headers=world.a.actors["admin1"].headers)
    assert api.status_code == 422 and api.json()["error"]["code"] == "report_range_inverted"
    api = world.client.get("/api/v1/referrals/funnel?date_from=2025-02-30", headers=world.a.actors["admin1"].headers)
    assert api.status_code == 422
    api = world.client.get("/api/v1/referrals/funnel?date_from=2020-01-01&date_to=2025-03-01",
                           headers=world.a.actors["admin1"].headers)
    assert api.status_code == 422 and api.json()["error"]["code"] == "report_range_too_long"


def test_the_export_is_the_funnel_sheet_week_by_week(world: World, session: Session) -> None:
    write_story(session, world.a, world.b)
    centre = console(world, world.a.actors["admin2"].username)
    response = centre.get(f"/console/dashboard/export?format=csv&{STORY}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["引流漏斗 Referral funnel"] and "2025-11-03 – 2025-11-16" in rows[1][0]
    assert rows[2][:4] == ["周 / 期间 Week / period", "起始日(北京时间) Starts (Beijing)", "推荐商户 Referrer",
                           "接待商户 Receiver"]
    body = {(r[0], r[2], r[3]): dict(zip(rows[2], r, strict=True)) for r in rows[3:-1]}
    # the week column is filled: m1 → m2 in W45 (3 arrivals, 2 bought) and W46 (2 arrivals, 1 bought)
    w45 = body[("2025-W45", "alpha merchant 1", "alpha merchant 2")]
    assert w45["起始日(北京时间) Starts (Beijing)"] == "2025-11-03"
    assert (w45["到店 Arrived"], w45["成交 Converted"]) == ("3", "2")
    assert body[("2025-W46", "alpha merchant 1", "alpha merchant 2")]["到店 Arrived"] == "2"
    total = dict(zip(rows[2], rows[-1], strict=True))
    assert total["周 / 期间 Week / period"] == "合计 Total"
    assert total["联盟带来的营业额(元) Revenue the alliance brought (¥)"] == "1,850.00"
    api = world.client.get("/api/v1/referrals/funnel/export?format=csv&group=week&date_from=2025-11-03"
                           "&date_to=2025-11-16&receiving_merchant_id=2", headers=world.a.actors["admin2"].headers)
    assert api.status_code == 200 and api.content.splitlines()[2:] == response.content.splitlines()[2:]

    response = centre.get(f"/console/dashboard/export?format=xlsx&{STORY}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[3]][:4] == ["周 / 期间", "起始日(北京时间)", "推荐商户", "接待商户"]
    assert [c.value for c in sheet[4]][:2] == ["Week / period", "Starts (Beijing)"]
    assert all(sheet.cell(row=r, column=1).value for r in range(5, sheet.max_row + 1))
    assert sheet.cell(row=sheet.max_row, column=1).value == "合计 Total"

    operator = console(world, world.a.actors["operator"].username)
    m2 = world.a.merchants[1]
    same = operator.get(f"/console/dashboard/export?format=csv&merchant_id={m2}&{STORY}")
    assert same.status_code == 200 and same.content.splitlines()[2:] == response_csv_lines(centre)


def response_csv_lines(client: TestClient) -> list[bytes]:
    return client.get(f"/console/dashboard/export?format=csv&{STORY}").content.splitlines()[2:]

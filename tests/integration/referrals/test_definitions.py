"""Each figure counts one population (referrals.domain.FIGURES): the funnel follows the coupons handed out in the
period, so it never narrows the wrong way; the revenue the alliance brought is every order credited to a partner,
the first and the later ones, the same on every page, file and answer that shows it."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy.orm import Session

from lianmeng.coupons.models import CouponTemplate
from lianmeng.orders.models import Order
from tests.conftest import World
from tests.integration.referrals.story import Story, _arrive, _order, coupon, sh, template
from tests.integration.referrals.test_reports import PERIOD, ok, pairs
from tests.integration.web.console import console
from tests.integration.web.test_reports_pages import STORY, figure

DECEMBER = {"date_from": "2025-12-01", "date_to": "2025-12-31"}
NOVEMBER = {"date_from": "2025-11-01", "date_to": "2025-11-30"}


def assert_monotone(row: dict[str, Any]) -> None:
    assert row["issued"] >= row["claimed"] >= row["arrived"] >= row["converted"], row


def a_month_of_late_arrivals(world: World, session: Session) -> None:
    """m1 refers its member to m2. Two coupons handed out on 25 November arrive on 3 December (one buys ¥300); an
    alliance-wide voucher of the operator, handed out by m1 on 2 December, is used at m2 on 4 December; one coupon
    handed out on 5 December is not claimed. By the old counts m2's December had 1 referral and 3 arrivals."""
    alliance = world.a.alliance_id
    m1, m2, _ = world.a.merchants
    member, guide = world.a.members[m1], world.a.staff[m1]
    own = template(session, alliance, m2)
    voucher = CouponTemplate(alliance_id=alliance, owner_merchant_id=None, funded_by_merchant_id=None,
                             name="联盟通用券", kind="amount_off", amount_fen=2_000, acceptance="alliance")
    session.add(voucher)
    session.flush()
    early = [coupon(session, alliance, own, member, sh(25, 10), True, m1, guide, m2) for _ in range(2)]
    order = _order(session, alliance, m2, member, 30_000, sh(3, 11, month=12), m1, guide)
    _arrive(session, early[0], m2, sh(3, 11, month=12), order_id=order)
    _arrive(session, early[1], m2, sh(3, 12, month=12))
    alliance_wide = coupon(session, alliance, voucher.id, member, sh(2, 10, month=12), False, m1, guide, None)
    _arrive(session, alliance_wide, m2, sh(4, 10, month=12))
    coupon(session, alliance, own, member, sh(5, 10, month=12), False, m1, guide, m2)
    session.commit()


def test_the_funnel_follows_one_cohort_so_arrivals_never_exceed_referrals(world: World, session: Session) -> None:
    a_month_of_late_arrivals(world, session)
    m1, m2, _ = world.a.merchants
    december = pairs(ok(world, "operator", "/referrals/funnel", receiving_merchant_id=m2, **DECEMBER))
    row = december[None, m1, m2]
    # December's coupons: the voucher (received where it was used) and the unclaimed one; using a coupon claims it
    assert (row["issued"], row["claimed"], row["arrived"], row["converted"]) == (2, 1, 1, 0)
    assert_monotone(row)
    # the ¥300 order was placed in December: December's revenue, though its coupon is November's
    assert row["revenue_fen"] == 30_000 and row["first_order_fen"] == 0
    november = pairs(ok(world, "operator", "/referrals/funnel", receiving_merchant_id=m2, **NOVEMBER))[None, m1, m2]
    assert (november["issued"], november["claimed"], november["arrived"], november["converted"]) == (2, 2, 2, 1)
    assert november["first_order_fen"] == 30_000 and november["revenue_fen"] == 0
    for week in pairs(ok(world, "admin2", "/referrals/funnel", group="week", date_from="2025-11-17",
                         date_to="2025-12-31")).values():
        assert_monotone(week)

    centre = console(world.client, world.a.actors["admin2"].username)
    page = centre.get("/console/dashboard?period=custom&date_from=2025-12-01&date_to=2025-12-31")
    assert page.status_code == 200
    assert (figure(page.text, "fig-referrals-in"), figure(page.text, "fig-arrivals"),
            figure(page.text, "fig-conversions")) == ("2", "1", "0")
    assert figure(page.text, "fig-revenue") == "¥300.00"
    # the referrer sees the same pair the same way
    gym = console(world.client, world.a.actors["admin1"].username)
    page = gym.get("/console/dashboard?period=custom&date_from=2025-12-01&date_to=2025-12-31")
    assert (figure(page.text, "fig-referrals-out"), figure(page.text, "fig-sent-arrivals")) == ("2", "1")
    # the leaderboard counts the same cohort
    board = ok(world, "admin1", "/referrals/leaderboard", by="merchant", period="month", at="2025-12-15")
    assert [(r["id"], r["referrals"], r["arrivals"], r["conversions"]) for r in board["items"]] == [(m1, 2, 1, 0)]


def a_later_order(world: World, session: Session) -> None:
    """The story's member comes back to m2 on Fri 14 Nov without a coupon and spends ¥400, of which ¥50 is refunded;
    the attribution rule credited the order to m1, as the counter shows it."""
    m1, m2, _ = world.a.merchants
    later = _order(session, world.a.alliance_id, m2, world.a.members[m1], 40_000, sh(14, 18), m1, world.a.staff[m1])
    row = session.get(Order, later)
    assert row is not None
    row.refunded_fen = 5_000
    session.commit()


def test_a_referred_members_later_order_is_revenue_the_alliance_brought(world: World, session: Session,
                                                                         story: Story) -> None:
    a_later_order(world, session)
    m1, m2, _ = world.a.merchants
    row = pairs(ok(world, "operator", "/referrals/funnel", **PERIOD))[None, m1, m2]
    assert row["revenue_fen"] == 185_000 + 35_000  # first orders and the later one, net of its refund
    assert (row["first_order_fen"], row["avg_first_order_fen"], row["converted"]) == (185_000, 61_667, 3)
    for who in ("admin1", "admin2"):  # both parties of the pair see it
        assert pairs(ok(world, who, "/referrals/funnel", **PERIOD))[None, m1, m2]["revenue_fen"] == 220_000
    assert (None, m1, m2) not in pairs(ok(world, "admin3", "/referrals/funnel", **PERIOD))
    flows = ok(world, "operator", "/referrals/flows", **PERIOD)
    assert {m["merchant_id"]: m["revenue_in_fen"] for m in flows["merchants"]}[m2] == 220_000
    cell = next(c for c in flows["items"] if (c["referrer_merchant_id"], c["receiving_merchant_id"]) == (m1, m2))
    assert cell["revenue_fen"] == 220_000 and cell["arrived"] == 5

    centre = console(world.client, world.a.actors["admin2"].username)
    page = centre.get(f"/console/dashboard?{STORY}")
    assert figure(page.text, "fig-revenue") == "¥2,200.00"
    assert "¥2,200.00" in page.text.split('id="top-partners"')[1].split("</table>")[0]
    operator = console(world.client, world.a.actors["operator"].username)
    overview = operator.get(f"/console/operator?{STORY}")
    assert figure(overview.text, "tot-revenue") == "¥2,200.00"
    assert f'data-merchant="{m2}"' in overview.text and "¥2,200.00" in overview.text.split(
        f'data-merchant="{m2}"')[1].split("</tr>")[0]
    export = centre.get(f"/console/dashboard/export?format=csv&{STORY}")
    lines = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    total = dict(zip(lines[2], lines[-1], strict=True))
    assert total["联盟带来的营业额(元) Revenue the alliance brought (¥)"] == "2,200.00"

"""A consistent referral story written straight into the database (the coupon service is built elsewhere), with
times chosen around the Asia/Shanghai week and period boundaries.

Alliance A, November 2025 (2025-W45 = Mon 3 – Sun 9, 2025-W46 = Mon 10 – Sun 16), member mb1 (m1's customer):

* m1's guide sf1 hands out 10 coupons of m2's template in the report period 3–16 Nov:
  - W45: 6 (one at Mon 3 Nov 00:30 Shanghai = Sun 2 Nov 16:30 UTC), 5 of them claimed;
  - W46: 4 (one at Mon 10 Nov 00:30 Shanghai = Sun 9 Nov 16:30 UTC, one at Sun 16 Nov 23:30), 3 claimed;
  and two more just outside: Sun 2 Nov 23:30 and Mon 17 Nov 00:10 Shanghai (unclaimed).
* 5 arrive at m2 (¥20 discount each): R1, R2, R3 on Wed 5 Nov; R4, R5 on Wed 12 Nov.
* 3 convert: R1 ¥500, R2 ¥600, R4 ¥750 (¥1,850 in all). Each order pays m1 a ¥30 commission (R1's partly
  reversed by ¥10), sf1 a ¥10 incentive and the operator ¥5 (not an acquisition cost).
* m3's guide sf3 hands out 2 coupons of m1's template (Tue 4 Nov), both claimed; one arrives at m1 (Thu 6 Nov, ¥20
  discount), no order.

Alliance B: its merchant refers one coupon to itself, which arrives (Wed 5 Nov): a row only B may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import count
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from lianmeng.agreements.models import Agreement
from lianmeng.commissions.models import Rebate
from lianmeng.coupons.models import Coupon, CouponTemplate, Redemption
from lianmeng.orders.models import Order

if TYPE_CHECKING:
    from tests.conftest import Side

SH = ZoneInfo("Asia/Shanghai")
_codes = count(1)


def sh(day: int, hour: int = 12, minute: int = 0, month: int = 11) -> datetime:
    """A Shanghai wall-clock time in 2025, as aware UTC."""
    return datetime(2025, month, day, hour, minute, tzinfo=SH).astimezone(UTC)


@dataclass
class Story:
    redemptions: dict[str, int] = field(default_factory=dict)  # "R1".."R5", "R_m3", "R_b"
    orders: dict[str, int] = field(default_factory=dict)


def template(s: Session, alliance_id: int, owner: int) -> int:
    t = CouponTemplate(alliance_id=alliance_id, owner_merchant_id=owner, funded_by_merchant_id=owner,
                       name=f"券 of {owner}", kind="amount_off", amount_fen=2_000)
    s.add(t)
    s.flush()
    return t.id


def coupon(s: Session, alliance_id: int, template_id: int, member: int, issued: datetime, claimed: bool,
            referrer: int | None, staff: int | None, target: int | None) -> Coupon:
    c = Coupon(alliance_id=alliance_id, template_id=template_id, member_id=member, code=f"LMC{next(_codes):08d}",
               issued_at=issued, claimed_at=issued if claimed else None, valid_from=issued, uses_left=1,
               referrer_merchant_id=referrer, referrer_staff_id=staff, target_merchant_id=target)
    s.add(c)
    s.flush()
    return c


def _arrive(s: Session, used: Coupon, merchant: int, at: datetime, discount_fen: int = 2_000,
            order_id: int | None = None) -> int:
    r = Redemption(alliance_id=used.alliance_id, coupon_id=used.id, use_no=1, member_id=used.member_id,
                   merchant_id=merchant, referrer_merchant_id=used.referrer_merchant_id,
                   referrer_staff_id=used.referrer_staff_id, bill_fen=discount_fen * 10, discount_fen=discount_fen,
                   cost_fen=discount_fen,
                   funded_by_merchant_id=used.target_merchant_id, order_id=order_id, at=at)
    used.uses_left = 0
    s.add(r)
    s.flush()
    return r.id


def _order(s: Session, alliance_id: int, merchant: int, member: int, amount_fen: int, at: datetime,
           referrer: int, staff: int) -> int:
    o = Order(alliance_id=alliance_id, merchant_id=merchant, member_id=member, external_id=f"O-{next(_codes)}",
              amount_fen=amount_fen, cash_fen=amount_fen, referrer_merchant_id=referrer, referrer_staff_id=staff,
              created_at=at)
    s.add(o)
    s.flush()
    return o.id


def _rebate(s: Session, order_id: int, agreement: int, alliance_id: int, member: int, payer: int, payee_type: str,
            payee_id: int, amount_fen: int, at: datetime, reversed_fen: int = 0) -> None:
    s.add(Rebate(alliance_id=alliance_id, order_id=order_id, agreement_id=agreement, member_id=member,
                 payer_merchant_id=payer, payee_type=payee_type, payee_id=payee_id, amount_fen=amount_fen,
                 reversed_fen=reversed_fen, reason="test", status="frozen", releases_at=at, created_at=at))


def write_story(s: Session, a: Side, b: Side) -> Story:
    """`a`, `b`: the two alliances of conftest's `world`."""
    story = Story()
    alliance = a.alliance_id
    m1, m2, m3 = a.merchants
    sf1, sf3 = a.staff[m1], a.staff[m3]
    member = a.members[m1]
    agreement = Agreement(alliance_id=alliance, title="m1 × m2", merchant_a_id=m1, merchant_b_id=m2,
                          valid_from=date(2025, 1, 1))
    s.add(agreement)
    s.flush()
    t2, t1 = template(s, alliance, m2), template(s, alliance, m1)

    def give(issued: datetime, claimed: bool) -> Coupon:
        return coupon(s, alliance, t2, member, issued, claimed, m1, sf1, m2)

    w45 = [give(sh(3, 0, 30), True), give(sh(4, 9), True), give(sh(4, 10), True), give(sh(4, 11), True),
           give(sh(5, 9), True), give(sh(9, 22), False)]
    w46 = [give(sh(10, 0, 30), True), give(sh(11, 9), True), give(sh(11, 10), True), give(sh(16, 23, 30), False)]
    give(sh(2, 23, 30), False)
    give(sh(17, 0, 10), False)

    plan = [("R1", w45[1], sh(5, 10), 50_000, 1_000), ("R2", w45[2], sh(5, 11), 60_000, 0),
            ("R3", w45[3], sh(5, 12), None, 0), ("R4", w46[1], sh(12, 10), 75_000, 0),
            ("R5", w46[2], sh(12, 11), None, 0)]
    for name, used, at, amount, reversed_fen in plan:
        order_id = None
        if amount is not None:
            order_id = _order(s, alliance, m2, member, amount, at, m1, sf1)
            story.orders[name] = order_id
            _rebate(s, order_id, agreement.id, alliance, member, m2, "merchant", m1, 3_000, at, reversed_fen)
            _rebate(s, order_id, agreement.id, alliance, member, m2, "staff", sf1, 1_000, at)
            _rebate(s, order_id, agreement.id, alliance, member, m2, "operator", 0, 500, at)
        story.redemptions[name] = _arrive(s, used, m2, at, order_id=order_id)

    from_m3 = [coupon(s, alliance, t1, member, sh(4, 15), True, m3, sf3, m1) for _ in range(2)]
    story.redemptions["R_m3"] = _arrive(s, from_m3[0], m1, sh(6, 15))

    bm = b.merchants[0]
    b_alliance = b.alliance_id
    tb = template(s, b_alliance, bm)
    cb = coupon(s, b_alliance, tb, b.members[bm], sh(5, 9), True, bm, b.staff[bm], bm)
    story.redemptions["R_b"] = _arrive(s, cb, bm, sh(5, 10))
    s.commit()
    return story

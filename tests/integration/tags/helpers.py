"""Writing purchase data straight into the tables (the rules read them as they are; going through the order API
would only slow the tests) and reading tags back."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.coupons.models import Coupon, CouponTemplate, Redemption
from lianmeng.orders.models import Order
from lianmeng.tags.models import MemberTag, TagDefinition

_serial = itertools.count(1)


def add_order(session: Session, alliance_id: int, merchant_id: int, member_id: int, at: datetime,
              *items: str, referrer: int | None = None) -> Order:
    order = Order(alliance_id=alliance_id, merchant_id=merchant_id, member_id=member_id,
                  external_id=f"t-{next(_serial)}", amount_fen=10_000 * max(len(items), 1),
                  cash_fen=10_000 * max(len(items), 1), items=[{"name": i, "quantity": 1, "unit_price_fen": 10_000}
                                                               for i in items],
                  referrer_merchant_id=referrer, created_at=at)
    session.add(order)
    session.flush()
    return order


def add_arrival(session: Session, alliance_id: int, merchant_id: int, member_id: int, at: datetime,
                referrer: int | None) -> Redemption:
    """A coupon arrival without an order (到店, not yet 成交)."""
    template = CouponTemplate(alliance_id=alliance_id, owner_merchant_id=merchant_id, name="体验券",
                              kind="amount_off", amount_fen=5000)
    session.add(template)
    session.flush()
    n = next(_serial)
    coupon = Coupon(alliance_id=alliance_id, template_id=template.id, member_id=member_id, code=f"TC{n:08d}",
                    issued_at=at, valid_from=at, uses_left=0, referrer_merchant_id=referrer,
                    target_merchant_id=merchant_id)
    session.add(coupon)
    session.flush()
    arrival = Redemption(alliance_id=alliance_id, coupon_id=coupon.id, use_no=1, member_id=member_id,
                         merchant_id=merchant_id, referrer_merchant_id=referrer, at=at)
    session.add(arrival)
    session.flush()
    return arrival


def rule_tags(session: Session, alliance_id: int) -> set[tuple[str, int, int | None]]:
    """(tag code, member, credited merchant) of every rule tag of the alliance."""
    rows = session.execute(select(TagDefinition.code, MemberTag.member_id, MemberTag.merchant_id)
                           .join(TagDefinition, TagDefinition.id == MemberTag.tag_id)
                           .where(MemberTag.alliance_id == alliance_id, MemberTag.source == "rule"))
    return {(code, member, merchant) for code, member, merchant in rows}

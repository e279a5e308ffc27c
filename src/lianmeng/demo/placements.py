"""The demo's featured placement (推广位): the operator opens both slots (the member partner list at ¥50 a day, three
merchants at once; the claim pages' "more partners" block at ¥30 a day, two at once), and three merchants book
through the placement service as their admins would: the LIFT gym is featured in the partner list from today for
a week, Pure Detail from the day after tomorrow for five days, Green Field on the claim pages for two weeks. Each
booking is charged to the merchant's platform charges (this month's statement) and shows on the operator's
revenue.

Adds and flushes only."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.auth.models import User
from lianmeng.demo.campaigns import _user
from lianmeng.kit import clock
from lianmeng.merchants.models import Merchant
from lianmeng.placements import service as placements
from lianmeng.placements.domain import PlacementSurface
from lianmeng.placements.schemas import BookingCreate, SlotCreate

# (merchant key, surface, days from today, days)
BOOKINGS = (("lift", PlacementSurface.PARTNER_LIST, 0, 7), ("puredetail", PlacementSurface.PARTNER_LIST, 2, 5),
            ("greenfield", PlacementSurface.CLAIM_PAGES, 0, 14))


def add_placements(session: Session, alliance_id: int, merchants: dict[str, Merchant],
                   users: dict[str, User]) -> dict[str, int]:
    """Two slots and three bookings; {} when the demo lacks the operator or one of the merchants."""
    if "operator" not in users or any(f"{key}-admin" not in users or key not in merchants
                                      for key, *_ in BOOKINGS):
        return {}
    operator = _user(users["operator"], alliance_id, Role.OPERATOR_ADMIN, session)
    slots = {
        PlacementSurface.PARTNER_LIST: placements.create_slot(session, operator, SlotCreate(
            surface=PlacementSurface.PARTNER_LIST, title="会员页·伙伴列表置顶", price_per_day_fen=5_000, capacity=3,
            max_days=30)),
        PlacementSurface.CLAIM_PAGES: placements.create_slot(session, operator, SlotCreate(
            surface=PlacementSurface.CLAIM_PAGES, title="领券页·更多伙伴", price_per_day_fen=3_000, capacity=2,
            max_days=30)),
    }
    today = clock.today_in_shanghai()
    for key, surface, offset, days in BOOKINGS:
        admin = _user(users[f"{key}-admin"], alliance_id, Role.MERCHANT_ADMIN, session)
        placements.book(session, admin, BookingCreate(slot_id=slots[surface].id,
                                                      first_day=today + timedelta(days=offset), days=days))
    return {"placement_slots": len(slots), "placement_bookings": len(BOOKINGS)}

"""The demo's data governance (seed 004): three merchants have entered their business-licence details (two pass
every rule and are auto-verified; one gives an address outside the alliance's city and waits in the operator's
queue with that finding), and the Tesla centre has assigned its high-value owners round-robin to its guides,
the rest of its members waiting in its pool for staff to claim."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.auth.models import User
from lianmeng.demo.data import CENTRE_KEY
from lianmeng.merchants import service as merchants_service
from lianmeng.merchants.models import Merchant, Staff
from lianmeng.merchants.schemas import MerchantUpdate
from lianmeng.ownership import service as ownership
from lianmeng.ownership.domain import AssignBasis
from lianmeng.ownership.schemas import AssignIn
from lianmeng.tenancy import Principal
from lianmeng.values.domain import RfmClass

# (merchant key, credit code, legal person, registered address): published codes of well-known companies stand in
# for the demo's merchants (the check digits are real; the demo's names are not theirs)
LICENCES = (
    (CENTRE_KEY, "9144030071526726XG", "王建国", "深圳市福田区车公庙泰然九路 8 号"),
    ("lift", "914403001922038216", "李力行", "深圳市南山区科苑路 15 号"),
    ("oak", "91330100716105852F", "陈小橡", "杭州市西湖区文三路 90 号"),  # not in the alliance's city: queued
)
IMPORTANT = [RfmClass.IMPORTANT_VALUE, RfmClass.IMPORTANT_DEVELOP, RfmClass.IMPORTANT_RETAIN,
             RfmClass.IMPORTANT_WINBACK]


def _admin(user: User, alliance_id: int) -> Principal:
    return Principal(kind="user", id=user.id, role=Role.MERCHANT_ADMIN, alliance_id=alliance_id,
                     merchant_id=user.merchant_id, label=user.username)


def add_governance(session: Session, alliance_id: int, merchants: dict[str, Merchant], users: dict[str, User]
                   ) -> dict[str, int]:
    for key, code, person, address in LICENCES:
        merchants_service.update_merchant(session, _admin(users[f"{key}-admin"], alliance_id), merchants[key].id,
                                          MerchantUpdate(credit_code=code, legal_person=person,
                                                         registered_address=address,
                                                         licence_ref=f"深市监注字 2021 第 {merchants[key].id:04d} 号"))
    centre = merchants[CENTRE_KEY]
    guides = list(session.scalars(select(Staff.id).where(Staff.merchant_id == centre.id, Staff.active.is_(True))
                                  .order_by(Staff.id)))
    assigned = ownership.assign(session, _admin(users[f"{CENTRE_KEY}-admin"], alliance_id), AssignIn(
        basis=AssignBasis.VALUE_CLASS, staff_ids=guides[:4], rfm_classes=IMPORTANT)) if guides else None
    return {"merchant_licences": len(LICENCES), "members_assigned": assigned.assigned if assigned else 0}

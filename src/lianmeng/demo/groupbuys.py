"""The demo's group buys (拼团), through the group-buy service: the operator's package of the centre's wash and the
mall's parking vouchers (covered by their joint-card agreement), three for ¥199 within 48 hours, with one group
formed (three members hold the package as joint cards) and one open; and the centre's own two washes, two for
¥299, with one open group waiting for its second member.

Adds and flushes only."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.auth.models import User
from lianmeng.auth.service import principal_for_member
from lianmeng.demo.campaigns import _user
from lianmeng.demo.data import CENTRE_KEY
from lianmeng.groupbuys import service as groupbuys
from lianmeng.groupbuys.schemas import GroupJoin, GroupStart, OfferCreate
from lianmeng.jointcards.schemas import ComponentIn
from lianmeng.members import repository as members_repo
from lianmeng.members.models import Member
from lianmeng.merchants.models import Merchant
from lianmeng.tenancy import Principal

MALL = "bayhub"  # its joint-card agreement with the centre covers the parking vouchers
MEMBERS = 5


def add_group_buys(session: Session, alliance_id: int, merchants: dict[str, Merchant],
                   users: dict[str, User]) -> dict[str, int]:
    """Two offers, three groups, six seats; {} when the demo lacks the centre, the mall or their logins."""
    if CENTRE_KEY not in merchants or MALL not in merchants or not {"operator", "tesla-admin"} <= set(users):
        return {}
    operator = _user(users["operator"], alliance_id, Role.OPERATOR_ADMIN, session)
    centre_admin = _user(users["tesla-admin"], alliance_id, Role.MERCHANT_ADMIN, session)
    centre, mall = merchants[CENTRE_KEY].id, merchants[MALL].id
    members = list(session.scalars(members_repo.list_members(operator, status="active")
                                   .order_by(Member.id).limit(MEMBERS)))
    if len(members) < MEMBERS:
        return {}
    wash = ComponentIn(merchant_id=centre, name="汽车精洗", unit_name="次", units=1, list_value_fen=18_800)
    package = groupbuys.create_offer(session, operator, OfferCreate(
        name="精洗+湾汇停车 三人团", description="服务中心精洗一次,湾汇购物中心停车券 5 张;三人成团,每人 ¥199",
        components=[wash, ComponentIn(merchant_id=mall, name="商场停车券", unit_name="张", units=5,
                                      list_value_fen=10_000)],
        price_fen=19_900, group_size=3, hours_to_form=48, seller_merchant_id=centre, max_seats=300))
    washes = groupbuys.create_offer(session, centre_admin, OfferCreate(
        name="精洗两次 两人团", description="两人成团,每人 ¥299 得精洗两次",
        components=[wash.model_copy(update={"units": 2, "list_value_fen": 37_600})],
        price_fen=29_900, group_size=2, hours_to_form=24, per_member_limit=2))
    who: list[Principal] = [principal_for_member(m) for m in members]
    formed = groupbuys.start_group(session, who[0], GroupStart(offer_id=package.id))
    for member in who[1:3]:
        groupbuys.join_group(session, member, formed.token, GroupJoin())
    groupbuys.start_group(session, who[3], GroupStart(offer_id=package.id))
    groupbuys.start_group(session, who[4], GroupStart(offer_id=washes.id))
    return {"group_buy_offers": 2, "group_buy_groups": 3, "group_buy_seats": 5}

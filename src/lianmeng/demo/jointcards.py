"""The demo's joint card (联合储值卡): one product defined by the operator through the joint-card service, with two
tiers of components from the centre, a gym, a restaurant, the early-education centre and the travel club. No card
is sold: the demo's order, ledger and balance counts stay the seed's; a card can be sold from the console.

Adds and flushes only."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.auth.models import User
from lianmeng.demo.campaigns import _user
from lianmeng.demo.data import CENTRE_KEY
from lianmeng.jointcards import service as jointcards
from lianmeng.jointcards.schemas import ComponentIn, ProductCreate, TierIn
from lianmeng.merchants.models import Merchant

PARTNERS = (CENTRE_KEY, "lift", "greenfield", "oak", "farpeaks")


def add_joint_cards(session: Session, alliance_id: int, merchants: dict[str, Merchant],
                    users: dict[str, User]) -> dict[str, int]:
    """城市生活联名卡 with 经济版 ¥9,800 and 舒适版 ¥14,800; {} when the demo lacks one of its merchants."""
    if any(key not in merchants for key in PARTNERS) or "operator" not in users:
        return {}
    operator = _user(users["operator"], alliance_id, Role.OPERATOR_ADMIN, session)
    centre, gym, dining, lessons, travel = (merchants[key].id for key in PARTNERS)
    wash = {"merchant_id": centre, "name": "汽车精洗保养", "unit_name": "次"}
    month = ComponentIn(merchant_id=gym, name="健身月卡", unit_name="月卡", units=1, list_value_fen=300_000)
    product = jointcards.create_product(session, operator, ProductCreate(
        name="城市生活联名卡", description="车、健身、餐饮、亲子、旅行,一张卡在联盟各家使用",
        carry_over_months=12, tiers=[
            TierIn(name="经济版", price_fen=980_000, components=[
                ComponentIn(**wash, units=1, list_value_fen=80_000), month,
                ComponentIn(merchant_id=dining, name="餐饮抵用金", unit_name="元", units=1, list_value_fen=100_000)]),
            TierIn(name="舒适版", price_fen=1_480_000, components=[
                ComponentIn(**wash, units=2, list_value_fen=160_000), month,
                ComponentIn(merchant_id=dining, name="餐饮抵用金", unit_name="元", units=1, list_value_fen=100_000),
                ComponentIn(merchant_id=lessons, name="亲子课", unit_name="节课", units=10, list_value_fen=500_000),
                ComponentIn(merchant_id=travel, name="旅行代金券", unit_name="张", units=1, list_value_fen=200_000)]),
        ]))
    return {"joint_card_products": 1, "joint_card_tiers": len(product.tiers),
            "joint_card_components": sum(len(t.components) for t in product.tiers)}

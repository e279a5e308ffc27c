"""All joint-card queries; reads are scoped by tenancy.policy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, select, update
from sqlalchemy.orm import Session

from lianmeng.groupbuys.models import GroupBuyOffer
from lianmeng.jointcards.models import JointCard, JointCardItem, JointCardUse, JointComponent, JointProduct, JointTier
from lianmeng.merchants.models import Merchant
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped, scoped_select


def get_product(session: Session, p: Principal, product_id: int) -> JointProduct:
    return get_scoped(session, JointProduct, product_id, policy.joint_products(p), "joint_card_product")


def is_group_buy_product(session: Session, product_id: int) -> bool:
    """A group buy's package (groupbuys): its cards are issued when a group forms, never sold or changed here."""
    return session.scalar(select(GroupBuyOffer.id).where(GroupBuyOffer.joint_product_id == product_id)) is not None


def list_products(p: Principal, *, status: str | None = None, merchant_id: int | None = None) -> Select[Any]:
    """The joint cards sold at the tills; group buys' packages are listed with their offers (groupbuys)."""
    stmt = scoped_select(JointProduct, policy.joint_products(p)).where(
        JointProduct.id.not_in(select(GroupBuyOffer.joint_product_id)))
    if status:
        stmt = stmt.where(JointProduct.status == status)
    if merchant_id is not None:
        in_product = select(JointTier.product_id).join(JointComponent, JointComponent.tier_id == JointTier.id).where(
            JointComponent.merchant_id == merchant_id)
        stmt = stmt.where((JointProduct.lead_merchant_id == merchant_id) | JointProduct.id.in_(in_product))
    return stmt.order_by(JointProduct.id.desc())


def tiers_of(session: Session, product: JointProduct) -> list[JointTier]:
    return list(session.scalars(select(JointTier).where(JointTier.alliance_id == product.alliance_id,
                                                        JointTier.product_id == product.id)
                                .order_by(JointTier.position, JointTier.id)))


def tier_of_product(session: Session, product_id: int, tier_id: int, *, lock: bool = False) -> JointTier | None:
    """One tier of a product (the product already read in the caller's scope); `lock`: FOR UPDATE, so a sale of
    the tier (which reads it FOR KEY SHARE, `tier_for_sale`) waits for the deletion, or the deletion for the sale."""
    stmt = select(JointTier).where(JointTier.id == tier_id, JointTier.product_id == product_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def tier_for_sale(session: Session, alliance_id: int, tier_id: int) -> JointTier | None:
    """The tier a card is sold of, held FOR KEY SHARE until the sale commits: a concurrent deletion of the tier
    waits and then sees the card; a sale that comes after a deletion finds no tier."""
    stmt = (select(JointTier).where(JointTier.alliance_id == alliance_id, JointTier.id == tier_id)
            .with_for_update(read=True, key_share=True))
    return session.scalars(stmt).first()


def delete_tier(session: Session, tier: JointTier) -> None:
    """Remove a tier and its components (only ever one no card was sold of: nothing else refers to them)."""
    drop_components(session, tier.id)
    session.delete(tier)


def components_of(session: Session, alliance_id: int, tier_ids: list[int]) -> list[JointComponent]:
    if not tier_ids:
        return []
    return list(session.scalars(select(JointComponent).where(JointComponent.alliance_id == alliance_id,
                                                             JointComponent.tier_id.in_(tier_ids))
                                .order_by(JointComponent.position, JointComponent.id)))


def cards_sold_by_tier(session: Session, alliance_id: int, tier_ids: list[int]) -> dict[int, int]:
    """Tier id → how many cards of it were ever sold (refunded and expired ones included: they carried its shares)."""
    if not tier_ids:
        return {}
    rows = session.execute(select(JointCard.tier_id, func.count())
                           .where(JointCard.alliance_id == alliance_id, JointCard.tier_id.in_(tier_ids))
                           .group_by(JointCard.tier_id))
    return {tier_id: count for tier_id, count in rows}


def drop_components(session: Session, tier_id: int) -> None:
    """Remove a tier's components (only ever for a tier no card was sold of: nothing refers to them)."""
    session.execute(delete(JointComponent).where(JointComponent.tier_id == tier_id)
                    .execution_options(synchronize_session=False))


def merchants_of_product(session: Session, product: JointProduct) -> set[int]:
    ids = set(session.scalars(select(JointComponent.merchant_id)
                              .join(JointTier, and_(JointTier.alliance_id == JointComponent.alliance_id,
                                                    JointComponent.tier_id == JointTier.id))
                              .where(JointTier.alliance_id == product.alliance_id, JointTier.product_id == product.id)))
    if product.lead_merchant_id is not None:
        ids.add(product.lead_merchant_id)
    return ids


def card_by_external_id(session: Session, seller: Merchant, external_id: str) -> JointCard | None:
    return session.scalars(select(JointCard).where(JointCard.alliance_id == seller.alliance_id,
                                                   JointCard.seller_merchant_id == seller.id,
                                                   JointCard.external_id == external_id)).first()


def get_card(session: Session, p: Principal, card_id: int, *, lock: bool = False) -> JointCard:
    return get_scoped(session, JointCard, card_id, policy.joint_cards(p), "joint_card", lock=lock)


def list_cards(p: Principal, *, member_id: int | None = None, product_id: int | None = None,
               status: str | None = None) -> Select[Any]:
    stmt = scoped_select(JointCard, policy.joint_cards(p))
    if member_id is not None:
        stmt = stmt.where(JointCard.member_id == member_id)
    if product_id is not None:
        stmt = stmt.where(JointCard.product_id == product_id)
    if status:
        stmt = stmt.where(JointCard.status == status)
    return stmt.order_by(JointCard.id.desc())


def items_of(session: Session, card: JointCard) -> list[JointCardItem]:
    return list(session.scalars(select(JointCardItem).where(JointCardItem.alliance_id == card.alliance_id,
                                                            JointCardItem.card_id == card.id)
                                .order_by(JointCardItem.id)))


def take_units(session: Session, item: JointCardItem, units: int) -> bool:
    """Consume `units` of an item unless fewer remain (guarded, in one statement)."""
    result = session.execute(
        update(JointCardItem).where(JointCardItem.alliance_id == item.alliance_id, JointCardItem.id == item.id,
                                    JointCardItem.units_left >= units)
        .values(units_left=JointCardItem.units_left - units).execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def uses_of(session: Session, card_id: int) -> list[JointCardUse]:
    return list(session.scalars(select(JointCardUse).where(JointCardUse.card_id == card_id)
                                .order_by(JointCardUse.id)))


def due_for_expiry(session: Session, at: datetime, limit: int, alliance_id: int | None = None) -> list[JointCard]:
    """Active cards (of one alliance, or of all) past their expiry, locked; a concurrent run skips the rows this
    one holds."""
    stmt = (select(JointCard).where(JointCard.status == "active", JointCard.expires_at <= at)
            .order_by(JointCard.id).limit(limit).with_for_update(skip_locked=True))
    if alliance_id is not None:
        stmt = stmt.where(JointCard.alliance_id == alliance_id)
    return list(session.scalars(stmt))


def products_in_scope(session: Session, p: Principal, *, limit: int | None = None,
                      **filters: Any) -> list[JointProduct]:
    """The joint products `p` may see (`list_products` run), at most `limit`."""
    stmt = list_products(p, **filters)
    return list(session.scalars(stmt.limit(limit) if limit is not None else stmt))


def cards_in_scope(session: Session, p: Principal, *, limit: int | None = None, **filters: Any) -> list[JointCard]:
    """The joint cards `p` may see (`list_cards` run), at most `limit`."""
    stmt = list_cards(p, **filters)
    return list(session.scalars(stmt.limit(limit) if limit is not None else stmt))


def alliances_with_cards_due(session: Session, at: datetime) -> list[int]:
    """The alliances with active cards past their expiry: where the expiry job has work."""
    stmt = (select(JointCard.alliance_id).where(JointCard.status == "active", JointCard.expires_at <= at)
            .distinct().order_by(JointCard.alliance_id))
    return [int(a) for a in session.scalars(stmt)]

"""Use cases: define a joint-card product, sell a card, consume a component, refund the rest, expire what is
left. One transaction each (the door commits). Postings (docs/joint-cards.md), keys derived from row ids:
  joint-card:<id>:sale      seller's cash +price, seller's joint-card liability (scope product) −price
  joint-card-use:<id>       seller's liability +v, consuming merchant's joint-card revenue −v, and when the
                            consuming merchant is not the seller: seller owes it v (partner balances)
  joint-card:<id>:refund    seller's liability +rest, seller's cash −rest (cash back to the member)
  joint-card:<id>:expire    seller's liability +rest, the expiry party's revenue −rest (+ partner balances)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from lianmeng.db import insert_once
from lianmeng.jointcards import domain, repository
from lianmeng.jointcards.errors import Problem
from lianmeng.jointcards.models import JointCard, JointCardItem, JointCardUse, JointComponent, JointProduct, JointTier
from lianmeng.jointcards.schemas import (
    CardOut,
    ComponentOut,
    ConsumeIn,
    ConsumeOut,
    ItemOut,
    ProductCreate,
    ProductOut,
    ProductUpdate,
    RefundIn,
    SaleIn,
    TierIn,
    TierOut,
    UseOut,
)
from lianmeng.kit import clock
from lianmeng.kit.errors import Conflict, Forbidden, Invalid, NotFound
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, Leg, OwnerType, PostingCause
from lianmeng.members import repository as members_repo
from lianmeng.members import service as members_service
from lianmeng.members.schemas import CardRef
from lianmeng.merchants import repository as merchants_repo
from lianmeng.tenancy import Principal, policy


def cash(merchant_id: int) -> AccountRef:
    return AccountRef(OwnerType.MERCHANT, merchant_id, AccountKind.CASH)


def liability(merchant_id: int, product_id: int) -> AccountRef:
    return AccountRef(OwnerType.MERCHANT, merchant_id, AccountKind.JOINT_CARD_LIABILITY, scope_id=product_id)


def revenue(merchant_id: int, product_id: int) -> AccountRef:
    return AccountRef(OwnerType.MERCHANT, merchant_id, AccountKind.JOINT_CARD_REVENUE, scope_id=product_id)


def partner(merchant_id: int, partner_id: int) -> AccountRef:
    return AccountRef(OwnerType.MERCHANT, merchant_id, AccountKind.PARTNER_BALANCE, scope_id=partner_id)


def recognise_legs(seller_id: int, merchant_id: int, product_id: int, value: int) -> list[Leg]:
    """The seller's liability becomes `merchant_id`'s revenue; the seller (who holds the cash) owes it."""
    legs = [Leg(liability(seller_id, product_id), value), Leg(revenue(merchant_id, product_id), -value)]
    if merchant_id != seller_id:
        legs += [Leg(partner(seller_id, merchant_id), -value), Leg(partner(merchant_id, seller_id), value)]
    return legs


def _refused(refused: domain.Refused) -> Exception:
    if refused.code in ("joint_card_used_up", "nothing_to_refund", "joint_tier_locked", "joint_tier_sold",
                        "joint_product_last_tier"):
        return Conflict(refused.code, **refused.params)
    return Invalid(refused.code, **refused.params)


# --- products ---------------------------------------------------------------------------------------------


def create_product(session: Session, actor: Principal, data: ProductCreate) -> ProductOut:
    if actor.is_operator:
        if actor.alliance_id is None:  # the platform defines nothing for an alliance
            raise Forbidden()
        alliance_id, lead = actor.alliance_id, data.lead_merchant_id
    elif actor.manages_merchant and actor.merchant_id is not None and actor.alliance_id is not None:
        if data.lead_merchant_id not in (None, actor.merchant_id):
            raise Forbidden()
        alliance_id, lead = actor.alliance_id, actor.merchant_id
    else:
        raise Forbidden()
    _check_merchants(session, alliance_id, lead, data.expiry_merchant_id, data.tiers)
    product = JointProduct(alliance_id=alliance_id, lead_merchant_id=lead, name=data.name,
                           description=data.description, carry_over_months=data.carry_over_months,
                           expiry_merchant_id=data.expiry_merchant_id, status=domain.JointProductStatus.ACTIVE.value)
    session.add(product)
    session.flush()
    for position, tier_in in enumerate(data.tiers):
        tier = JointTier(alliance_id=product.alliance_id,
                         product_id=product.id, name=tier_in.name, price_fen=tier_in.price_fen, position=position)
        session.add(tier)
        session.flush()
        _set_components(session, tier, tier_in)
    session.flush()
    return product_out(session, product)


def _check_merchants(session: Session, alliance_id: int, lead: int | None, expiry_merchant_id: int | None,
                     tiers: Sequence[TierIn], already: set[int] | None = None) -> None:
    """Every merchant named is of the alliance; the expiry party takes part in the product (`already`: the
    merchants of the product's other tiers)."""
    named = {c.merchant_id for t in tiers for c in t.components}
    if lead is not None:
        named.add(lead)
    if expiry_merchant_id is not None:
        named.add(expiry_merchant_id)
    for merchant_id in named - (already or set()):
        merchant = merchants_repo.merchant_by_id(session, merchant_id)
        if merchant is None or merchant.alliance_id != alliance_id:
            raise Invalid("wrong_alliance", what="merchant")
    in_product = {c.merchant_id for t in tiers for c in t.components} | ({lead} if lead else set()) | (already or set())
    if expiry_merchant_id is not None and expiry_merchant_id not in in_product:
        raise Invalid("invalid_joint_product")


def _set_components(session: Session, tier: JointTier, tier_in: TierIn) -> None:
    """The tier's components, each with its share of the price (fixed here, before any sale)."""
    try:
        shares = domain.allocate(tier_in.price_fen, [c.list_value_fen for c in tier_in.components])
    except domain.Refused as refused:
        raise _refused(refused) from None
    session.add_all(
        JointComponent(alliance_id=tier.alliance_id,
                       tier_id=tier.id, merchant_id=c.merchant_id, name=c.name, unit_name=c.unit_name,
                       units=c.units, list_value_fen=c.list_value_fen, share_fen=share, position=index)
        for index, (c, share) in enumerate(zip(tier_in.components, shares, strict=True)))


def managed_product(session: Session, actor: Principal, product_id: int) -> JointProduct:
    """A product the caller may change (the alliance's operator, or an admin of its lead merchant)."""
    product = repository.get_product(session, actor, product_id)
    if repository.is_group_buy_product(session, product.id):
        raise Conflict(Problem.JOINT_PRODUCT_OF_GROUP_BUY)
    if not domain.may_manage(is_operator=actor.is_operator, manages_merchant=actor.manages_merchant,
                             actor_alliance_id=actor.alliance_id, actor_merchant_id=actor.merchant_id,
                             product_alliance_id=product.alliance_id, lead_merchant_id=product.lead_merchant_id):
        raise Forbidden("joint_product_not_managed")
    return product


def can_manage(actor: Principal, product: ProductOut) -> bool:
    return domain.may_manage(is_operator=actor.is_operator, manages_merchant=actor.manages_merchant,
                             actor_alliance_id=actor.alliance_id, actor_merchant_id=actor.merchant_id,
                             product_alliance_id=product.alliance_id, lead_merchant_id=product.lead_merchant_id)


def update_product(session: Session, actor: Principal, product_id: int, data: ProductUpdate) -> ProductOut:
    """Rename the product, change tiers not sold yet (their components are replaced and the price split again),
    add tiers. A tier with a card sold is refused whole (409 joint_tier_locked): the cards sold carry its shares."""
    product = managed_product(session, actor, product_id)
    if data.name is not None:
        product.name = data.name
    if data.description is not None:
        product.description = data.description
    tiers = {t.id: t for t in repository.tiers_of(session, product)}
    sold = repository.cards_sold_by_tier(session, product.alliance_id, list(tiers))
    changed = {t.id for t in data.tiers if t.id is not None}
    for tier_in in data.tiers:
        if tier_in.id is not None and tier_in.id not in tiers:
            raise NotFound("joint_card_tier")
        if tier_in.id is not None:
            try:
                domain.check_tier_editable(sold.get(tier_in.id, 0))
            except domain.Refused as refused:
                raise _refused(refused) from None
    if len(changed) != len([t for t in data.tiers if t.id is not None]):
        raise Invalid("invalid_joint_product")
    names = [tier_in.name for tier_in in data.tiers] + [t.name for i, t in tiers.items() if i not in changed]
    if len(set(names)) != len(names):
        raise Invalid("joint_tier_name_taken")
    try:
        domain.check_tier_count(len(tiers) + sum(1 for t in data.tiers if t.id is None))
    except domain.Refused as refused:
        raise _refused(refused) from None
    kept = [c.merchant_id for c in repository.components_of(session, product.alliance_id,
                                                             [i for i in tiers if i not in changed])]
    _check_merchants(session, product.alliance_id, product.lead_merchant_id, product.expiry_merchant_id, data.tiers,
                     already=set(kept))
    position = max((t.position for t in tiers.values()), default=-1)
    for tier_in in data.tiers:
        if tier_in.id is not None:
            tier = tiers[tier_in.id]
            tier.name, tier.price_fen = tier_in.name, tier_in.price_fen
            repository.drop_components(session, tier.id)
        else:
            position += 1
            tier = JointTier(alliance_id=product.alliance_id,
                             product_id=product.id, name=tier_in.name, price_fen=tier_in.price_fen,
                             position=position)
            session.add(tier)
        session.flush()
        _set_components(session, tier, tier_in)
    session.flush()
    return product_out(session, product)


def delete_tier(session: Session, actor: Principal, product_id: int, tier_id: int) -> ProductOut:
    """Delete a tier no card was ever sold of, with its components. A tier with a card sold is refused (409
    joint_tier_sold: the cards sold are used and shared out on it), and so is the product's last tier (409
    joint_product_last_tier: pause the product instead). A tier of another product is not found."""
    product = managed_product(session, actor, product_id)
    tier = repository.tier_of_product(session, product.id, tier_id, lock=True)
    if tier is None:
        raise NotFound("joint_card_tier")
    sold = repository.cards_sold_by_tier(session, product.alliance_id, [tier.id]).get(tier.id, 0)
    try:
        domain.check_tier_deletable(sold, len(repository.tiers_of(session, product)))
    except domain.Refused as refused:
        raise _refused(refused) from None
    repository.delete_tier(session, tier)
    session.flush()
    return product_out(session, product)


def set_status(session: Session, actor: Principal, product_id: int, action: Literal["pause", "resume"]) -> ProductOut:
    """Pause (no new sales; cards already sold stay usable) or resume a product; idempotent."""
    product = managed_product(session, actor, product_id)
    try:
        product.status = domain.next_status(product.status, action).value
    except domain.Refused as refused:
        raise _refused(refused) from None
    session.flush()
    return product_out(session, product)


def product_out(session: Session, product: JointProduct) -> ProductOut:
    tiers = repository.tiers_of(session, product)
    components = repository.components_of(session, product.alliance_id, [t.id for t in tiers])
    out = ProductOut.model_validate(product)
    sold = repository.cards_sold_by_tier(session, product.alliance_id, [t.id for t in tiers])
    out.tiers = [TierOut(id=t.id, name=t.name, price_fen=t.price_fen, cards_sold=sold.get(t.id, 0),
                         components=[ComponentOut.model_validate(c) for c in components if c.tier_id == t.id])
                 for t in tiers]
    return out


# --- cards ------------------------------------------------------------------------------------------------


def card_out(session: Session, card: JointCard) -> CardOut:
    product = session.get(JointProduct, card.product_id)
    tier = session.get(JointTier, card.tier_id)
    assert product is not None and tier is not None
    items = repository.items_of(session, card)
    components = {c.id: c for c in repository.components_of(session, tier.alliance_id, [tier.id])}
    left = domain.unconsumed([domain.Holding(i.share_fen, i.units, i.units_left) for i in items])
    item_outs = [ItemOut(component_id=i.component_id, merchant_id=i.merchant_id,
                         name=components[i.component_id].name, unit_name=components[i.component_id].unit_name,
                         units=i.units, units_left=i.units_left, share_fen=i.share_fen,
                         value_left_fen=value if card.status == "active" else 0)
                 for i, value in zip(items, left, strict=True)]
    return CardOut(id=card.id, alliance_id=card.alliance_id, product_id=product.id, product_name=product.name,
                   tier_id=tier.id, tier_name=tier.name, member_id=card.member_id,
                   seller_merchant_id=card.seller_merchant_id, external_id=card.external_id,
                   price_fen=card.price_fen, status=card.status, sold_at=card.sold_at, expires_at=card.expires_at,
                   closed_at=card.closed_at, refunded_fen=card.refunded_fen, expired_fen=card.expired_fen,
                   value_left_fen=sum(i.value_left_fen for i in item_outs), items=item_outs)


def sell(session: Session, actor: Principal, data: SaleIn) -> CardOut:
    if not actor.is_merchant_side or actor.merchant_id is None:
        raise Forbidden()
    seller = merchants_repo.get_merchant(session, actor, actor.merchant_id)
    if seller.status != "active":
        raise Invalid("merchant_suspended")
    tier = repository.tier_for_sale(session, seller.alliance_id, data.tier_id)
    product = session.get(JointProduct, tier.product_id) if tier is not None else None
    if tier is None or product is None or product.alliance_id != seller.alliance_id:
        raise Invalid("wrong_alliance", what="joint_card_product")
    if seller.id not in repository.merchants_of_product(session, product):
        raise Forbidden(Problem.JOINT_CARD_NOT_IN_PRODUCT)
    if product.status != "active":
        raise Invalid(Problem.JOINT_PRODUCT_PAUSED)
    if data.member_id is not None:
        member = members_repo.get_member(session, actor, data.member_id)
    else:
        member = members_service.resolve_card(session, CardRef(card_no=data.card_no))
        if member.alliance_id != seller.alliance_id:
            raise Invalid("invalid_card")
    existing = repository.card_by_external_id(session, seller, data.external_id)
    if existing is None:
        now = clock.now()
        card = JointCard(alliance_id=seller.alliance_id, product_id=product.id, tier_id=tier.id,
                         member_id=member.id, seller_merchant_id=seller.id, seller_staff_id=actor.staff_id,
                         external_id=data.external_id, price_fen=tier.price_fen, status="active", sold_at=now,
                         expires_at=domain.expires_at(now, product.carry_over_months), refunded_fen=0,
                         expired_fen=0)
        if insert_once(session, card):
            session.add_all(JointCardItem(alliance_id=card.alliance_id,
                                          card_id=card.id, component_id=c.id, merchant_id=c.merchant_id,
                                          units=c.units, units_left=c.units, share_fen=c.share_fen)
                            for c in repository.components_of(session, tier.alliance_id, [tier.id]))
            session.flush()
            legs = [Leg(cash(seller.id), tier.price_fen), Leg(liability(seller.id, product.id), -tier.price_fen)]
            ledger.post(session, seller.alliance_id, f"joint-card:{card.id}:sale", PostingCause.JOINT_CARD_SALE, legs,
                        cause_id=card.id)
            return card_out(session, card)
        existing = repository.card_by_external_id(session, seller, data.external_id)
    if existing is None or (existing.member_id, existing.tier_id) != (member.id, tier.id):
        raise Conflict("duplicate_external_id")
    return card_out(session, existing)


def _usable(card: JointCard, now: datetime) -> None:
    if card.status != "active":
        raise Conflict(Problem.JOINT_CARD_CLOSED, status=card.status)
    if card.expires_at <= now:
        raise Conflict(Problem.JOINT_CARD_CLOSED, status="expired")


def consume(session: Session, actor: Principal, card_id: int, data: ConsumeIn) -> ConsumeOut:
    card = repository.get_card(session, actor, card_id, lock=True)
    if not actor.is_merchant_side or actor.merchant_id is None:
        raise Forbidden()
    item = next((i for i in repository.items_of(session, card) if i.component_id == data.component_id), None)
    if item is None:
        raise NotFound("joint_card_component")
    if item.merchant_id != actor.merchant_id:
        raise Forbidden(Problem.JOINT_CARD_OTHER_MERCHANT)
    now = clock.now()
    _usable(card, now)
    try:
        value = domain.recognise(item.share_fen, item.units, item.units - item.units_left, data.units)
    except domain.Refused as refused:
        raise _refused(refused) from None
    if not repository.take_units(session, item, data.units):
        raise Conflict(Problem.JOINT_CARD_USED_UP)
    session.refresh(item)
    use = JointCardUse(alliance_id=card.alliance_id, card_id=card.id, item_id=item.id, component_id=item.component_id,
                       merchant_id=item.merchant_id, staff_id=actor.staff_id, units=data.units, value_fen=value,
                       recorded_by=actor.label, at=now)
    session.add(use)
    session.flush()
    if value:
        ledger.post(session, card.alliance_id, f"joint-card-use:{use.id}", PostingCause.JOINT_CARD_USE,
                    recognise_legs(card.seller_merchant_id, item.merchant_id, card.product_id, value), cause_id=use.id)
    return ConsumeOut(use=UseOut.model_validate(use), card=card_out(session, card))


def _close(session: Session, card: JointCard) -> int:
    """Take every unit left off the card; returns the unconsumed value."""
    items = repository.items_of(session, card)
    left = sum(domain.unconsumed([domain.Holding(i.share_fen, i.units, i.units_left) for i in items]))
    for item in items:
        item.units_left = 0
    return left


def refund(session: Session, actor: Principal, card_id: int, data: RefundIn) -> CardOut:
    """Give back the unconsumed value in cash at the seller; once per card (a retry sees it refunded)."""
    card = repository.get_card(session, actor, card_id, lock=True)
    policy.require_serves(actor, card.seller_merchant_id)
    if card.status == "refunded":
        return card_out(session, card)
    if card.status != "active":
        raise Conflict(Problem.JOINT_CARD_CLOSED, status=card.status)
    items = repository.items_of(session, card)
    try:
        amount = domain.refundable([domain.Holding(i.share_fen, i.units, i.units_left) for i in items])
    except domain.Refused as refused:
        raise _refused(refused) from None
    _close(session, card)
    card.status, card.refunded_fen, card.closed_at = "refunded", amount, clock.now()
    legs = [Leg(liability(card.seller_merchant_id, card.product_id), amount), Leg(cash(card.seller_merchant_id),
                                                                                 -amount)]
    ledger.post(session, card.alliance_id, f"joint-card:{card.id}:refund", PostingCause.JOINT_CARD_REFUND, legs,
                cause_id=card.id, memo=data.reason)
    session.flush()
    return card_out(session, card)


def expire_due(session: Session, at: datetime | None = None, limit: int = 1000,
               alliance_id: int | None = None) -> int:
    """Expire cards past their carry-over: what is left goes to the product's expiry party (default: the
    seller). Safe to run twice or concurrently: cards are locked (others skip them) and each posts once."""
    now = at or clock.now()
    expired = 0
    for card in repository.due_for_expiry(session, now, limit, alliance_id):
        product = session.get(JointProduct, card.product_id)
        assert product is not None
        left = _close(session, card)
        card.status, card.expired_fen, card.closed_at = "expired", left, now
        if left:
            party = product.expiry_merchant_id or card.seller_merchant_id
            ledger.post(session, card.alliance_id, f"joint-card:{card.id}:expire", PostingCause.JOINT_CARD_EXPIRY,
                        recognise_legs(card.seller_merchant_id, party, card.product_id, left), cause_id=card.id)
        expired += left
    session.flush()
    return expired


def alliances_due(session: Session, at: datetime | None = None) -> list[int]:
    """The jobs' choice: alliances with cards past their carry-over."""
    return repository.alliances_with_cards_due(session, at or clock.now())

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lianmeng.kit.types import MAX_FEN, Fen, Id, Whole


class ComponentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    merchant_id: Id = Field(description="The merchant that serves this component")
    name: str = Field(min_length=1, max_length=100, examples=["汽车保养"])
    unit_name: str = Field(default="次", min_length=1, max_length=20, examples=["次", "月卡", "节课", "元"])
    units: Whole = Field(ge=1, le=100_000, description="How many units (2 services, 1 month card, 10 lessons, "
                                                     "or 1 for a money credit)")
    list_value_fen: Fen = Field(gt=0, le=MAX_FEN, description="The component's list value (weights the price split)")


class TierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["舒适版"])
    price_fen: Fen = Field(gt=0, le=MAX_FEN, examples=[1_480_000])
    components: list[ComponentIn] = Field(min_length=1, max_length=50)


class ProductCreate(BaseModel):
    """A joint card (联合储值卡/套餐): tiers made of components from several merchants."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["城市生活联名卡"])
    description: str = Field(default="", max_length=500)
    carry_over_months: Whole = Field(default=12, ge=1, le=120, description="Unused value carries over this long")
    expiry_merchant_id: Id | None = Field(
        default=None, description="Who keeps value left at expiry: a merchant of the product (default: the seller)")
    lead_merchant_id: Id | None = Field(default=None, description="Operators only; merchants lead their own")
    tiers: list[TierIn] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _unique_tier_names(self) -> ProductCreate:
        if len({t.name for t in self.tiers}) != len(self.tiers):
            raise ValueError("tier names must be unique")
        return self


class TierEdit(TierIn):
    """A tier to change (`id`: one not sold yet; its components are replaced) or to add (no `id`)."""

    id: Id | None = Field(default=None, description="The tier to change; omit to add a new tier")


class ProductUpdate(BaseModel):
    """Change a product: its name and description, tiers not sold yet (name, price, components), new tiers.
    A tier with a card sold is locked (409 joint_tier_locked); tiers not listed stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=500)
    tiers: list[TierEdit] = Field(default_factory=list, max_length=10)


class ComponentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    merchant_id: int
    name: str
    unit_name: str
    units: int
    list_value_fen: int
    share_fen: int


class TierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    price_fen: int
    cards_sold: int = Field(default=0, description="Cards sold of this tier; once any, the tier is locked")
    components: list[ComponentOut] = Field(default_factory=list)


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    alliance_id: int
    lead_merchant_id: int | None
    name: str
    description: str
    status: str
    carry_over_months: int
    expiry_merchant_id: int | None
    created_at: datetime
    tiers: list[TierOut] = Field(default_factory=list)


class SaleIn(BaseModel):
    """Sell a tier to a member at the caller's merchant: the money is taken once, here."""

    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=64, description="The till's receipt number (idempotent)")
    tier_id: Id
    member_id: Id | None = None
    card_no: str | None = Field(default=None, min_length=16, max_length=16, pattern=r"^\d{16}$")

    @model_validator(mode="after")
    def _one_member(self) -> SaleIn:
        if (self.member_id is None) == (self.card_no is None):
            raise ValueError("give member_id or card_no")
        return self


class ConsumeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    component_id: Id
    units: Whole = Field(default=1, ge=1, le=100_000)


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=200)


class ItemOut(BaseModel):
    """What is left of one component."""

    component_id: int
    merchant_id: int
    name: str
    unit_name: str
    units: int
    units_left: int
    share_fen: int
    value_left_fen: int


class CardOut(BaseModel):
    id: int
    alliance_id: int
    product_id: int
    product_name: str
    tier_id: int
    tier_name: str
    member_id: int
    seller_merchant_id: int
    external_id: str
    price_fen: int
    status: str
    sold_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    refunded_fen: int
    expired_fen: int
    value_left_fen: int
    items: list[ItemOut]


class CardSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    product_id: int
    tier_id: int
    member_id: int
    seller_merchant_id: int
    price_fen: int
    status: str
    sold_at: datetime
    expires_at: datetime


class UseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    card_id: int
    component_id: int
    merchant_id: int
    units: int
    value_fen: int
    at: datetime


class ConsumeOut(BaseModel):
    use: UseOut
    card: CardOut

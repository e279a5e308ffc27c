from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lianmeng.coupons.domain import Acceptance, CouponKind
from lianmeng.kit.types import MAX_FEN, Fen, Flag, Id, Moment, Points, Whole
from lianmeng.members.schemas import CardRef
from lianmeng.orders.schemas import Purchase

COST_DESCRIPTION = (
    "free_item only: what giving the item costs the merchant (商户成本), at most its value; used in acquisition cost "
    "instead of the value. Not set: the reports count the value and say so. Other kinds cost their discount.")


def check_cost(kind: CouponKind, item_value_fen: int | None, cost_to_merchant_fen: int | None) -> None:
    """A separate cost only for a free item, and never above what the item is worth."""
    if cost_to_merchant_fen is None:
        return
    if kind is not CouponKind.FREE_ITEM:
        raise ValueError("cost_to_merchant_fen is for free_item only: other kinds cost their discount")
    if item_value_fen is not None and cost_to_merchant_fen > item_value_fen:
        raise ValueError("cost_to_merchant_fen must not exceed item_value_fen")


class TemplateCreate(BaseModel):
    """A coupon (or rights-exchange benefit) a merchant publishes; the operator may publish alliance vouchers."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["首次保养9折"])
    description: str = Field(default="", max_length=500)
    kind: CouponKind
    amount_fen: Fen | None = Field(default=None, ge=1, le=MAX_FEN, description="amount_off / cash_voucher")
    percent_bp: Whole | None = Field(default=None, ge=1, le=10_000, description="percent_off, in basis points")
    cap_fen: Fen | None = Field(default=None, ge=1, le=MAX_FEN, description="percent_off: most it takes off")
    item_name: str | None = Field(default=None, max_length=100, description="free_item: what is given")
    item_value_fen: Fen | None = Field(default=None, ge=1, le=MAX_FEN, description="free_item: its value")
    cost_to_merchant_fen: Fen | None = Field(default=None, ge=0, le=MAX_FEN, description=COST_DESCRIPTION)
    min_spend_fen: Fen = Field(default=0, ge=0, le=MAX_FEN)
    valid_from: Moment | None = None
    valid_until: Moment | None = None
    valid_days: Whole | None = Field(default=None, ge=1, le=3650, description="Valid N days after issue")
    total_stock: Whole | None = Field(default=None, ge=1, le=10_000_000)
    per_member_limit: Whole = Field(default=1, ge=1, le=1000)
    uses_per_coupon: Whole = Field(default=1, ge=1, le=1000, description="Uses across merchants (活动通用券)")
    acceptance: Acceptance = Acceptance.OWNER
    accepted_merchant_ids: list[Id] = Field(default_factory=list, max_length=200)
    accepted_store_ids: list[Id] = Field(default_factory=list, max_length=500)
    owner_merchant_id: Id | None = Field(default=None, description="Operators only; merchants publish their own")
    funded_by_merchant_id: Id | None = Field(
        default=None, description="Who pays for the discount (default: the owner; the operator for its vouchers)")
    agreement_id: Id | None = Field(default=None, description="A rights-exchange benefit under this agreement")

    @model_validator(mode="after")
    def _fits_kind(self) -> TemplateCreate:
        needs = {CouponKind.AMOUNT_OFF: "amount_fen", CouponKind.CASH_VOUCHER: "amount_fen",
                 CouponKind.PERCENT_OFF: "percent_bp", CouponKind.FREE_ITEM: "item_value_fen"}[self.kind]
        if getattr(self, needs) is None:
            raise ValueError(f"{self.kind.value} needs {needs}")
        if self.kind is CouponKind.FREE_ITEM and not self.item_name:
            raise ValueError("free_item needs item_name")
        check_cost(self.kind, self.item_value_fen, self.cost_to_merchant_fen)
        if self.valid_from and self.valid_until and self.valid_from >= self.valid_until:
            raise ValueError("valid_from must be before valid_until")
        if any(d is not None and d.tzinfo is None for d in (self.valid_from, self.valid_until)):
            raise ValueError("dates need a timezone, e.g. 2026-12-01T00:00:00+08:00")
        if self.acceptance is Acceptance.SELECTED and not (self.accepted_merchant_ids or self.accepted_store_ids):
            raise ValueError("acceptance 'selected' needs accepted_merchant_ids or accepted_store_ids")
        return self


# what a published coupon promises its holders: never changed once published (422 `template_locked`, in words);
# pause it and publish a new one instead
LOCKED_FIELDS = ("kind", "amount_fen", "percent_bp", "cap_fen", "item_name", "item_value_fen", "min_spend_fen",
                 "per_member_limit", "uses_per_coupon", "acceptance", "accepted_merchant_ids",
                 "funded_by_merchant_id", "owner_merchant_id", "agreement_id")
LOCKED_DESCRIPTION = "Not editable once published: 422 `template_locked` (pause it and publish a new coupon)"


class TemplateUpdate(BaseModel):
    """What may change on a published coupon: pause or resume it, its name and description, its validity and stock
    for coupons issued from now on (issued coupons keep their own dates), and the stores it is accepted at (with
    acceptance 'selected'; once coupons are out, stores may be added, never removed). The value and conditions
    (`LOCKED_FIELDS`) are refused in words."""

    model_config = ConfigDict(extra="forbid")

    status: str | None = Field(default=None, pattern="^(active|paused)$")
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=500)
    valid_from: Moment | None = None
    valid_until: Moment | None = None
    valid_days: Whole | None = Field(default=None, ge=1, le=3650, description="Valid N days after issue")
    total_stock: Whole | None = Field(default=None, ge=1, le=10_000_000)
    accepted_store_ids: list[Id] | None = Field(default=None, max_length=500)
    cost_to_merchant_fen: Fen | None = Field(default=None, ge=0, le=MAX_FEN,
                                             description="free_item: set its cost to the merchant for later uses")
    kind: Any = Field(default=None, description=LOCKED_DESCRIPTION)
    amount_fen: Any = Field(default=None, description=LOCKED_DESCRIPTION)
    percent_bp: Any = Field(default=None, description=LOCKED_DESCRIPTION)
    cap_fen: Any = Field(default=None, description=LOCKED_DESCRIPTION)
    item_name: Any = Field(default=None, description=LOCKED_DESCRIPTION)
    item_value_fen: Any = Field(default=None, description=LOCKED_DESCRIPTION)
    min_spend_fen: Any = Field(default=None, description=LOCKED_DESCRIPTION)
    per_member_limit: Any = Field(default=None, description=LOCKED_DESCRIPTION)
    uses_per_coupon: Any = Field(default=None, description=LOCKED_DESCRIPTION)
    acceptance: Any = Field(default=None, description=LOCKED_DESCRIPTION)
    accepted_merchant_ids: Any = Field(default=None, description=LOCKED_DESCRIPTION)
    funded_by_merchant_id: Any = Field(default=None, description=LOCKED_DESCRIPTION)
    owner_merchant_id: Any = Field(default=None, description=LOCKED_DESCRIPTION)
    agreement_id: Any = Field(default=None, description=LOCKED_DESCRIPTION)

    @model_validator(mode="after")
    def _dates(self) -> TemplateUpdate:
        if any(d is not None and d.tzinfo is None for d in (self.valid_from, self.valid_until)):
            raise ValueError("dates need a timezone, e.g. 2026-12-01T00:00:00+08:00")
        return self


class TemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    alliance_id: int
    owner_merchant_id: int | None
    funded_by_merchant_id: int | None
    name: str
    description: str
    kind: CouponKind
    amount_fen: int | None
    percent_bp: int | None
    cap_fen: int | None
    item_name: str | None
    item_value_fen: int | None
    cost_to_merchant_fen: int | None = Field(description="free_item: its cost to the merchant; null: not set")
    min_spend_fen: int
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    total_stock: int | None
    issued_count: int
    per_member_limit: int
    uses_per_coupon: int
    acceptance: Acceptance
    accepted_merchant_ids: list[int]
    accepted_store_ids: list[int]
    agreement_id: int | None
    audience_merchant_id: int | None
    status: str
    created_at: datetime


class IssueIn(BaseModel):
    """Hand a coupon to a member at the counter (the member is present: it is claimed at once unless said)."""

    model_config = ConfigDict(extra="forbid")

    template_id: Id
    member_id: Id
    claimed: Flag = True


class CouponOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    template_id: int
    member_id: int
    code: str
    issued_at: datetime
    claimed_at: datetime | None
    valid_from: datetime
    valid_until: datetime | None
    uses_left: int
    referrer_merchant_id: int | None
    referrer_store_id: int | None
    referrer_staff_id: int | None
    target_merchant_id: int | None


class ClaimLinkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    template_id: int
    token: str
    merchant_id: int
    store_id: int | None
    staff_id: int | None
    active: bool
    created_at: datetime
    claim_url: str = ""


class ClaimLinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template_id: Id


class ClaimCodeIn(BaseModel):
    """Step one of a claim by phone: send the phone a one-time code."""

    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=1, max_length=32, examples=["13812345678"])


class ClaimIn(BaseModel):
    """Claim a coupon from a shared link. Either as the member logged in (member token: nothing else needed), or
    with the phone and the one-time code sent to it (`POST /claim/{token}/code`). A phone new to the alliance
    joins with the holder's consent (`accept_terms`)."""

    model_config = ConfigDict(extra="forbid")

    phone: str | None = Field(default=None, min_length=1, max_length=32, examples=["13812345678"])
    code: str | None = Field(default=None, min_length=4, max_length=8, pattern=r"^\d+$",
                             description="The one-time code sent to the phone")
    name: str | None = Field(default=None, max_length=60)
    accept_terms: Flag = Field(default=False,
                               description="Consent to join the alliance card (required for a phone new to it)")
    consent_marketing: Flag = False


class ClaimOut(BaseModel):
    coupon: CouponOut
    template: TemplateOut
    card_no: str
    phone_masked: str
    new_member: bool
    access_token: str | None = Field(default=None, description="A member token, when the phone was just proved")
    expires_at: datetime | None = None


class GivenBy(BaseModel):
    merchant_id: int
    merchant_name: str
    store_id: int | None
    store_name: str | None


class AcceptedAt(BaseModel):
    """A store where the coupon is accepted."""

    merchant_id: int
    merchant_name: str
    store_id: int
    store_name: str
    address: str
    district: str
    opening_hours: str
    latitude: float
    longitude: float
    distance_m: int | None = Field(description="From the lat/lng given, in metres; null without them")


class ClaimPage(BaseModel):
    """What a claim link offers, for the landing page (no personal data): who hands it out, whose coupon it is,
    where it is accepted (nearest first with `lat`/`lng`), what it is worth, the minimum spend and the validity.
    The `*_text` fields are in the caller's language (Accept-Language); times are Beijing time."""

    template: TemplateOut
    merchant_name: str = Field(description="Who hands it out: the link's merchant (same as given_by)")
    store_name: str | None
    active: bool
    given_by: GivenBy
    offered_by_merchant_id: int | None = Field(description="Whose coupon it is; null for an alliance voucher")
    offered_by_name: str
    value_text: str = Field(examples=["立减 ¥50.00"])
    min_spend_fen: int
    min_spend_text: str = Field(examples=["满 ¥300.00 可用"])
    validity_text: str = Field(examples=["领取后 30 天内有效"])
    accepted_at: list[AcceptedAt]
    sorted_by_distance: bool


class RedeemIn(BaseModel):
    """Use a coupon at the till. `bill_fen` is the bill before the discount. With `order`, the order is recorded
    at once (the amount the customer pays is the bill less the discount) and the referral converts."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=4, max_length=20)
    member_id: Id | None = Field(default=None, description="The member presenting it (checked against the coupon)")
    bill_fen: Fen = Field(default=0, ge=0, le=MAX_FEN)
    store_id: Id | None = None
    merchant_id: Id | None = Field(default=None, description="Operators only")
    order_external_id: str | None = Field(default=None, min_length=1, max_length=64,
                                          description="Record the order now under this POS id")
    points_used: Points = Field(default=0, ge=0, le=MAX_FEN)


class ValidationOut(BaseModel):
    ok: bool
    code: str | None = None
    message: str | None = None
    discount_fen: int = 0
    coupon_id: int | None = None


class RedemptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    coupon_id: int
    use_no: int
    member_id: int
    merchant_id: int
    store_id: int | None
    staff_id: int | None
    referrer_merchant_id: int | None
    referrer_staff_id: int | None
    bill_fen: int
    discount_fen: int
    cost_fen: int | None = Field(description="what this use cost the merchant; null: a free item without a set cost")
    funded_by_merchant_id: int | None
    order_id: int | None
    at: datetime
    details: dict[str, Any]


class AttachOrderIn(Purchase):
    """Convert an arrival: the order the referred member placed (the referral's 成交). The same order fields and
    rules as `POST /orders`; the member, store and referrer come from the arrival."""


class BenefitRedeemIn(CardRef):
    """The member shows the alliance card (number or QR); the benefit is used at once."""

    bill_fen: Fen = Field(default=0, ge=0, le=MAX_FEN)
    order_external_id: str | None = Field(default=None, min_length=1, max_length=64)
    points_used: Points = Field(default=0, ge=0, le=MAX_FEN)


class CounterView(BaseModel):
    """What the counter sees for a member: masked identity, benefits that apply here, coupons usable here."""

    member_id: int
    card_no: str
    phone_masked: str
    origin_merchant_id: int | None
    benefits: list[TemplateOut]
    coupons: list[CouponOut]

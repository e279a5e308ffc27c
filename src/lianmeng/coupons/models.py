from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps, UTCDateTime


class CouponTemplate(Timestamps, Base):
    """What a coupon gives, where it is accepted, how many exist and who pays for the discount.

    A template tied to an agreement with an `audience_merchant_id` is a rights-exchange benefit (权益): offered by
    `owner_merchant_id` to the members of that partner merchant."""

    __tablename__ = "coupon_templates"
    __table_args__ = (
        CheckConstraint("total_stock IS NULL OR issued_count <= total_stock", name="stock_not_exceeded"),
        CheckConstraint("uses_per_coupon >= 1 AND per_member_limit >= 1", name="limits_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    owner_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)  # None: operator
    funded_by_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"))  # None: the operator pays
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    kind: Mapped[str] = mapped_column(String(20))  # amount_off | percent_off | free_item | cash_voucher
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    percent_bp: Mapped[int | None] = mapped_column(Integer)
    cap_fen: Mapped[int | None] = mapped_column(BigInteger)
    item_name: Mapped[str | None] = mapped_column(String(100))
    item_value_fen: Mapped[int | None] = mapped_column(BigInteger)
    # free_item: what giving one costs the merchant (None: not set, its value is counted; coupons.domain.use_cost_fen)
    cost_to_merchant_fen: Mapped[int | None] = mapped_column(BigInteger)
    min_spend_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_days: Mapped[int | None] = mapped_column(Integer)  # or: valid N days after issue
    total_stock: Mapped[int | None] = mapped_column(Integer)
    issued_count: Mapped[int] = mapped_column(Integer, default=0)
    per_member_limit: Mapped[int] = mapped_column(Integer, default=1)
    uses_per_coupon: Mapped[int] = mapped_column(Integer, default=1)
    acceptance: Mapped[str] = mapped_column(String(20), default="owner")  # owner | selected | alliance
    accepted_merchant_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    accepted_store_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), index=True)
    audience_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"))
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | paused


class ClaimLink(Base):
    """A shareable claim link / QR tied to whoever shares it: claims through it are attributed to them."""

    __tablename__ = "coupon_claim_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("coupon_templates.id"), index=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # a member's own share link (分销, docs/distribution.md): `merchant_id` is then the offer's owner
    sharer_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Coupon(Base):
    """One member's coupon. Remembers its referrer (merchant, store, staff) and when it was issued and claimed."""

    __tablename__ = "coupons"
    __table_args__ = (CheckConstraint("uses_left >= 0", name="uses_left_nonnegative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("coupon_templates.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    uses_left: Mapped[int] = mapped_column(Integer)
    referrer_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    referrer_store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    referrer_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    claim_link_id: Mapped[int | None] = mapped_column(ForeignKey("coupon_claim_links.id"))
    # the member who shared the link it was claimed through (single level: only this direct sharer ever earns)
    referrer_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    target_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)


class Redemption(Base):
    """A coupon used at a store: the member's arrival (到店) at that merchant; with an order attached, the
    referral's conversion (成交). `use_no` numbers the coupon's uses, so one use can never be taken twice."""

    __tablename__ = "coupon_redemptions"
    __table_args__ = (UniqueConstraint("coupon_id", "use_no", "alliance_id"),
                      UniqueConstraint("order_id", "alliance_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id"), index=True)
    use_no: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    referrer_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), index=True)
    referrer_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    bill_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    # what this use cost the merchant, fixed when used (coupons.domain.use_cost_fen); None: a free item without a set
    # cost, which reports count at its value (discount_fen) and flag
    cost_fen: Mapped[int | None] = mapped_column(BigInteger)
    funded_by_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

"""Group buys (拼团): an offer of an alliance package at a group price for N people within H hours, the groups
members start and the seats they pay for. The package itself is a hidden joint-card product and tier per offer
(jointcards): when a group forms, every seat becomes a joint card (docs/group-buys.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, Timestamps, UTCDateTime


class GroupBuyOffer(Timestamps, Base):
    """A group-buy offer (拼团套餐) defined by the operator or a merchant admin; the seller takes the money."""

    __tablename__ = "group_buy_offers"
    __table_args__ = (
        CheckConstraint("price_fen > 0", name="price_positive"),
        CheckConstraint("group_size >= 2 AND group_size <= 50", name="group_size_range"),
        CheckConstraint("hours_to_form >= 1 AND hours_to_form <= 168", name="hours_range"),
        CheckConstraint("seats_taken >= 0 AND (max_seats IS NULL OR seats_taken <= max_seats)", name="stock_held"),
        CheckConstraint("per_member_limit >= 1", name="per_member_limit_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    created_by_merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"))  # None: the operator
    seller_merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)  # 收款商户
    joint_product_id: Mapped[int] = mapped_column(ForeignKey("joint_card_products.id"))
    joint_tier_id: Mapped[int] = mapped_column(ForeignKey("joint_card_tiers.id"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    price_fen: Mapped[int] = mapped_column(BigInteger)
    group_size: Mapped[int] = mapped_column(Integer)
    hours_to_form: Mapped[int] = mapped_column(Integer)
    max_seats: Mapped[int | None] = mapped_column(Integer)  # stock: seats sold and held at most; None: no limit
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)  # paid seats not refunded before forming
    per_member_limit: Mapped[int] = mapped_column(Integer, default=1)  # seats one member may hold at once
    sale_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sale_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | paused
    # distribution terms (分销, docs/distribution.md "Sharing a package"): points the sharer earns per friend's
    # issued seat (None: not open for sharing), their cap per sharer and month, the return window before crediting
    share_points: Mapped[int | None] = mapped_column(BigInteger)
    share_cap_per_month: Mapped[int | None] = mapped_column(BigInteger)
    share_return_window_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")


class GroupBuyGroup(Base):
    """One group (团) started by a member: open until its N-th seat is paid (formed) or its deadline passes
    unfilled (expired). `seats_taken` counts paid seats not refunded; it is the race's guard (conditional UPDATE)."""

    __tablename__ = "group_buy_groups"
    __table_args__ = (
        UniqueConstraint("token", "alliance_id"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= group_size", name="seats_within_size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("group_buy_offers.id"), index=True)
    leader_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    token: Mapped[str] = mapped_column(String(32))  # the share link's secret
    price_fen: Mapped[int] = mapped_column(BigInteger)
    group_size: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)  # open | formed | expired
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class GroupBuySeat(Base):
    """A member's paid seat in a group. One per member and group, ever (a member who left may not come back)."""

    __tablename__ = "group_buy_seats"
    __table_args__ = (UniqueConstraint("group_id", "member_id", "alliance_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group_buy_groups.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("group_buy_offers.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    price_fen: Mapped[int] = mapped_column(BigInteger)
    # paid (holding, group open) | issued (group formed, card issued) | left (refunded before forming) |
    # expired (group expired, refunded) | refunded (card refunded after forming)
    status: Mapped[str] = mapped_column(String(12), default="paid")
    joint_card_id: Mapped[int | None] = mapped_column(ForeignKey("joint_cards.id"))
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # who shared the offer with this seat's member (their signed share token), and what that earned them when the
    # group formed: points frozen until share_releases_at, shrunk by a refund before then (docs/distribution.md)
    shared_by_member_id: Mapped[int | None] = mapped_column(Integer, index=True)
    share_reward: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    share_reversed: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    share_status: Mapped[str | None] = mapped_column(String(12))  # frozen | available | reversed (distribution's)
    share_earned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    share_releases_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

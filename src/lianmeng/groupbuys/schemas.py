from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from lianmeng.distribution.domain import MAX_POINTS, MAX_RETURN_WINDOW_DAYS
from lianmeng.jointcards.schemas import ComponentIn, ComponentOut
from lianmeng.kit.types import MAX_FEN, Fen, Flag, Id, Moment, Whole


class OfferCreate(BaseModel):
    """A group-buy offer (拼团套餐): a package of components at several merchants, sold at a group price to groups
    of `group_size` members who pay within `hours_to_form` hours of the group's start."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["洗车+健身+晚餐 三人团"])
    description: str = Field(default="", max_length=500)
    components: list[ComponentIn] = Field(min_length=1, max_length=20)
    price_fen: Fen = Field(gt=0, le=MAX_FEN, description="The group price each member pays", examples=[19_900])
    group_size: Whole = Field(ge=2, le=50, description="Members needed to form a group (N)")
    hours_to_form: Whole = Field(ge=1, le=168, description="Hours a group has to fill up (H)")
    seller_merchant_id: Id | None = Field(
        default=None, description="Who takes the money (收款商户). Operators must name one; a merchant's offer is "
                                  "always sold by itself")
    max_seats: Whole | None = Field(default=None, ge=2, le=1_000_000, description="Stock: seats sold at most")
    per_member_limit: Whole = Field(default=1, ge=1, le=100, description="Seats one member may hold at once")
    sale_starts_at: Moment | None = None
    sale_ends_at: Moment | None = None
    valid_months: Whole = Field(default=12, ge=1, le=120, description="How long an issued package stays usable")


class OfferUpdate(BaseModel):
    """What may change on an offer: its words, stock, limit and sale window. The price, size, hours and components
    are fixed (cards already issued carry them): make a new offer instead."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=500)
    max_seats: Whole | None = Field(default=None, ge=2, le=1_000_000)
    per_member_limit: Whole | None = Field(default=None, ge=1, le=100)
    sale_starts_at: Moment | None = None
    sale_ends_at: Moment | None = None


class OfferOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    alliance_id: int
    created_by_merchant_id: int | None
    seller_merchant_id: int
    joint_product_id: int
    joint_tier_id: int
    name: str
    description: str
    price_fen: int
    group_size: int
    hours_to_form: int
    max_seats: int | None
    seats_taken: int
    per_member_limit: int
    sale_starts_at: datetime | None
    sale_ends_at: datetime | None
    status: str
    created_at: datetime
    share_points: int | None = None
    share_cap_per_month: int | None = None
    share_return_window_days: int = 7
    list_value_fen: int = 0
    components: list[ComponentOut] = Field(default_factory=list)


class GroupStart(BaseModel):
    """Start a group of an offer: the leader pays the first seat (members start for themselves; staff may start
    for a member by id)."""

    model_config = ConfigDict(extra="forbid")

    offer_id: Id
    member_id: Id | None = Field(default=None, description="Staff or operator only: the member who starts it")
    shared_by: str | None = Field(default=None, max_length=200,
                                  description="A sharer's token (分享码, from /group-buys/{id}/share-link): when the "
                                              "seat is issued the sharer earns the offer's reward")


class GroupJoin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: Id | None = Field(default=None, description="Staff or operator only: the member who joins")
    shared_by: str | None = Field(default=None, max_length=200,
                                  description="A sharer's token (分享码, from /group-buys/{id}/share-link): when the "
                                              "seat is issued the sharer earns the offer's reward")


class ShareTermsIn(BaseModel):
    """What sharing the offer earns (distribution's bounds): `points` per friend whose seat is issued (their first
    in this offer), at most `cap_per_month` per sharer and calendar month (Asia/Shanghai), credited after
    `return_window_days`. Rebates are for coupons only (a seat is no order to rebate on)."""

    model_config = ConfigDict(extra="forbid")

    enabled: Flag = True
    points: Whole = Field(ge=1, le=MAX_POINTS)
    cap_per_month: Whole | None = Field(default=None, ge=1, le=MAX_POINTS * 10)
    return_window_days: Whole = Field(default=7, ge=0, le=MAX_RETURN_WINDOW_DAYS)


class ShareLinkOut(BaseModel):
    offer_id: int
    token: str
    path: str


class SeatRefund(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=200)


class SeatOut(BaseModel):
    """A seat as its member, the seller or the operator sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    group_id: int
    offer_id: int
    member_id: int
    price_fen: int
    status: str
    joint_card_id: int | None
    refunded_fen: int
    joined_at: datetime
    closed_at: datetime | None


class GroupPublic(BaseModel):
    """What the share link shows anyone: the offer, the price, seats filled and the deadline; no personal data
    (the leader at most as "张**")."""

    token: str
    offer_id: int
    offer_name: str
    description: str
    price_fen: int
    list_value_fen: int
    group_size: int
    seats_filled: int
    seats_refunded: int
    seats_left: int
    status: str
    deadline_at: AwareDatetime
    leader: str
    components: list[ComponentOut] = Field(default_factory=list)


class GroupOut(GroupPublic):
    """A group as a participant, its seller or the operator sees it; `my_seat` is the caller's own (members)."""

    id: int
    started_at: datetime
    closed_at: datetime | None
    complete: bool = Field(description="Formed, and (for a member) the member's own seat not refunded")
    my_seat: SeatOut | None = None


class GroupSummary(BaseModel):
    """A group in an offer's list for the merchant or the operator: counts and states, no members."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    offer_id: int
    status: str
    group_size: int
    seats_taken: int
    started_at: datetime
    deadline_at: datetime
    closed_at: datetime | None


class OfferGroups(BaseModel):
    offer_id: int
    open: int
    formed: int
    expired: int
    seats_paid: int
    seats_issued: int
    seats_refunded: int
    groups: list[GroupSummary]


class ExpiryOut(BaseModel):
    groups: int = 0
    seats: int = 0
    refunded_fen: int = 0

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lianmeng.distribution.domain import (
    MAX_POINTS,
    MAX_REBATE_FEN,
    MAX_RETURN_WINDOW_DAYS,
    MAX_WINDOW_DAYS,
    RewardKind,
    RewardStatus,
)
from lianmeng.kit.types import Fen, Flag, Id, Whole


class TermsIn(BaseModel):
    """An offer's distribution terms. `amount`: points (reward_kind points) or fen (rebate); a rebate may instead
    be `rate_bp` basis points of the friend's first order. `cap_per_month`: per sharer and calendar month
    (Asia/Shanghai), in the reward's units."""

    model_config = ConfigDict(extra="forbid")

    enabled: Flag = True
    reward_kind: RewardKind
    amount: Whole | None = Field(default=None, ge=1, le=MAX_REBATE_FEN)
    rate_bp: Whole | None = Field(default=None, ge=1, le=5_000)
    min_order_fen: Fen = Field(default=0, ge=0, le=MAX_REBATE_FEN * 100)
    window_days: Whole = Field(default=30, ge=1, le=MAX_WINDOW_DAYS)
    cap_per_month: Whole | None = Field(default=None, ge=1, le=MAX_REBATE_FEN * 10)
    return_window_days: Whole = Field(default=7, ge=0, le=MAX_RETURN_WINDOW_DAYS)

    @model_validator(mode="after")
    def _one_amount(self) -> TermsIn:
        if (self.amount is None) == (self.rate_bp is None):
            raise ValueError("give amount or rate_bp, exactly one")
        if self.reward_kind is RewardKind.POINTS and self.rate_bp is not None:
            raise ValueError("points rewards are a fixed amount")
        if self.reward_kind is RewardKind.POINTS and self.amount is not None and self.amount > MAX_POINTS:
            raise ValueError(f"at most {MAX_POINTS} points")
        return self


class TermsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    template_id: int
    merchant_id: int
    enabled: bool
    reward_kind: RewardKind
    amount: int | None
    rate_bp: int | None
    min_order_fen: int
    window_days: int
    cap_per_month: int | None
    return_window_days: int


class ShareLinkOut(BaseModel):
    template_id: int
    token: str
    url: str = Field(description="The claim page a friend opens (/c/{token}); its QR at /api/v1/claim/{token}/qr.svg")


class ConversionOut(BaseModel):
    """A friend's first qualifying order, as the sharer sees it: a masked friend, never a phone."""

    template_id: int
    offer: str
    friend: str
    ordered_at: datetime
    reward_kind: RewardKind
    amount: int
    reversed: int
    status: RewardStatus
    releases_at: datetime


class ShareableOut(BaseModel):
    template_id: int
    offer: str
    merchant: str
    terms: TermsOut
    link: ShareLinkOut | None


class MySharesOut(BaseModel):
    offers: list[ShareableOut]
    conversions: list[ConversionOut]
    frozen: dict[str, int] = Field(description="reward kind → amount frozen")
    available: dict[str, int]
    reversed: dict[str, int]


class LeaderRow(BaseModel):
    rank: int
    sharer: str = Field(description="Masked, e.g. 李**")
    friends: int
    conversions: int
    reward: int = Field(description="Net reward (points or fen)")


class ResultsOut(BaseModel):
    """One offer's results. Its owner and the operator see the leaderboard (masked sharers); anyone else of the
    alliance sees totals only, each under k suppressed (null)."""

    template_id: int
    reward_kind: RewardKind | None
    sharers: int | None
    claims: int | None
    conversions: int | None
    reward_frozen: int | None
    reward_available: int | None
    reward_reversed: int | None
    leaderboard: list[LeaderRow]


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template_id: Id

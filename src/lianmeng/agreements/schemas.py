from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lianmeng.agreements.domain import AgreementAction, AgreementStatus, CooperationMode, Side
from lianmeng.kit.types import Day, Fen, Flag, Id, Whole
from lianmeng.kit.vocab import LabelledEnum
from lianmeng.settlement.domain import SettlementCycle

MAX_COMMISSION_FEN = 100_000_000  # ¥1,000,000.00 per head or per order: the most one commission term pays


class CommissionKind(LabelledEnum):
    PER_HEAD = "per_head", "按人头", "Per head"
    FIXED_PER_ORDER = "fixed_per_order", "按单固定", "Fixed per order"
    PERCENT_OF_ORDER = "percent_of_order", "按比例", "Percent of order"
    HUB_SHARE = "hub_share", "枢纽佣金", "Hub share"


class CommissionTerm(BaseModel):
    """Kept as data here; the money capability computes commissions from it (`commissions.domain`, which also says
    which combinations it pays: `unpayable`). Money in fen, rates in basis points (1% = 100 bp).

    The first three kinds pay the referrer of an order under a two-merchant agreement. `hub_share` is for
    alliance-wide agreements: the hub (a merchant, or the operator) earns `rate_bp` of what the members it brought
    spend at the other merchants (their GMV), paid by the merchant where they spend it."""

    model_config = ConfigDict(extra="forbid")

    kind: CommissionKind
    payer: Literal["a", "b"] = Field(default="b", description="The merchant receiving the customer pays")
    payee: Literal["merchant", "staff", "both"] = "merchant"
    amount_fen: Fen | None = Field(default=None, ge=1, le=MAX_COMMISSION_FEN)
    staff_amount_fen: Fen | None = Field(default=None, ge=0, le=MAX_COMMISSION_FEN)
    rate_bp: Whole | None = Field(default=None, ge=1, le=10_000)
    min_order_fen: Fen = Field(default=0, ge=0)
    cap_per_order_fen: Fen | None = Field(default=None, ge=1)
    cap_per_member_month_fen: Fen | None = Field(default=None, ge=1)
    first_order_only: Flag = False
    within_days: Whole | None = Field(default=None, ge=1, le=3650)
    operator_rate_bp: Whole = Field(default=0, ge=0, le=10_000)
    hub: Literal["merchant", "operator"] | None = Field(
        default=None, description="hub_share: who earns it, a merchant (hub_merchant_id) or the alliance operator")
    hub_merchant_id: Id | None = Field(default=None, description="hub_share with hub = merchant: the hub")

    @model_validator(mode="after")
    def _amount_matches_kind(self) -> CommissionTerm:
        by_rate = (CommissionKind.PERCENT_OF_ORDER, CommissionKind.HUB_SHARE)
        if self.kind in by_rate and self.rate_bp is None:
            raise ValueError(f"{self.kind.value} needs rate_bp")
        if self.kind not in by_rate and self.amount_fen is None:
            raise ValueError(f"{self.kind.value} needs amount_fen")
        return self


class Benefit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offered_by: Literal["a", "b"]
    text: str = Field(min_length=1, max_length=200, examples=["首次保养9折"])


class AgreementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=160, examples=["特斯拉服务中心 × 威尔仕健身 权益互换"])
    merchant_a_id: Id | None = Field(default=None, description="Proposer; merchants propose as themselves")
    merchant_b_id: Id | None = Field(default=None, description="Counterparty; empty = alliance-wide (operator)")
    modes: list[CooperationMode] = Field(min_length=1, max_length=5)
    commission_terms: list[CommissionTerm] = Field(default_factory=list, max_length=20)
    benefits: list[Benefit] = Field(default_factory=list, max_length=50)
    return_window_days: Whole = Field(default=7, ge=0, le=365)
    settlement_cycle: SettlementCycle = SettlementCycle.MONTHLY
    valid_from: Day | None = None
    valid_until: Day | None = None
    notes: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _checks(self) -> AgreementCreate:
        if len(set(self.modes)) != len(self.modes):
            raise ValueError("modes must not repeat")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until must not be before valid_from")
        return self


class AgreementUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=160)
    modes: list[CooperationMode] | None = Field(default=None, min_length=1, max_length=5)
    commission_terms: list[CommissionTerm] | None = Field(default=None, max_length=20)
    benefits: list[Benefit] | None = Field(default=None, max_length=50)
    return_window_days: Whole | None = Field(default=None, ge=0, le=365)
    settlement_cycle: SettlementCycle | None = None
    valid_from: Day | None = None
    valid_until: Day | None = None
    notes: str | None = Field(default=None, max_length=2000)


class CounterOfferIn(AgreementUpdate):
    """Changed terms sent back to the merchant whose offer is on the table (only the fields that change are needed;
    at least one must differ from the offer, else 422 `agreement_counter_unchanged`)."""

    note: str = Field(default="", max_length=500, description="Why these terms; kept in the agreement's history")


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: AgreementAction
    note: str = Field(default="", max_length=500, description=(
        "Why; required (not blank) for reject, suspend and terminate, else 422 `agreement_reason_required`. "
        "Kept in the agreement's history"))


class AgreementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    alliance_id: int
    title: str
    merchant_a_id: int | None
    merchant_b_id: int | None
    alliance_wide: bool
    modes: list[CooperationMode]
    commission_terms: list[dict[str, Any]]
    benefits: list[dict[str, Any]]
    return_window_days: int
    settlement_cycle: SettlementCycle
    valid_from: date
    valid_until: date | None
    status: AgreementStatus
    notes: str
    offered_by: Side = Field(description="Whose offer is on the table: proposer (merchant A) or counterparty (B)")
    allowed_actions: list[AgreementAction] = Field(description="What the caller may do next")
    created_at: datetime
    updated_at: datetime


class AgreementEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    agreement_id: int
    action: str
    from_status: str | None
    to_status: str
    actor: str
    actor_user_id: int | None
    actor_merchant_id: int | None
    changes: dict[str, Any]
    note: str
    at: datetime

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lianmeng.kit.types import MAX_FEN, Fen, Id
from lianmeng.settlement.domain import SettlementCycle


def _stripped(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(min_length=7, max_length=8, examples=["2026-10", "2026-W44", "2026-Q4"],
                        description="A month (monthly cycle), an ISO week (weekly cycle) or a calendar quarter "
                                    "(quarterly cycle), in Asia/Shanghai time")


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    alliance_id: int
    period: str
    cycle: SettlementCycle
    starts_at: datetime
    ends_at: datetime
    after_posting_id: int
    through_posting_id: int
    statements: int
    lines: int
    created_by: str
    created_at: datetime


class StatementSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    run_id: int
    merchant_id: int
    period: str
    status: str
    net_fen: int
    issued_at: datetime | None
    paid_at: datetime | None


class LineOut(BaseModel):
    id: int
    number: int = Field(description="The line's number on the statement, 1..n in order (page and export)")
    account_id: int
    kind: str
    kind_label: str
    cause: str
    cause_label: str
    party_type: str
    party_id: int
    party_name: str
    amount_fen: int
    amount: str = Field(description="¥1,950.00; positive: owed to the merchant, negative: owed by it")
    entries: int
    late: bool
    corrects_period: str | None = Field(description="Late lines: the period the postings were dated in")
    corrects_statement_id: int | None
    adjusts_line_id: int | None
    adjusts_line_number: int | None = Field(default=None, description="The number of the line it corrects")
    posting_id: int | None
    note: str


class CounterpartyNet(BaseModel):
    party_type: str
    party_id: int
    party_name: str
    net_fen: int
    net: str


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    side: str
    from_status: str
    to_status: str
    actor: str
    reason: str
    line_ids: list[int]
    line_numbers: list[int] = Field(default_factory=list, description="The lines named, by their numbers")
    mirror_of: int | None = Field(default=None, description="The other side of a correction made on this statement")
    at: datetime


class StatementOut(BaseModel):
    id: int
    run_id: int
    alliance_id: int
    merchant_id: int
    merchant_name: str
    period: str
    cycle: SettlementCycle
    cycle_label: str
    starts_at: datetime
    ends_at: datetime
    status: str
    net_fen: int
    net: str
    merchant_confirmed_at: datetime | None
    operator_confirmed_at: datetime | None
    issued_at: datetime | None
    paid_at: datetime | None
    payout_ref: str | None
    lines: list[LineOut]
    counterparties: list[CounterpartyNet]
    events: list[EventOut]


class LineEntryOut(BaseModel):
    """One ledger entry behind a line, and the order it came from (no member: a partner's customers stay its
    own)."""

    model_config = ConfigDict(from_attributes=True)

    entry_id: int
    posting_id: int
    at: datetime
    cause: str
    cause_label: str
    cause_id: int | None
    amount_fen: int
    amount: str
    order_id: int | None
    receipt: str | None = Field(description="The order's receipt number")
    order_merchant: str | None
    order_store: str | None
    order_amount_fen: int | None
    order_at: datetime | None
    refund_id: int | None


class LineDetailOut(BaseModel):
    statement_id: int
    merchant_name: str
    period: str
    status: str
    line: LineOut
    entries: list[LineEntryOut] = Field(description="The entries the line sums: their count is the line's entries, "
                                                    "their amounts add up to the line's amount")


class DisputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=500, examples=["10 月 12 日的佣金按 5% 计算,协议约定为 3%"])
    line_ids: list[Id] = Field(default_factory=list, max_length=200,
                                description="The lines disputed (may be empty when a line is missing)")

    _reason = field_validator("reason")(_stripped)


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_id: Id = Field(description="The line corrected; the correction is with the same counterparty")
    amount_fen: Fen = Field(ge=-MAX_FEN, le=MAX_FEN, description="Signed, from the merchant's side: + owed to it")
    note: str = Field(min_length=1, max_length=300)

    _note = field_validator("note")(_stripped)

    @field_validator("amount_fen")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("a correction of zero changes nothing")
        return value


class AdjustIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    adjustments: list[AdjustmentIn] = Field(min_length=1, max_length=50)


class PayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payout_ref: str = Field(min_length=1, max_length=100, examples=["ICBC-20261105-000123"])

    _ref = field_validator("payout_ref")(_stripped)


class Mismatch(BaseModel):
    account_id: int
    ledger_fen: int
    statement_fen: int


class VerifyOut(BaseModel):
    run_id: int
    alliance_id: int
    period: str
    ok: bool
    accounts: int
    entries: int
    ledger_fen: int
    statement_fen: int
    mismatches: list[Mismatch]

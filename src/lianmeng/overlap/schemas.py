"""What the overlap views return: counts and shares only — never a member, a phone or a hash. Every count shared
by two merchants is either ≥ k or absent/null, with its text as people see it ("1,234" or "< 10")."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from lianmeng.overlap.domain import K_MIN, REFRESH_MINUTES


class Freshness(BaseModel):
    computed_at: datetime | None = Field(description="When the figures were counted (UTC); null: not yet counted")
    refresh_minutes: int = Field(REFRESH_MINUTES, description="Recounted by the scheduled jobs at most this many "
                                                                "minutes after memberships change")
    k: int = Field(K_MIN, description="Counts below k (zero included) are suppressed: null, shown as \"< 10\"")


class PartnerOverlap(BaseModel):
    merchant_id: int
    name: str
    industry: str
    shared: int = Field(description="Customers of yours who are also this merchant's (always ≥ k here)")
    shared_text: str
    share_bp: int | None = Field(description="shared × 10 000 / your customers, rounded half up (basis points)")


class MerchantOverlapOut(BaseModel):
    """A merchant's overlap with the other merchants of its alliance, largest first."""

    merchant_id: int
    merchant_name: str
    customers: int = Field(description="Your customers: members holding a membership at your merchant")
    freshness: Freshness
    partners: list[PartnerOverlap] = Field(description="The largest overlaps (at most `limit`), all ≥ k")
    partners_shown: int = Field(description="Partners sharing at least k customers with you (the export lists all)")
    partners_below_k: int = Field(description="The alliance's other merchants sharing fewer than k (zero included)")
    shown_total: int = Field(description="The sum of the shown counts of all partners shown: a customer shared "
                                         "with two partners counts twice; suppressed counts are not in it")


class MatrixMerchant(BaseModel):
    merchant_id: int
    name: str
    industry: str
    customers: int
    shown_total: int = Field(description="Row total: the sum of this merchant's shown cells, nothing else")


class MatrixCell(BaseModel):
    """One unordered pair (a < b). A pair that is not listed shares fewer than k customers (zero included)."""

    merchant_a_id: int
    merchant_b_id: int
    shared: int = Field(description="Customers of both (always ≥ k here)")
    share_of_a_bp: int | None = Field(description="shared as basis points of merchant a's customers")
    share_of_b_bp: int | None = Field(description="shared as basis points of merchant b's customers")


class UntappedPair(BaseModel):
    merchant_a_id: int
    merchant_a_name: str
    merchant_b_id: int
    merchant_b_name: str
    shared: int
    share_of_smaller_bp: int | None
    arrivals: int = Field(description="Referral arrivals between the two in the period, both directions")
    why: str = Field(description="One sentence, in the caller's language")


class MatrixOut(BaseModel):
    """The operator's matrix: overlap (customers of both) beside the flow of referrals (arrivals), and the pairs
    that share many customers but send each other few."""

    alliance_id: int
    freshness: Freshness
    date_from: date
    date_to: date
    merchants: list[MatrixMerchant]
    overlap: list[MatrixCell]
    flows: list[FlowPair]
    untapped: list[UntappedPair]


class FlowPair(BaseModel):
    referrer_merchant_id: int
    receiving_merchant_id: int
    arrived: int


class SnapshotOut(BaseModel):
    alliance_id: int
    computed_at: datetime
    memberships: int
    pairs: int
    seconds: float


MatrixOut.model_rebuild()

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, model_validator


class RebateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    order_id: int
    agreement_id: int | None  # None: a member's distribution reward
    payer_merchant_id: int
    payee_type: str
    payee_id: int
    amount_fen: int
    reversed_fen: int
    reason: str
    status: str
    releases_at: datetime
    released_at: datetime | None
    created_at: datetime

    @model_validator(mode="after")
    def _no_sharer_id(self) -> RebateOut:
        """A member's distribution reward names no member: the payer sees "members (distribution)" only."""
        if self.payee_type == "member":
            self.payee_id = 0
        return self

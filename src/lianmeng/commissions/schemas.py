from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class RebateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    order_id: int
    agreement_id: int
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

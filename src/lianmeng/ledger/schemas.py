from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class BalanceOut(BaseModel):
    account_id: int
    kind: str
    scope_id: int
    unit: str
    balance: int


class BalancesOut(BaseModel):
    owner_type: str
    owner_id: int
    accounts: list[BalanceOut]


class EntryOut(BaseModel):
    entry_id: int
    posting_id: int
    amount: int
    unit: str
    cause: str
    cause_id: int | None
    memo: str
    at: datetime

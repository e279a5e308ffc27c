"""Posting: the one way money and points move.

`post` runs inside the caller's transaction (services never commit). It
1. checks the legs balance (pure rule),
2. records the posting under its idempotency key first, in a savepoint: a retry (even a concurrent one, which
   waits on the unique index) finds the key taken and gets the original posting back without moving anything,
3. applies each account's net change in account-id order (a fixed lock order, so concurrent postings never
   deadlock) with a guarded UPDATE; kept balances that would go negative refuse the whole posting,
4. appends the entries.
Derived (hot) accounts — the operator's points float and clearing — get entries only, no row update, so
orders never queue behind one operator row.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from lianmeng.db import insert_once
from lianmeng.kit import clock
from lianmeng.kit.errors import AppError, Conflict
from lianmeng.ledger import domain, repository
from lianmeng.ledger.domain import AccountRef, Leg
from lianmeng.ledger.models import Entry, Posting


class InsufficientBalance(AppError):
    status_code = 409

    def __init__(self, ref: AccountRef) -> None:
        super().__init__("insufficient_balance", kind=ref.kind.value)
        self.ref = ref


@dataclass(frozen=True)
class Posted:
    posting: Posting
    replayed: bool


def post(
    session: Session, alliance_id: int, key: str, cause: str, legs: list[Leg], *, cause_id: int | None = None,
    memo: str = "",
) -> Posted:
    domain.check_balanced(legs)
    existing = repository.posting_by_key(session, alliance_id, key)
    if existing is not None:
        return Posted(existing, replayed=True)
    posting = Posting(alliance_id=alliance_id, idempotency_key=key, cause=cause, cause_id=cause_id, memo=memo,
                      created_at=clock.now())
    if not insert_once(session, posting):
        raced = repository.posting_by_key(session, alliance_id, key)
        if raced is None:  # the insert broke another constraint (a vanished alliance): nothing was posted
            raise Conflict("conflict")
        return Posted(raced, replayed=True)
    net = domain.net_by_account(legs)
    accounts = repository.ensure_accounts(session, alliance_id, list(net))
    for ref, amount in sorted(net.items(), key=lambda item: accounts[item[0]].id):
        account = accounts[ref]
        if not account.derived and not repository.apply_change(session, account.id, amount):
            raise InsufficientBalance(ref)
    session.add_all(
        Entry(posting_id=posting.id, account_id=accounts[leg.account].id, unit=leg.account.unit.value,
              amount=leg.amount)
        for leg in legs
    )
    session.flush()
    return Posted(posting, replayed=False)


def balance(session: Session, alliance_id: int, ref: AccountRef) -> int:
    account = repository.find_account(session, alliance_id, ref)
    return 0 if account is None else repository.balance_of(session, account)

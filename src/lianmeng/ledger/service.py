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

Batches (group commit) use `open_books` + `Books.admit` + `post_many` instead: the batch's kept accounts are
locked once in id order, each order's postings are checked against the running locked balances before anything
is written (a refused order leaves its batch-mates alone), and all admitted postings are written with one
statement each for postings, entries and balance changes (docs/benchmarks.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from lianmeng.db import insert_once
from lianmeng.kit import clock
from lianmeng.kit.errors import AppError, Conflict
from lianmeng.ledger import domain, repository
from lianmeng.ledger.domain import AccountRef, Leg, PostingCause
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
    session: Session, alliance_id: int, key: str, cause: PostingCause, legs: list[Leg], *, cause_id: int | None = None,
    memo: str = "", occurred_at: datetime | None = None,
) -> Posted:
    """`occurred_at` dates what the posting records (default: now): the settlement period it falls in."""
    domain.check_balanced(legs)
    existing = repository.posting_by_key(session, alliance_id, key)
    if existing is not None:
        return Posted(existing, replayed=True)
    now = clock.now()
    posting = Posting(alliance_id=alliance_id, idempotency_key=key, cause=cause, cause_id=cause_id, memo=memo,
                      created_at=now, occurred_at=occurred_at or now)
    if not insert_once(session, posting):
        raced = repository.posting_by_key(session, alliance_id, key)
        if raced is None:  # the insert broke another constraint (a vanished alliance): nothing was posted
            raise Conflict("conflict")
        return Posted(raced, replayed=True)
    net = domain.net_by_account(legs)
    accounts = repository.ensure_accounts(session, alliance_id, list(net))
    for ref, amount in sorted(net.items(), key=lambda item: accounts[item[0]].id):
        account = accounts[ref]
        if not account.derived and not repository.apply_change(session, alliance_id, account.id, amount):
            raise InsufficientBalance(ref)
    session.add_all(
        Entry(alliance_id=posting.alliance_id,
              posting_id=posting.id, account_id=accounts[leg.account].id, unit=leg.account.unit.value,
              amount=leg.amount, cause=cause, occurred_at=posting.occurred_at, **_party_columns(leg))
        for leg in legs
    )
    session.flush()
    return Posted(posting, replayed=False)


def _party_columns(leg: Leg) -> dict[str, str | int | None]:
    party = domain.counterparty(leg)
    return {"party_type": party.owner_type.value if party else None, "party_id": party.owner_id if party else None}


def balance(session: Session, alliance_id: int, ref: AccountRef) -> int:
    account = repository.find_account(session, alliance_id, ref)
    return 0 if account is None else repository.balance_of(session, account)


@dataclass(frozen=True)
class Draft:
    """A posting not yet written: what `post_many` appends."""

    key: str
    cause: PostingCause
    legs: list[Leg]
    cause_id: int | None = None
    memo: str = ""
    occurred_at: datetime | None = None  # when what it records happened (default: when written)


class Books:
    """The kept balances of one batch's accounts, as locked by `open_books`, plus what admitted postings will
    change. Admission is all or nothing per group (one order's postings) and writes nothing."""

    def __init__(self, alliance_id: int, accounts: dict[AccountRef, repository.AccountState]) -> None:
        self.alliance_id = alliance_id
        self.accounts = accounts
        self._running = {ref: state.balance for ref, state in accounts.items()}

    def balance(self, ref: AccountRef) -> int:
        """A kept balance as the batch stands (locked value plus admitted changes)."""
        return self._running[ref]

    def admit(self, groups: Iterable[list[Leg]]) -> None:
        """Accept one order's postings if no guarded balance would go below zero; raises InsufficientBalance
        (and changes nothing) otherwise."""
        net: dict[AccountRef, int] = defaultdict(int)
        for legs in groups:
            domain.check_balanced(legs)
            for ref, amount in domain.net_by_account(legs).items():
                net[ref] += amount
        for ref, amount in sorted(net.items(), key=lambda item: self.accounts[item[0]].id):
            state = self.accounts[ref]
            if not state.derived and not state.may_go_negative and self._running[ref] + amount < 0:
                raise InsufficientBalance(ref)
        for ref, amount in net.items():
            self._running[ref] += amount


def open_books(session: Session, alliance_id: int, refs: Iterable[AccountRef]) -> Books:
    return Books(alliance_id, repository.lock_accounts(session, alliance_id, list(refs)))


def post_many(session: Session, books: Books, drafts: Sequence[Draft], at: datetime | None = None) -> None:
    """Write admitted postings: one INSERT for the postings, one for their entries, one executemany UPDATE for
    the kept balances (each account changed once, by its net change). Every draft must balance."""
    if not drafts:
        return
    now = at or clock.now()
    for draft in drafts:
        domain.check_balanced(draft.legs)
    ids = repository.insert_postings(session, [
        {"alliance_id": books.alliance_id, "idempotency_key": d.key, "cause": d.cause, "cause_id": d.cause_id,
         "memo": d.memo, "created_at": now, "occurred_at": d.occurred_at or now}
        for d in drafts
    ])
    changes: dict[int, int] = defaultdict(int)
    entries = []
    for draft in drafts:
        for leg in draft.legs:
            state = books.accounts[leg.account]
            entries.append({"alliance_id": books.alliance_id,
                            "posting_id": ids[draft.key], "account_id": state.id, "unit": leg.account.unit.value,
                            "amount": leg.amount, "cause": draft.cause,
                            "occurred_at": draft.occurred_at or now, **_party_columns(leg)})
            if not state.derived:
                changes[state.id] += leg.amount
    repository.insert_entries(session, entries)
    repository.add_to_locked_balances(session, books.alliance_id,
                                      {id_: delta for id_, delta in changes.items() if delta})

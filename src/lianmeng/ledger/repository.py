"""All ledger queries. Balance changes go through `apply_change` only: one guarded UPDATE per account."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lianmeng.db import add_many, in_keys, insert_many
from lianmeng.kit import clock
from lianmeng.ledger.domain import KIND_RULES, AccountRef
from lianmeng.ledger.models import Account, Entry, Posting


def _matches(ref: AccountRef) -> Any:
    return and_(
        Account.owner_type == ref.owner_type.value, Account.owner_id == ref.owner_id,
        Account.kind == ref.kind.value, Account.scope_id == ref.scope_id,
    )


def ensure_accounts(session: Session, alliance_id: int, refs: list[AccountRef]) -> dict[AccountRef, Account]:
    """The accounts for `refs`, created on first use. Concurrent first uses are safe: INSERT … ON CONFLICT DO
    NOTHING, then read back."""
    wanted = list(dict.fromkeys(refs))
    found = _load(session, alliance_id, wanted)
    missing = [ref for ref in wanted if ref not in found]
    if missing:
        rows = [
            {
                "alliance_id": alliance_id, "owner_type": ref.owner_type.value, "owner_id": ref.owner_id,
                "kind": ref.kind.value, "scope_id": ref.scope_id, "unit": ref.unit.value, "balance": 0,
                "may_go_negative": KIND_RULES[ref.kind].may_go_negative, "derived": KIND_RULES[ref.kind].derived,
                "created_at": clock.now(),
            }
            for ref in missing
        ]
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(Account).values(rows).on_conflict_do_nothing())
        found.update(_load(session, alliance_id, missing))
    return found


def _load(session: Session, alliance_id: int, refs: list[AccountRef]) -> dict[AccountRef, Account]:
    if not refs:
        return {}
    rows = session.scalars(
        select(Account).where(Account.alliance_id == alliance_id, or_(*[_matches(ref) for ref in refs]))
    ).all()
    by_key = {(a.owner_type, a.owner_id, a.kind, a.scope_id): a for a in rows}
    return {
        ref: by_key[key]
        for ref in refs
        if (key := (ref.owner_type.value, ref.owner_id, ref.kind.value, ref.scope_id)) in by_key
    }


def apply_change(session: Session, alliance_id: int, account_id: int, amount: int) -> bool:
    """Add `amount` to a kept balance unless it would go below zero where that is not allowed.

    One statement: the row lock, the check and the write cannot be separated by another transaction
    (check-then-write in two steps is the classic double-spend). False when refused."""
    result = session.execute(
        update(Account)
        .where(Account.alliance_id == alliance_id, Account.id == account_id,
               or_(Account.may_go_negative, Account.balance + amount >= 0))
        .values(balance=Account.balance + amount)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AccountState:
    """An account as a batch sees it: kept balances are read under a row lock, derived ones not at all."""

    id: int
    balance: int
    may_go_negative: bool
    derived: bool


def _ref_key(ref: AccountRef) -> tuple[str, int, str, int]:
    return (ref.owner_type.value, ref.owner_id, ref.kind.value, ref.scope_id)


def lock_accounts(session: Session, alliance_id: int, refs: Sequence[AccountRef]) -> dict[AccountRef, AccountState]:
    """The accounts of a batch, created on first use; kept ones locked FOR UPDATE in id order (the one lock order
    every writer follows), derived ones never locked. Two statements when all exist, whatever the batch size."""
    wanted = list(dict.fromkeys(refs))
    columns = (Account.id, Account.owner_type, Account.owner_id, Account.kind, Account.scope_id, Account.derived)
    by_key = {tuple(row[1:5]): row for row in session.execute(
        select(*columns).where(Account.alliance_id == alliance_id, in_keys(
            session, (Account.owner_type, Account.owner_id, Account.kind, Account.scope_id), map(_ref_key, wanted)))
    )}
    if any(_ref_key(ref) not in by_key for ref in wanted):
        ensure_accounts(session, alliance_id, [ref for ref in wanted if _ref_key(ref) not in by_key])
        return lock_accounts(session, alliance_id, wanted)
    kept_ids = sorted(row.id for row in by_key.values() if not row.derived)
    locked: dict[int, tuple[int, bool]] = {}
    if kept_ids:
        stmt = (select(Account.id, Account.balance, Account.may_go_negative)
                .where(Account.alliance_id == alliance_id,
                       in_keys(session, (Account.id,), ((id_,) for id_ in kept_ids)))
                .order_by(Account.id).with_for_update())
        locked = {row.id: (row.balance, row.may_go_negative) for row in session.execute(stmt)}
    out: dict[AccountRef, AccountState] = {}
    for ref in wanted:
        row = by_key[_ref_key(ref)]
        balance, may_go_negative = locked.get(row.id, (0, True))
        out[ref] = AccountState(row.id, balance, may_go_negative, row.derived)
    return out


def insert_postings(session: Session, rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """One statement for a batch's postings; idempotency key → new posting id. A key already taken fails the
    statement (the unique index): callers only pass keys derived from rows they have just inserted."""
    rows = [row if "occurred_at" in row else {**row, "occurred_at": row["created_at"]} for row in rows]
    return {key: id_ for id_, key in insert_many(session, Posting, rows, returning=("id", "idempotency_key"))}


def insert_entries(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    insert_many(session, Entry, rows)


def add_to_locked_balances(session: Session, alliance_id: int, changes: Mapping[int, int]) -> None:
    """Add each change to a kept balance the caller holds locked and has checked; the CHECK constraint
    (`balance_nonnegative`) still refuses a negative balance if a caller ever got that wrong."""
    add_many(session, Account, "balance", changes, alliance_id)


def posting_by_key(session: Session, alliance_id: int, key: str) -> Posting | None:
    return session.scalars(
        select(Posting).where(Posting.alliance_id == alliance_id, Posting.idempotency_key == key)
    ).first()


def entries_of(session: Session, posting_id: int) -> list[Entry]:
    return list(session.scalars(select(Entry).where(Entry.posting_id == posting_id).order_by(Entry.id)))


def balance_of(session: Session, account: Account) -> int:
    """The kept balance, or for derived (hot) accounts the sum of their entries."""
    if not account.derived:
        return session.scalar(select(Account.balance).where(Account.alliance_id == account.alliance_id,
                                                            Account.id == account.id)) or 0
    return session.scalar(select(func.coalesce(func.sum(Entry.amount), 0)).where(
        Entry.alliance_id == account.alliance_id, Entry.account_id == account.id)) or 0


def find_account(session: Session, alliance_id: int, ref: AccountRef) -> Account | None:
    return _load(session, alliance_id, [ref]).get(ref)


def history(account_id: int) -> Select[Entry, Posting]:
    return (
        select(Entry, Posting)
        .join(Posting, Posting.id == Entry.posting_id)
        .where(Entry.account_id == account_id)
        .order_by(Entry.id.desc())
    )


def history_page(session: Session, account_id: int, limit: int, offset: int) -> list[tuple[Entry, Posting]]:
    """One page of an account's history, newest first: (entry, its posting)."""
    return [(e, p) for e, p in session.execute(history(account_id).limit(limit).offset(offset)).all()]


def account_by_id(session: Session, account_id: int) -> Account | None:
    """One account by id (not scoped: the caller checks who may see it); None for an id out of range."""
    return session.get(Account, account_id) if 0 < account_id < 2**63 else None


def accounts_of(session: Session, alliance_id: int, owner_type: str, owner_id: int) -> list[Account]:
    return list(session.scalars(
        select(Account).where(Account.alliance_id == alliance_id, Account.owner_type == owner_type,
                              Account.owner_id == owner_id).order_by(Account.id)
    ))


def count_entries(session: Session, account_id: int) -> int:
    return int(session.scalar(select(func.count(Entry.id)).where(Entry.account_id == account_id)) or 0)


def invariant_problems(session: Session, alliance_id: int | None = None) -> list[str]:
    """What breaks the ledger's two invariants, in words (empty: the books hold): postings that do not sum to zero
    per unit, and kept balances that differ from the sum of their entries. One alliance, or every alliance. The
    bench, the demo and every test of money safety read the books through this one check."""
    unbalanced = select(Entry.posting_id, Entry.unit).join(
        Posting, and_(Posting.alliance_id == Entry.alliance_id, Posting.id == Entry.posting_id))
    sums = select(Entry.account_id, func.sum(Entry.amount).label("total")).join(
        Account, and_(Account.alliance_id == Entry.alliance_id, Account.id == Entry.account_id))
    kept = select(Account.id).where(Account.derived.is_(False))
    if alliance_id is not None:
        unbalanced = unbalanced.where(Entry.alliance_id == alliance_id)
        sums = sums.where(Account.alliance_id == alliance_id)
        kept = kept.where(Account.alliance_id == alliance_id)
    totals = sums.group_by(Entry.account_id).subquery()
    bad_postings = session.execute(unbalanced.group_by(Entry.posting_id, Entry.unit)
                                   .having(func.sum(Entry.amount) != 0)).all()
    drifted = session.scalars(kept.outerjoin(totals, totals.c.account_id == Account.id)
                              .where(Account.balance != func.coalesce(totals.c.total, 0))).all()
    return ([f"posting {p} does not balance in {u}" for p, u in bad_postings]
            + [f"account {a}: balance differs from its entries" for a in drifted])

"""Postings: balanced, append-only, once per key, guarded debits — under real concurrency on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, func, select, update
from sqlalchemy.orm import Session

from lianmeng.alliances.models import Alliance
from lianmeng.db import begin_write, get_engine
from lianmeng.ledger import repository as ledger_repository
from lianmeng.ledger import service
from lianmeng.ledger.domain import AccountKind, AccountRef, Leg, OwnerType, Unbalanced
from lianmeng.ledger.models import Account, Entry, Posting
from tests.conftest import IS_POSTGRES

MEMBER_SV = AccountRef(OwnerType.MEMBER, 1, AccountKind.STORED_VALUE, scope_id=7)
MERCHANT_SVL = AccountRef(OwnerType.MERCHANT, 7, AccountKind.STORED_VALUE_LIABILITY)
MERCHANT_CASH = AccountRef(OwnerType.MERCHANT, 7, AccountKind.CASH)
MEMBER_POINTS = AccountRef(OwnerType.MEMBER, 1, AccountKind.POINTS)
FLOAT = AccountRef(OwnerType.OPERATOR, 0, AccountKind.POINTS_FLOAT)


@pytest.fixture
def alliance_id(session: Session) -> int:
    alliance = Alliance(code="ledger", name="账本联盟", city="深圳", description="")
    session.add(alliance)
    session.commit()
    return alliance.id


def top_up(session: Session, alliance_id: int, fen: int, key: str) -> service.Posted:
    begin_write(session)
    posted = service.post(session, alliance_id, key, "top_up", [
        Leg(MEMBER_SV, fen), Leg(MERCHANT_SVL, -fen)])
    session.commit()
    return posted


def spend_legs(fen: int) -> list[Leg]:
    return [Leg(MEMBER_SV, -fen), Leg(MERCHANT_SVL, fen)]


def test_a_balanced_posting_moves_both_sides(session: Session, alliance_id: int) -> None:
    posted = top_up(session, alliance_id, 195_000, "topup-1")
    assert not posted.replayed
    assert service.balance(session, alliance_id, MEMBER_SV) == 195_000
    assert service.balance(session, alliance_id, MERCHANT_SVL) == -195_000
    entries = session.scalars(select(Entry).where(Entry.posting_id == posted.posting.id)).all()
    assert sorted(e.amount for e in entries) == [-195_000, 195_000]


def test_unbalanced_float_or_zero_legs_are_refused(session: Session, alliance_id: int) -> None:
    for legs in ([Leg(MEMBER_SV, 100), Leg(MERCHANT_SVL, -99)],
                 [Leg(MEMBER_SV, 100)],
                 [Leg(MEMBER_SV, 0), Leg(MERCHANT_SVL, 0)],
                 [Leg(MEMBER_SV, 1.5), Leg(MERCHANT_SVL, -1.5)],  # type: ignore[arg-type]
                 [Leg(MEMBER_POINTS, 100), Leg(MERCHANT_SVL, -100)]):  # points against fen
        with pytest.raises(Unbalanced):
            service.post(session, alliance_id, "bad", "test", legs)
    session.rollback()
    assert session.scalar(select(func.count(Posting.id))) == 0


def test_overspending_is_refused_and_nothing_moves(session: Session, alliance_id: int) -> None:
    top_up(session, alliance_id, 1_000, "topup-2")
    begin_write(session)
    with pytest.raises(service.InsufficientBalance):
        service.post(session, alliance_id, "spend-too-much", "order", spend_legs(1_001))
    session.rollback()
    assert service.balance(session, alliance_id, MEMBER_SV) == 1_000
    assert session.scalar(select(func.count(Posting.id))) == 1


def test_the_same_key_posts_once(session: Session, alliance_id: int) -> None:
    top_up(session, alliance_id, 5_000, "topup-3")
    again = top_up(session, alliance_id, 5_000, "topup-3")
    assert again.replayed
    assert service.balance(session, alliance_id, MEMBER_SV) == 5_000


def test_hot_operator_accounts_are_derived_from_entries(session: Session, alliance_id: int) -> None:
    for n in range(3):
        begin_write(session)
        service.post(session, alliance_id, f"earn-{n}", "order", [Leg(MEMBER_POINTS, 100), Leg(FLOAT, -100)])
        session.commit()
    float_row = session.scalars(select(Account).where(Account.kind == "points_float")).one()
    assert float_row.derived and float_row.balance == 0  # never updated: no row lock per order
    assert service.balance(session, alliance_id, FLOAT) == -300
    assert service.balance(session, alliance_id, MEMBER_POINTS) == 300


@pytest.fixture
def wide_engine(db_url: str) -> Iterator[Engine]:
    """64 real connections on PostgreSQL; SQLite uses the app's engine (one writer at a time anyway)."""
    if not IS_POSTGRES:
        yield get_engine(db_url)
        return
    engine = create_engine(db_url, pool_size=66, max_overflow=0)
    yield engine
    engine.dispose()


def race(engine: Engine, alliance_id: int, workers: int, keys: list[str], fen: int) -> tuple[int, int]:
    barrier = threading.Barrier(workers)
    outcome = {"ok": 0, "refused": 0}
    lock = threading.Lock()

    def spend(key: str) -> None:
        with Session(bind=engine) as s:
            barrier.wait()
            try:
                begin_write(s)
                posted = service.post(s, alliance_id, key, "order", spend_legs(fen))
                s.commit()
                result = "refused" if posted.replayed else "ok"
            except service.InsufficientBalance:
                s.rollback()
                result = "refused"
        with lock:
            outcome[result] += 1

    threads = [threading.Thread(target=spend, args=(key,)) for key in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcome["ok"], outcome["refused"]


def test_64_concurrent_spends_of_one_balance(session: Session, alliance_id: int, wide_engine: Engine) -> None:
    top_up(session, alliance_id, 10_000, "topup-race")
    ok, refused = race(wide_engine, alliance_id, 64, [f"spend-{n}" for n in range(64)], 300)
    assert (ok, refused) == (33, 31)  # 33 × ¥3.00 = ¥99.00 of ¥100.00
    session.rollback()
    assert service.balance(session, alliance_id, MEMBER_SV) == 100
    sv = session.scalars(select(Account).where(Account.kind == "stored_value")).one()
    assert sv.balance == session.scalar(select(func.sum(Entry.amount)).where(Entry.account_id == sv.id))


def test_64_concurrent_retries_of_one_key_post_once(session: Session, alliance_id: int, wide_engine: Engine) -> None:
    top_up(session, alliance_id, 10_000, "topup-retry")
    ok, _ = race(wide_engine, alliance_id, 64, ["same-order"] * 64, 300)
    assert ok == 1
    session.rollback()
    assert service.balance(session, alliance_id, MEMBER_SV) == 9_700
    assert session.scalar(select(func.count(Posting.id)).where(Posting.idempotency_key == "same-order")) == 1


def test_the_check_finds_an_edited_balance_and_an_unbalanced_posting(session: Session, alliance_id: int) -> None:
    """The one check of the books (`invariant_problems`) finds what it is for, so "no problems" means something."""
    posted = top_up(session, alliance_id, 10_000, "check-1")
    assert ledger_repository.invariant_problems(session, alliance_id) == []
    account = ledger_repository.find_account(session, alliance_id, MEMBER_SV)
    assert account is not None
    session.execute(update(Account).where(Account.id == account.id).values(balance=Account.balance + 1))
    assert ledger_repository.invariant_problems(session, alliance_id) == [
        f"account {account.id}: balance differs from its entries"]
    assert ledger_repository.invariant_problems(session, alliance_id + 1) == []  # another alliance's books hold
    session.rollback()
    entry = session.query(Entry).filter_by(posting_id=posted.posting.id, account_id=account.id).one()
    session.execute(update(Entry).where(Entry.id == entry.id).values(amount=Entry.amount + 1))
    problems = ledger_repository.invariant_problems(session)
    assert f"posting {posted.posting.id} does not balance in {entry.unit}" in problems
    session.rollback()

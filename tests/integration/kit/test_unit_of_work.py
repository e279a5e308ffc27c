"""`lianmeng.db.transaction`: the one unit of work of a request, page, command or job (docs/architecture.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.db import new_session, transaction, unit_of_work
from lianmeng.kit import clock
from lianmeng.kit.errors import AppError, Invalid
from lianmeng.kit.idempotency import PROCESSING, IdempotencyRecord


def _record(key: str) -> IdempotencyRecord:
    now = clock.now()
    return IdempotencyRecord(scope="uow-test", key=key, fingerprint="f", status=PROCESSING, locked_at=now,
                             created_at=now, expires_at=now + timedelta(hours=24))


def _kept(db_url: str) -> list[str]:
    """What another session sees: only what was committed."""
    other = new_session(db_url)
    try:
        return sorted(other.scalars(select(IdempotencyRecord.key).where(IdempotencyRecord.scope == "uow-test")))
    finally:
        other.close()


def _write(session: Session, key: str) -> None:
    session.add(_record(key))
    session.flush()


def test_commits_once_on_success(session: Session, db_url: str) -> None:
    with transaction(session):
        _write(session, "a")
        assert _kept(db_url) == []  # nothing is visible before the block ends
    assert _kept(db_url) == ["a"]
    assert not session.in_transaction()


@pytest.mark.parametrize("failure", [Invalid("invalid_phone"), RuntimeError("a bug")])
def test_rolls_back_on_any_exception_and_raises_it(session: Session, db_url: str, failure: Exception) -> None:
    with pytest.raises(type(failure)), transaction(session):
        _write(session, "a")
        raise failure
    assert _kept(db_url) == []
    assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0  # the session is usable


def test_a_discarded_unit_rolls_back_on_success(session: Session, db_url: str) -> None:
    with transaction(session) as unit:
        _write(session, "dry")
        unit.discard()
    assert _kept(db_url) == []


def test_a_kept_refusal_commits_what_was_written_then_raises(session: Session, db_url: str) -> None:
    with pytest.raises(AppError, match="otp_invalid"), transaction(session) as unit, unit.keeping_refusal():
        _write(session, "failed-attempt")
        raise AppError("otp_invalid", status_code=401)
    assert _kept(db_url) == ["failed-attempt"]


def test_a_refusal_after_the_kept_block_rolls_everything_back(session: Session, db_url: str) -> None:
    with pytest.raises(AppError, match="coupon_exhausted"), transaction(session) as unit:
        with unit.keeping_refusal():
            _write(session, "proof")
        _write(session, "claim")
        raise AppError("coupon_exhausted", status_code=422)
    assert _kept(db_url) == []


def test_a_bug_in_the_kept_block_is_not_kept(session: Session, db_url: str) -> None:
    with pytest.raises(RuntimeError), transaction(session) as unit, unit.keeping_refusal():
        _write(session, "half")
        raise RuntimeError("a bug")
    assert _kept(db_url) == []


def test_a_read_before_the_unit_is_ended_first(session: Session, db_url: str) -> None:
    """A request reads (its caller) before it writes: the unit starts a transaction of its own."""
    session.scalar(select(func.count()).select_from(IdempotencyRecord))
    assert session.in_transaction()
    with transaction(session):
        _write(session, "after-a-read")
    assert _kept(db_url) == ["after-a-read"]


def test_unit_of_work_opens_its_own_session(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        _write(session, "job")
    assert _kept(db_url) == ["job"]
    with pytest.raises(RuntimeError), unit_of_work(db_url) as session:
        _write(session, "failed-job")
        raise RuntimeError("a bug")
    assert _kept(db_url) == ["job"]

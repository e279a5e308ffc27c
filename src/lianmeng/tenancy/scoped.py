"""Helpers every repository uses to read within the caller's scope."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from lianmeng.kit.errors import NotFound

T = TypeVar("T")
MAX_ID = 2**63 - 1


def scoped_select(model: type[T], condition: ColumnElement[bool]) -> Select[Any]:
    return select(model).where(condition)


def get_scoped(
    session: Session, model: type[T], id_: int, condition: ColumnElement[bool], what: str, *, lock: bool = False
) -> T:
    """The row with this id if the caller may see it; otherwise 404 whether or not it exists.

    With `lock` the row is read FOR UPDATE and as committed once the lock is granted, even if this session
    already holds it (populate_existing): a transaction that waited on the lock must not decide on the values
    it read before the other one committed (two racing undos of one merge both saw it in force)."""
    if not 0 < id_ <= MAX_ID:
        raise NotFound(what)  # beyond any stored id (and beyond BIGINT): cannot exist
    pk: Any = model.id  # type: ignore[attr-defined]
    stmt = select(model).where(pk == id_, condition)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    row = session.scalars(stmt).first()
    if row is None:
        raise NotFound(what)
    return row

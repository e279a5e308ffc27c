from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from lianmeng.alliances.models import Alliance
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped, scoped_select


def get_alliance(session: Session, p: Principal, alliance_id: int) -> Alliance:
    return get_scoped(session, Alliance, alliance_id, policy.alliances(p), "alliance")


def list_alliances(p: Principal, q: str | None = None, city: str | None = None) -> Select[Any]:
    stmt = scoped_select(Alliance, policy.alliances(p))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Alliance.name.ilike(like), Alliance.code.ilike(like)))
    if city:
        stmt = stmt.where(Alliance.city == city)
    return stmt.order_by(Alliance.id)


def code_taken(session: Session, code: str) -> bool:
    return session.scalar(select(func.count()).where(Alliance.code == code)) != 0


def alliance_by_code(session: Session, code: str) -> Alliance | None:
    return session.scalars(select(Alliance).where(Alliance.code == code)).first()


def count_alliances(session: Session) -> int:
    return session.scalar(select(func.count(Alliance.id))) or 0


def overview_counts(session: Session, alliance_id: int) -> dict[str, dict[object, int]]:
    """Aggregates for the public overview page: no personal data, only counts."""
    from lianmeng.agreements.models import Agreement
    from lianmeng.members.models import Member
    from lianmeng.merchants.models import Merchant, Staff, Store

    def grouped(column: Any, *where: Any) -> dict[object, int]:
        rows = session.execute(select(column, func.count()).where(*where).group_by(column)).all()
        return {key: count for key, count in rows}

    in_alliance = Merchant.alliance_id == alliance_id
    merchant_ids = select(Merchant.id).where(in_alliance)
    return {
        "stores": grouped(Store.merchant_id, Store.merchant_id.in_(merchant_ids)),
        "staff": grouped(Staff.merchant_id, Staff.merchant_id.in_(merchant_ids)),
        "members": grouped(Member.origin_merchant_id, Member.alliance_id == alliance_id),
        "agreements": grouped(Agreement.status, Agreement.alliance_id == alliance_id),
    }


def alliance_by_id(session: Session, alliance_id: int) -> Alliance | None:
    """One alliance by id (not scoped: for the caller's own alliance or a link that names it)."""
    return session.get(Alliance, alliance_id)


def all_alliances(session: Session) -> list[Alliance]:
    """Every alliance, by id (not scoped)."""
    return list(session.scalars(select(Alliance).order_by(Alliance.id)))


def alliances_in_scope(session: Session, p: Principal) -> list[Alliance]:
    """The alliances `p` may see (`list_alliances` run)."""
    return list(session.scalars(list_alliances(p)))


def first_alliance_in_scope(session: Session, p: Principal) -> Alliance | None:
    """The first (by id) alliance `p` may see."""
    return session.scalars(list_alliances(p)).first()

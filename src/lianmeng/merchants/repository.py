from __future__ import annotations

from typing import Any

from sqlalchemy import Select, Text, cast, func, or_, select, true
from sqlalchemy.orm import Session

from lianmeng.merchants.models import Merchant, Staff, Store
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped, scoped_select


def merchant_by_id(session: Session, merchant_id: int) -> Merchant | None:
    return session.get(Merchant, merchant_id)


def staff_by_id(session: Session, staff_id: int) -> Staff | None:
    return session.get(Staff, staff_id)


def store_by_id(session: Session, store_id: int) -> Store | None:
    return session.get(Store, store_id)


def names_of(session: Session, alliance_id: int | None, merchant_ids: set[int]) -> dict[int, str]:
    """Merchant id → its name (for lines that say where something happened), of one alliance's merchants (None:
    a caller that does not know the alliance; the query then reaches every shard)."""
    if not merchant_ids:
        return {}
    return dict(session.execute(select(Merchant.id, Merchant.name).where(
        Merchant.alliance_id == alliance_id if alliance_id is not None else true(),
        Merchant.id.in_(sorted(merchant_ids)))).all())


def open_stores(session: Session, alliance_id: int) -> list[tuple[Store, Merchant]]:
    """The alliance's open stores (active, of an active merchant), each with its merchant."""
    return [(store, merchant) for store, merchant in session.execute(
        select(Store, Merchant).join(Merchant, Merchant.id == Store.merchant_id).where(
            Merchant.alliance_id == alliance_id, Merchant.status == "active", Store.active)
        .order_by(Store.id))]


def first_open_store(session: Session, alliance_id: int, merchant_ids: list[int]) -> Store | None:
    """The first active store of the first of these merchants (of one alliance) that has one."""
    for merchant_id in merchant_ids:
        store = session.scalars(select(Store).where(Store.alliance_id == alliance_id, Store.merchant_id == merchant_id,
                                                    Store.active)
                                .order_by(Store.id).limit(1)).first()
        if store is not None:
            return store
    return None


def get_merchant(session: Session, p: Principal, merchant_id: int) -> Merchant:
    return get_scoped(session, Merchant, merchant_id, policy.merchants(p), "merchant")


def get_store(session: Session, p: Principal, store_id: int) -> Store:
    return get_scoped(session, Store, store_id, policy.stores(p), "store")


def get_staff(session: Session, p: Principal, staff_id: int) -> Staff:
    return get_scoped(session, Staff, staff_id, policy.staff(p), "staff")


def list_merchants(
    p: Principal, *, q: str | None = None, industry: str | None = None, status: str | None = None,
    tag: str | None = None, min_rating: float | None = None,
) -> Select[Any]:
    stmt = scoped_select(Merchant, policy.merchants(p))
    if q:
        stmt = stmt.where(or_(Merchant.name.ilike(f"%{q}%"), Merchant.description.ilike(f"%{q}%")))
    if industry:
        stmt = stmt.where(Merchant.industry == industry)
    if status:
        stmt = stmt.where(Merchant.status == status)
    if min_rating is not None:
        stmt = stmt.where(Merchant.rating >= min_rating)
    if tag:
        # JSON arrays are stored as text on both databases; match the quoted element.
        stmt = stmt.where(cast(Merchant.brand_tags, Text).ilike(f'%"{tag}"%'))
    return stmt.order_by(Merchant.id)


def list_stores(
    p: Principal, *, merchant_id: int | None = None, q: str | None = None, district: str | None = None,
    active: bool | None = None,
) -> Select[Any]:
    stmt = scoped_select(Store, policy.stores(p))
    if merchant_id is not None:
        stmt = stmt.where(Store.merchant_id == merchant_id)
    if q:
        stmt = stmt.where(or_(Store.name.ilike(f"%{q}%"), Store.address.ilike(f"%{q}%")))
    if district:
        stmt = stmt.where(Store.district == district)
    if active is not None:
        stmt = stmt.where(Store.active == active)
    return stmt.order_by(Store.id)


def list_staff(
    p: Principal, *, merchant_id: int | None = None, store_id: int | None = None, role: str | None = None,
    q: str | None = None, active: bool | None = None,
) -> Select[Any]:
    stmt = scoped_select(Staff, policy.staff(p))
    if merchant_id is not None:
        stmt = stmt.where(Staff.merchant_id == merchant_id)
    if store_id is not None:
        stmt = stmt.where(Staff.store_id == store_id)
    if role:
        stmt = stmt.where(Staff.role == role)
    if q:
        stmt = stmt.where(Staff.name.ilike(f"%{q}%"))
    if active is not None:
        stmt = stmt.where(Staff.active == active)
    return stmt.order_by(Staff.id)


def count_merchants(session: Session, alliance_id: int) -> int:
    return session.scalar(select(func.count(Merchant.id)).where(Merchant.alliance_id == alliance_id)) or 0


def merchants_in_scope(session: Session, p: Principal, *, alliance_id: int | None = None,
                       limit: int | None = None, **filters: Any) -> list[Merchant]:
    """The merchants `p` may see (`list_merchants` run), optionally of one alliance, at most `limit`."""
    stmt = list_merchants(p, **filters)
    if alliance_id is not None:
        stmt = stmt.where(Merchant.alliance_id == alliance_id)
    return list(session.scalars(stmt.limit(limit) if limit is not None else stmt))


def stores_in_scope(session: Session, p: Principal, *, limit: int | None = None, **filters: Any) -> list[Store]:
    """The stores `p` may see (`list_stores` run), at most `limit`."""
    stmt = list_stores(p, **filters)
    return list(session.scalars(stmt.limit(limit) if limit is not None else stmt))


def staff_in_scope(session: Session, p: Principal, *, ids: set[int] | None = None, **filters: Any) -> list[Staff]:
    """The staff `p` may see (`list_staff` run), optionally only these ids."""
    stmt = list_staff(p, **filters)
    if ids is not None:
        stmt = stmt.where(Staff.id.in_(sorted(ids)))
    return list(session.scalars(stmt))


def stores_of_merchants(session: Session, alliance_id: int, merchant_ids: list[int]) -> list[Store]:
    """The stores of these merchants of one alliance, by id (not scoped: the caller has chosen the merchants)."""
    return list(session.scalars(select(Store).where(Store.alliance_id == alliance_id,
                                                    Store.merchant_id.in_(merchant_ids)).order_by(Store.id)))


def merchants_of_alliance(session: Session, alliance_id: int) -> list[Merchant]:
    """Every merchant of one alliance, by id (not scoped: the public overview shows them)."""
    return list(session.scalars(select(Merchant).where(Merchant.alliance_id == alliance_id).order_by(Merchant.id)))


def stores_by_ids(session: Session, store_ids: list[int]) -> list[Store]:
    """These stores (not scoped: the caller has already chosen records it may see)."""
    return list(session.scalars(select(Store).where(Store.id.in_(store_ids))))

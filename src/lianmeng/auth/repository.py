from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, or_, select, update
from sqlalchemy.orm import Session

from lianmeng.auth.models import ApiKey, OneTimeCode, RevokedToken, User
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped, scoped_select


def user_by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def logins_of(session: Session, *, merchant_id: int | None = None, staff_id: int | None = None) -> list[User]:
    """The active console logins of a merchant, or the login of one staff member (notifications' recipients)."""
    if merchant_id is None and staff_id is None:
        return []
    wanted = User.staff_id == staff_id if staff_id is not None else User.merchant_id == merchant_id
    return list(session.scalars(select(User).where(wanted, User.active.is_(True)).order_by(User.id)))


def api_key_by_prefix(session: Session, prefix: str) -> ApiKey | None:
    return session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()


def get_user(session: Session, p: Principal, user_id: int) -> User:
    return get_scoped(session, User, user_id, policy.users(p), "user")


def list_users(
    p: Principal, *, role: str | None = None, merchant_id: int | None = None, q: str | None = None
) -> Select[Any]:
    stmt = scoped_select(User, policy.users(p))
    if role:
        stmt = stmt.where(User.role == role)
    if merchant_id is not None:
        stmt = stmt.where(User.merchant_id == merchant_id)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(User.username.ilike(like), User.display_name.ilike(like)))
    return stmt.order_by(User.id)


def get_api_key(session: Session, p: Principal, key_id: int) -> ApiKey:
    return get_scoped(session, ApiKey, key_id, policy.api_keys(p), "api_key")


def list_api_keys(p: Principal, merchant_id: int) -> Select[Any]:
    return scoped_select(ApiKey, policy.api_keys(p)).where(ApiKey.merchant_id == merchant_id).order_by(ApiKey.id)


def latest_code(session: Session, alliance_id: int, member_id: int) -> OneTimeCode | None:
    return session.scalars(
        select(OneTimeCode)
        .where(OneTimeCode.alliance_id == alliance_id, OneTimeCode.member_id == member_id,
               OneTimeCode.used_at.is_(None), OneTimeCode.voided_at.is_(None))
        .order_by(OneTimeCode.id.desc())
        .with_for_update()
    ).first()


def void_codes(session: Session, alliance_id: int, member_id: int, at: datetime) -> None:
    """Every unused code of the member stops working (a newer one is on its way)."""
    session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.alliance_id == alliance_id, OneTimeCode.member_id == member_id,
               OneTimeCode.used_at.is_(None), OneTimeCode.voided_at.is_(None))
        .values(voided_at=at)
    )


def delete_expired_revocations(session: Session, now: datetime) -> None:
    session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))

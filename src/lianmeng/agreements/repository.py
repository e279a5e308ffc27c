from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, Text, cast, or_, select
from sqlalchemy.orm import Session

from lianmeng.agreements.models import Agreement, AgreementEvent
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped, scoped_select


def get_agreement(session: Session, p: Principal, agreement_id: int, *, lock: bool = False) -> Agreement:
    return get_scoped(session, Agreement, agreement_id, policy.agreements(p), "agreement", lock=lock)


def list_agreements(
    p: Principal, *, status: str | None = None, merchant_id: int | None = None, mode: str | None = None,
    q: str | None = None, active_on: date | None = None,
) -> Select[Any]:
    stmt = scoped_select(Agreement, policy.agreements(p))
    if status:
        stmt = stmt.where(Agreement.status == status)
    if merchant_id is not None:
        stmt = stmt.where(or_(Agreement.merchant_a_id == merchant_id, Agreement.merchant_b_id == merchant_id))
    if q:
        stmt = stmt.where(Agreement.title.ilike(f"%{q}%"))
    if mode:
        stmt = stmt.where(cast(Agreement.modes, Text).like(f'%"{mode}"%'))
    if active_on is not None:
        stmt = stmt.where(
            Agreement.valid_from <= active_on,
            or_(Agreement.valid_until.is_(None), Agreement.valid_until >= active_on),
        )
    return stmt.order_by(Agreement.id)


def events_of(session: Session, alliance_id: int, agreement_id: int) -> list[AgreementEvent]:
    return list(session.scalars(select(AgreementEvent).where(
        AgreementEvent.alliance_id == alliance_id, AgreementEvent.agreement_id == agreement_id
    ).order_by(AgreementEvent.id)))


def active_agreements_between(
    session: Session, alliance_id: int, merchant_x: int, merchant_y: int, today: date
) -> list[Agreement]:
    """Active agreements between two merchants (either way round), in force today, oldest first."""
    pair = or_(
        (Agreement.merchant_a_id == merchant_x) & (Agreement.merchant_b_id == merchant_y),
        (Agreement.merchant_a_id == merchant_y) & (Agreement.merchant_b_id == merchant_x),
    )
    return list(session.scalars(
        select(Agreement).where(
            Agreement.alliance_id == alliance_id, Agreement.status == "active", pair,
            Agreement.valid_from <= today, or_(Agreement.valid_until.is_(None), Agreement.valid_until >= today),
        ).order_by(Agreement.id)
    ))


def commission_agreements(session: Session, alliance_id: int, merchant_ids: set[int], today: date) -> list[Agreement]:
    """Active agreements in force today that may pay commission on orders at or referred by these merchants: those
    involving any of them, and the alliance-wide ones (hub terms). Oldest first; one statement."""
    return list(session.scalars(
        select(Agreement).where(
            Agreement.alliance_id == alliance_id, Agreement.status == "active",
            or_(Agreement.merchant_a_id.in_(sorted(merchant_ids)), Agreement.merchant_b_id.in_(sorted(merchant_ids)),
                Agreement.merchant_b_id.is_(None)),
            Agreement.valid_from <= today, or_(Agreement.valid_until.is_(None), Agreement.valid_until >= today),
        ).order_by(Agreement.id)
    ))


def active_agreement_between(
    session: Session, alliance_id: int, merchant_x: int, merchant_y: int, mode: str, today: date
) -> Agreement | None:
    """An active agreement covering `mode` between two merchants, in force today."""
    candidates = active_agreements_between(session, alliance_id, merchant_x, merchant_y, today)
    return next((a for a in candidates if mode in a.modes), None)


def agreements_in_scope(session: Session, p: Principal, *, alliance_id: int | None = None,
                        limit: int | None = None, **filters: Any) -> list[Agreement]:
    """The agreements `p` may see (`list_agreements` run), optionally of one alliance, at most `limit`."""
    stmt = list_agreements(p, **filters)
    if alliance_id is not None:
        stmt = stmt.where(Agreement.alliance_id == alliance_id)
    return list(session.scalars(stmt.limit(limit) if limit is not None else stmt))

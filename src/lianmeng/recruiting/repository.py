"""Queries of recruiting, each scoped by the caller through tenancy.policy (public lookups by token excepted)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from lianmeng.merchants.models import Merchant, Staff
from lianmeng.recruiting.domain import ApplicantKind, ApplicationStatus, RecruiterType
from lianmeng.recruiting.models import Application, JoinLink, RecruitingSettings
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped


def link_by_token(session: Session, token: str) -> JoinLink | None:
    if not token or len(token) > 40:
        return None
    return session.scalars(select(JoinLink).where(JoinLink.token == token)).first()


def token_taken(session: Session, token: str) -> bool:
    return session.scalar(select(func.count()).where(JoinLink.token == token)) != 0


def get_link(session: Session, p: Principal, link_id: int) -> JoinLink:
    return get_scoped(session, JoinLink, link_id, policy.join_links(p), "join_link")


def list_links(p: Principal, *, active: bool | None = None) -> Select[Any]:
    stmt = select(JoinLink).where(policy.join_links(p))
    if active is not None:
        stmt = stmt.where(JoinLink.active.is_(active))
    return stmt.order_by(JoinLink.id.desc())


def get_application(session: Session, p: Principal, application_id: int, *, lock: bool = False) -> Application:
    return get_scoped(session, Application, application_id, policy.recruit_applications(p), "recruit_application",
                      lock=lock)


def list_applications(p: Principal, *, status: ApplicationStatus | None = None, kind: ApplicantKind | None = None,
                      alliance_id: int | None = None) -> Select[Any]:
    stmt = select(Application).where(policy.recruit_applications(p))
    if alliance_id is not None:
        stmt = stmt.where(Application.alliance_id == alliance_id)
    if status is not None:
        stmt = stmt.where(Application.status == status.value)
    if kind is not None:
        stmt = stmt.where(Application.kind == kind.value)
    return stmt.order_by(Application.id.desc())


def open_application_of(session: Session, alliance_id: int, phone_hashes: Sequence[str],
                        kind: ApplicantKind) -> Application | None:
    """A pending or approved application of this phone (any of its hashes, current or retired key) and kind in
    the alliance (one at a time)."""
    return session.scalars(select(Application).where(
        Application.alliance_id == alliance_id, Application.phone_hash.in_(phone_hashes),
        Application.kind == kind.value,
        Application.status.in_((ApplicationStatus.PENDING.value, ApplicationStatus.APPROVED.value)))).first()


def settings_of(session: Session, alliance_id: int, *, lock: bool = False) -> RecruitingSettings | None:
    stmt = select(RecruitingSettings).where(RecruitingSettings.alliance_id == alliance_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def tallies(session: Session, p: Principal, by: str) -> list[tuple[str, int, int, int, int]]:
    """(type, id, applications, approved, bounty fen) per recruiter (`by` = "recruiter") or per inviting merchant
    (`by` = "merchant"), within the caller's scope."""
    approved = func.sum(case((Application.status == ApplicationStatus.APPROVED.value, 1), else_=0))
    if by == "merchant":
        rows = session.execute(
            select(Application.inviting_merchant_id, func.count(Application.id), approved,
                   func.sum(Application.bounty_fen))
            .where(policy.recruit_applications(p), Application.inviting_merchant_id.is_not(None))
            .group_by(Application.inviting_merchant_id))
        return [("merchant", int(mid), int(n), int(a or 0), int(b or 0)) for mid, n, a, b in rows]
    rows = session.execute(
        select(Application.recruiter_type, Application.recruiter_id, func.count(Application.id), approved,
               func.sum(Application.bounty_fen))
        .where(policy.recruit_applications(p))
        .group_by(Application.recruiter_type, Application.recruiter_id))
    return [(str(t), int(i), int(n), int(a or 0), int(b or 0)) for t, i, n, a, b in rows]


def names(session: Session, keys: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """Display names of recruiters: staff and merchants by id (the operator has no row)."""
    staff_ids = {i for t, i in keys if t == RecruiterType.STAFF.value}
    merchant_ids = {i for t, i in keys if t == RecruiterType.MERCHANT.value}
    out: dict[tuple[str, int], str] = {}
    if staff_ids:
        for sid, name in session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(staff_ids))):
            out[("staff", sid)] = name
    if merchant_ids:
        for mid, name in session.execute(select(Merchant.id, Merchant.name).where(Merchant.id.in_(merchant_ids))):
            out[("merchant", mid)] = name
    return out

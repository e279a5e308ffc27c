"""All coupon queries; reads are scoped by tenancy.policy."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import Session

from lianmeng.agreements.models import Agreement
from lianmeng.coupons.domain import Acceptance
from lianmeng.coupons.models import ClaimLink, Coupon, CouponTemplate, Redemption
from lianmeng.db import in_keys
from lianmeng.merchants.models import Merchant, Store
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped, scoped_select


def get_template(session: Session, p: Principal, template_id: int, *, lock: bool = False) -> CouponTemplate:
    return get_scoped(session, CouponTemplate, template_id, policy.coupon_templates(p), "coupon_template", lock=lock)


def list_templates(p: Principal, *, owner_merchant_id: int | None = None, status: str | None = None,
                   benefits: bool | None = None) -> Select[Any]:
    stmt = scoped_select(CouponTemplate, policy.coupon_templates(p))
    if owner_merchant_id is not None:
        stmt = stmt.where(CouponTemplate.owner_merchant_id == owner_merchant_id)
    if status:
        stmt = stmt.where(CouponTemplate.status == status)
    if benefits is not None:
        is_benefit = CouponTemplate.agreement_id.isnot(None)
        stmt = stmt.where(is_benefit if benefits else ~is_benefit)
    return stmt.order_by(CouponTemplate.id.desc())


def count_issued(session: Session, template: CouponTemplate, member_id: int) -> int:
    return int(session.scalar(select(func.count(Coupon.id)).where(
        Coupon.alliance_id == template.alliance_id, Coupon.template_id == template.id,
        Coupon.member_id == member_id)) or 0)


def partner_offers(session: Session, alliance_id: int, merchant_ids: set[int], now: datetime
                   ) -> list[CouponTemplate]:
    """The merchants' own active coupons (not agreement benefits) whose window is not over."""
    if not merchant_ids:
        return []
    return list(session.scalars(select(CouponTemplate).where(
        CouponTemplate.alliance_id == alliance_id, CouponTemplate.owner_merchant_id.in_(sorted(merchant_ids)),
        CouponTemplate.status == "active",
        CouponTemplate.agreement_id.is_(None),
        or_(CouponTemplate.valid_until.is_(None), CouponTemplate.valid_until > now),
    ).order_by(CouponTemplate.id)))


def held_counts(session: Session, alliance_id: int, member_id: int, template_ids: set[int]) -> dict[int, int]:
    """How many coupons of each template the member has been handed (used or not)."""
    if not template_ids:
        return {}
    return {t: int(n) for t, n in session.execute(
        select(Coupon.template_id, func.count(Coupon.id)).where(
            Coupon.alliance_id == alliance_id, Coupon.member_id == member_id,
            Coupon.template_id.in_(sorted(template_ids))
        ).group_by(Coupon.template_id))}


def take_stock(session: Session, template: CouponTemplate) -> bool:
    """One more coupon of the template, unless its stock is gone (guarded, in one statement)."""
    result = session.execute(
        update(CouponTemplate)
        .where(CouponTemplate.alliance_id == template.alliance_id, CouponTemplate.id == template.id,
               or_(CouponTemplate.total_stock.is_(None), CouponTemplate.issued_count < CouponTemplate.total_stock))
        .values(issued_count=CouponTemplate.issued_count + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def code_taken(session: Session, code: str) -> bool:
    return session.scalar(select(Coupon.id).where(Coupon.code == code)) is not None


def coupon_by_code(session: Session, code: str, *, lock: bool = False) -> Coupon | None:
    """By its code, unscoped: holding the code is what lets a till try it; every use is then checked."""
    stmt = select(Coupon).where(Coupon.code == code)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def get_coupon(session: Session, p: Principal, coupon_id: int) -> Coupon:
    return get_scoped(session, Coupon, coupon_id, policy.coupons(p), "coupon")


def list_coupons(p: Principal, *, member_id: int | None = None, template_id: int | None = None,
                 referrer_staff_id: int | None = None) -> Select[Any]:
    stmt = scoped_select(Coupon, policy.coupons(p))
    if member_id is not None:
        stmt = stmt.where(Coupon.member_id == member_id)
    if template_id is not None:
        stmt = stmt.where(Coupon.template_id == template_id)
    if referrer_staff_id is not None:
        stmt = stmt.where(Coupon.referrer_staff_id == referrer_staff_id)
    return stmt.order_by(Coupon.id.desc())


def usable_coupons(session: Session, alliance_id: int, member_id: int) -> list[tuple[Coupon, CouponTemplate]]:
    rows = session.execute(
        select(Coupon, CouponTemplate).join(CouponTemplate, and_(CouponTemplate.alliance_id == Coupon.alliance_id,
                                                                 CouponTemplate.id == Coupon.template_id))
        .where(Coupon.alliance_id == alliance_id, Coupon.member_id == member_id, Coupon.uses_left > 0)
        .order_by(Coupon.id)
    )
    return [(coupon, template) for coupon, template in rows]


def used_by_member(session: Session, alliance_id: int, member_id: int, limit: int
                   ) -> list[tuple[Redemption, CouponTemplate, str, str | None]]:
    """The member's coupon uses, newest first: each with its template, where (the merchant's name, the store's
    name when the till gave one)."""
    rows = session.execute(
        select(Redemption, CouponTemplate, Merchant.name, Store.name)
        .join(Coupon, and_(Coupon.alliance_id == Redemption.alliance_id, Coupon.id == Redemption.coupon_id))
        .join(CouponTemplate, and_(CouponTemplate.alliance_id == Redemption.alliance_id,
                                   CouponTemplate.id == Coupon.template_id))
        .join(Merchant, and_(Merchant.alliance_id == Redemption.alliance_id, Merchant.id == Redemption.merchant_id))
        .outerjoin(Store, and_(Store.alliance_id == Redemption.alliance_id, Store.id == Redemption.store_id))
        .where(Redemption.alliance_id == alliance_id, Redemption.member_id == member_id)
        .order_by(Redemption.at.desc(), Redemption.id.desc()).limit(limit)
    )
    return [(r, t, merchant, store) for r, t, merchant, store in rows]


def get_redemption(session: Session, p: Principal, redemption_id: int, *, lock: bool = False) -> Redemption:
    return get_scoped(session, Redemption, redemption_id, policy.redemptions(p), "redemption", lock=lock)


def list_redemptions(p: Principal, *, merchant_id: int | None = None, member_id: int | None = None,
                     referrer_merchant_id: int | None = None) -> Select[Any]:
    stmt = scoped_select(Redemption, policy.redemptions(p))
    if merchant_id is not None:
        stmt = stmt.where(Redemption.merchant_id == merchant_id)
    if member_id is not None:
        stmt = stmt.where(Redemption.member_id == member_id)
    if referrer_merchant_id is not None:
        stmt = stmt.where(Redemption.referrer_merchant_id == referrer_merchant_id)
    return stmt.order_by(Redemption.id.desc())


def claim_link_by_token(session: Session, token: str) -> ClaimLink | None:
    return session.scalars(select(ClaimLink).where(ClaimLink.token == token)).first()


def benefits_for(session: Session, alliance_id: int, merchant_id: int, member_merchant_ids: set[int], today: date
                 ) -> list[CouponTemplate]:
    """Active benefits this merchant offers, under agreements in force, to members of these partners."""
    if not member_merchant_ids:
        return []
    return list(session.scalars(
        select(CouponTemplate).join(Agreement, and_(Agreement.alliance_id == CouponTemplate.alliance_id,
                                                    Agreement.id == CouponTemplate.agreement_id)).where(
            CouponTemplate.alliance_id == alliance_id, CouponTemplate.owner_merchant_id == merchant_id,
            CouponTemplate.status == "active",
            CouponTemplate.audience_merchant_id.in_(sorted(member_merchant_ids)), Agreement.status == "active",
            Agreement.valid_from <= today, or_(Agreement.valid_until.is_(None), Agreement.valid_until >= today),
        ).order_by(CouponTemplate.id)
    ))


def touches_of(session: Session, member_ids: set[int], since: datetime) -> list[Any]:
    """Coupons handed to these members by a referrer since `since`: the evidence attribution weighs."""
    if not member_ids:
        return []
    return list(session.execute(
        select(Coupon.member_id, Coupon.referrer_merchant_id, Coupon.referrer_staff_id, Coupon.target_merchant_id,
               Coupon.issued_at)
        .where(in_keys(session, (Coupon.member_id,), ((m,) for m in member_ids)),
               Coupon.referrer_merchant_id.isnot(None), Coupon.issued_at >= since)
    ))


def accepting_stores(session: Session, template: CouponTemplate) -> list[tuple[Merchant, Store]]:
    """The open stores of the active merchants where a coupon of this template is accepted (public facts: the
    member is told where to use it). Same rule as `domain.Where.accepts`."""
    stmt = (select(Merchant, Store).join(Store, Store.merchant_id == Merchant.id)
            .where(Merchant.alliance_id == template.alliance_id, Merchant.status == "active", Store.active))
    acceptance = Acceptance(template.acceptance)
    if acceptance is Acceptance.OWNER:
        stmt = stmt.where(Merchant.id == (template.owner_merchant_id or 0))
    elif acceptance is Acceptance.SELECTED:
        stmt = stmt.where(or_(Merchant.id.in_(template.accepted_merchant_ids or [0]),
                              Store.id.in_(template.accepted_store_ids or [0])))
    return [(merchant, store) for merchant, store in session.execute(stmt.order_by(Merchant.id, Store.id))]


def templates_in_scope(session: Session, p: Principal, *, limit: int | None = None,
                       **filters: Any) -> list[CouponTemplate]:
    """The templates `p` may see (`list_templates` run), at most `limit`."""
    stmt = list_templates(p, **filters)
    return list(session.scalars(stmt.limit(limit) if limit is not None else stmt))


def use_counts(session: Session, p: Principal, template_ids: list[int]) -> dict[int, int]:
    """Template id → redemptions of its coupons that `p` may see (policy.redemptions and policy.coupons)."""
    if not template_ids:
        return {}
    rows = session.execute(
        select(Coupon.template_id, func.count(Redemption.id))
        .join(Redemption, and_(Redemption.alliance_id == Coupon.alliance_id, Redemption.coupon_id == Coupon.id))
        .where(Coupon.template_id.in_(template_ids), policy.redemptions(p), policy.coupons(p))
        .group_by(Coupon.template_id))
    return {template_id: int(count) for template_id, count in rows}


def own_claim_link(session: Session, template_id: int, merchant_id: int, staff_id: int | None,
                   store_id: int | None) -> ClaimLink | None:
    """The newest active claim link of this template made by exactly this merchant, staff member and store."""
    return session.scalars(select(ClaimLink).where(
        ClaimLink.template_id == template_id, ClaimLink.merchant_id == merchant_id,
        ClaimLink.staff_id.is_(None) if staff_id is None else ClaimLink.staff_id == staff_id,
        ClaimLink.store_id.is_(None) if store_id is None else ClaimLink.store_id == store_id,
        ClaimLink.active.is_(True)).order_by(ClaimLink.id.desc()).limit(1)).first()

"""Who may read which balances: owners their own; merchants a visible member's points and the stored value held
at themselves; a merchant its staff's rebates; the operator everything in its alliance. Built on the tenancy
policy (a member or staff record outside the caller's scope is simply not found)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.kit.errors import Forbidden
from lianmeng.ledger.domain import AccountKind, OwnerType
from lianmeng.ledger.models import Account
from lianmeng.members import repository as members_repo
from lianmeng.merchants import repository as merchants_repo
from lianmeng.tenancy import Principal

MEMBER_KINDS_FOR_MERCHANTS = {AccountKind.POINTS.value, AccountKind.POINTS_DEBT.value}


def owner_alliance(session: Session, p: Principal, owner_type: OwnerType, owner_id: int) -> int:
    """The owner's alliance if the caller may read its balances at all; 404/403 otherwise."""
    if owner_type is OwnerType.MEMBER:
        return members_repo.get_member(session, p, owner_id).alliance_id
    if owner_type is OwnerType.STAFF:
        staff = merchants_repo.get_staff(session, p, owner_id)
        if p.role is Role.STORE_STAFF and p.staff_id != staff.id:
            raise Forbidden()
        return merchants_repo.get_merchant(session, p, staff.merchant_id).alliance_id
    if owner_type is OwnerType.MERCHANT:
        merchant = merchants_repo.get_merchant(session, p, owner_id)
        if not (p.is_operator or (p.manages_merchant and p.merchant_id == merchant.id)):
            raise Forbidden()
        return merchant.alliance_id
    if not p.is_operator or p.alliance_id is None:
        raise Forbidden()
    return p.alliance_id


def visible(p: Principal, owner_type: OwnerType, account: Account) -> bool:
    """A merchant reading a member sees only alliance points and the stored value held at itself."""
    if owner_type is not OwnerType.MEMBER or not p.is_merchant_side:
        return True
    return account.kind in MEMBER_KINDS_FOR_MERCHANTS or (
        account.kind == AccountKind.STORED_VALUE.value and account.scope_id == p.merchant_id)

from __future__ import annotations

from fastapi import APIRouter

from lianmeng.commissions import repository
from lianmeng.commissions.schemas import RebateOut
from lianmeng.kit.pagination import Page, page_of
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep

router = APIRouter(tags=["commissions 返利·佣金"])


@router.get("/rebates", response_model=Page[RebateOut], summary="Rebates owed to referrers (frozen or available)")
def list_rebates(
    session: SessionDep, principal: CurrentPrincipal, paging: Paging, payee_type: str | None = None,
    payee_id: int | None = None, status: str | None = None,
) -> Page[RebateOut]:
    stmt = repository.list_rebates(principal, payee_type=payee_type, payee_id=payee_id, status=status)
    return page_of(session, stmt, paging, RebateOut)

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lianmeng.kit.errors import NotFound
from lianmeng.kit.pagination import Page
from lianmeng.ledger import access, repository
from lianmeng.ledger.domain import OwnerType
from lianmeng.ledger.schemas import BalanceOut, BalancesOut, EntryOut
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep

router = APIRouter(prefix="/balances", tags=["ledger 余额·流水"])


@router.get("", response_model=BalancesOut, summary="Balances of a member, staff member, merchant or the operator")
def balances(
    session: SessionDep, principal: CurrentPrincipal, owner_type: OwnerType,
    owner_id: Annotated[int, Query(ge=0)] = 0,
) -> BalancesOut:
    alliance_id = access.owner_alliance(session, principal, owner_type, owner_id)
    accounts = [a for a in repository.accounts_of(session, alliance_id, owner_type.value, owner_id)
                if access.visible(principal, owner_type, a)]
    return BalancesOut(owner_type=owner_type.value, owner_id=owner_id, accounts=[
        BalanceOut(account_id=a.id, kind=a.kind, scope_id=a.scope_id, unit=a.unit,
                   balance=repository.balance_of(session, a)) for a in accounts])


@router.get("/{account_id}/entries", response_model=Page[EntryOut], summary="An account's history, newest first")
def entries(account_id: int, session: SessionDep, principal: CurrentPrincipal, paging: Paging) -> Page[EntryOut]:
    account = repository.account_by_id(session, account_id)
    if account is None:
        raise NotFound("account")
    try:
        alliance_id = access.owner_alliance(session, principal, OwnerType(account.owner_type), account.owner_id)
    except NotFound:
        raise NotFound("account") from None
    if alliance_id != account.alliance_id or not access.visible(principal, OwnerType(account.owner_type), account):
        raise NotFound("account")
    total = repository.count_entries(session, account.id)
    rows = repository.history_page(session, account.id, paging.page_size, paging.offset)
    return Page[EntryOut](items=[
        EntryOut(entry_id=e.id, posting_id=p.id, amount=e.amount, unit=e.unit, cause=p.cause, cause_id=p.cause_id,
                 memo=p.memo, at=p.created_at) for e, p in rows], total=total, page=paging.page,
        page_size=paging.page_size)

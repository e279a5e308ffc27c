from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from lianmeng.kit.pagination import Page, page_of
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep
from lianmeng.withdrawals import repository, service
from lianmeng.withdrawals.domain import WithdrawalStatus
from lianmeng.withdrawals.schemas import (
    PayoutAccountCreate,
    PayoutAccountOut,
    WithdrawalCreate,
    WithdrawalDecision,
    WithdrawalOut,
)

router = APIRouter(prefix="/withdrawals", tags=["withdrawals 提现"])


@router.post("", response_model=WithdrawalOut, status_code=201, summary="Ask to withdraw available rebates")
def request_withdrawal(body: WithdrawalCreate, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: WithdrawalOut.model_validate(service.request(writer.session, writer.principal, body)), body, 201
    )


@router.get("", response_model=Page[WithdrawalOut])
def list_withdrawals(
    session: SessionDep, principal: CurrentPrincipal, paging: Paging, status: WithdrawalStatus | None = None,
    payee_type: str | None = None, payee_id: int | None = None,
) -> Page[WithdrawalOut]:
    stmt = repository.list_withdrawals(principal, status=status, payee_type=payee_type, payee_id=payee_id)
    return page_of(session, stmt, paging, WithdrawalOut)


@router.get("/{withdrawal_id}", response_model=WithdrawalOut)
def get_withdrawal(withdrawal_id: int, session: SessionDep, principal: CurrentPrincipal) -> WithdrawalOut:
    return WithdrawalOut.model_validate(repository.get_withdrawal(session, principal, withdrawal_id))


@router.post("/{withdrawal_id}/decisions", response_model=WithdrawalOut, summary="approve / reject / pay")
def decide(withdrawal_id: int, body: WithdrawalDecision, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: WithdrawalOut.model_validate(service.decide(writer.session, writer.principal, withdrawal_id, body)),
        body,
    )


accounts = APIRouter(prefix="/payout-accounts", tags=["withdrawals 提现"])


@accounts.post("", response_model=PayoutAccountOut, status_code=201,
               summary="Add one's own payout account (WeChat Pay, Alipay, bank card): stored encrypted, shown masked")
def add_payout_account(body: PayoutAccountCreate, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: PayoutAccountOut.model_validate(
        service.add_payout_account(writer.session, writer.principal, body)), body, 201)


@accounts.get("", response_model=Page[PayoutAccountOut],
              summary="Payout accounts, masked: one's own; a merchant admin its own and its staff's; the operator's")
def list_payout_accounts(session: SessionDep, principal: CurrentPrincipal, paging: Paging,
                         owner_type: str | None = None, owner_id: int | None = None) -> Page[PayoutAccountOut]:
    return page_of(session, repository.list_payout_accounts(principal, owner_type=owner_type, owner_id=owner_id),
                   paging, PayoutAccountOut)


@accounts.delete("/{account_id}", response_model=PayoutAccountOut, summary="Remove one's own payout account")
def remove_payout_account(account_id: int, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: PayoutAccountOut.model_validate(
        service.remove_payout_account(writer.session, writer.principal, account_id)))

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from lianmeng.kit.pagination import Page, page_of
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep
from lianmeng.withdrawals import repository, service
from lianmeng.withdrawals.domain import WithdrawalStatus
from lianmeng.withdrawals.schemas import WithdrawalCreate, WithdrawalDecision, WithdrawalOut

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

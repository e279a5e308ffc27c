from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse

from lianmeng.kit.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, to_csv, to_xlsx_book
from lianmeng.kit.i18n import pick_language
from lianmeng.kit.pagination import Page, page_of
from lianmeng.settlement import exports, repository, service
from lianmeng.settlement.schemas import (
    AdjustIn,
    DisputeIn,
    LineDetailOut,
    PayIn,
    RunIn,
    RunOut,
    StatementOut,
    StatementSummary,
    VerifyOut,
)
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep

router = APIRouter(tags=["settlement 结算·对账单"])

Language = Annotated[str | None, Header(alias="Accept-Language", include_in_schema=False)]


@router.post("/settlement/runs", response_model=RunOut, status_code=201,
             summary="Settle a closed period: one draft statement per merchant, built from the ledger (operator)")
def create_run(body: RunIn, writer: WriterDep, alliance_id: Annotated[int | None, Query(ge=1)] = None
               ) -> JSONResponse:
    return writer.run(lambda: RunOut.model_validate(
        service.settle(writer.session, writer.principal, alliance_id, body.period)), body, 201)


@router.get("/settlement/runs", response_model=Page[RunOut])
def list_runs(session: SessionDep, principal: CurrentPrincipal, paging: Paging) -> Page[RunOut]:
    return page_of(session, repository.list_runs(principal), paging, RunOut)


@router.get("/settlement/runs/{run_id}", response_model=RunOut)
def get_run(run_id: int, session: SessionDep, principal: CurrentPrincipal) -> RunOut:
    return RunOut.model_validate(repository.get_run(session, principal, run_id))


@router.post("/settlement/runs/{run_id}/issue", response_model=RunOut, summary="Issue every draft statement of a run")
def issue_run(run_id: int, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: RunOut.model_validate(service.issue_run(writer.session, writer.principal, run_id)))


@router.get("/settlement/runs/{run_id}/verify", response_model=VerifyOut,
            summary="Statement lines against the ledger, per account, to the fen")
def verify_run(run_id: int, session: SessionDep, principal: CurrentPrincipal) -> VerifyOut:
    return service.verify(session, principal, run_id)


@router.get("/statements", response_model=Page[StatementSummary],
            summary="Statements: the operator's alliance, a merchant's own")
def list_statements(
    session: SessionDep, principal: CurrentPrincipal, paging: Paging,
    period: Annotated[str | None, Query(max_length=8)] = None,
    status: Annotated[str | None, Query(max_length=12)] = None,
    merchant_id: int | None = None, run_id: int | None = None,
) -> Page[StatementSummary]:
    stmt = repository.list_statements(principal, period=period, status=status, merchant_id=merchant_id, run_id=run_id)
    return page_of(session, stmt, paging, StatementSummary)


@router.get("/statements/{statement_id}", response_model=StatementOut,
            summary="Lines with cause and counterparty, net per counterparty, history")
def get_statement(statement_id: int, session: SessionDep, principal: CurrentPrincipal,
                  accept_language: Language = None) -> StatementOut:
    statement = repository.get_statement(session, principal, statement_id)
    return service.statement_out(session, statement, pick_language(accept_language))


@router.post("/statements/{statement_id}/issue", response_model=StatementOut, summary="Issue a draft (operator)")
def issue(statement_id: int, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.issue(writer.session, writer.principal, statement_id))


@router.post("/statements/{statement_id}/confirm", response_model=StatementOut,
             summary="Confirm (the merchant's admin, the operator); both → confirmed, immutable")
def confirm(statement_id: int, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.confirm(writer.session, writer.principal, statement_id))


@router.post("/statements/{statement_id}/dispute", response_model=StatementOut,
             summary="Dispute with a reason and the lines in question")
def dispute(statement_id: int, body: DisputeIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.dispute(writer.session, writer.principal, statement_id, body), body)


@router.post("/statements/{statement_id}/adjustments", response_model=StatementOut,
             summary="Answer a dispute with correcting entries (operator); both sides confirm again")
def adjust(statement_id: int, body: AdjustIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.adjust(writer.session, writer.principal, statement_id, body), body)


@router.post("/statements/{statement_id}/pay", response_model=StatementOut,
             summary="Record the payout of a confirmed statement (operator)")
def pay(statement_id: int, body: PayIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.pay(writer.session, writer.principal, statement_id, body), body)


@router.get("/statements/{statement_id}/export", summary="The statement as CSV or XLSX (Chinese headers, totals)",
            response_class=Response, responses={200: {"content": {CSV_MEDIA_TYPE: {}, XLSX_MEDIA_TYPE: {}}}})
def export(statement_id: int, session: SessionDep, principal: CurrentPrincipal,
           format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "xlsx") -> Response:
    statement, details = service.statement_details(session, principal, statement_id)
    if format == "csv":
        body, media = to_csv(exports.statement_sheet(statement)), CSV_MEDIA_TYPE
    else:
        body, media = to_xlsx_book(exports.workbook(statement, details)), XLSX_MEDIA_TYPE
    name = f"statement-{statement.id}-{statement.period}.{format}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/statement-lines/{line_id}", response_model=LineDetailOut,
            summary="One statement line and the ledger entries (and orders) behind it, to back a dispute")
def get_line(line_id: int, session: SessionDep, principal: CurrentPrincipal,
             accept_language: Language = None) -> LineDetailOut:
    return service.line_detail(session, principal, line_id, pick_language(accept_language))

"""Console pages for money between merchants: the statements (view lines, confirm or dispute, download), and for
the operator: settling a period, issuing, verifying against the ledger, correcting disputed lines, paying."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import RedirectResponse

from lianmeng.kit import clock
from lianmeng.kit.errors import Forbidden
from lianmeng.kit.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, to_csv, to_xlsx_book
from lianmeng.kit.pagination import PageParams, page_of
from lianmeng.settlement import domain, exports, repository, service
from lianmeng.settlement.schemas import AdjustIn, DisputeIn, PayIn, RunIn, RunOut, StatementSummary
from lianmeng.web.console import Page, StaffPage, form_of, parse, run_write, yuan_field

router = APIRouter(include_in_schema=False)

PICKED = 3  # closed periods offered per cycle in the period picker


def _closed_periods(page: Page) -> list[tuple[str, str]]:
    """The period picker's choices: the last closed periods of each cycle the alliance settles (monthly always;
    weekly and quarterly where pairs are bound to them), newest first, each with its Beijing-time dates."""
    if page.me.alliance_id is None:
        return []
    out = []
    for cycle in repository.bindings(page.session, page.me.alliance_id).cycles():
        period = domain.last_closed(cycle, clock.now() - service.GRACE)
        for _ in range(PICKED):
            from_to = f"{period.first_day.isoformat()} – {(period.next_first_day - timedelta(days=1)).isoformat()}"
            out.append((period.label, f"{page.t(*domain.CYCLE_LABELS[cycle])} · {from_to}"))
            period = period.previous()
    return out


def _require_reader(page: Page) -> None:
    """Statements are for the operator and merchant admins; store staff have no money pages."""
    if not (page.me.is_operator or page.me.manages_merchant):
        raise Forbidden()


def _list(page: Page, period: str | None, *, flash: str | None = None, error: str | None = None,
          errors: dict[str, str] | None = None, values: dict[str, str] | None = None, status_code: int = 200,
          verified: object | None = None) -> Response:
    statements = page_of(page.session, repository.list_statements(page.me, period=period or None),
                         PageParams(page=1, page_size=100), StatementSummary).items
    names = repository.names(page.session, page.me.alliance_id, {("merchant", s.merchant_id) for s in statements})
    runs = (page_of(page.session, repository.list_runs(page.me), PageParams(page=1, page_size=24), RunOut).items
            if page.me.is_operator else [])
    return page.render("money/index.html", status_code=status_code, statements=statements, names=names, runs=runs,
                       period=period or "", flash=flash, error=error, errors=errors or {},
                       values=values or {}, verified=verified,
                       choices=_closed_periods(page) if page.me.is_operator else [])


@router.get("/console/money")
def money(page: StaffPage, period: Annotated[str | None, Query(max_length=8)] = None) -> Response:
    _require_reader(page)
    return _list(page, period)


@router.post("/console/money/runs")
async def settle(page: StaffPage) -> Response:
    values = await form_of(page)
    body, errors = parse(RunIn, values, page.lang)
    if body is None:
        return _list(page, None, errors=errors, values=values, status_code=422)
    run, error = run_write(page, lambda: service.settle(page.session, page.me, None, body.period))
    if error:
        return _list(page, None, errors={"period": error}, values=values, status_code=422)
    statements = page.count(run.statements, "张对账单", "statement")
    done = page.t(f"{run.period} 已结算:{statements},{page.count(run.lines, '行', 'line')}",
                  f"{run.period} settled: {statements}, {page.count(run.lines, '行', 'line')}")
    return _list(page, run.period, flash=done)


@router.post("/console/money/runs/{run_id}/issue")
async def issue_run(run_id: int, page: StaffPage) -> Response:
    await form_of(page)
    run, error = run_write(page, lambda: service.issue_run(page.session, page.me, run_id))
    if error:
        return _list(page, None, error=error, status_code=409)
    return _list(page, run.period, flash=page.t("对账单已全部出具给商户", "Every statement was issued to its merchant"))


@router.post("/console/money/runs/{run_id}/verify")
async def verify_run(run_id: int, page: StaffPage) -> Response:
    await form_of(page)
    result = service.verify(page.session, page.me, run_id)
    return _list(page, result.period, verified=result)


def _statement(page: Page, statement_id: int, *, flash: str | None = None, error: str | None = None,
               errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
               status_code: int = 200) -> Response:
    statement = service.statement_out(page.session, repository.get_statement(page.session, page.me, statement_id),
                                      page.lang)
    return page.render("money/statement.html", status_code=status_code, s=statement,
                       flash=flash, error=error, errors=errors or {}, values=values or {},
                       is_operator=page.me.is_operator)


DONE = {
    "confirmed": ("已确认", "Confirmed"), "issued": ("已出具", "Issued"),
    "disputed": ("异议已提交,等待总部调整", "Dispute sent to the operator"),
    "adjusted": ("已记入调整分录,请双方重新确认", "Correcting entry posted; both sides confirm again"),
    "paid": ("已记录付款", "Payout recorded"),
}


def _done(statement_id: int, what: str) -> Response:
    """After a successful write, back to the statement by GET (a reload never posts twice)."""
    return RedirectResponse(f"/console/money/statements/{statement_id}?done={what}", status_code=303)


@router.get("/console/money/statements/{statement_id}")
def statement(statement_id: int, page: StaffPage, done: Annotated[str | None, Query(max_length=20)] = None
              ) -> Response:
    _require_reader(page)
    flash = page.t(*DONE[done]) if done in DONE else None
    return _statement(page, statement_id, flash=flash)


@router.get("/console/money/lines/{line_id}")
def line(line_id: int, page: StaffPage) -> Response:
    """One statement line and the ledger entries behind it, each with the order it came from (no member)."""
    _require_reader(page)
    detail = service.line_detail(page.session, page.me, line_id, page.lang)
    return page.render("money/line.html", d=detail, l=detail.line)


@router.post("/console/money/statements/{statement_id}/confirm")
async def confirm(statement_id: int, page: StaffPage) -> Response:
    await form_of(page)
    _, error = run_write(page, lambda: service.confirm(page.session, page.me, statement_id))
    return _statement(page, statement_id, error=error, status_code=409) if error else _done(statement_id, "confirmed")


@router.post("/console/money/statements/{statement_id}/issue")
async def issue(statement_id: int, page: StaffPage) -> Response:
    await form_of(page)
    _, error = run_write(page, lambda: service.issue(page.session, page.me, statement_id))
    return _statement(page, statement_id, error=error, status_code=409) if error else _done(statement_id, "issued")


@router.post("/console/money/statements/{statement_id}/dispute")
async def dispute(statement_id: int, page: StaffPage) -> Response:
    data = await page.request.form()
    values = await form_of(page)
    line_ids = [int(v) for v in data.getlist("line_ids") if isinstance(v, str) and v.isdigit()]
    body, errors = parse(DisputeIn, {"reason": values.get("reason", ""), "line_ids": line_ids}, page.lang)
    if body is None:
        if "reason" in errors:
            errors["reason"] = page.t("请写明异议原因(至少 2 个字)", "Say why you dispute it (at least 2 characters)")
        return _statement(page, statement_id, errors=errors, values=values, status_code=422)
    _, error = run_write(page, lambda: service.dispute(page.session, page.me, statement_id, body))
    if error:
        return _statement(page, statement_id, errors={"reason": error}, values=values, status_code=422)
    return _done(statement_id, "disputed")


@router.post("/console/money/statements/{statement_id}/adjust")
async def adjust(statement_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    errors: dict[str, str] = {}
    fen, message = yuan_field(page, values.get("amount", ""), minimum="any")
    if fen is None or fen == 0:
        errors["amount"] = message or page.t("调整金额不能为 0(可为负数)",
                                             "The correction cannot be 0 (it may be negative)")
    line_id = values.get("line_id", "")
    if not line_id.isdigit():
        errors["line_id"] = page.t("请选择要调整的行", "Choose the line to correct")
    if not values.get("note", "").strip():
        errors["note"] = page.t("请写明调整说明", "Explain the correction")
    if errors:
        return _statement(page, statement_id, errors=errors, values=values, status_code=422)
    body, errors = parse(AdjustIn, {"adjustments": [{"line_id": int(line_id), "amount_fen": fen,
                                                     "note": values["note"]}]}, page.lang)
    if body is None:
        return _statement(page, statement_id, errors={"amount": next(iter(errors.values()))}, values=values,
                          status_code=422)
    _, error = run_write(page, lambda: service.adjust(page.session, page.me, statement_id, body))
    if error:
        return _statement(page, statement_id, error=error, values=values, status_code=409)
    return _done(statement_id, "adjusted")


@router.post("/console/money/statements/{statement_id}/pay")
async def pay(statement_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    body, errors = parse(PayIn, values, page.lang)
    if body is None:
        errors = {"payout_ref": page.t("请填写付款凭证号", "Enter the payout reference")}
        return _statement(page, statement_id, errors=errors, values=values, status_code=422)
    _, error = run_write(page, lambda: service.pay(page.session, page.me, statement_id, body))
    if error:
        return _statement(page, statement_id, error=error, status_code=409)
    return _done(statement_id, "paid")


@router.get("/console/money/statements/{statement_id}/export")
def export(statement_id: int, page: StaffPage, format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "xlsx"
           ) -> Response:
    _require_reader(page)
    statement, details = service.statement_details(page.session, page.me, statement_id)
    if format == "csv":
        body, media = to_csv(exports.statement_sheet(statement)), CSV_MEDIA_TYPE
    else:
        body, media = to_xlsx_book(exports.workbook(statement, details)), XLSX_MEDIA_TYPE
    name = f"statement-{statement.id}-{statement.period}.{format}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})

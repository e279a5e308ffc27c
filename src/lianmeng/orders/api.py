from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lianmeng.kit.i18n import pick_language, translate
from lianmeng.kit.pagination import Page, page_of
from lianmeng.orders import group_commit, repository, service
from lianmeng.orders.models import Order
from lianmeng.orders.schemas import (
    BatchError,
    BatchOut,
    BatchResult,
    OrderBatch,
    OrderCreate,
    OrderOut,
    RefundCreate,
    RefundOut,
    TopUpCreate,
    TopUpOut,
)
from lianmeng.web import group_write
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep
from lianmeng.web.group_write import GroupedWrite

router = APIRouter(tags=["orders 消费·退款·储值"])
# a top-up has no set-based path: in a group commit it runs alone in a savepoint of the shared transaction
TOP_UP: GroupedWrite[TopUpCreate] = group_write.in_savepoints(
    201, lambda session, actor, data: TopUpOut.model_validate(service.top_up(session, actor, data)))


@router.post("/orders", response_model=OrderOut, status_code=201,
             summary="Record a consumption (idempotent per merchant external_id)")
def record_order(body: OrderCreate, writer: WriterDep) -> JSONResponse:
    return group_write.respond(writer, group_commit.ORDERS, body)


@router.post("/orders/batch", response_model=BatchOut,
             summary="Record up to 500 orders in one transaction (group commit); each gets its own outcome")
def record_batch(body: OrderBatch, request: Request, writer: WriterDep) -> JSONResponse:
    lang = pick_language(request.headers.get("accept-language"))

    def run() -> BatchOut:
        recorded = service.record_orders(writer.session, writer.principal, body.orders)
        orders = repository.orders_by_ids(writer.session, [r.order_id for r in recorded if r.order_id is not None])
        results = [_batch_result(i, r, orders, lang) for i, r in enumerate(recorded)]
        outcomes = [r.outcome for r in results]
        return BatchOut(created=outcomes.count("created"), replayed=outcomes.count("replayed"),
                        refused=outcomes.count("refused"), results=results)

    return writer.run(run, body, 200)


def _batch_result(index: int, recorded: service.Recorded, orders: dict[int, Order], lang: str) -> BatchResult:
    if recorded.error is not None:
        error = recorded.error
        return BatchResult(index=index, outcome="refused", error=BatchError(
            code=error.code, message=translate(error.code, lang, **error.params), status=error.status_code,
            details=error.details))
    assert recorded.order_id is not None
    return BatchResult(index=index, outcome="replayed" if recorded.replayed else "created",
                       order=OrderOut.model_validate(orders[recorded.order_id]))


@router.get("/orders", response_model=Page[OrderOut])
def list_orders(
    session: SessionDep, principal: CurrentPrincipal, paging: Paging, merchant_id: int | None = None,
    member_id: int | None = None, store_id: int | None = None,
) -> Page[OrderOut]:
    stmt = repository.list_orders(principal, merchant_id=merchant_id, member_id=member_id, store_id=store_id)
    return page_of(session, stmt, paging, OrderOut)


@router.get("/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: int, session: SessionDep, principal: CurrentPrincipal) -> OrderOut:
    return OrderOut.model_validate(repository.get_order(session, principal, order_id))


@router.post("/orders/{order_id}/refunds", response_model=RefundOut, status_code=201,
             summary="Refund part or all of an order (idempotent per external_id)")
def refund_order(order_id: int, body: RefundCreate, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: RefundOut.model_validate(service.refund_order(writer.session, writer.principal, order_id, body)),
        body,
        201,
    )


@router.get("/orders/{order_id}/refunds", response_model=list[RefundOut])
def list_refunds(order_id: int, session: SessionDep, principal: CurrentPrincipal) -> list[RefundOut]:
    order = repository.get_order(session, principal, order_id)
    return [RefundOut.model_validate(r) for r in repository.refunds_of(session, order)]


@router.post("/top-ups", response_model=TopUpOut, status_code=201,
             summary="Top up a member's stored value at this merchant (储值)")
def top_up(body: TopUpCreate, writer: WriterDep) -> JSONResponse:
    return group_write.respond(writer, TOP_UP, body)

"""`POST /api/v1/orders` group-committed: concurrent single orders of one server process share one transaction
(web/group_write.py) and go through the set-based `service.record_orders` (docs/benchmarks.md, "Group commit").

A refused order (unknown member, wrong store, duplicate external id…) gets its own AppError; its batch-mates are
recorded. Orders of several callers share the transaction (`record_orders` once per caller).
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi.encoders import jsonable_encoder
from sqlalchemy.orm import Session

from lianmeng.kit.errors import AppError
from lianmeng.orders import repository, service
from lianmeng.orders.schemas import OrderCreate, OrderOut
from lianmeng.tenancy import Principal, policy
from lianmeng.web.group_write import Answer, GroupedWrite, Write

CREATED = 201


def record_one(session: Session, actor: Principal, data: OrderCreate) -> OrderOut:
    """One order, as the one-request path records it."""
    return OrderOut.model_validate(service.record_order(session, actor, data))


def record_together(session: Session, writes: Sequence[Write[OrderCreate]]) -> list[Answer | AppError]:
    """The orders of a batch, set-based: `record_orders` once per caller, each order its own answer."""
    outcomes: list[Answer | AppError | None] = [None] * len(writes)
    by_actor: dict[Principal, list[int]] = {}
    for i, write in enumerate(writes):
        by_actor.setdefault(write.principal, []).append(i)
    for actor, indexes in list(by_actor.items()):
        try:
            policy.require_staff_login(actor)  # what record_orders checks first, refused here for this caller alone
        except AppError as refused:
            for i in indexes:
                outcomes[i] = refused
            del by_actor[actor]
    order_of: dict[int, int] = {}
    for actor, indexes in by_actor.items():
        # An AppError raised here (not carried in a Recorded) refuses the whole call: it propagates, the batch
        # rolls back and each request is tried alone, where it becomes that request's own answer.
        recorded = service.record_orders(session, actor, [writes[i].data for i in indexes])
        for i, done in zip(indexes, recorded, strict=True):
            if done.error is not None:
                outcomes[i] = done.error
            else:
                assert done.order_id is not None
                order_of[i] = done.order_id
    orders = repository.orders_by_ids(session, sorted(set(order_of.values())))
    for i, order_id in order_of.items():
        outcomes[i] = Answer(CREATED, jsonable_encoder(OrderOut.model_validate(orders[order_id])))
    assert all(o is not None for o in outcomes)
    return [o for o in outcomes if o is not None]


ORDERS: GroupedWrite[OrderCreate] = GroupedWrite(CREATED, record_one, record_together)

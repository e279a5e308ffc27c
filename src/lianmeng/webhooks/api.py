"""/api/v1/webhook-endpoints…: register, change, disable and rotate endpoints; read the delivery log; replay.
Merchant admins and integrations act for their merchant, the operator for the alliance; others 403, and an
endpoint out of scope answers 404 like a missing one. A secret is in the answer that made it and nowhere else:
not in an Idempotency-Key's stored response (a replay answers `secret: null`)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from lianmeng.kit import idempotency
from lianmeng.web.deps import CurrentPrincipal, Language, SessionDep, Writer, WriterDep
from lianmeng.web.openapi import may_answer
from lianmeng.web.responses import FastJSONResponse
from lianmeng.webhooks import service
from lianmeng.webhooks.domain import DeliveryState
from lianmeng.webhooks.models import WebhookEndpoint
from lianmeng.webhooks.schemas import (
    AttemptOut,
    DeliveryList,
    DeliveryOut,
    EndpointCreate,
    EndpointList,
    EndpointOut,
    EndpointUpdate,
    EndpointWithSecret,
)

router = APIRouter(tags=["webhooks 事件推送"])


def endpoint_out(row: WebhookEndpoint) -> EndpointOut:
    return EndpointOut(id=row.id, alliance_id=row.alliance_id, merchant_id=row.merchant_id, url=row.url,
                       description=row.description, event_types=list(row.event_types), enabled=row.enabled,
                       created_at=row.created_at, disabled_at=row.disabled_at,
                       previous_secret_until=row.previous_secret_until)


def delivery_out(view: service.DeliveryView, lang: str) -> DeliveryOut:
    d = view.delivery
    return DeliveryOut(id=d.id, event_id=d.event_id, event_type=d.event_type, message_id=d.message_id,
                       state=DeliveryState(d.state), state_label=DeliveryState(d.state).label(lang),
                       attempts=d.attempts, next_attempt_at=d.next_attempt_at, last_status=d.last_status,
                       delivered_at=d.delivered_at, created_at=d.created_at,
                       log=[AttemptOut(attempted_at=a.attempted_at, status_code=a.status_code,
                                       latency_ms=a.latency_ms, error=a.error, manual=a.manual)
                            for a in view.attempts])


def _showing_secret(writer: Writer, action: Callable[[], tuple[WebhookEndpoint, str]], body: BaseModel | None,
                    status_code: int) -> JSONResponse:
    """Writer.run, except that the secret is added to the answer after the stored response was written."""
    request = writer.request
    shown: list[str] = []

    def execute() -> tuple[int, object]:
        endpoint, secret = action()
        shown.append(secret)
        return status_code, jsonable_encoder(endpoint_out(endpoint))

    fp = idempotency.fingerprint(request.method, request.url.path,
                                 body.model_dump(mode="json") if body is not None else None)
    code, payload, replayed = idempotency.run_once(writer.session, writer.principal.idempotency_scope, writer.key,
                                                   fp, execute)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return FastJSONResponse({**payload, "secret": None if replayed else shown[0]}, status_code=code,
                            headers=headers)


@router.get("/webhook-endpoints", response_model=EndpointList, responses=may_answer(403),
            summary="Webhook endpoints I manage (a merchant's; the operator: the alliance's)")
def list_endpoints(session: SessionDep, principal: CurrentPrincipal) -> EndpointList:
    rows = service.list_endpoints(session, principal)
    return EndpointList(items=[endpoint_out(r) for r in rows], total=len(rows))


@router.post("/webhook-endpoints", response_model=EndpointWithSecret, status_code=201,
             responses=may_answer(403, 404, 409, 422),
             summary="Register an HTTPS endpoint for event types; its signing secret is shown this once")
def create_endpoint(body: EndpointCreate, writer: WriterDep) -> JSONResponse:
    return _showing_secret(writer, lambda: service.create_endpoint(writer.session, writer.principal, body), body,
                           201)


@router.get("/webhook-endpoints/{endpoint_id}", response_model=EndpointOut, responses=may_answer(403, 404),
            summary="One webhook endpoint (never its secret)")
def get_endpoint(endpoint_id: int, session: SessionDep, principal: CurrentPrincipal) -> EndpointOut:
    return endpoint_out(service.get_endpoint(session, principal, endpoint_id))


@router.patch("/webhook-endpoints/{endpoint_id}", response_model=EndpointOut, responses=may_answer(403, 404, 422),
              summary="Change an endpoint's address, event types, description; disable or enable it")
def update_endpoint(endpoint_id: int, body: EndpointUpdate, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: endpoint_out(service.update_endpoint(writer.session, writer.principal, endpoint_id,
                                                                   body)), body)


@router.post("/webhook-endpoints/{endpoint_id}/rotate-secret", response_model=EndpointWithSecret,
             responses=may_answer(403, 404),
             summary="A new signing secret, shown once; the old one also signs for 24 hours")
def rotate_secret(endpoint_id: int, writer: WriterDep) -> JSONResponse:
    return _showing_secret(writer, lambda: service.rotate_secret(writer.session, writer.principal, endpoint_id),
                           None, 200)


@router.get("/webhook-endpoints/{endpoint_id}/deliveries", response_model=DeliveryList,
            responses=may_answer(403, 404), summary="The endpoint's delivery log: latest deliveries and attempts")
def deliveries(endpoint_id: int, session: SessionDep, principal: CurrentPrincipal, lang: Language,
               limit: int = 100) -> DeliveryList:
    _, views = service.delivery_log(session, principal, endpoint_id, max(1, min(limit, 500)))
    return DeliveryList(items=[delivery_out(v, lang) for v in views], total=len(views))


@router.post("/webhook-deliveries/{delivery_id}/replay", response_model=DeliveryOut,
             responses=may_answer(403, 404, 409),
             summary="Send a delivery again at the next run, same webhook-id and body, on a fresh retry schedule")
def replay(delivery_id: int, writer: WriterDep, lang: Language) -> JSONResponse:
    def act() -> DeliveryOut:
        delivery = service.replay(writer.session, writer.principal, delivery_id)
        return delivery_out(service.DeliveryView(delivery, []), lang)

    return writer.run(act)

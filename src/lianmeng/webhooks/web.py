"""The console's webhook pages (/console/webhooks): a merchant admin's or the operator's endpoints, registered,
disabled or enabled, their secret rotated (the new secret is on the answering page once, never again), and one
endpoint's delivery log with replay. Thin doors: every read and write is the webhooks service's."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from lianmeng.kit.errors import AppError
from lianmeng.web.console import Page, StaffPage, attempt, form_of
from lianmeng.webhooks import service
from lianmeng.webhooks.domain import DeliveryState, EventType
from lianmeng.webhooks.models import WebhookEndpoint
from lianmeng.webhooks.schemas import EndpointCreate

router = APIRouter(include_in_schema=False)

BASE = "/console/webhooks"


def _index(page: Page, status_code: int = 200, **context: object) -> HTMLResponse:
    try:
        endpoints = service.list_endpoints(page.session, page.me)
    except AppError as refused:
        return page.render("webhooks/index.html", status_code=refused.status_code, endpoints=[], types=[],
                           error=page.error_text(refused), refused=True)
    types = [(t.value, t.label(page.lang)) for t in EventType]
    return page.render("webhooks/index.html", status_code=status_code, endpoints=endpoints, types=types,
                       **context)


@router.get(BASE, response_class=HTMLResponse)
def index(page: StaffPage, done: str = "") -> Response:
    flash = {"disabled": page.t("已停用", "Disabled"), "enabled": page.t("已启用", "Enabled")}.get(done, "")
    return _index(page, flash=flash)


def _with_secret(page: Page, made: tuple[WebhookEndpoint, str] | None, error: AppError | None,
                 values: dict[str, str] | None = None) -> HTMLResponse:
    if error is not None:
        return _index(page, error.status_code, error=page.error_text(error), values=values or {})
    assert made is not None
    endpoint, secret = made
    return _index(page, secret=secret, secret_for=endpoint.id,
                  flash=page.t("签名密钥只显示这一次,请立即保存", "The signing secret is shown this once: save it now"))


@router.post(BASE, response_class=HTMLResponse)
async def create(page: StaffPage) -> Response:
    form = await page.request.form()
    values = await form_of(page)
    chosen = [str(v) for v in form.getlist("event_types")]
    known = {t.value for t in EventType}
    # the service checks the address and the types (in words); a form is not refused for its lengths alone
    data = EndpointCreate.model_construct(
        url=values.get("url", "")[:500], description=values.get("description", "")[:200],
        event_types=[EventType(v) for v in chosen if v in known], alliance_id=None)
    made, error = attempt(page, lambda: service.create_endpoint(page.session, page.me, data))
    return _with_secret(page, made, error, values)


@router.post(BASE + "/{endpoint_id}/rotate", response_class=HTMLResponse)
async def rotate(endpoint_id: int, page: StaffPage) -> Response:
    await form_of(page)
    made, error = attempt(page, lambda: service.rotate_secret(page.session, page.me, endpoint_id))
    return _with_secret(page, made, error)


@router.post(BASE + "/{endpoint_id}/{state}", response_class=HTMLResponse)
async def switch(endpoint_id: int, state: str, page: StaffPage) -> Response:
    await form_of(page)
    if state not in ("enable", "disable"):
        return _index(page, 404, error=page.t("页面不存在", "Page not found"))
    _, error = attempt(page, lambda: service.set_enabled(page.session, page.me, endpoint_id, state == "enable"))
    if error is not None:
        return _index(page, error.status_code, error=page.error_text(error))
    return page.redirect(f"{BASE}?done={state}d")


def _log(page: Page, endpoint_id: int, status_code: int = 200, **context: object) -> HTMLResponse:
    try:
        endpoint, views = service.delivery_log(page.session, page.me, endpoint_id)
    except AppError as refused:
        return page.render("webhooks/deliveries.html", status_code=refused.status_code, endpoint=None, views=[],
                           error=page.error_text(refused))
    states = {s.value: s.label(page.lang) for s in DeliveryState}
    return page.render("webhooks/deliveries.html", status_code=status_code, endpoint=endpoint, views=views,
                       states=states, **context)


@router.get(BASE + "/{endpoint_id}", response_class=HTMLResponse)
def deliveries(endpoint_id: int, page: StaffPage, replayed: str = "") -> Response:
    return _log(page, endpoint_id, flash=page.t("已安排重发,下一次推送时发送", "Queued: it is sent at the next run")
                if replayed else "")


@router.post(BASE + "/{endpoint_id}/deliveries/{delivery_id}/replay", response_class=HTMLResponse)
async def replay(endpoint_id: int, delivery_id: int, page: StaffPage) -> Response:
    await form_of(page)
    _, error = attempt(page, lambda: service.replay(page.session, page.me, delivery_id))
    if error is not None:
        return _log(page, endpoint_id, error.status_code, error=page.error_text(error))
    return page.redirect(f"{BASE}/{endpoint_id}?replayed=1")

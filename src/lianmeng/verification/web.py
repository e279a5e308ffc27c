"""Console pages of verification (验真): the operator's queue with what every rule found and the verify / reject
forms; a merchant's own status, findings and history, with a form for its admins to enter the details."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from lianmeng.kit.errors import Forbidden
from lianmeng.merchants import service as merchants_service
from lianmeng.merchants.schemas import MerchantUpdate
from lianmeng.verification import service
from lianmeng.verification.domain import SubjectKind
from lianmeng.verification.schemas import DETAIL_FIELDS, SubjectDetailOut
from lianmeng.web.console import Page, StaffPage, form_of, parse, run_write

router = APIRouter(include_in_schema=False)
BASE = "/console/verification"


def _own(page: Page) -> SubjectDetailOut | None:
    if page.me.merchant_id is None or page.me.promoter:
        return None
    return service.detail(page.session, page.me, SubjectKind.MERCHANT, page.me.merchant_id)


def _render(page: Page, values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
            error: str | None = None, status_code: int = 200) -> Response:
    if page.me.is_operator:
        return page.render("verification/queue.html", status_code=status_code, rows=service.queue(page.session,
                                                                                                   page.me),
                           error=error)
    own = _own(page)
    if own is None:
        raise Forbidden()
    shown = values if values is not None else {f: getattr(own, f) or "" for f in DETAIL_FIELDS}
    return page.render("verification/own.html", status_code=status_code, own=own, values=shown,
                       errors=errors or {}, error=error, may_edit=page.me.manages_merchant)


@router.get(BASE)
def index(page: StaffPage) -> Response:
    return _render(page)


@router.post(BASE + "/details")
async def enter_details(page: StaffPage) -> Response:
    """A merchant admin enters or corrects its own details; a wrong check character is a 422 with nothing saved."""
    values = await form_of(page)
    if page.me.merchant_id is None or not page.me.manages_merchant:
        raise Forbidden()
    merchant_id = page.me.merchant_id
    body, errors = parse(MerchantUpdate, {f: values.get(f, "") for f in DETAIL_FIELDS}, page.lang)
    if body is None:
        return _render(page, values, errors, status_code=422)
    _, error = run_write(page, lambda: merchants_service.update_merchant(page.session, page.me, merchant_id, body))
    if error is not None:
        return _render(page, values, error=error, status_code=422)
    return page.redirect(BASE)


def _decidable(page: Page, kind: SubjectKind, subject_id: int) -> None:
    """404 outside the caller's scope and 403 for anyone but the operator, before anything is attempted."""
    service.subject_of(page.session, page.me, kind, subject_id)
    if not page.me.is_operator:
        raise Forbidden()


@router.post(BASE + "/{kind}/{subject_id}/verify")
async def verify(kind: SubjectKind, subject_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    _decidable(page, kind, subject_id)
    _, error = run_write(page, lambda: service.verify(page.session, page.me, kind, subject_id,
                                                      values.get("note") or None))
    if error is not None:
        return _render(page, error=error, status_code=422)
    return page.redirect(BASE)


@router.post(BASE + "/{kind}/{subject_id}/reject")
async def reject(kind: SubjectKind, subject_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    _decidable(page, kind, subject_id)
    reason = values.get("reason", "")
    _, error = run_write(page, lambda: service.reject(page.session, page.me, kind, subject_id, reason))
    if error is not None:
        return _render(page, error=error, status_code=422)
    return page.redirect(BASE)

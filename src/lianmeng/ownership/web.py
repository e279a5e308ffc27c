"""Console pages of ownership (归属) and the claimable pool (客户池).

/console/ownership: the merchant admin's view (members owned per staff member, the pool's size, the bulk assignment
form, the pool's terms). /console/ownership/mine: phone-sized, for staff: my members, the pool with a claim button
each, and the claims left today. Every write is the ownership service's with the logged-in principal.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import ValidationError

from lianmeng.kit.errors import Forbidden
from lianmeng.kit.pagination import PageParams, paginate
from lianmeng.merchants import repository as merchants_repo
from lianmeng.ownership import service
from lianmeng.ownership.domain import AssignBasis
from lianmeng.ownership.schemas import AssignIn, SettingsIn
from lianmeng.values.domain import RfmClass
from lianmeng.web import labels
from lianmeng.web.console import Page, StaffPage, field_errors, form_of, run_write

router = APIRouter(include_in_schema=False)
POOL_PAGE = 30


def _int(text: str | None) -> int | None:
    cleaned = (text or "").strip()
    return int(cleaned) if cleaned.isascii() and cleaned.isdigit() and 0 < len(cleaned) < 10 else None


def _admin(page: Page, *, status_code: int = 200, **context: Any) -> Response:
    seen = service.overview(page.session, page.me)
    _, pool_stmt = service.pool_query(page.me)
    pool, total = paginate(page.session, pool_stmt, PageParams(page=1, page_size=POOL_PAGE))
    stores = merchants_repo.stores_in_scope(page.session, page.me, merchant_id=seen.merchant_id)
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return page.render("ownership/index.html", status_code=status_code, seen=seen, pool=pool, pool_total=total,
                       stores=stores, bases=labels.options("assign_basis", page.lang),
                       classes=labels.options("rfm_class", page.lang), **context)


def _mine(page: Page, *, status_code: int = 200, **context: Any) -> Response:
    state = service.claim_state(page.session, page.me)
    _, pool_stmt = service.pool_query(page.me)
    pool, total = paginate(page.session, pool_stmt, PageParams(page=1, page_size=POOL_PAGE))
    return page.render("ownership/mine.html", status_code=status_code, state=state,
                       members=service.my_members(page.session, page.me), pool=pool, pool_total=total, **context)


@router.get("/console/ownership")
def index(page: StaffPage) -> Response:
    if not page.me.manages_merchant:
        return page.redirect("/console/ownership/mine")
    return _admin(page)


@router.post("/console/ownership/assignments")
async def assign(page: StaffPage) -> Response:
    values = await form_of(page)
    form = await page.request.form()
    staff_ids = [i for i in (_int(str(v)) for v in form.getlist("staff_id")) if i is not None]
    classes = [str(v) for v in form.getlist("rfm_class") if str(v) in {c.value for c in RfmClass}]
    try:
        data = AssignIn(basis=AssignBasis(values.get("basis", "")), staff_ids=staff_ids,
                        store_id=_int(values.get("store_id")), rfm_classes=[RfmClass(c) for c in classes],
                        only_unowned=values.get("only_unowned") == "1", rest_to_pool=values.get("rest_to_pool") == "1")
    except ValidationError as invalid:
        return _admin(page, status_code=422, values=values, errors=field_errors(invalid, page.lang))
    except ValueError:
        return _admin(page, status_code=422, values=values,
                      errors={"basis": page.t("请选择一项", "Choose one of the options")})
    done, error = run_write(page, lambda: service.assign(page.session, page.me, data))
    if error is not None:
        return _admin(page, status_code=422, values=values, error=error)
    return _admin(page, flash=page.t(f"已分配 {done.assigned} 名会员,{done.to_pool} 名退回客户池",
                                     f"Assigned {done.assigned} members; {done.to_pool} back in the pool"))


@router.post("/console/ownership/settings")
async def settings(page: StaffPage) -> Response:
    values = await form_of(page)
    if not page.me.manages_merchant:
        raise Forbidden()
    limit, days = _int(values.get("daily_claim_limit")), _int(values.get("idle_days"))
    if limit is None or days is None:
        return _admin(page, status_code=422, values=values,
                      errors={"settings": page.t("请填写正整数", "Enter whole numbers")})
    _, error = run_write(page, lambda: service.set_terms(page.session, page.me,
                                                         SettingsIn(daily_claim_limit=limit, idle_days=days)))
    if error is not None:
        return _admin(page, status_code=422, values=values, errors={"settings": error})
    return _admin(page, flash=page.t("已保存客户池规则", "Pool terms saved"))


@router.get("/console/ownership/mine")
def mine(page: StaffPage) -> Response:
    return _mine(page)


@router.post("/console/ownership/claims")
async def claim(page: StaffPage) -> Response:
    values = await form_of(page)
    member_id = _int(values.get("member_id"))
    if member_id is None:
        return _mine(page, status_code=422, error=page.t("请选择会员", "Choose a member"))
    _, error = run_write(page, lambda: service.claim(page.session, page.me, member_id))
    if error is not None:
        return _mine(page, status_code=409, error=error)
    return _mine(page, flash=page.t("认领成功", "Claimed"))


@router.post("/console/ownership/releases")
async def release(page: StaffPage) -> Response:
    values = await form_of(page)
    member_id = _int(values.get("member_id"))
    if member_id is None:
        return _mine(page, status_code=422, error=page.t("请选择会员", "Choose a member"))
    _, error = run_write(page, lambda: service.release(page.session, page.me, member_id))
    if error is not None:
        return _mine(page, status_code=404, error=error)
    return _mine(page, flash=page.t("已释放回客户池", "Released to the pool"))

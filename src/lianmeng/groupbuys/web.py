"""Console pages of group buys (拼团) for the operator and merchant admins: the offers they take part in, defining
one (its package's components like a joint card's, the group price, size N, hours H, the seller, stock, the
per-member limit and the sale window), changing its words, stock, limit and window, pausing and resuming it, and
following its results: groups started, formed and expired, seats paid and refunded, the money held, recognised
and still owed, and what each merchant's component was used for.

The same services as the API with the logged-in principal. No member is named on these pages: a group is shown by
its number, state and seats.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import ValidationError

from lianmeng.coupons.web import merchant_names
from lianmeng.groupbuys import repository, service, web_queries
from lianmeng.groupbuys.domain import MAX_GROUP_SIZE, MAX_HOURS
from lianmeng.groupbuys.schemas import OfferCreate, OfferOut, OfferUpdate
from lianmeng.jointcards.schemas import ComponentIn
from lianmeng.kit.clock import SHANGHAI, shanghai
from lianmeng.kit.errors import Forbidden
from lianmeng.merchants import repository as merchants_repo
from lianmeng.tenancy.scoped import MAX_ID
from lianmeng.web.console import Page, StaffPage, attempt, field_errors, form_of, yuan_field

router = APIRouter(include_in_schema=False)

NEW_COMPONENTS = 3
MAX_COMPONENTS = 20
_ROW = re.compile(r"^c(\d{1,2})_")


def _whole(text: str, least: int, most: int) -> int | None:
    """A whole number typed in a form, from `least` to `most`; None otherwise."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        return None
    value = int(text)
    return value if least <= value <= most else None


def _can_define(page: Page) -> bool:
    me = page.me
    return me.alliance_id is not None and (me.is_operator or (me.manages_merchant and me.merchant_id is not None))


def _merchant_options(page: Page) -> list[tuple[str, str]]:
    merchants = merchants_repo.merchants_in_scope(page.session, page.me, limit=500)
    return [(str(m.id), m.name) for m in merchants if m.alliance_id == page.me.alliance_id]


def _sees_money(page: Page, offer: OfferOut) -> bool:
    """The operator, the seller and the merchant that made the offer see its money; a component merchant sees what
    its own component was used for."""
    me = page.me
    return me.is_operator or me.is_platform or me.merchant_id in (offer.seller_merchant_id,
                                                                    offer.created_by_merchant_id)


# --- the list ------------------------------------------------------------------------------------------------


@router.get("/console/group-buys")
def offers(page: StaffPage, created: int = 0, updated: int = 0, paused: int = 0, resumed: int = 0) -> Response:
    """The offers this merchant takes part in (the operator: the alliance's), with their groups' counts."""
    found = [service.offer_out(page.session, o) for o in repository.offers_in_scope(page.session, page.me, limit=100)]
    counts = {o.id: repository.group_counts(page.session, page.me, o.id) for o in found}
    flash = ""
    if created:
        flash = page.t("拼团已创建,会员现在可以开团了", "Group buy created: members can start groups now")
    elif updated:
        flash = page.t("拼团已保存", "Group buy saved")
    elif paused:
        flash = page.t("拼团已暂停:不能再开新团,进行中的团仍可成团",
                       "Group buy paused: no new groups; open ones may still form")
    elif resumed:
        flash = page.t("拼团已恢复", "Group buy resumed")
    return page.render("groupbuys/index.html", offers=found, counts=counts, names=merchant_names(page),
                       can_define=_can_define(page), managed={o.id for o in found if service.can_manage(page.me, o)},
                       flash=flash)


# --- defining an offer ---------------------------------------------------------------------------------------


def _rows(values: Mapping[str, str]) -> int:
    """How many component rows the form has: as posted (hidden count, or rows typed), one more after "add"."""
    typed = max((int(m.group(1)) + 1 for key in values if (m := _ROW.match(key))), default=0)
    rows = max(_whole(values.get("component_count", ""), 1, MAX_COMPONENTS) or NEW_COMPONENTS, typed)
    if values.get("add") == "component":
        rows += 1
    return min(rows, MAX_COMPONENTS)


def _new_page(page: Page, *, status_code: int = 200, values: Mapping[str, str] | None = None,
              **context: Any) -> Response:
    if not _can_define(page):
        raise Forbidden()
    values = values if values is not None else {"per_member_limit": "1", "valid_months": "12", "hours_to_form": "24",
                                                "group_size": "3"}
    merchants = _merchant_options(page)
    context.setdefault("errors", {})
    return page.render("groupbuys/new.html", status_code=status_code, values=values, rows=_rows(values),
                       merchant_options=[("", page.t("— 选择商户 —", "— choose a merchant —")), *merchants],
                       choose_seller=page.me.is_operator, **context)


def _text(values: Mapping[str, str], key: str) -> str:
    return values.get(key, "").strip()


def _component(page: Page, values: Mapping[str, str], key: str, errors: dict[str, str]) -> ComponentIn | None:
    """One component row `key` (c1): None when left blank; otherwise checked field by field."""
    if not any(_text(values, f"{key}_{f}") for f in ("merchant_id", "name", "units", "list_value")):
        return None
    before = len(errors)
    merchant_id = _whole(_text(values, f"{key}_merchant_id"), 1, MAX_ID)
    if merchant_id is None:
        errors[f"{key}_merchant_id"] = page.t("请选择提供该项目的商户", "Choose the merchant that serves it")
    name = _text(values, f"{key}_name")
    if not name:
        errors[f"{key}_name"] = page.t("请输入项目名称", "Enter the component's name")
    elif len(name) > 100:
        errors[f"{key}_name"] = page.t("最长 100 个字符", "At most 100 characters")
    unit_name = _text(values, f"{key}_unit_name") or "次"
    if len(unit_name) > 20:
        errors[f"{key}_unit_name"] = page.t("最长 20 个字符", "At most 20 characters")
    units = _whole(_text(values, f"{key}_units"), 1, 100_000)
    if units is None:
        errors[f"{key}_units"] = page.t("请输入 1 到 100000 之间的整数", "Enter a whole number from 1 to 100000")
    value, message = yuan_field(page, values.get(f"{key}_list_value", ""))
    if message is not None:
        errors[f"{key}_list_value"] = message
    if len(errors) > before or merchant_id is None or units is None or value is None:
        return None
    return ComponentIn(merchant_id=merchant_id, name=name, unit_name=unit_name, units=units, list_value_fen=value)


def _moment(page: Page, values: Mapping[str, str], key: str, errors: dict[str, str]) -> datetime | None:
    """A datetime-local field, read as Beijing time; None when empty."""
    text = _text(values, key)
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)
    except ValueError:
        errors[key] = page.t("请输入日期时间", "Enter a date and time")
        return None


def _terms(page: Page, values: Mapping[str, str], errors: dict[str, str]) -> dict[str, Any]:
    """What both forms share: the words, stock, per-member limit and sale window."""
    name = _text(values, "name")
    if not name:
        errors["name"] = page.t("请输入拼团名称", "Enter the group buy's name")
    elif len(name) > 100:
        errors["name"] = page.t("最长 100 个字符", "At most 100 characters")
    description = _text(values, "description")
    if len(description) > 500:
        errors["description"] = page.t("最长 500 个字符", "At most 500 characters")
    stock = _text(values, "max_seats")
    max_seats = _whole(stock, 2, 1_000_000) if stock else None
    if stock and max_seats is None:
        errors["max_seats"] = page.t("请输入 2 到 1000000 之间的整数,或留空表示不限",
                                     "Enter a whole number from 2 to 1000000, or leave it empty for no limit")
    limit = _whole(_text(values, "per_member_limit") or "1", 1, 100)
    if limit is None:
        errors["per_member_limit"] = page.t("请输入 1 到 100 之间的整数", "Enter a whole number from 1 to 100")
    starts = _moment(page, values, "sale_starts_at", errors)
    ends = _moment(page, values, "sale_ends_at", errors)
    if starts is not None and ends is not None and ends <= starts:
        errors["sale_ends_at"] = page.t("结束时间须晚于开始时间", "The end must be after the start")
    return {"name": name, "description": description, "max_seats": max_seats, "per_member_limit": limit or 1,
            "sale_starts_at": starts, "sale_ends_at": ends}


def _definition(page: Page, values: Mapping[str, str]) -> tuple[OfferCreate | None, dict[str, str]]:
    errors: dict[str, str] = {}
    terms = _terms(page, values, errors)
    components = [c for i in range(_rows(values)) if (c := _component(page, values, f"c{i}", errors)) is not None]
    if not components and not any(key.startswith("c") for key in errors):
        errors["c0_merchant_id"] = page.t("至少一个项目", "At least one component")
    price, message = yuan_field(page, values.get("price", ""))
    if message is not None:
        errors["price"] = message
    size = _whole(_text(values, "group_size"), 2, MAX_GROUP_SIZE)
    if size is None:
        errors["group_size"] = page.t(f"请输入 2 到 {MAX_GROUP_SIZE} 之间的整数",
                                      f"Enter a whole number from 2 to {MAX_GROUP_SIZE}")
    hours = _whole(_text(values, "hours_to_form"), 1, MAX_HOURS)
    if hours is None:
        errors["hours_to_form"] = page.t(f"请输入 1 到 {MAX_HOURS} 之间的小时数",
                                         f"Enter a number of hours from 1 to {MAX_HOURS}")
    months = _whole(_text(values, "valid_months") or "12", 1, 120)
    if months is None:
        errors["valid_months"] = page.t("请输入 1 到 120 之间的月数", "Enter a number of months from 1 to 120")
    seller = _text(values, "seller_merchant_id")
    seller_id = _whole(seller, 1, MAX_ID) if seller else None
    if page.me.is_operator and seller_id is None:
        errors["seller_merchant_id"] = page.t("请选择收款商户", "Choose the merchant that takes the money")
    if terms["max_seats"] is not None and size is not None and terms["max_seats"] < size:
        errors["max_seats"] = page.t("库存不能少于成团人数", "The stock must be at least the group size")
    if errors:
        return None, errors
    try:
        return OfferCreate.model_validate({**terms, "components": components, "price_fen": price, "group_size": size,
                                           "hours_to_form": hours, "valid_months": months,
                                           "seller_merchant_id": seller_id}, strict=False), {}
    except ValidationError as error:
        return None, field_errors(error, page.lang)


@router.get("/console/group-buys/new")
def new_offer(page: StaffPage) -> Response:
    return _new_page(page)


@router.post("/console/group-buys/new")
async def create_offer(page: StaffPage) -> Response:
    """Create the offer; "再加一行 / add a row" (`add`) answers the same form with one more row, writing nothing."""
    values = await form_of(page)
    if not _can_define(page):
        raise Forbidden()
    if values.get("add"):
        return _new_page(page, values=values)
    body, errors = _definition(page, values)
    if body is None:
        return _new_page(page, status_code=422, errors=errors, values=values)
    offer, error = attempt(page, lambda: service.create_offer(page.session, page.me, body))
    if error is not None or offer is None:
        if isinstance(error, Forbidden):
            raise error
        return _new_page(page, status_code=error.status_code if error else 422, values=values,
                         errors={"form": page.error_text(error) if error else ""})
    return page.redirect(f"/console/group-buys?created={offer.id}#offer-{offer.id}")


# --- changing an offer ---------------------------------------------------------------------------------------


def _local_field(at: datetime | None) -> str:
    """A moment as a datetime-local field shows it, in Beijing time."""
    return "" if at is None else shanghai(at).strftime("%Y-%m-%dT%H:%M")


def _edit_page(page: Page, offer_id: int, *, status_code: int = 200, values: Mapping[str, str] | None = None,
               **context: Any) -> Response:
    offer = service.offer_out(page.session, service.managed_offer(page.session, page.me, offer_id))
    if values is None:
        values = {"name": offer.name, "description": offer.description,
                  "max_seats": "" if offer.max_seats is None else str(offer.max_seats),
                  "per_member_limit": str(offer.per_member_limit),
                  "sale_starts_at": _local_field(offer.sale_starts_at),
                  "sale_ends_at": _local_field(offer.sale_ends_at)}
    context.setdefault("errors", {})
    return page.render("groupbuys/edit.html", status_code=status_code, offer=offer, values=values,
                       names=merchant_names(page), **context)


@router.get("/console/group-buys/{offer_id}/edit")
def edit_offer(offer_id: int, page: StaffPage) -> Response:
    """Change an offer's words, stock, per-member limit and sale window; the price, size, hours and package are
    fixed (the cards issued carry them)."""
    return _edit_page(page, offer_id)


@router.post("/console/group-buys/{offer_id}/edit")
async def update_offer(offer_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    service.managed_offer(page.session, page.me, offer_id)
    errors: dict[str, str] = {}
    terms = _terms(page, values, errors)
    if errors:
        return _edit_page(page, offer_id, status_code=422, errors=errors, values=values)
    body = OfferUpdate.model_validate(terms, strict=False)
    _, error = attempt(page, lambda: service.update_offer(page.session, page.me, offer_id, body))
    if error is not None:
        if error.status_code in (403, 404):
            raise error
        return _edit_page(page, offer_id, status_code=error.status_code, values=values,
                          errors={"form": page.error_text(error)})
    return page.redirect(f"/console/group-buys?updated={offer_id}#offer-{offer_id}")


def _set_status(page: Page, offer_id: int, action: Literal["pause", "resume"]) -> Response:
    _, error = attempt(page, lambda: service.set_status(page.session, page.me, offer_id, action))
    if error is not None:
        raise error
    done = "paused" if action == "pause" else "resumed"
    return page.redirect(f"/console/group-buys?{done}={offer_id}#offer-{offer_id}")


@router.post("/console/group-buys/{offer_id}/pause")
async def pause_offer(offer_id: int, page: StaffPage) -> Response:
    await form_of(page)
    return _set_status(page, offer_id, "pause")


@router.post("/console/group-buys/{offer_id}/resume")
async def resume_offer(offer_id: int, page: StaffPage) -> Response:
    await form_of(page)
    return _set_status(page, offer_id, "resume")


# --- results ---------------------------------------------------------------------------------------------------


@router.get("/console/group-buys/{offer_id}")
def offer_results(offer_id: int, page: StaffPage) -> Response:
    """An offer's results: its groups by state, seats, the money, and each component's use by its merchant."""
    offer = repository.get_offer(page.session, page.me, offer_id)
    out = service.offer_out(page.session, offer)
    groups = service.offer_groups(page.session, page.me, offer_id)
    results = web_queries.results_of(page.session, offer)
    mine = page.me.merchant_id
    consumption = results.consumption if _sees_money(page, out) else [
        c for c in results.consumption if c.merchant_id == mine]
    return page.render("groupbuys/offer.html", offer=out, groups=groups, results=results, consumption=consumption,
                       sees_money=_sees_money(page, out), managed=service.can_manage(page.me, offer),
                       names=merchant_names(page))

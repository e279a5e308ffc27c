"""Console pages of coupons (the counter desk that redeems them is lianmeng.counter.web).

* `/console/coupons` — the merchant's coupon templates with stock and use counts, partners' coupons to share,
  publishing a template, issuing one to a member by card number, and claim links as printable QR codes.

Pages are doors like the API: the same services with the logged-in principal, so tenancy is the API's.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import segno
from fastapi import APIRouter
from fastapi.responses import Response

from lianmeng.agreements import repository as agreements_repo
from lianmeng.coupons import repository, service
from lianmeng.coupons.domain import Acceptance, CouponKind
from lianmeng.coupons.models import ClaimLink, Coupon, CouponTemplate
from lianmeng.coupons.schemas import IssueIn, TemplateCreate, TemplateUpdate
from lianmeng.kit import clock, ids
from lianmeng.kit.errors import AppError, Forbidden, Invalid, NotFound
from lianmeng.kit.money import format_yuan
from lianmeng.members import service as members_service
from lianmeng.members.domain import QR_PREFIX
from lianmeng.members.models import Member
from lianmeng.members.schemas import CardRef
from lianmeng.merchants import repository as merchants_repo
from lianmeng.web import labels, links
from lianmeng.web.console import Page, StaffPage, attempt, form_of, parse, yuan_field

router = APIRouter(include_in_schema=False)

# --- shared helpers ---------------------------------------------------------------------------------------


def card_ref(text: str) -> CardRef | None:
    """What a clerk types or scans: a 16-digit card number (spaces allowed) or the card's QR text."""
    raw = text.strip()
    if raw.startswith(f"{QR_PREFIX}."):
        return CardRef(qr_payload=raw) if len(raw) <= 200 else None
    digits = raw.replace(" ", "").replace("-", "")
    return CardRef(card_no=digits) if ids.is_valid_card_number(digits) else None


def member_by_card(page: Page, text: str) -> Member:
    """The member behind a card number or QR, in the caller's alliance (like POST /counter/lookup)."""
    ref = card_ref(text)
    if ref is None:
        raise Invalid("invalid_card")
    member = members_service.resolve_card(page.session, ref)
    if member.alliance_id != page.me.alliance_id:
        raise Invalid("invalid_card")
    return member


def describe(page: Page, template: CouponTemplate) -> str:
    """What a coupon gives, in words: 立减 ¥20.00 · 满 ¥100.00 可用."""
    if template.kind == CouponKind.PERCENT_OFF.value:
        whole, frac = divmod(template.percent_bp or 0, 100)
        rate = f"{whole}.{frac:02d}".rstrip("0").rstrip(".")
        text = page.t(f"减 {rate}%", f"{rate}% off")
        if template.cap_fen:
            text += page.t(f"(最多 {format_yuan(template.cap_fen)})", f" (at most {format_yuan(template.cap_fen)})")
    elif template.kind == CouponKind.FREE_ITEM.value:
        value = format_yuan(template.item_value_fen or 0)
        text = page.t(f"赠 {template.item_name}(价值 {value})", f"Free {template.item_name} (worth {value})")
    elif template.kind == CouponKind.CASH_VOUCHER.value:
        amount = format_yuan(template.amount_fen or 0)
        text = page.t(f"代金 {amount}", f"{amount} voucher")
    else:
        amount = format_yuan(template.amount_fen or 0)
        text = page.t(f"立减 {amount}", f"{amount} off")
    if template.min_spend_fen:
        spend = format_yuan(template.min_spend_fen)
        text += page.t(f" · 满 {spend} 可用", f" · minimum spend {spend}")
    return text


def merchant_names(page: Page) -> Callable[[int | None], str]:
    """Merchant id → name (the alliance's directory is public to its members), remembered per page."""
    known: dict[int, str] = {}

    def name(merchant_id: int | None) -> str:
        if merchant_id is None:
            return page.t("联盟运营方", "Alliance operator")
        if merchant_id not in known:
            merchant = merchants_repo.merchant_by_id(page.session, merchant_id)
            known[merchant_id] = merchant.name if merchant and merchant.alliance_id == page.me.alliance_id else "—"
        return known[merchant_id]

    return name


# --- coupon templates -----------------------------------------------------------------------------------------

# form field → TemplateCreate field, for the amounts typed in yuan
YUAN_FIELDS = {"amount": "amount_fen", "cap": "cap_fen", "item_value": "item_value_fen",
               "item_cost": "cost_to_merchant_fen", "min_spend": "min_spend_fen"}
MAY_BE_ZERO = ("min_spend", "item_cost")
PLAIN_FIELDS = ("name", "description", "kind", "item_name", "valid_days", "total_stock", "per_member_limit",
                "uses_per_coupon", "acceptance", "agreement_id")
NEEDS = {CouponKind.AMOUNT_OFF.value: ("amount",), CouponKind.CASH_VOUCHER.value: ("amount",),
         CouponKind.PERCENT_OFF.value: ("percent",), CouponKind.FREE_ITEM.value: ("item_name", "item_value")}


def _can_publish(page: Page) -> bool:
    return page.me.is_operator or page.me.manages_merchant


def _use_counts(page: Page, template_ids: list[int]) -> dict[int, int]:
    """Redemptions of these templates' coupons that the caller may see (policy.redemptions)."""
    return repository.use_counts(page.session, page.me, template_ids)


def _agreement_options(page: Page) -> list[tuple[str, str]]:
    if not page.me.is_merchant_side:
        return []
    active = agreements_repo.agreements_in_scope(page.session, page.me, status="active",
                                                 merchant_id=page.me.merchant_id, limit=100)
    return [("", page.t("不是权益(普通优惠券)", "Not a benefit (a plain coupon)"))] + [
        (str(a.id), a.title) for a in active]


def _coupons_page(page: Page, *, status_code: int = 200, **context: Any) -> Response:
    me = page.me
    templates = repository.templates_in_scope(page.session, me, limit=500)
    if me.is_merchant_side:
        own = [t for t in templates if t.owner_merchant_id == me.merchant_id]
        partners = [t for t in templates if t.owner_merchant_id != me.merchant_id and t.status == "active"
                    and t.agreement_id is None]
    else:
        own, partners = templates, []
    context.setdefault("errors", {})
    context.setdefault("values", {"kind": CouponKind.AMOUNT_OFF.value, "per_member_limit": "1",
                                  "uses_per_coupon": "1", "acceptance": Acceptance.OWNER.value})
    return page.render(
        "coupons/index.html", status_code=status_code, own=own, partners=partners,
        used=_use_counts(page, [t.id for t in own]), describe=lambda t: describe(page, t),
        names=merchant_names(page), can_publish=_can_publish(page), agreements=_agreement_options(page),
        kinds=labels.options("coupon_kind", page.lang),
        acceptances=labels.options("acceptance", page.lang, [Acceptance.OWNER.value, Acceptance.ALLIANCE.value]),
        **context)


@router.get("/console/coupons")
def coupons(page: StaffPage, created: int | None = None) -> Response:
    flash = None
    if created is not None:
        try:
            template = repository.get_template(page.session, page.me, created)
            flash = page.t(f"已发布「{template.name}」", f"Published “{template.name}”")
        except AppError:
            flash = None
    return _coupons_page(page, flash=flash)


def _percent_bp(page: Page, text: str) -> tuple[int | None, str | None]:
    try:
        value = Decimal(text.strip().rstrip("%"))
    except InvalidOperation:
        return None, page.t("请输入百分比,如 10 表示减 10%(9折)", "Enter a percentage, e.g. 10 for 10% off")
    if not value.is_finite() or value != value.quantize(Decimal("0.01")) or not Decimal(0) < value <= 100:
        return None, page.t("请输入 0 到 100 之间的百分比,最多两位小数", "Enter a percentage between 0 and 100")
    return int(value * 100), None


def template_from_form(page: Page, values: Mapping[str, str]) -> tuple[TemplateCreate | None, dict[str, str]]:
    """The publish form → TemplateCreate (amounts in yuan, the rate in percent), errors keyed by form field."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {name: values.get(name, "").strip() for name in PLAIN_FIELDS}
    for name, target in YUAN_FIELDS.items():
        fen, error = yuan_field(page, values.get(name, ""), required=False,
                                minimum="zero" if name in MAY_BE_ZERO else "positive")
        if error:
            errors[name] = error
        data[target] = fen
    if values.get("percent", "").strip():
        data["percent_bp"], error = _percent_bp(page, values["percent"])
        if error:
            errors["percent"] = error
    cost, value = data.get("cost_to_merchant_fen"), data.get("item_value_fen")
    if cost is not None and "item_cost" not in errors:
        if data["kind"] != CouponKind.FREE_ITEM.value:
            errors["item_cost"] = page.t("只有赠品/体验券另填成本;其他券的成本就是优惠金额",
                                         "Only a free item has a cost of its own; other coupons cost their discount")
        elif value is not None and cost > value:
            errors["item_cost"] = page.t("成本不能高于赠品价值", "The cost cannot be more than the item is worth")
    for needed in NEEDS.get(data["kind"], ()):
        if not values.get(needed, "").strip():
            errors.setdefault(needed, page.t("这种券必填", "Required for this kind of coupon"))
    model, problems = parse(TemplateCreate, data, page.lang)
    back = {target: name for name, target in YUAN_FIELDS.items()} | {"percent_bp": "percent"}
    for name, message in problems.items():
        errors.setdefault(back.get(name, name), message)
    return (model if not errors else None), errors


@router.post("/console/coupons")
async def publish(page: StaffPage) -> Response:
    values = await form_of(page)
    if not _can_publish(page):
        raise Forbidden()
    model, errors = template_from_form(page, values)
    if model is None:
        general = errors.pop("__all__", None)
        return _coupons_page(page, status_code=422, errors=errors, values=values, error=general)
    template, error = attempt(page, lambda: service.create_template(page.session, page.me, model))
    if error is not None or template is None:
        return _coupons_page(page, status_code=422, errors={}, values=values,
                             error=page.error_text(error) if error else None)
    return page.redirect(f"/console/coupons?created={template.id}")


# --- pause, resume and edit a published coupon ----------------------------------------------------------------


def _may_edit(page: Page, template: CouponTemplate) -> bool:
    me = page.me
    if template.owner_merchant_id is None:
        return me.is_operator
    return (me.manages_merchant and me.merchant_id == template.owner_merchant_id) or me.is_operator


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=clock.SHANGHAI)


def _first_day(at: datetime | None) -> str:
    return clock.shanghai(at).date().isoformat() if at is not None else ""


def _last_day(at: datetime | None) -> str:
    """The last day a window ending at `at` (exclusive) covers, in Beijing time."""
    return (clock.shanghai(at) - timedelta(microseconds=1)).date().isoformat() if at is not None else ""


def _edit_values(template: CouponTemplate) -> dict[str, Any]:
    return {"name": template.name, "description": template.description,
            "valid_from": _first_day(template.valid_from), "valid_until": _last_day(template.valid_until),
            "valid_days": "" if template.valid_days is None else str(template.valid_days),
            "total_stock": "" if template.total_stock is None else str(template.total_stock),
            "stores": [str(i) for i in template.accepted_store_ids]}


def _edit_page(page: Page, template: CouponTemplate, *, status_code: int = 200, **context: Any) -> Response:
    context.setdefault("errors", {})
    context.setdefault("values", _edit_values(template))
    stores = []
    if template.acceptance == Acceptance.SELECTED.value:
        owner = template.owner_merchant_id if page.me.is_operator else page.me.merchant_id
        stores = [(str(s.id), s.name) for s in merchants_repo.stores_in_scope(
            page.session, page.me, merchant_id=owner, limit=200)]
    return page.render("coupons/edit.html", status_code=status_code, tpl=template,
                       described=describe(page, template), stores=stores, may_edit=_may_edit(page, template),
                       **context)


def _date_field(page: Page, text: str) -> tuple[date | None, str | None]:
    cleaned = text.strip()
    if not cleaned:
        return None, None
    try:
        return date.fromisoformat(cleaned), None
    except ValueError:
        return None, page.t("请输入日期,如 2026-12-31", "Enter a date, such as 2026-12-31")


def _whole(page: Page, text: str, low: int, high: int) -> tuple[int | None, str | None]:
    cleaned = text.strip()
    if not cleaned:
        return None, None
    if not (cleaned.isascii() and cleaned.isdigit()) or not low <= int(cleaned) <= high:
        return None, page.t(f"请输入 {low} 到 {high} 之间的整数", f"Enter a whole number from {low} to {high}")
    return int(cleaned), None


def edit_from_form(page: Page, template: CouponTemplate, values: Mapping[str, Any],
                   stores: list[str]) -> tuple[TemplateUpdate | None, dict[str, str]]:
    """The edit form → TemplateUpdate with only what changed (dates as Beijing days: the end day is included)."""
    errors: dict[str, str] = {}
    before = _edit_values(template)
    data: dict[str, Any] = {}
    name = str(values.get("name", "")).strip()
    if not name:
        errors["name"] = page.t("必填", "Required")
    elif name != template.name:
        data["name"] = name
    description = str(values.get("description", "")).strip()
    if description != template.description:
        data["description"] = description
    starts, problem = _date_field(page, str(values.get("valid_from", "")))
    if problem:
        errors["valid_from"] = problem
    elif str(values.get("valid_from", "")).strip() != before["valid_from"]:
        data["valid_from"] = _day_start(starts) if starts else None
    ends, problem = _date_field(page, str(values.get("valid_until", "")))
    if problem:
        errors["valid_until"] = problem
    elif str(values.get("valid_until", "")).strip() != before["valid_until"]:
        data["valid_until"] = _day_start(ends + timedelta(days=1)) if ends else None
    if starts and ends and ends < starts:
        errors["valid_until"] = page.t("结束日期不能早于开始日期", "The end date must not be before the start date")
    for name, high in (("valid_days", 3650), ("total_stock", 10_000_000)):
        number, problem = _whole(page, str(values.get(name, "")), 1, high)
        if problem:
            errors[name] = problem
        elif str(values.get(name, "")).strip() != before[name]:
            data[name] = number
    if template.acceptance == Acceptance.SELECTED.value and sorted(stores) != sorted(before["stores"]):
        chosen = [int(s) for s in stores if s.isascii() and s.isdigit()]
        data["accepted_store_ids"] = chosen
    if errors:
        return None, errors
    model, problems = parse(TemplateUpdate, data, page.lang)
    return model, problems


# the field of the edit form each refusal of the service belongs next to
REFUSAL_FIELDS = {"template_stock_below_issued": "total_stock", "template_window": "valid_until",
                  "template_store_removed": "stores", "template_stores_empty": "stores"}


@router.get("/console/coupons/{template_id}/edit")
def edit_form(template_id: int, page: StaffPage, done: str = "") -> Response:
    template = repository.get_template(page.session, page.me, template_id)
    flash = {"saved": page.t("已保存", "Saved"), "paused": page.t("已暂停发放", "Paused: no longer handed out"),
             "active": page.t("已恢复发放", "Resumed: handed out again")}.get(done)
    return _edit_page(page, template, flash=flash)


@router.post("/console/coupons/{template_id}/edit")
async def edit(template_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    stores = [s for s in (await page.request.form()).getlist("stores") if isinstance(s, str)]
    template = repository.get_template(page.session, page.me, template_id)
    if not _may_edit(page, template):
        raise Forbidden()
    shown = {**values, "stores": stores}
    model, errors = edit_from_form(page, template, values, stores)
    if model is None or errors:
        general = errors.pop("__all__", None)
        return _edit_page(page, template, status_code=422, errors=errors, values=shown, error=general)
    if not model.model_fields_set:
        return page.redirect(f"/console/coupons/{template_id}/edit")
    _, error = attempt(page, lambda: service.update_template(page.session, page.me, template_id, model))
    if error is not None:
        fresh = repository.get_template(page.session, page.me, template_id)
        field_name = REFUSAL_FIELDS.get(error.code)
        if field_name:
            return _edit_page(page, fresh, status_code=422, errors={field_name: page.error_text(error)},
                              values=shown)
        return _edit_page(page, fresh, status_code=422, values=shown, error=page.error_text(error))
    return page.redirect(f"/console/coupons/{template_id}/edit?done=saved")


@router.post("/console/coupons/{template_id}/pause")
async def pause(template_id: int, page: StaffPage) -> Response:
    """A paused coupon is not handed out or claimed; coupons already out stay usable."""
    await form_of(page)
    return _set_status(page, template_id, "paused")


@router.post("/console/coupons/{template_id}/resume")
async def resume(template_id: int, page: StaffPage) -> Response:
    await form_of(page)
    return _set_status(page, template_id, "active")


def _set_status(page: Page, template_id: int, target: str) -> Response:
    update = TemplateUpdate(status=target)
    _, error = attempt(page, lambda: service.update_template(page.session, page.me, template_id, update))
    if error is not None:
        template = repository.get_template(page.session, page.me, template_id)
        return _edit_page(page, template, status_code=403 if error.status_code == 403 else 422,
                          error=page.error_text(error))
    return page.redirect(f"/console/coupons/{template_id}/edit?done={target}")


def _issue_page(page: Page, template: CouponTemplate, *, status_code: int = 200, **context: Any) -> Response:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return page.render("coupons/issue.html", status_code=status_code, tpl=template,
                       described=describe(page, template), owner=merchant_names(page)(template.owner_merchant_id),
                       **context)


@router.get("/console/coupons/{template_id}/issue")
def issue_form(template_id: int, page: StaffPage) -> Response:
    return _issue_page(page, repository.get_template(page.session, page.me, template_id))


@router.post("/console/coupons/{template_id}/issue")
async def issue(template_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    template = repository.get_template(page.session, page.me, template_id)
    name = template.name

    def run() -> Coupon:
        member = member_by_card(page, values.get("card", ""))
        return service.issue(page.session, page.me, IssueIn(template_id=template_id, member_id=member.id))

    coupon, error = attempt(page, run)
    if error is not None or coupon is None:
        message = page.error_text(error) if error else ""
        if error is not None and error.code == "not_found":
            message = page.t("该会员尚未加入本店:请先在前台为其办理入会",
                             "Not a member of this store yet: enrol the member at the counter first")
        return _issue_page(page, template, status_code=422, errors={"card": message}, values=values)
    flash = page.t(f"已发放「{name}」,券码 {coupon.code}", f"Issued “{name}”, code {coupon.code}")
    return _issue_page(page, template, flash=flash, issued=coupon)


def _claim_url(page: Page, token: str) -> str:
    return links.claim_url(page.request, token)


@router.get("/console/coupons/{template_id}/claim")
def claim(template_id: int, page: StaffPage) -> Response:
    """This staff member's claim link for the template (made on first visit): whoever claims through it is
    attributed to them. Shown as a QR code to print or share."""
    me = page.me
    template = repository.get_template(page.session, me, template_id)
    if not me.is_merchant_side or me.merchant_id is None:
        raise Forbidden()
    link = repository.own_claim_link(page.session, template.id, me.merchant_id, me.staff_id, me.store_id)
    if link is None:
        link, error = attempt(page, lambda: service.create_claim_link(page.session, me, template.id))
        if error is not None or link is None:
            return page.render("coupons/claim.html", status_code=error.status_code if error else 422,
                               tpl=template, link=None, error=page.error_text(error) if error else None)
    url = _claim_url(page, link.token)
    svg = segno.make(url, error="m").svg_inline(scale=6, title=template.name)
    return page.render("coupons/claim.html", tpl=template, link=link, url=url, svg=svg,
                       described=describe(page, template), owner=merchant_names(page)(template.owner_merchant_id))


def _link_of(page: Page, token: str) -> ClaimLink:
    link = repository.claim_link_by_token(page.session, token)
    if link is None or (not page.me.is_platform and link.alliance_id != page.me.alliance_id):
        raise NotFound("claim_link")
    return link


@router.get("/console/coupons/links/{token}/qr.svg")
def claim_qr_svg(token: str, page: StaffPage) -> Response:
    link = _link_of(page, token)
    svg = segno.make(_claim_url(page, link.token), error="m").svg_inline(scale=10)
    return Response(svg, media_type="image/svg+xml",
                    headers={"Content-Disposition": f'inline; filename="claim-{link.id}.svg"'})


@router.get("/console/coupons/links/{token}/qr.png")
def claim_qr_png(token: str, page: StaffPage) -> Response:
    link = _link_of(page, token)
    out = io.BytesIO()
    segno.make(_claim_url(page, link.token), error="m").save(out, kind="png", scale=10, border=4)
    return Response(out.getvalue(), media_type="image/png",
                    headers={"Content-Disposition": f'attachment; filename="claim-{link.id}.png"'})


"""Console pages of joint cards (联合储值卡): the products this merchant takes part in, selling a card at the
counter (tier + the member's card number + the till's receipt number), the cards sold here or served here, and a
card's page with what is left of each component, where this merchant consumes its own components.

The same services as the API with the logged-in principal: a card outside the caller's scope is "not found", and
refusals (used up, another merchant's component) are shown next to the field they concern.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from lianmeng.coupons.web import member_by_card, merchant_names
from lianmeng.jointcards import domain, repository, service
from lianmeng.jointcards.schemas import (
    ComponentIn,
    ConsumeIn,
    ProductCreate,
    ProductOut,
    ProductUpdate,
    SaleIn,
    TierEdit,
    TierIn,
)
from lianmeng.kit.errors import AppError, Forbidden
from lianmeng.kit.money import format_yuan
from lianmeng.members.models import Member
from lianmeng.merchants import repository as merchants_repo
from lianmeng.tenancy.scoped import MAX_ID
from lianmeng.web.console import Page, StaffPage, attempt, form_of, yuan_field

router = APIRouter(include_in_schema=False)

def _whole(text: str, most: int) -> int | None:
    """A positive whole number typed or chosen in a form, at most `most`; None otherwise."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        return None
    value = int(text)
    return value if 1 <= value <= most else None


def _products(page: Page) -> list[ProductOut]:
    """The products this merchant takes part in (the operator: the alliance's), on sale or paused."""
    me = page.me
    products = repository.products_in_scope(page.session, me, limit=100,
                                            merchant_id=me.merchant_id if me.is_merchant_side else None)
    return [service.product_out(page.session, p) for p in products]


def _index(page: Page, *, status_code: int = 200, member: Member | None = None, **context: Any) -> Response:
    products = _products(page)
    tiers = [(str(t.id), f"{p.name} · {t.name} · {format_yuan(t.price_fen)}")
             for p in products if p.status == domain.JointProductStatus.ACTIVE for t in p.tiers]
    cards = repository.cards_in_scope(page.session, page.me, limit=100,
                                      member_id=member.id if member is not None else None)
    names = {p.id: p.name for p in products}
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return page.render("jointcards/index.html", status_code=status_code, products=products, tiers=tiers,
                       cards=cards, product_names=names, names=merchant_names(page),
                       can_sell=page.me.is_merchant_side, can_define=_can_define(page), found=member,
                       managed={p.id for p in products if service.can_manage(page.me, p)}, **context)


@router.get("/console/joint-cards")
def joint_cards(page: StaffPage, card: str = "", created: int = 0, updated: int = 0, paused: int = 0,
                resumed: int = 0) -> Response:
    """Products and cards; with ?card= the cards of the member holding that alliance card (those visible here);
    `created` / `updated` / `paused` / `resumed`: what was just done to a product."""
    if not card.strip():
        flash = None
        if created:
            flash = page.t("联合卡已创建,可以售卡了", "Joint card created; it can be sold now")
        elif updated:
            flash = page.t("联合卡已保存", "Joint card saved")
        elif paused:
            flash = page.t("联合卡已停售,已售出的卡仍可使用", "Joint card paused; the cards sold stay usable")
        elif resumed:
            flash = page.t("联合卡已恢复销售", "Joint card on sale again")
        return _index(page, flash=flash)
    try:
        member = member_by_card(page, card[:200])
    except AppError as error:
        return _index(page, status_code=422, find_errors={"card": page.error_text(error)}, find=card[:200])
    return _index(page, member=member, find=card[:200], find_errors={})


def _sale(page: Page, values: Mapping[str, str]) -> tuple[SaleIn | None, dict[str, str]]:
    errors: dict[str, str] = {}
    tier = values.get("tier_id", "").strip()
    receipt = values.get("external_id", "").strip()
    card = values.get("card", "").strip()
    tier_id = _whole(tier, MAX_ID)
    if tier_id is None:
        errors["tier_id"] = page.t("请选择联合卡版本", "Choose a tier")
    if not receipt:
        errors["external_id"] = page.t("请输入小票号", "Enter the receipt number")
    elif len(receipt) > 64:
        errors["external_id"] = page.t("单号最长 64 个字符", "At most 64 characters")
    member = None
    if not card:
        errors["card"] = page.t("请输入会员联盟卡号", "Enter the member's card number")
    else:
        try:
            member = member_by_card(page, card)
        except AppError as error:
            errors["card"] = page.error_text(error)
    if errors or member is None or tier_id is None:
        return None, errors
    return SaleIn(external_id=receipt, tier_id=tier_id, card_no=member.card_no), {}


@router.post("/console/joint-cards")
async def sell(page: StaffPage) -> Response:
    """Sell a card at the counter: the money is taken once, here (the receipt number makes a retry safe)."""
    values = await form_of(page)
    if not page.me.is_merchant_side:
        raise Forbidden()
    body, errors = _sale(page, values)
    if body is None:
        return _index(page, status_code=422, errors=errors, values=values)
    card, error = attempt(page, lambda: service.sell(page.session, page.me, body))
    if error is not None or card is None:
        where = {"duplicate_external_id": "external_id", "invalid_card": "card", "not_found": "card"}.get(
            error.code if error else "", "tier_id")
        return _index(page, status_code=422, errors={where: page.error_text(error) if error else ""}, values=values)
    return page.redirect(f"/console/joint-cards/{card.id}?sold=1")


# --- defining and changing a product (the same service calls as the API) ------------------------------------

NEW_TIERS = 1  # the new form starts with one tier of three component rows; "add a row" adds more
NEW_COMPONENTS = 3
MAX_COMPONENT_ROWS = 20
_ROW_KEY = re.compile(r"^t(\d{1,2})(?:c(\d{1,2}))?_")


def _can_define(page: Page) -> bool:
    """Who may define a product, as the service allows: the alliance's operator or a merchant's admin."""
    me = page.me
    return me.alliance_id is not None and (me.is_operator or (me.manages_merchant and me.merchant_id is not None))


def _merchant_options(page: Page) -> list[tuple[str, str]]:
    merchants = merchants_repo.merchants_in_scope(page.session, page.me, limit=500)
    return [(str(m.id), m.name) for m in merchants if m.alliance_id == page.me.alliance_id]


def _rows(values: Mapping[str, str], tiers: int, components: int) -> list[int]:
    """How many component rows each tier row of the form has: as the form says (hidden counts, or the rows typed
    in), defaults otherwise, plus one row where "再加一行 / add a row" (`add`: "tier", or "t<n>" for tier n) was
    pressed. Bounded: at most 10 tiers of 20 rows."""
    typed: dict[int, int] = {}
    for key in values:
        if (match := _ROW_KEY.match(key)) is not None:
            t, c = int(match.group(1)), match.group(2)
            if t < domain.MAX_TIERS:
                typed[t] = max(typed.get(t, 0), int(c) + 1 if c is not None and int(c) < MAX_COMPONENT_ROWS else 0)
    count = max(_whole(values.get("tier_count", ""), domain.MAX_TIERS) or tiers, max(typed, default=-1) + 1)
    rows = [max(_whole(values.get(f"t{t}_count", ""), MAX_COMPONENT_ROWS) or components, typed.get(t, 0))
            for t in range(count)]
    add = values.get("add", "")
    if add == "tier" and len(rows) < domain.MAX_TIERS:
        rows.append(NEW_COMPONENTS)
    elif add.startswith("t") and add[1:].isascii() and add[1:].isdigit() and int(add[1:]) < len(rows):
        rows[int(add[1:])] = min(rows[int(add[1:])] + 1, MAX_COMPONENT_ROWS)
    return rows


def _form_context(page: Page, values: Mapping[str, str], rows: list[int]) -> dict[str, Any]:
    merchants = _merchant_options(page)
    return {"tier_rows": [(t, values.get(f"t{t}_id", ""), count) for t, count in enumerate(rows)],
            "tier_count": len(rows),
            "merchant_options": [("", page.t("— 选择商户 —", "— choose a merchant —")), *merchants],
            "expiry_options": [("", page.t("售卡商户(默认)", "The seller (default)")), *merchants]}


def _new_page(page: Page, *, status_code: int = 200, values: Mapping[str, str] | None = None,
              **context: Any) -> Response:
    if not _can_define(page):
        raise Forbidden()
    values = values if values is not None else {"carry_over_months": "12"}
    context.setdefault("errors", {})
    return page.render("jointcards/new.html", status_code=status_code, values=values,
                       **_form_context(page, values, _rows(values, NEW_TIERS, NEW_COMPONENTS)), **context)


def _text(values: Mapping[str, str], key: str) -> str:
    return values.get(key, "").strip()


def _component(page: Page, values: Mapping[str, str], key: str,
               errors: dict[str, str]) -> ComponentIn | None:
    """One component row `key` (t0c1): None when left blank; otherwise checked field by field."""
    fields = ("merchant_id", "name", "unit_name", "units", "list_value")
    if not any(_text(values, f"{key}_{f}") for f in fields if f != "unit_name"):
        return None
    before = len(errors)
    merchant_id = _whole(_text(values, f"{key}_merchant_id"), MAX_ID)
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
    units = _whole(_text(values, f"{key}_units"), 100_000)
    if units is None:
        errors[f"{key}_units"] = page.t("请输入 1 到 100000 之间的整数", "Enter a whole number from 1 to 100000")
    value, message = yuan_field(page, values.get(f"{key}_list_value", ""))
    if message is not None:
        errors[f"{key}_list_value"] = message
    if len(errors) > before or merchant_id is None or units is None or value is None:
        return None
    return ComponentIn(merchant_id=merchant_id, name=name, unit_name=unit_name, units=units, list_value_fen=value)


def _about(page: Page, values: Mapping[str, str], errors: dict[str, str]) -> tuple[str, str]:
    name = _text(values, "name")
    if not name:
        errors["name"] = page.t("请输入联合卡名称", "Enter the joint card's name")
    elif len(name) > 100:
        errors["name"] = page.t("最长 100 个字符", "At most 100 characters")
    description = _text(values, "description")
    if len(description) > 500:
        errors["description"] = page.t("最长 500 个字符", "At most 500 characters")
    return name, description


def _tiers(page: Page, values: Mapping[str, str], rows: list[int], errors: dict[str, str],
           taken: set[str] | None = None) -> list[TierEdit]:
    """The tier rows typed (blank ones skipped), each with its id when it is an existing tier being changed;
    `taken`: names of the product's other (locked) tiers."""
    tiers: list[TierEdit] = []
    seen: set[str] = set(taken or ())
    for t, count in enumerate(rows):
        components = [c for i in range(count) if (c := _component(page, values, f"t{t}c{i}", errors)) is not None]
        tier_name, price_text = _text(values, f"t{t}_name"), values.get(f"t{t}_price", "")
        started = any(key.startswith(f"t{t}c") for key in errors)
        tier_id = _whole(_text(values, f"t{t}_id"), MAX_ID)
        if not (tier_name or price_text.strip() or components or started or tier_id):
            continue
        if not tier_name:
            errors[f"t{t}_name"] = page.t("请输入版本名称,如 舒适版", "Enter the tier's name, e.g. 舒适版")
        elif len(tier_name) > 100:
            errors[f"t{t}_name"] = page.t("最长 100 个字符", "At most 100 characters")
        elif tier_name in seen:
            errors[f"t{t}_name"] = page.t("版本名称不能重复", "Tier names must differ")
        seen.add(tier_name)
        price, message = yuan_field(page, price_text)
        if message is not None:
            errors[f"t{t}_price"] = message
        if not components and not started:
            errors[f"t{t}c0_merchant_id"] = page.t("每个版本至少一个项目", "Each tier needs at least one component")
        if price is not None and components and not errors:
            tiers.append(TierEdit(id=tier_id, name=tier_name, price_fen=price, components=components))
    return tiers


def _definition(page: Page, values: Mapping[str, str]) -> tuple[ProductCreate | None, dict[str, str]]:
    errors: dict[str, str] = {}
    name, description = _about(page, values, errors)
    months = _whole(_text(values, "carry_over_months"), 120)
    if months is None:
        errors["carry_over_months"] = page.t("请输入 1 到 120 之间的月数", "Enter a number of months from 1 to 120")
    expiry = _text(values, "expiry_merchant_id")
    expiry_id = _whole(expiry, MAX_ID) if expiry else None
    if expiry and expiry_id is None:
        errors["expiry_merchant_id"] = page.t("请选择商户", "Choose a merchant")
    tiers = _tiers(page, values, _rows(values, NEW_TIERS, NEW_COMPONENTS), errors)
    if not tiers and not errors:
        errors["t0_name"] = page.t("请至少填写一个版本", "Fill in at least one tier")
    if errors or months is None:
        return None, errors
    return ProductCreate(name=name, description=description, carry_over_months=months, expiry_merchant_id=expiry_id,
                         tiers=[TierIn(name=t.name, price_fen=t.price_fen, components=t.components) for t in tiers]), {}


@router.get("/console/joint-cards/new")
def new_product(page: StaffPage) -> Response:
    """The form defining a joint card: its tiers (price in yuan) and each tier's components (which merchant serves
    what, how many units, the list value that weights the split of the price)."""
    return _new_page(page)


@router.post("/console/joint-cards/new")
async def create_product(page: StaffPage) -> Response:
    """Create the product; "再加一行 / add a row" (`add`) answers the same form with one more row, writing nothing."""
    values = await form_of(page)
    if not _can_define(page):
        raise Forbidden()
    if values.get("add"):
        return _new_page(page, values=values)
    body, errors = _definition(page, values)
    if body is None:
        return _new_page(page, status_code=422, errors=errors, values=values)
    product, error = attempt(page, lambda: service.create_product(page.session, page.me, body))
    if error is not None or product is None:
        if isinstance(error, Forbidden):
            raise error
        where = "expiry_merchant_id" if error is not None and body.expiry_merchant_id is not None else "form"
        if error is not None and error.code == "wrong_alliance":
            where = "form"
        return _new_page(page, status_code=422, values=values,
                         errors={where: page.error_text(error) if error else ""})
    return page.redirect(f"/console/joint-cards?created={product.id}#products")


def _plain_yuan(fen: int) -> str:
    """Fen as typed in a form: 1950.50."""
    return f"{fen // 100}.{fen % 100:02d}"


def _product_values(product: ProductOut) -> dict[str, str]:
    """The edit form filled from the product: its unsold tiers become the form's tier rows."""
    values = {"name": product.name, "description": product.description}
    editable = [t for t in product.tiers if not t.cards_sold]
    values["tier_count"] = str(len(editable))
    for t, tier in enumerate(editable):
        values |= {f"t{t}_id": str(tier.id), f"t{t}_name": tier.name, f"t{t}_price": _plain_yuan(tier.price_fen),
                   f"t{t}_count": str(len(tier.components))}
        for i, c in enumerate(tier.components):
            key = f"t{t}c{i}"
            values |= {f"{key}_merchant_id": str(c.merchant_id), f"{key}_name": c.name, f"{key}_units": str(c.units),
                       f"{key}_unit_name": c.unit_name, f"{key}_list_value": _plain_yuan(c.list_value_fen)}
    return values


def _edit_page(page: Page, product_id: int, *, status_code: int = 200, values: Mapping[str, str] | None = None,
               **context: Any) -> Response:
    product = service.product_out(page.session, service.managed_product(page.session, page.me, product_id))
    locked = [t for t in product.tiers if t.cards_sold]
    values = values if values is not None else _product_values(product)
    context.setdefault("errors", {})
    return page.render("jointcards/edit.html", status_code=status_code, product=product, locked=locked,
                       locked_count=len(locked), values=values, names=merchant_names(page),
                       **_form_context(page, values, _rows(values, 0, NEW_COMPONENTS)), **context)


@router.get("/console/joint-cards/products/{product_id}/edit")
def edit_product(product_id: int, page: StaffPage, deleted: str = "") -> Response:
    """Change a joint card: its name and description, the tiers not sold yet, new tiers; delete an unsold tier. A
    tier with a card sold is shown locked, with why (the cards sold are shared out on its price and components)."""
    flash = page.t("已删除未售出的版本", "The unsold tier is deleted") if deleted else ""
    return _edit_page(page, product_id, flash=flash)


@router.post("/console/joint-cards/products/{product_id}/tiers/{tier_id}/delete")
async def delete_tier(product_id: int, tier_id: int, page: StaffPage) -> Response:
    """The "删除此版本 / delete this tier" button of an unsold tier on the edit page (it posts the edit form here: only
    its CSRF token is read). A tier sold meanwhile, or the last tier, is refused in words on the edit page (409)."""
    await form_of(page)
    _, error = attempt(page, lambda: service.delete_tier(page.session, page.me, product_id, tier_id))
    if error is not None:
        if error.status_code in (403, 404):
            raise error
        return _edit_page(page, product_id, status_code=error.status_code, errors={"form": page.error_text(error)})
    return page.redirect(f"/console/joint-cards/products/{product_id}/edit?deleted=1")


@router.post("/console/joint-cards/products/{product_id}/edit")
async def update_product(product_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    if values.get("add"):
        return _edit_page(page, product_id, values=values)
    product = service.product_out(page.session, service.managed_product(page.session, page.me, product_id))
    errors: dict[str, str] = {}
    posted_ids = {v.strip() for k, v in values.items() if _ROW_KEY.match(k) and k.endswith("_id")}
    name, description = _about(page, values, errors)
    tiers = _tiers(page, values, _rows(values, 0, NEW_COMPONENTS), errors,
                   taken={t.name for t in product.tiers if t.cards_sold and str(t.id) not in posted_ids})
    if errors:
        return _edit_page(page, product_id, status_code=422, errors=errors, values=values)
    body = ProductUpdate(name=name, description=description, tiers=tiers)
    done, error = attempt(page, lambda: service.update_product(page.session, page.me, product_id, body))
    if error is not None or done is None:
        if isinstance(error, Forbidden):
            raise error
        return _edit_page(page, product_id, status_code=422 if error is None else error.status_code, values=values,
                          errors={"form": page.error_text(error) if error else ""})
    return page.redirect(f"/console/joint-cards?updated={product_id}#product-{product_id}")


def _set_status(page: Page, product_id: int, action: Literal["pause", "resume"]) -> Response:
    _, error = attempt(page, lambda: service.set_status(page.session, page.me, product_id, action))
    if error is not None:
        raise error
    done = "paused" if action == "pause" else "resumed"
    return page.redirect(f"/console/joint-cards?{done}={product_id}#product-{product_id}")


@router.post("/console/joint-cards/products/{product_id}/pause")
async def pause_product(product_id: int, page: StaffPage) -> Response:
    """Stop selling the product (the cards sold stay usable), from the list."""
    await form_of(page)
    return _set_status(page, product_id, "pause")


@router.post("/console/joint-cards/products/{product_id}/resume")
async def resume_product(product_id: int, page: StaffPage) -> Response:
    await form_of(page)
    return _set_status(page, product_id, "resume")


def _card_page(page: Page, card_id: int, *, status_code: int = 200, **context: Any) -> Response:
    card = service.card_out(page.session, repository.get_card(page.session, page.me, card_id))
    uses = repository.uses_of(page.session, card.id)
    names = merchant_names(page)
    mine = [i for i in card.items if i.merchant_id == page.me.merchant_id]
    options = [(str(i.component_id), f"{i.name} · {names(i.merchant_id)} · "
                + page.t(f"剩 {i.units_left}/{i.units} {i.unit_name}", f"{i.units_left}/{i.units} {i.unit_name} left"))
               for i in card.items]
    component_names = {i.component_id: i.name for i in card.items}
    context.setdefault("from_counter", False)
    context.setdefault("errors", {})
    context.setdefault("values", {"component_id": str(mine[0].component_id) if mine else "", "units": "1"})
    return page.render("jointcards/card.html", status_code=status_code, card=card, uses=uses, names=names,
                       component_options=options, component_names=component_names,
                       can_consume=page.me.is_merchant_side and card.status == "active" and bool(mine), **context)


@router.get("/console/joint-cards/{card_id}")
def card_page(card_id: int, page: StaffPage, sold: int = 0, used: int | None = None,
              back: Annotated[str, Query(alias="from")] = "") -> Response:
    """The card; after a sale (`sold`) or a use (`used`, the use's id: consuming answers with a redirect here, so a
    reload never uses a unit twice) it says what was done. `from=counter`: the use was made from the counter desk,
    and the page leads back there."""
    flash = page.t("联合卡已售出", "Joint card sold") if sold else None
    if used is not None:
        flash = _used_flash(page, card_id, used)
    return _card_page(page, card_id, flash=flash, from_counter=back == "counter")


def _used_flash(page: Page, card_id: int, use_id: int) -> str | None:
    card = service.card_out(page.session, repository.get_card(page.session, page.me, card_id))
    use = next((u for u in repository.uses_of(page.session, card.id) if u.id == use_id), None)
    item = next((i for i in card.items if use is not None and i.component_id == use.component_id), None)
    if use is None or item is None:
        return None
    return page.t(f"已核销 {item.name} ×{use.units},剩 {item.units_left} {item.unit_name}",
                  f"Used {item.name} ×{use.units}; {item.units_left} {item.unit_name} left")


@router.post("/console/joint-cards/{card_id}/consume")
async def consume(card_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    errors: dict[str, str] = {}
    component = _whole(values.get("component_id", ""), MAX_ID)
    units = _whole(values.get("units", ""), 100_000)
    if component is None:
        errors["component_id"] = page.t("请选择项目", "Choose a component")
    if units is None:
        errors["units"] = page.t("请输入 1 到 100000 之间的整数", "Enter a whole number from 1 to 100000")
    from_counter = values.get("from") == "counter"
    if errors or component is None or units is None:
        return _card_page(page, card_id, status_code=422, errors=errors, values=values, from_counter=from_counter)
    body = ConsumeIn(component_id=component, units=units)
    done, error = attempt(page, lambda: service.consume(page.session, page.me, card_id, body))
    if error is not None or done is None:
        if error is not None and error.code == "not_found" and error.params.get("what") == "joint_card":
            raise error
        where = "units" if error is not None and error.code == "joint_card_used_up" else "component_id"
        return _card_page(page, card_id, status_code=422, values=values, from_counter=from_counter,
                          errors={where: page.error_text(error) if error else ""})
    return page.redirect(f"/console/joint-cards/{card_id}?used={done.use.id}" + ("&from=counter" if from_counter
                                                                                  else ""))

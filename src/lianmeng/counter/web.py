"""The counter desk (前台核销), phone-sized, for store staff and merchant admins.

* `/console/counter` — find the member by card number, the card's QR text (typed, or scanned with the camera where
  the browser has `BarcodeDetector`) or phone; see the benefits and coupons usable here; redeem one (with the bill
  and receipt number the order is recorded too) or record an order without a coupon; see the commission the order
  pays. A "check" button runs the same write in a transaction that is rolled back, so the figures are the real
  ones and nothing is kept.
* `/console/counter/orders` — today's orders at this store; `/console/counter/orders/{id}` — one order with its
  refunds and a refund form (full or partial, with a reason).

Pages are doors like the API: the same services with the logged-in principal, so tenancy is the API's. Reads go
through lianmeng.counter.service; no queries here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from lianmeng.counter import service as counter_service
from lianmeng.coupons import service as coupons_service
from lianmeng.coupons.models import Coupon, CouponTemplate, Redemption
from lianmeng.coupons.schemas import AttachOrderIn, BenefitRedeemIn, RedeemIn
from lianmeng.coupons.web import describe, member_by_card, merchant_names
from lianmeng.jointcards.schemas import CardOut, ItemOut
from lianmeng.kit import ids
from lianmeng.kit.errors import AppError, Forbidden, Invalid
from lianmeng.kit.money import format_yuan
from lianmeng.members import service as members_service
from lianmeng.members.domain import mask_name
from lianmeng.members.models import Member
from lianmeng.members.schemas import MembershipCreate
from lianmeng.orders import service as orders_service
from lianmeng.orders.models import Order
from lianmeng.orders.schemas import OrderCreate, RefundCreate
from lianmeng.referrals.domain import is_alliance_revenue
from lianmeng.web import labels
from lianmeng.web.console import Page, StaffPage, attempt, form_of, yuan_field

router = APIRouter(include_in_schema=False)


def _require_till(page: Page) -> None:
    """The counter is a merchant's: store staff and merchant admins (the operator has no till)."""
    if not page.me.is_merchant_side or page.me.merchant_id is None:
        raise Forbidden()


# --- the counter desk ---------------------------------------------------------------------------------------


@dataclass
class Desk:
    """What the counter shows about the member in front of it."""

    member: Member
    card_display: str
    name: str
    origin: str | None
    served_here: bool
    tier: str | None
    benefits: list[CouponTemplate]
    coupons: list[tuple[Coupon, CouponTemplate]]
    joint_cards: list[tuple[CardOut, list[ItemOut]]]  # each card with its components served here
    options: list[tuple[str, str]] = field(default_factory=list)
    wallet: counter_service.Wallet | None = None


def _desk(page: Page, member: Member) -> Desk:
    facts = counter_service.desk_facts(page.session, page.me, member)
    benefits, coupons, membership = facts.benefits, facts.coupons, facts.membership
    names = merchant_names(page)
    options = [(f"c:{c.code}", f"{t.name} · {describe(page, t)} · {c.code}") for c, t in coupons]
    options += [(f"b:{t.id}", page.t("权益", "Benefit") + f":{t.name} · {describe(page, t)}") for t in benefits]
    # the full name for a member this merchant serves; a partner's member shows only its first character
    name = (member.name or "") if facts.served_here else mask_name(member.name)
    return Desk(member=member, card_display=ids.format_card_number(member.card_no), name=name,
                origin=names(member.origin_merchant_id) if member.origin_merchant_id else None,
                served_here=facts.served_here, tier=membership.tier if membership else None, benefits=benefits,
                coupons=coupons, joint_cards=[(c, [i for i in c.items if i.merchant_id == page.me.merchant_id])
                                                  for c in facts.joint_cards], options=options,
                wallet=counter_service.wallet(page.session, page.me, member) if facts.served_here else None)


def _render_desk(page: Page, member: Member | None, *, status_code: int = 200, **context: Any) -> Response:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    context["order_ref"] = _made_up(context["values"].get("order_ref", ""), "CTR") if status_code != 200 or \
        context["values"].get("go") == "check" else counter_service.new_reference("CTR")
    desk = _desk(page, member) if member is not None else None
    return page.render("counter/desk.html", status_code=status_code, desk=desk, describe=lambda t: describe(page, t),
                       names=merchant_names(page), **context)


def _commission(page: Page, order: Order) -> list[dict[str, Any]]:
    """The rebates this order pays. The order is read through the caller's scope (orders recorded at the caller's
    merchant), and only the rebates that merchant pays are listed: what the payer owes, which its staff can also
    work out from the order's referrer and the agreement they can read."""
    names = merchant_names(page)
    out = []
    for rebate in counter_service.rebates_paid_on(page.session, order):
        if rebate.payee_type == "merchant":
            payee = names(rebate.payee_id)
        elif rebate.payee_type == "staff":
            payee = page.t("推荐导购", "Referring guide") + f" · {names(order.referrer_merchant_id)}"
        else:
            payee = page.t("联盟运营方(盟主佣金)", "Alliance operator (operator commission)")
        out.append({"payee": payee, "reason": labels.rebate_reason(rebate.reason, page.lang),
                    "amount_fen": rebate.amount_fen, "releases_at": rebate.releases_at})
    return out


def _order_outcome(page: Page, order_id: int | None) -> dict[str, Any] | None:
    if order_id is None:
        return None
    order = counter_service.order_at_till(page.session, page.me, order_id)
    rebates = _commission(page, order)
    return {"id": order.id, "external_id": order.external_id, "amount_fen": order.amount_fen,
            "points_earned": order.points_earned, "cash_fen": order.cash_fen, "points_used": order.points_used,
            "points_value_fen": order.points_value_fen, "stored_value_fen": order.stored_value_fen,
            "referrer": merchant_names(page)(order.referrer_merchant_id)
            if is_alliance_revenue(order.merchant_id, order.referrer_merchant_id) else None,
            "rebates": rebates, "commission_fen": sum(r["amount_fen"] for r in rebates)}


def _lookup(page: Page, values: Mapping[str, str]) -> tuple[Member | None, dict[str, str]]:
    card, phone = values.get("card", "").strip(), values.get("phone", "").strip()
    if not card and not phone:
        return None, {"card": page.t("请输入联盟卡号、扫码内容或手机号",
                                     "Enter a card number, scan the QR or enter a phone")}
    if card:
        try:
            return member_by_card(page, card), {}
        except AppError as error:
            return None, {"card": page.error_text(error)}
    try:
        lookup = members_service.phone_lookup_hashes(page.me, phone)
    except AppError as error:
        return None, {"phone": page.error_text(error)}
    member = counter_service.member_by_phone(page.session, page.me, lookup)
    if member is None:
        return None, {"phone": page.t("本店会员中没有这个手机号;其他商户的会员请出示联盟卡",
                                      "No member of this store has this phone; partners' members show their card")}
    return member, {}


@router.get("/console/counter")
def counter(page: StaffPage, redeemed: int | None = None, recorded: int | None = None, enrolled: int | None = None,
            joined: int | None = None, joint_card: int | None = None) -> Response:
    """The desk, empty or, after a write, showing its result: every write answers with a redirect here
    (POST-redirect-GET) naming what it made (`redeemed` a coupon use, `recorded` an order, `joined` the member just
    enrolled), so a reload shows the result again and never sends the form twice; `joint_card` shows that card's
    holder again after one of its components was used from here. Each is read through the
    caller's scope: only what happened at this merchant."""
    _require_till(page)
    if redeemed is not None:
        redemption = counter_service.redemption_at_till(page.session, page.me, redeemed)
        outcome = {**_redemption_outcome(page, redemption), "dry": False}
        member = counter_service.customer_of(page.session, redemption.member_id)
        return _render_desk(page, member, result=outcome, flash=_redeemed_flash(page, outcome))
    if recorded is not None:
        order = counter_service.order_at_till(page.session, page.me, recorded)
        outcome = {**_recorded_outcome(page, order, enrolled=bool(enrolled)), "dry": False}
        customer = counter_service.customer_of(page.session, order.member_id) if order.member_id else None
        return _render_desk(page, customer, result=outcome, flash=_recorded_flash(page, outcome))
    if joint_card is not None:  # back from using a joint card's component: its holder, as after a card lookup
        holder = counter_service.customer_of(page.session,
                                             counter_service.joint_card_holder(page.session, page.me, joint_card))
        return _render_desk(page, holder)
    if joined is not None:
        member = counter_service.member_served(page.session, page.me, joined)
        return _render_desk(page, member, flash=page.t("已加入本店会员", "Enrolled at this store"))
    return _render_desk(page, None)


@router.post("/console/counter")
async def counter_post(page: StaffPage) -> Response:
    _require_till(page)
    values = await form_of(page)
    action = values.get("action", "lookup")
    if action == "lookup":
        member, errors = _lookup(page, values)
        return _render_desk(page, member, status_code=422 if errors else 200, errors=errors, values=values)
    try:
        member = member_by_card(page, values.get("member_card", ""))
    except AppError as error:
        return _render_desk(page, None, status_code=422, errors={"card": page.error_text(error)})
    if action == "redeem":
        return _redeem(page, member, values)
    if action == "order":
        return _record_order(page, member, values)
    if action == "enrol":
        _, refused = attempt(page, lambda: members_service.enrol_at_merchant(
            page.session, page.me, MembershipCreate(card_no=member.card_no)))
        if refused is not None:
            return _render_desk(page, member, status_code=refused.status_code, error=page.error_text(refused))
        return page.redirect(f"/console/counter?joined={member.id}")
    return _render_desk(page, member)


def _receipt(page: Page, text: str) -> tuple[str | None, str | None]:
    receipt = text.strip()
    if len(receipt) > 64:
        return None, page.t("单号最长 64 个字符", "At most 64 characters")
    return receipt or None, None


def _made_up(text: str, prefix: str) -> str:
    """The reference a form carried (made when it was shown), or a new one if it is missing or not ours."""
    ref = text.strip()
    ok = ref.startswith(f"{prefix}-") and len(ref) <= 40 and ref.replace("-", "").isalnum() and ref.isascii()
    return ref if ok else counter_service.new_reference(prefix)


def _redeem(page: Page, member: Member, values: Mapping[str, str]) -> Response:
    """Redeem a coupon or benefit; with the bill and a receipt number the order is recorded too. The rest of the
    bill (after the discount) can be paid with points and stored value in the same sale: the coupon is redeemed,
    then the order attached to the redemption with that split (coupons.service.redeem + attach_order, the API's
    two calls, in one transaction). Paid so, the first press is a dry run showing the split; the confirm keeps it."""
    errors: dict[str, str] = {}
    bill, bill_error = yuan_field(page, values.get("bill", ""), required=False, minimum="zero")
    receipt, receipt_error = _receipt(page, values.get("receipt", ""))
    points, points_error = _points_field(page, values.get("r_points", ""))
    stored, stored_error = yuan_field(page, values.get("r_stored_value", ""), required=False, minimum="zero")
    for name, problem in (("bill", bill_error), ("receipt", receipt_error), ("r_points", points_error),
                          ("r_stored_value", stored_error)):
        if problem:
            errors[name] = problem
    pays_otherwise = bool(points or stored)
    if (receipt or pays_otherwise) and not bill and "bill" not in errors:
        errors["bill"] = page.t("记录订单需要消费金额", "Recording the order needs the bill amount")
    if pays_otherwise and receipt is None and not receipt_error:  # none typed: the number the form was shown
        receipt = _made_up(values.get("order_ref", ""), "CTR")  # with, so a double submit is the same order
    code, choice = values.get("code", "").strip().upper(), values.get("coupon", "")
    coupon_field = "code" if code else "coupon"
    coupon_code = code or (choice[2:] if choice.startswith("c:") else "")
    if coupon_code and not 4 <= len(coupon_code) <= 20:
        errors[coupon_field] = page.error_text(coupons_service.Refused("coupon_not_found"))
    elif not coupon_code and not (choice.startswith("b:") and choice[2:].isascii() and choice[2:].isdigit()
                                      and len(choice) < 20):
        errors["coupon"] = page.t("请选择一张券,或输入券码", "Choose a coupon or enter its code")
    if errors:
        return _render_desk(page, member, status_code=422, errors=errors, values=values)
    bill_fen = bill or 0
    order_no = None if pays_otherwise else receipt  # paid otherwise: the order is attached after the discount

    def run() -> dict[str, Any]:
        if coupon_code:
            body = RedeemIn(code=coupon_code, member_id=member.id, bill_fen=bill_fen, order_external_id=order_no)
            redemption = coupons_service.redeem(page.session, page.me, body)
        else:
            benefit = BenefitRedeemIn(card_no=member.card_no, bill_fen=bill_fen, order_external_id=order_no)
            redemption = coupons_service.redeem_benefit(page.session, page.me, int(choice[2:]), benefit)
        if pays_otherwise:
            rest = redemption.bill_fen - min(redemption.discount_fen, redemption.bill_fen)
            if rest <= 0:
                raise Invalid("overpaid")
            assert receipt is not None
            coupons_service.attach_order(page.session, page.me, redemption.id, AttachOrderIn(
                external_id=receipt, amount_fen=rest, points_used=points, stored_value_fen=stored or 0))
        return _redemption_outcome(page, redemption)

    go = values.get("go")
    dry = go == "check" or (pays_otherwise and go != "confirm")
    outcome, error = attempt(page, run, keep=not dry)
    if error is not None:
        where = {"below_minimum_spend": "bill", "duplicate_external_id": "receipt", "invalid_card": "card",
                 "insufficient_points": "r_points", "insufficient_balance": "r_stored_value" if stored else "r_points",
                 "overpaid": "r_points" if points else "r_stored_value"}.get(error.code, coupon_field)
        return _render_desk(page, member, status_code=422, errors={where: page.error_text(error)}, values=values)
    assert outcome is not None
    outcome["dry"] = dry
    if dry:
        confirm = None
        if pays_otherwise:
            confirm = {key: values.get(key, "") for key in ("coupon", "code", "bill", "receipt", "r_points",
                                                            "r_stored_value")}
            confirm["order_ref"] = (receipt or "") if not values.get("receipt", "").strip() else ""
        return _render_desk(page, member, result=outcome, values={**values, "go": "check"}, confirm=confirm,
                            confirm_action="redeem")
    return page.redirect(f"/console/counter?redeemed={outcome['redemption_id']}")


def _redeemed_flash(page: Page, outcome: Mapping[str, Any]) -> str:
    flash = page.t(f"核销成功:{outcome['title']},优惠 {format_yuan(outcome['discount_fen'])}",
                   f"Redeemed: {outcome['title']}, {format_yuan(outcome['discount_fen'])} off")
    if outcome["points_used"] or outcome["stored_value_fen"]:
        flash += page.t(f",现金/刷卡 {format_yuan(outcome['paid_fen'])}",
                        f", {format_yuan(outcome['paid_fen'])} in cash or card")
    elif outcome["order"]:
        flash += page.t(f",实收 {format_yuan(outcome['paid_fen'])}", f", paid {format_yuan(outcome['paid_fen'])}")
    return flash


def _redemption_outcome(page: Page, redemption: Redemption) -> dict[str, Any]:
    """The coupon's discount, and with an order how the rest was paid (points, stored value, cash)."""
    paid = redemption.bill_fen - min(redemption.discount_fen, redemption.bill_fen)
    order = _order_outcome(page, redemption.order_id)
    split = {"points_used": 0, "points_value_fen": 0, "stored_value_fen": 0}
    if order is not None:
        split = {key: order[key] for key in split}
        paid = order["cash_fen"]
    return {"kind": "redeem", "redemption_id": redemption.id, "title": str(redemption.details.get("template", "")),
            "bill_fen": redemption.bill_fen, "discount_fen": redemption.discount_fen, "paid_fen": paid, **split,
            "order": order}


def _points_field(page: Page, text: str) -> tuple[int, str | None]:
    """Points typed at the till: a whole number, empty for none."""
    raw = text.strip().replace(",", "")
    if not raw:
        return 0, None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        return 0, page.t("请输入整数积分,如 500", "Enter whole points, e.g. 500")
    return int(raw), None


def _record_order(page: Page, member: Member, values: Mapping[str, str]) -> Response:
    """An order without a coupon. Paid in part with points or stored value, the first press is a dry run that
    shows the split (points, stored value, cash) and a confirm button; the confirm records it."""
    errors: dict[str, str] = {}
    amount, amount_error = yuan_field(page, values.get("amount", ""))
    order_no, order_no_error = _receipt(page, values.get("order_no", ""))
    points, points_error = _points_field(page, values.get("points", ""))
    stored, stored_error = yuan_field(page, values.get("stored_value", ""), required=False, minimum="zero")
    for name, problem in (("amount", amount_error), ("order_no", order_no_error), ("points", points_error),
                          ("stored_value", stored_error)):
        if problem:
            errors[name] = problem
    if not order_no_error and order_no is None:  # none typed: the number the form was shown with, so a double
        order_no = _made_up(values.get("order_ref", ""), "CTR")  # submit is the same order
    # a member not served here joins in the same step, on the card they showed (as the enrol button does)
    enrol = not counter_service.desk_facts(page.session, page.me, member).served_here
    if enrol and values.get("enrol") != "yes":
        errors["enrol"] = page.t("请先征得会员同意,勾选加入本店会员", "Ask the member, then tick to enrol them here")
    if errors:
        return _render_desk(page, member, status_code=422, errors=errors, values=values)
    assert amount is not None and order_no is not None
    body = OrderCreate(external_id=order_no, member_id=member.id, amount_fen=amount, points_used=points,
                       stored_value_fen=stored or 0)

    def run() -> dict[str, Any]:
        if enrol:
            members_service.enrol_at_merchant(page.session, page.me, MembershipCreate(card_no=member.card_no))
        order = orders_service.record_order(page.session, page.me, body)
        return _recorded_outcome(page, order, enrolled=enrol)

    go = values.get("go", "record")
    pays_otherwise = bool(points or stored)
    dry = go == "check" or (pays_otherwise and go != "confirm")
    outcome, error = attempt(page, run, keep=not dry)
    if error is not None:
        where = {"duplicate_external_id": "order_no", "membership_exists": "enrol", "invalid_card": "enrol",
                 "insufficient_points": "points",
                 "insufficient_balance": "stored_value" if stored else "points",
                 "overpaid": "points" if points else "stored_value"}.get(error.code, "amount")
        return _render_desk(page, member, status_code=422, errors={where: page.error_text(error)}, values=values)
    assert outcome is not None
    outcome["dry"] = dry
    if dry:
        confirm = {key: values.get(key, "") for key in ("amount", "order_no", "points", "stored_value")}
        confirm["order_ref"] = order_no if not values.get("order_no", "").strip() else ""
        confirm["enrol"] = values.get("enrol", "")
        return _render_desk(page, member, result=outcome, values={**values, "go": "check"}, confirm=confirm)
    return page.redirect(f"/console/counter?recorded={outcome['order']['id']}" + ("&enrolled=1" if enrol else ""))


def _recorded_outcome(page: Page, order: Order, *, enrolled: bool) -> dict[str, Any]:
    return {"kind": "order", "enrolled": enrolled, "title": page.t("消费", "Order"), "bill_fen": order.amount_fen,
            "discount_fen": 0, "paid_fen": order.cash_fen, "stored_value_fen": order.stored_value_fen,
            "points_used": order.points_used, "points_value_fen": order.points_value_fen,
            "order": _order_outcome(page, order.id)}


def _recorded_flash(page: Page, outcome: Mapping[str, Any]) -> str:
    amount = format_yuan(outcome["bill_fen"])
    flash = page.t(f"已记录消费 {amount}", f"Order of {amount} recorded")
    if outcome["enrolled"]:
        flash = page.t("已加入本店会员,", "Enrolled here; ") + flash
    if outcome["points_used"] or outcome["stored_value_fen"]:
        flash += page.t(f",其中现金/刷卡 {format_yuan(outcome['paid_fen'])}",
                        f", {format_yuan(outcome['paid_fen'])} in cash or card")
    return flash


# --- today's orders and refunds -------------------------------------------------------------------------------


def _plain_yuan(fen: int) -> str:
    """Fen as a form value a clerk can edit: 19500 → '195.00'."""
    return f"{fen // 100}.{fen % 100:02d}"


@router.get("/console/counter/orders")
def todays_orders(page: StaffPage) -> Response:
    _require_till(page)
    orders = counter_service.todays_orders(page.session, page.me)
    return page.render("counter/orders.html", orders=orders, total_fen=sum(o.amount_fen for o in orders),
                       limit=counter_service.TODAY_LIMIT)


def _order_page(page: Page, order: Order, *, status_code: int = 200, **context: Any) -> Response:
    context.setdefault("errors", {})
    remaining = order.amount_fen - order.refunded_fen
    context.setdefault("values", {"amount": _plain_yuan(remaining), "reason": ""})
    context.setdefault("refund_no", counter_service.new_reference("RF"))
    return page.render("counter/order.html", status_code=status_code, order=order, remaining_fen=remaining,
                       refunds=counter_service.refunds_of(page.session, order), outcome=_order_outcome(page, order.id),
                       **context)


@router.get("/console/counter/orders/{order_id}")
def order_detail(order_id: int, page: StaffPage, refunded: int | None = None) -> Response:
    _require_till(page)
    order = counter_service.order_at_till(page.session, page.me, order_id)
    flash = None
    if refunded is not None:
        done = next((r for r in counter_service.refunds_of(page.session, order) if r.id == refunded), None)
        if done is not None:
            flash = page.t(f"已退款 {format_yuan(done.amount_fen)}", f"Refunded {format_yuan(done.amount_fen)}")
    return _order_page(page, order, flash=flash)


REFUND_NO_MAX = 64


@router.post("/console/counter/orders/{order_id}/refunds")
async def refund(order_id: int, page: StaffPage) -> Response:
    """A full or partial refund of an order, with a reason (orders.service.refund_order, like POST
    /orders/{id}/refunds). The form carries a refund number made when it was shown, so a double submit is the same
    refund; success redirects (POST-redirect-GET), so a reload never refunds twice."""
    _require_till(page)
    values = await form_of(page)
    order = counter_service.order_at_till(page.session, page.me, order_id)
    errors: dict[str, str] = {}
    amount, amount_error = yuan_field(page, values.get("amount", ""))
    reason = values.get("reason", "").strip()
    refund_no = values.get("refund_no", "").strip()
    if amount_error:
        errors["amount"] = amount_error
    if not reason:
        errors["reason"] = page.t("请填写退款原因", "Give the reason for the refund")
    elif len(reason) > 200:
        errors["reason"] = page.t("原因最长 200 个字符", "At most 200 characters")
    if not refund_no or len(refund_no) > REFUND_NO_MAX:
        refund_no = counter_service.new_reference("RF")
    if errors:
        return _order_page(page, order, status_code=422, errors=errors, values=values, refund_no=refund_no)
    assert amount is not None
    body = RefundCreate(external_id=refund_no, amount_fen=amount, reason=reason)
    done, error = attempt(page, lambda: orders_service.refund_order(page.session, page.me, order.id, body))
    if error is not None or done is None:
        page.session.expire_all()
        order = counter_service.order_at_till(page.session, page.me, order_id)
        message = page.error_text(error) if error else ""
        return _order_page(page, order, status_code=422, errors={"amount": message}, values=values,
                           refund_no=refund_no)
    return page.redirect(f"/console/counter/orders/{order.id}?refunded={done.id}")

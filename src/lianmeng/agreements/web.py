"""Console pages of agreements: the merchant's partners with the status of the agreements with each, its
agreements, a form to propose one (the same `AgreementCreate` as the API, errors next to their field), the
status flow's buttons with readable refusals, and one agreement with its history.

Everything goes through the agreements service and repositories with the logged-in principal, so a merchant sees
exactly what the API shows it: its own agreements and the alliance-wide ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from lianmeng.agreements import domain, repository, service
from lianmeng.agreements.domain import (
    MODE_LABELS,
    STATUS_LABELS,
    AgreementAction,
    AgreementStatus,
    CooperationMode,
    Side,
    Validity,
)
from lianmeng.agreements.models import Agreement
from lianmeng.agreements.schemas import MAX_COMMISSION_FEN, AgreementCreate, CommissionKind, CounterOfferIn
from lianmeng.commissions import domain as commissions_domain
from lianmeng.kit import clock
from lianmeng.kit.errors import NotFound
from lianmeng.kit.i18n import translate
from lianmeng.kit.money import format_yuan
from lianmeng.kit.pagination import PageParams, paginate
from lianmeng.merchants import repository as merchants_repo
from lianmeng.merchants.domain import INDUSTRY_LABELS, Industry
from lianmeng.merchants.models import Merchant
from lianmeng.settlement.domain import SettlementCycle
from lianmeng.web.console import Page, StaffPage, form_of, parse, run_write, yuan_field
from lianmeng.web.labels import AGREEMENT_ACTION_LABELS as ACTION_LABELS
from lianmeng.web.labels import AGREEMENT_FIELD_LABELS as FIELD_LABELS
from lianmeng.web.labels import CYCLE_LABELS
from lianmeng.web.labels import TERM_PAYEE_LABELS as PAYEE_LABELS

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20

# what each commission kind means, beside its name (commissions.domain.KIND_LABELS) in the form's choices
KIND_HINTS: dict[CommissionKind, tuple[str, str]] = {
    CommissionKind.PER_HEAD: ("每位新客固定金额", "fixed per new customer"),
    CommissionKind.FIXED_PER_ORDER: ("每单固定金额", "fixed per order"),
    CommissionKind.PERCENT_OF_ORDER: ("按订单金额比例", "a percentage of the order"),
    CommissionKind.HUB_SHARE: ("全联盟:按枢纽带来的会员在其他商户的消费额比例",
                               "alliance-wide: a percentage of what the hub's members spend at partners"),
}
# the form's field for each field of a commission term, where the audit's refusals are shown
TERM_FIELDS = {"kind": "commission_kind", "hub": "hub", "hub_merchant_id": "hub", "rate_bp": "commission_percent",
               "amount_fen": "commission_amount", "staff_amount_fen": "staff_amount", "payee": "payee",
               "payer": "payer"}
OPERATOR_HUB = "operator"
# destructive or decisive actions are drawn as secondary buttons
SECONDARY = {AgreementAction.REJECT, AgreementAction.WITHDRAW, AgreementAction.SUSPEND, AgreementAction.TERMINATE}
DONE = {action.value: label for action, label in {
    AgreementAction.PROPOSE: ("协议已提交,等待对方确认", "Proposed; waiting for the partner's answer"),
    AgreementAction.WITHDRAW: ("已撤回,协议回到草稿", "Withdrawn; the agreement is a draft again"),
    AgreementAction.ACCEPT: ("已接受,双方均已确认", "Accepted by both sides"),
    AgreementAction.REJECT: ("已拒绝,协议终止", "Rejected; the agreement is terminated"),
    AgreementAction.ACTIVATE: ("协议已生效", "The agreement is active"),
    AgreementAction.SUSPEND: ("协议已暂停", "The agreement is suspended"),
    AgreementAction.RESUME: ("协议已恢复", "The agreement is active again"),
    AgreementAction.TERMINATE: ("协议已终止", "The agreement is terminated"),
    AgreementAction.COUNTER: ("新条款已发给对方,等待对方答复",
                              "Your terms were sent back; waiting for the partner's answer"),
}.items()} | {"draft": ("草稿已保存", "Draft saved")}


def _label(page: Page, pair: tuple[str, str]) -> str:
    return page.t(*pair)


def _kind_choice(page: Page, kind: CommissionKind) -> str:
    (zh, en), (hint_zh, hint_en) = commissions_domain.KIND_LABELS[kind], KIND_HINTS[kind]
    return page.t(f"{zh}({hint_zh})", f"{en} ({hint_en})")


def _int(text: str | None) -> int | None:
    cleaned = (text or "").strip()
    return int(cleaned) if cleaned.isascii() and cleaned.isdigit() and len(cleaned) < 12 else None


def _page_number(text: str | None) -> int:
    number = _int(text)
    return number if number is not None and 1 <= number <= 100_000 else 1


def _merchants(page: Page) -> dict[int, Merchant]:
    """The alliance's merchant directory as the caller may see it (every merchant sees its alliance's)."""
    return {m.id: m for m in merchants_repo.merchants_in_scope(page.session, page.me)}


@dataclass
class Row:
    """One agreement as a list or detail page shows it."""

    agreement: Agreement
    proposer: str
    counterparty: str
    status: str
    status_label: str
    modes: list[str]
    # (action, label, secondary, asks for a confirmation with a reason first)
    actions: list[tuple[str, str, bool, bool]] = field(default_factory=list)
    waiting_for_me: bool = False
    offer_from: str = ""  # who made the offer on the table


def _row(page: Page, agreement: Agreement, names: dict[int, Merchant]) -> Row:
    def name(merchant_id: int | None) -> str:
        if merchant_id is None:
            return page.t("联盟总部", "Alliance operator")
        merchant = names.get(merchant_id)
        return merchant.name if merchant else f"#{merchant_id}"

    status = AgreementStatus(agreement.status)
    side = service.side_of(page.me, agreement)
    offered_by = service.offered_by(agreement)
    allowed = domain.allowed_actions(status, side, offered_by) if side else []
    counterparty = name(agreement.merchant_b_id) if agreement.merchant_b_id is not None else page.t(
        "全联盟", "Alliance-wide")
    return Row(
        agreement=agreement, proposer=name(agreement.merchant_a_id), counterparty=counterparty,
        status=status.value, status_label=_label(page, STATUS_LABELS[status]),
        modes=[_label(page, MODE_LABELS[CooperationMode(m)]) for m in agreement.modes if m in set(CooperationMode)],
        actions=[(a.value, _label(page, ACTION_LABELS[a]), a in SECONDARY, domain.needs_reason(a)) for a in allowed],
        waiting_for_me=side is not Side.OPERATOR and domain.receives_offer(status, side, offered_by),
        offer_from=name(agreement.merchant_b_id if offered_by is Side.COUNTERPARTY else agreement.merchant_a_id),
    )


def _may_propose(page: Page) -> bool:
    return page.me.is_operator or page.me.manages_merchant


@router.get("/console/partners", response_class=HTMLResponse)
def partners(page: StaffPage, status: str = "", p: str = "1", done: str = "") -> Response:
    """Partners (the alliance's other merchants) with the status of the agreements with each, then the caller's
    agreements (filterable by status, paginated)."""
    me = page.me
    names = _merchants(page)
    everything = [_row(page, a, names) for a in repository.agreements_in_scope(page.session, me)]
    partner_rows = []
    for merchant in names.values():
        if merchant.id == me.merchant_id:
            continue
        between = [r for r in everything if merchant.id in (r.agreement.merchant_a_id, r.agreement.merchant_b_id)]
        industry = INDUSTRY_LABELS.get(Industry(merchant.industry)) if merchant.industry in set(Industry) else None
        partner_rows.append({"merchant": merchant, "agreements": between,
                             "industry": _label(page, industry) if industry else merchant.industry})
    wanted = status if status in {s.value for s in AgreementStatus} else ""
    paging = PageParams(page=_page_number(p), page_size=PAGE_SIZE)
    rows, total = paginate(page.session, repository.list_agreements(me, status=wanted or None), paging)
    pages = max(1, -(-total // PAGE_SIZE))
    return page.render(
        "partners/index.html", partners=partner_rows, agreements=[_row(page, a, names) for a in rows],
        waiting=[r for r in everything if r.waiting_for_me], total=total, page_no=paging.page, pages=pages,
        status=wanted, statuses=[(s.value, _label(page, STATUS_LABELS[s])) for s in AgreementStatus],
        may_propose=_may_propose(page), flash=_label(page, DONE[done]) if done in DONE else None,
    )


# --- propose -----------------------------------------------------------------------------------------------


def _form_context(page: Page, values: dict[str, Any], errors: dict[str, str], modes: list[str]) -> dict[str, Any]:
    me = page.me
    names = _merchants(page)
    partners = [(str(m.id), m.name) for m in names.values() if m.id != me.merchant_id and m.status == "active"]
    counterparties = ([("", page.t("全联盟(所有商户)", "Alliance-wide (every merchant)"))] if me.is_operator
                      else [("", page.t("请选择", "Choose"))]) + partners
    us = page.t("提议方", "Proposer") if me.is_operator else page.t("我方(提议方)", "Us (proposer)")
    return {
        "values": values, "errors": errors, "chosen_modes": modes,
        "mode_options": [(m.value, _label(page, MODE_LABELS[m])) for m in CooperationMode],
        "counterparties": counterparties,
        "proposers": [("", page.t("请选择", "Choose")), *partners] if me.is_operator else [],
        "kinds": [("", page.t("不设佣金", "No commission")),
                  *[(k.value, _kind_choice(page, k)) for k in CommissionKind
                    if me.is_operator or k is not CommissionKind.HUB_SHARE]],  # hubs: alliance-wide, the operator's
        "hubs": [("", page.t("请选择", "Choose")), (OPERATOR_HUB, page.t("联盟总部(盟主)", "The alliance operator")),
                 *partners] if me.is_operator else [],
        "payers": [("b", page.t("对方(接待客户的商户)", "Counterparty (the merchant receiving the customer)")),
                   ("a", us)],
        "payees": [(k, _label(page, v)) for k, v in PAYEE_LABELS.items()],
        "cycles": [(c.value, _label(page, CYCLE_LABELS[c])) for c in SettlementCycle],
    }


def _percent_to_bp(text: str) -> int | None:
    cleaned = text.strip().removesuffix("%").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value > 100 or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _build(page: Page, values: dict[str, str], modes: list[str]) -> tuple[AgreementCreate | None, dict[str, str]]:
    """The form as an AgreementCreate, or the problems by field (the page's own field names)."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {key: values.get(key, "").strip() for key in (
        "title", "return_window_days", "settlement_cycle", "valid_from", "valid_until", "notes")}
    data["modes"] = modes
    if not modes:
        errors["modes"] = page.t("请至少选择一种合作模式", "Choose at least one cooperation mode")
    counterparty = values.get("merchant_b_id", "").strip()
    if counterparty:
        data["merchant_b_id"] = _int(counterparty)
        if data["merchant_b_id"] is None:
            errors["merchant_b_id"] = page.t("请选择一项", "Choose one of the options")
    elif not page.me.is_operator:
        errors["merchant_b_id"] = page.t("请选择合作商户", "Choose the partner")
    if page.me.is_operator and counterparty:  # between two merchants: the operator names the proposer too
        data["merchant_a_id"] = _int(values.get("merchant_a_id", ""))
        if data["merchant_a_id"] is None:
            errors["merchant_a_id"] = page.t("请选择提议方商户", "Choose the proposing merchant")
        elif data["merchant_a_id"] == data.get("merchant_b_id"):
            errors["merchant_b_id"] = page.t("协议双方不能是同一商户", "An agreement needs two different merchants")
    kind = values.get("commission_kind", "").strip()
    by_rate = kind in (CommissionKind.PERCENT_OF_ORDER.value, CommissionKind.HUB_SHARE.value)
    amount_field = "commission_percent" if by_rate else "commission_amount"
    if kind == CommissionKind.HUB_SHARE.value:
        term: dict[str, Any] = {"kind": kind, **_hub(values.get("hub", ""))}
        term["rate_bp"] = _percent_to_bp(values.get("commission_percent", ""))
        if not term.get("hub"):
            errors["hub"] = page.t("请选择枢纽:带来会员的商户,或联盟总部", "Choose the hub: the merchant that brought "
                                   "the members, or the alliance operator")
        if term["rate_bp"] is None:
            errors["commission_percent"] = page.t("请输入 0 到 100 之间的百分比,如 6",
                                                  "Enter a percentage between 0 and 100, such as 6")
        data["commission_terms"] = [term]
    elif kind:
        term = {"kind": kind, "payer": values.get("payer", "b"), "payee": values.get("payee", "merchant")}
        if kind == CommissionKind.PERCENT_OF_ORDER.value:
            term["rate_bp"] = _percent_to_bp(values.get("commission_percent", ""))
            if term["rate_bp"] is None:
                errors["commission_percent"] = page.t("请输入 0 到 100 之间的百分比,如 5 或 2.5",
                                                      "Enter a percentage between 0 and 100, such as 5 or 2.5")
        else:
            term["amount_fen"], problem = yuan_field(page, values.get("commission_amount", ""),
                                                     max_fen=MAX_COMMISSION_FEN)
            if problem:
                errors["commission_amount"] = problem
        if term["payee"] == "both" and values.get("staff_amount", "").strip():
            term["staff_amount_fen"], problem = yuan_field(page, values["staff_amount"], minimum="zero",
                                                           max_fen=MAX_COMMISSION_FEN)
            if problem:
                errors["staff_amount"] = problem
        data["commission_terms"] = [term]
    starts, ends = _date(data["valid_from"]), _date(data["valid_until"])
    if starts and ends and ends < starts:
        errors["valid_until"] = page.t("结束日期不能早于开始日期", "The end date must not be before the start date")
    model, problems = parse(AgreementCreate, data, page.lang)
    for name, message in problems.items():
        target = {"commission_terms": amount_field, "__all__": "__all__"}.get(name, name)
        errors.setdefault(target, message)
    if model is not None and not errors:
        errors = _unpayable(page, model)
    if errors:
        return None, errors
    return model, {}


def _hub(choice: str) -> dict[str, Any]:
    """The hub picked on the form: the operator, or a merchant by id ({} when nothing sensible was picked)."""
    if choice.strip() == OPERATOR_HUB:
        return {"hub": "operator"}
    merchant_id = _int(choice)
    return {"hub": "merchant", "hub_merchant_id": merchant_id} if merchant_id else {}


def _unpayable(page: Page, model: AgreementCreate) -> dict[str, str]:
    """What the commission engine would refuse (the same audit as the API's), next to the form's fields."""
    alliance_wide = model.merchant_b_id is None
    errors: dict[str, str] = {}
    for problem in commissions_domain.unpayable(model.commission_terms, alliance_wide=alliance_wide):
        errors.setdefault(TERM_FIELDS.get(problem.field, "commission_kind"), translate(
            problem.code, page.lang, term=problem.index + 1, what=f"term.{problem.field}"))
    if alliance_wide and model.settlement_cycle is not SettlementCycle.MONTHLY:
        errors["settlement_cycle"] = translate("agreement_cycle_alliance_wide", page.lang)
    return errors


def _propose_defaults(page: Page, counterparty: str) -> dict[str, Any]:
    return {"merchant_b_id": counterparty, "return_window_days": "7", "settlement_cycle": "monthly",
            "payer": "b", "payee": "merchant", "valid_from": clock.today_in_shanghai().isoformat()}


@router.get("/console/partners/propose", response_class=HTMLResponse)
def propose_form(page: StaffPage, merchant_b_id: str = "") -> Response:
    if not _may_propose(page):
        return page.render("partners/propose.html", status_code=403, may_propose=False,
                           **_form_context(page, {}, {}, []))
    values = _propose_defaults(page, merchant_b_id if _int(merchant_b_id) else "")
    return page.render("partners/propose.html", may_propose=True, **_form_context(page, values, {}, []))


@router.post("/console/partners/propose", response_class=HTMLResponse)
async def propose(page: StaffPage) -> Response:
    values = await form_of(page)
    modes = [m for m in (await page.request.form()).getlist("modes") if isinstance(m, str)]
    if not _may_propose(page):
        return page.render("partners/propose.html", status_code=403, may_propose=False,
                           **_form_context(page, {}, {}, []))
    data, errors = _build(page, values, modes)
    if data is None:
        return page.render("partners/propose.html", status_code=422, may_propose=True,
                           error=errors.get("__all__"), **_form_context(page, values, errors, modes))
    then = values.get("then", "propose")
    body: AgreementCreate = data

    def act() -> int:
        agreement = service.create_agreement(page.session, page.me, body)
        if then != "draft":
            service.transition(page.session, page.me, agreement.id, AgreementAction.PROPOSE)
        return agreement.id

    agreement_id, error = run_write(page, act)
    if error is not None:
        return page.render("partners/propose.html", status_code=409, may_propose=True, error=error,
                           **_form_context(page, values, {}, modes))
    done = "draft" if then == "draft" else AgreementAction.PROPOSE.value
    return page.redirect(f"/console/partners/agreements/{agreement_id}?done={done}")


# --- one agreement -----------------------------------------------------------------------------------------


def _percent(rate_bp: int) -> str:
    return f"{Decimal(rate_bp) / 100:g}%"


def _hub_words(page: Page, term: dict[str, Any], names: dict[int, Merchant]) -> str:
    """A hub term in words: who earns what share of whose spending, paid by whom, and its conditions."""
    rate = _percent(int(term.get("rate_bp") or 0))
    if term.get("hub") == OPERATOR_HUB:
        line = page.t(f"枢纽佣金:联盟总部直接发展的会员(无归属商户)在成员商户消费,由消费所在商户按消费额的 {rate} "
                      "支付给联盟总部",
                      f"Hub share: members the alliance operator enrolled itself (no origin merchant) spend at member "
                      f"merchants; the merchant where they spend pays the operator {rate} of it")
    else:
        merchant = names.get(int(term.get("hub_merchant_id") or 0))
        hub = merchant.name if merchant else f"#{term.get('hub_merchant_id')}"
        line = page.t(f"枢纽佣金:{hub} 带来的会员在其他成员商户消费,由消费所在商户按消费额的 {rate} 支付给 {hub}"
                      f"({hub} 自己的销售不计)",
                      f"Hub share: members brought by {hub} spend at the other member merchants; the merchant where "
                      f"they spend pays {hub} {rate} of it ({hub}'s own sales do not count)")
    conditions = []
    if term.get("min_order_fen"):
        conditions.append(page.t(f"单笔满 {format_yuan(int(term['min_order_fen']))}",
                                 f"orders of at least {format_yuan(int(term['min_order_fen']))}"))
    if term.get("within_days"):
        days = term["within_days"]
        conditions.append(page.t(f"会员入会 {days} 天内", f"within {days} days of joining"))
    if term.get("cap_per_order_fen"):
        conditions.append(page.t(f"每单最多 {format_yuan(int(term['cap_per_order_fen']))}",
                                 f"at most {format_yuan(int(term['cap_per_order_fen']))} an order"))
    if term.get("operator_rate_bp"):
        share = _percent(int(term["operator_rate_bp"]))
        conditions.append(page.t(f"另付盟主佣金 {share}", f"plus {share} of it to the operator"))
    return line + (f" · {'、'.join(conditions)}" if conditions else "")


def _terms(page: Page, agreement: Agreement, names: dict[int, Merchant]) -> list[str]:
    """Each commission term in words: '按人头 ¥50.00 / 对方支付 / 给推荐导购', a hub term as a sentence."""
    return _term_lines(page, agreement.commission_terms, names)


def _term_lines(page: Page, terms: list[dict[str, Any]], names: dict[int, Merchant]) -> list[str]:
    lines = []
    for term in terms:
        if term.get("kind") == CommissionKind.HUB_SHARE.value:
            lines.append(_hub_words(page, term, names))
            continue
        kind = CommissionKind(term.get("kind", CommissionKind.PER_HEAD.value))
        amount = (f"{Decimal(term.get('rate_bp') or 0) / 100:g}%" if kind is CommissionKind.PERCENT_OF_ORDER
                  else format_yuan(int(term.get("amount_fen") or 0)))
        payer = page.t("提议方支付", "paid by the proposer") if term.get("payer") == "a" else page.t(
            "对方支付", "paid by the counterparty")
        payee = _label(page, PAYEE_LABELS.get(str(term.get("payee", "merchant")), PAYEE_LABELS["merchant"]))
        staff = f" + {page.t('导购', 'staff')} {format_yuan(int(term['staff_amount_fen']))}" if term.get(
            "payee") == "both" and term.get("staff_amount_fen") else ""
        name = _label(page, commissions_domain.KIND_LABELS[kind])
        lines.append(f"{name} {amount}{staff} · {payer} · {page.t('给', 'to')} {payee}")
    return lines


def _value_words(page: Page, name: str, value: Any, names: dict[int, Merchant]) -> str:
    """One term's value as the history shows it: '按订单比例 5% · 对方支付 · 给 推荐商户', '7 天', '长期'."""
    if name == "commission_terms":
        lines = _term_lines(page, list(value or []), names)
        return ";".join(lines) if lines else page.t("不设佣金", "no commission")
    if name == "modes":
        return "、".join(_label(page, MODE_LABELS[CooperationMode(m)]) for m in value or []
                        if m in set(CooperationMode)) or "—"
    if name == "return_window_days":
        return page.t(f"{value} 天", f"{value} day{'s' if value != 1 else ''}")
    if name == "settlement_cycle":
        return _label(page, CYCLE_LABELS[SettlementCycle(value)]) if value in set(SettlementCycle) else str(value)
    if name == "valid_until" and not value:
        return page.t("长期", "open")
    if name == "benefits":
        return ";".join(str(b.get("text", "")) for b in value or []) or "—"
    return str(value) if value not in (None, "") else "—"


def _changes_words(page: Page, changes: dict[str, Any], names: dict[int, Merchant]) -> list[str]:
    """What an edit or a counter-offer changed, a sentence a line: '佣金:按人头 ¥50.00 … → 按人头 ¥80.00 …'."""
    lines = []
    for name in FIELD_LABELS:
        change = changes.get(name)
        if not isinstance(change, dict):
            continue
        before = _value_words(page, name, change.get("from"), names)
        after = _value_words(page, name, change.get("to"), names)
        lines.append(page.t(f"{FIELD_LABELS[name][0]}:{before} → {after}",
                            f"{FIELD_LABELS[name][1].capitalize()}: {before} → {after}"))
    return lines


def _detail(page: Page, agreement_id: int, status_code: int = 200, **extra: Any) -> Response:
    for name, empty in (("values", {}), ("errors", {}), ("confirm", None)):
        extra.setdefault(name, empty)
    agreement = repository.get_agreement(page.session, page.me, agreement_id)
    names = _merchants(page)
    events = service.history(page.session, page.me, agreement.id)
    history = [{
        "event": e, "label": page.label("agreement_event", e.action),
        "from_label": _label(page, STATUS_LABELS[AgreementStatus(e.from_status)]) if e.from_status in set(
            AgreementStatus) else "",
        "to_label": _label(page, STATUS_LABELS[AgreementStatus(e.to_status)]) if e.to_status in set(
            AgreementStatus) else e.to_status,
        "changes": _changes_words(page, e.changes, names),
    } for e in events]
    cycle = SettlementCycle(agreement.settlement_cycle) if agreement.settlement_cycle in set(
        SettlementCycle) else SettlementCycle.MONTHLY
    problems = commissions_domain.unpayable(agreement.commission_terms, alliance_wide=agreement.merchant_b_id is None)
    unpayable = [translate(p.code, page.lang, term=p.index + 1, what=f"term.{p.field}") for p in problems]
    return page.render(
        "partners/agreement.html", status_code=status_code, row=_row(page, agreement, names), agreement=agreement,
        terms=_terms(page, agreement, names), unpayable=unpayable, history=history,
        cycle_label=_label(page, CYCLE_LABELS[cycle]), **extra)


CONFIRM_LABELS: dict[AgreementAction, tuple[str, str]] = {
    AgreementAction.REJECT: ("确认拒绝这份提议?协议将终止。", "Reject this proposal? The agreement ends."),
    AgreementAction.SUSPEND: ("确认暂停这份协议?暂停期间不产生佣金与权益。",
                              "Suspend this agreement? No commissions or benefits while it is suspended."),
    AgreementAction.TERMINATE: ("确认终止这份协议?终止后不能恢复。",
                                "Terminate this agreement? It cannot be resumed afterwards."),
}


def _confirmation(page: Page, action: str) -> dict[str, str] | None:
    """The confirm step of an action that needs a reason (None for any other)."""
    if action not in {a.value for a in AgreementAction} or not domain.needs_reason(AgreementAction(action)):
        return None
    chosen = AgreementAction(action)
    return {"action": chosen.value, "question": _label(page, CONFIRM_LABELS[chosen]),
            "button": page.t(f"确认{_label(page, ACTION_LABELS[chosen])}", f"Yes, {ACTION_LABELS[chosen][1].lower()}")}


@router.get("/console/partners/agreements/{agreement_id}", response_class=HTMLResponse)
def agreement_page(agreement_id: int, page: StaffPage, done: str = "", confirm: str = "") -> Response:
    return _detail(page, agreement_id, flash=_label(page, DONE[done]) if done in DONE else None,
                   confirm=_confirmation(page, confirm), values={}, errors={})


def _refusal(page: Page, agreement: Agreement, action: AgreementAction) -> str | None:
    """Why the caller may not do `action` now, in words (None: it may try)."""
    side = service.side_of(page.me, agreement)
    status = AgreementStatus(agreement.status)
    what = _label(page, ACTION_LABELS[action])
    if side is None:
        return page.t("只有协议双方可以执行此操作", "Only a party to the agreement may do this")
    try:
        domain.next_status(status, action, side, Validity(agreement.valid_from, agreement.valid_until),
                           clock.today_in_shanghai(), service.offered_by(agreement))
    except domain.TransitionRefused as refused:
        state = _label(page, STATUS_LABELS[status])
        if refused.code == "agreement_party":
            if action is AgreementAction.COUNTER and side is Side.OPERATOR:
                return page.t("还价由协议双方商户提出,联盟总部可代为接受或拒绝",
                              "Counter-offers are made by the two merchants; the operator may accept or reject")
            if action in (AgreementAction.ACCEPT, AgreementAction.REJECT, AgreementAction.COUNTER):
                return page.t(f"「{what}」须由对方商户决定", f"Only the other party may {what.lower()} the proposal")
            return page.t(f"只有提议方可以「{what}」", f"Only the proposer may {what.lower()} it")
        if refused.code == "agreement_not_started":
            return page.t(f"协议 {agreement.valid_from} 才开始,届时才能生效",
                          f"The agreement starts on {agreement.valid_from}; it cannot be activated before")
        if refused.code == "agreement_expired":
            return page.t("协议已过有效期,不能生效", "The agreement has expired; it cannot be activated")
        return page.t(f"协议当前状态为「{state}」,不能「{what}」",
                      f"The agreement is '{state}'; '{what}' is not possible now")
    return None


# --- counter-offer -------------------------------------------------------------------------------------------

TERM_KEYS = ("kind", "rate_bp", "amount_fen", "payer", "payee", "staff_amount_fen")


def _yuan_text(fen: Any) -> str:
    return f"{int(fen) / 100:.2f}" if isinstance(fen, int) and not isinstance(fen, bool) else ""


def _counter_values(agreement: Agreement) -> tuple[dict[str, str], list[str]]:
    """The offer on the table as the counter-offer form's values (its first commission term in the term fields)."""
    values = {
        "return_window_days": str(agreement.return_window_days), "settlement_cycle": agreement.settlement_cycle,
        "valid_from": agreement.valid_from.isoformat(),
        "valid_until": agreement.valid_until.isoformat() if agreement.valid_until else "", "notes": agreement.notes,
        "payer": "b", "payee": "merchant",
    }
    if agreement.commission_terms:
        term = agreement.commission_terms[0]
        values |= {"commission_kind": str(term.get("kind", "")), "payer": str(term.get("payer", "b")),
                   "payee": str(term.get("payee", "merchant")),
                   "commission_amount": _yuan_text(term.get("amount_fen")),
                   "staff_amount": _yuan_text(term.get("staff_amount_fen")),
                   "commission_percent": f"{Decimal(term['rate_bp']) / 100:g}" if term.get("rate_bp") else ""}
    return values, list(agreement.modes)


def _counter_terms(agreement: Agreement, built: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The commission terms of the counter-offer: the form's term in place of the first; a term of the same kind
    keeps its conditions (caps, minimum, first order only…), which the form does not show; the others unchanged."""
    rest = [dict(t) for t in agreement.commission_terms[1:]]
    if not built:
        return []
    new = dict(built[0])
    first = dict(agreement.commission_terms[0]) if agreement.commission_terms else {}
    if first.get("kind") == new.get("kind"):
        new = {k: v for k, v in first.items() if k not in TERM_KEYS} | {k: new.get(k) for k in TERM_KEYS}
    return [new, *rest]


def _counter_context(page: Page, agreement: Agreement, values: dict[str, Any], errors: dict[str, str],
                     modes: list[str]) -> dict[str, Any]:
    names = _merchants(page)
    row = _row(page, agreement, names)
    context = _form_context(page, values, errors, modes)
    context["payers"] = [("b", page.t(f"{row.counterparty}(对方,接待客户的商户)",
                                      f"{row.counterparty} (counterparty, receiving the customer)")),
                         ("a", page.t(f"{row.proposer}(提议方)", f"{row.proposer} (proposer)"))]
    return {**context, "agreement": agreement, "row": row, "terms": _terms(page, agreement, names),
            "more_terms": len(agreement.commission_terms) > 1}


def _counter_refused(page: Page, agreement: Agreement) -> Response | None:
    refusal = _refusal(page, agreement, AgreementAction.COUNTER)
    if refusal is None:
        return None
    return _detail(page, agreement.id, status_code=409, error=refusal)


@router.get("/console/partners/agreements/{agreement_id}/counter", response_class=HTMLResponse)
def counter_form(agreement_id: int, page: StaffPage) -> Response:
    """The offer on the table, in a form to change and send back."""
    agreement = repository.get_agreement(page.session, page.me, agreement_id)
    refused = _counter_refused(page, agreement)
    if refused is not None:
        return refused
    values, modes = _counter_values(agreement)
    return page.render("partners/counter.html", **_counter_context(page, agreement, values, {}, modes))


@router.post("/console/partners/agreements/{agreement_id}/counter", response_class=HTMLResponse)
async def counter(agreement_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    modes = [m for m in (await page.request.form()).getlist("modes") if isinstance(m, str)]
    agreement = repository.get_agreement(page.session, page.me, agreement_id)
    refused = _counter_refused(page, agreement)
    if refused is not None:
        return refused
    # the parties and the title are not the form's: they are the agreement's
    parties = {"title": agreement.title, "merchant_b_id": str(agreement.merchant_b_id or "")}
    data, errors = _build(page, {**values, **parties}, modes)
    note = values.get("reason", "").strip()
    if len(note) > 500:
        errors["reason"] = page.t("说明最多 500 字", "At most 500 characters")
    if data is None or errors:
        return page.render("partners/counter.html", status_code=422, error=errors.get("__all__"),
                           **_counter_context(page, agreement, values, errors, modes))
    built = data.model_dump(mode="json")
    offer = CounterOfferIn(
        modes=data.modes, commission_terms=_counter_terms(agreement, built["commission_terms"]),
        return_window_days=data.return_window_days, settlement_cycle=data.settlement_cycle,
        valid_from=data.valid_from or agreement.valid_from, valid_until=data.valid_until, notes=data.notes, note=note,
    )
    _, error = run_write(page, lambda: service.counter_offer(page.session, page.me, agreement_id, offer))
    if error is not None:
        fresh = repository.get_agreement(page.session, page.me, agreement_id)
        return page.render("partners/counter.html", status_code=422, error=error,
                           **_counter_context(page, fresh, values, {}, modes))
    return page.redirect(f"/console/partners/agreements/{agreement_id}?done={AgreementAction.COUNTER.value}")


@router.post("/console/partners/agreements/{agreement_id}/{action}", response_class=HTMLResponse)
async def agreement_action(agreement_id: int, action: str, page: StaffPage) -> Response:
    values = await form_of(page)
    if action not in {a.value for a in AgreementAction}:
        raise NotFound("agreement")
    chosen = AgreementAction(action)
    agreement = repository.get_agreement(page.session, page.me, agreement_id)
    if chosen is AgreementAction.COUNTER:  # unreachable through the counter route above; kept for safety
        return page.redirect(f"/console/partners/agreements/{agreement_id}/counter")
    refusal = _refusal(page, agreement, chosen)
    if refusal is not None:
        return _detail(page, agreement_id, status_code=409, error=refusal)
    reason = values.get("reason", "").strip()
    if domain.needs_reason(chosen) and not reason:  # the confirm step, or its reason left blank
        problem = {"reason": page.t("请填写原因,对方会在变更记录中看到",
                                    "Give a reason; the partner sees it in the history")}
        return _detail(page, agreement_id, status_code=422, confirm=_confirmation(page, chosen.value),
                       values=values, errors=problem if "reason" in values else {})
    if len(reason) > 500:
        return _detail(page, agreement_id, status_code=422, confirm=_confirmation(page, chosen.value),
                       values=values, errors={"reason": page.t("原因最多 500 字", "At most 500 characters")})
    _, error = run_write(page, lambda: service.transition(page.session, page.me, agreement_id, chosen, reason))
    if error is not None:
        return _detail(page, agreement_id, status_code=409, error=error)
    return page.redirect(f"/console/partners/agreements/{agreement_id}?done={chosen.value}")

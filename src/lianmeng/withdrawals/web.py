"""Console page of withdrawals: rebate balances (frozen until the return window ends, then available) of the
merchant and its staff, a form to ask for a withdrawal (errors next to the amount: not an amount, more than is
available, below the alliance's minimum or fee), the requests, and the decisions the caller may take — staff
requests by their merchant's admin or the operator, merchants' requests by the operator: approve, reject, and
after the transfer, paid.

The request and the decisions are the withdrawals service's, with the logged-in principal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from lianmeng.alliances import repository as alliances_repo
from lianmeng.auth.domain import Role
from lianmeng.commissions import repository as commissions_repo
from lianmeng.kit.errors import NotFound
from lianmeng.kit.i18n import translate
from lianmeng.kit.money import format_yuan
from lianmeng.kit.pagination import PageParams, paginate
from lianmeng.ledger import repository as ledger_repo
from lianmeng.ledger.domain import AccountKind, OwnerType
from lianmeng.merchants import repository as merchants_repo
from lianmeng.tenancy import Principal
from lianmeng.web import labels
from lianmeng.web.console import FIELD_MESSAGES, Page, StaffPage, form_of, parse, run_write, yuan_field
from lianmeng.web.labels import DECISION_LABELS
from lianmeng.web.labels import WITHDRAWAL_STATUS_LABELS as STATUS_LABELS
from lianmeng.withdrawals import domain, repository, service
from lianmeng.withdrawals.domain import FLOW, PAYOUT_METHOD_LABELS, Decision, PayoutMethod, WithdrawalStatus
from lianmeng.withdrawals.models import PayoutAccount, Withdrawal
from lianmeng.withdrawals.schemas import PayoutAccountCreate, WithdrawalCreate, WithdrawalDecision

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20

DONE: dict[str, tuple[str, str]] = {
    "account_added": ("收款账户已添加(仅显示部分号码)", "Payout account added (shown masked)"),
    "account_removed": ("收款账户已删除", "Payout account removed"),
    "requested": ("提现申请已提交,等待审核", "Withdrawal requested; waiting for approval"),
    Decision.APPROVE.value: ("已批准提现申请", "Withdrawal approved"),
    Decision.REJECT.value: ("已拒绝提现申请,金额已退回可提现余额", "Withdrawal rejected; the money is available again"),
    Decision.PAY.value: ("已确认打款", "Withdrawal marked as paid"),
}
BALANCE_KINDS = (AccountKind.REBATE_FROZEN, AccountKind.REBATE_AVAILABLE, AccountKind.WITHDRAWAL_PENDING,
                 AccountKind.REBATE_CLAWBACK)


@dataclass
class Payee:
    """Someone whose rebates the caller may see: the merchant itself or one of its staff."""

    type: str  # merchant | staff
    id: int
    name: str
    balances: dict[str, int] = field(default_factory=dict)  # account kind -> fen

    @property
    def key(self) -> str:
        return f"{self.type}:{self.id}"


def _int(text: str | None, default: int) -> int:
    cleaned = (text or "").strip()
    return int(cleaned) if cleaned.isascii() and cleaned.isdigit() and 0 < len(cleaned) < 10 else default


def _payees(page: Page) -> list[Payee]:
    """Whose balances the caller sees: store staff themselves; a merchant admin its merchant and its staff; the
    operator the alliance's merchants."""
    me = page.me
    session = page.session
    if me.role is Role.STORE_STAFF:
        staff = merchants_repo.get_staff(session, me, me.staff_id) if me.staff_id else None
        return [Payee("staff", staff.id, staff.name)] if staff else []
    if me.is_merchant_side and me.merchant_id is not None:
        merchant = merchants_repo.get_merchant(session, me, me.merchant_id)
        staff_rows = merchants_repo.staff_in_scope(session, me, merchant_id=merchant.id)
        return [Payee("merchant", merchant.id, merchant.name), *(Payee("staff", s.id, s.name) for s in staff_rows)]
    if me.is_operator and me.alliance_id is not None:
        return [Payee("merchant", m.id, m.name) for m in merchants_repo.merchants_in_scope(session, me)]
    return []


def _with_balances(page: Page, payees: list[Payee]) -> list[Payee]:
    alliance_id = page.me.alliance_id
    if alliance_id is None:
        return payees
    wanted = {kind.value for kind in BALANCE_KINDS}
    for payee in payees:
        accounts = ledger_repo.accounts_of(page.session, alliance_id, OwnerType(payee.type).value, payee.id)
        payee.balances = {kind: 0 for kind in wanted} | {
            a.kind: ledger_repo.balance_of(page.session, a) for a in accounts if a.kind in wanted}
    return payees


def _own_payee(payees: list[Payee], me: Principal) -> Payee | None:
    """The caller as a payee: store staff themselves, a merchant admin the merchant. Only the payee asks for a
    withdrawal or adds a payout account, for itself."""
    if me.role is Role.STORE_STAFF:
        return next((p for p in payees if p.type == "staff" and p.id == me.staff_id), None)
    if me.role is Role.MERCHANT_ADMIN:
        return next((p for p in payees if p.type == "merchant" and p.id == me.merchant_id), None)
    return None


def _account_words(page: Page, account: PayoutAccount) -> str:
    """「支付宝 138****5678 · 王芳」: the method in words, the masked number, the holder (a card: and its bank)."""
    method = page.t(*PAYOUT_METHOD_LABELS[PayoutMethod(account.method)])
    bank = f" {account.bank_name}" if account.bank_name else ""
    return f"{method}{bank} {account.account_masked} · {account.holder_name}"


def _may_request(me: Principal) -> bool:
    return me.role in (Role.MERCHANT_ADMIN, Role.STORE_STAFF)


def _may_decide(me: Principal, withdrawal: Withdrawal) -> bool:
    """As withdrawals.service.decide: staff requests by their merchant's admin or the operator; merchants' by the
    operator."""
    if me.role is Role.INTEGRATION:
        return False
    if withdrawal.payee_type == "staff":
        return me.is_operator or (me.role is Role.MERCHANT_ADMIN and me.merchant_id == withdrawal.merchant_id)
    return me.is_operator


def _render(page: Page, status_code: int = 200, *, status: str = "", page_no: int = 1, rebates_page: int = 1,
            values: dict[str, str] | None = None, errors: dict[str, str] | None = None, **extra: Any) -> Response:
    me = page.me
    session = page.session
    payees = _with_balances(page, _payees(page))
    wanted = status if status in {s.value for s in WithdrawalStatus} else ""
    paging = PageParams(page=page_no, page_size=PAGE_SIZE)
    rows, total = paginate(session, repository.list_withdrawals(me, status=wanted or None), paging)
    staff_ids = {w.payee_id for w in rows if w.payee_type == "staff"}
    staff_names = {s.id: s.name for s in merchants_repo.staff_in_scope(
        session, me, ids=staff_ids)} if staff_ids else {}
    merchant_names = {m.id: m.name for m in merchants_repo.merchants_in_scope(session, me)}
    requests = []
    for w in rows:
        current = WithdrawalStatus(w.status)
        decisions = [(d.value, page.t(*DECISION_LABELS[d])) for d in Decision
                     if (current, d) in FLOW and _may_decide(me, w)]
        payee = staff_names.get(w.payee_id, f"#{w.payee_id}") if w.payee_type == "staff" else merchant_names.get(
            w.payee_id, f"#{w.payee_id}")
        requests.append({"w": w, "payee": payee, "merchant": merchant_names.get(w.merchant_id, ""),
                         "status_label": page.t(*STATUS_LABELS[current]), "decisions": decisions})
    alliance = alliances_repo.alliance_by_id(session, me.alliance_id) if me.alliance_id is not None else None
    own = _own_payee(payees, me)
    may_request = _may_request(me) and own is not None
    my_accounts = (repository.payout_accounts_in_scope(session, me, owner_type=own.type, owner_id=own.id)
                   if own is not None else [])
    used = repository.payout_accounts_by_id(session, {w.payout_account_id for w in rows if w.payout_account_id})
    rebate_paging = PageParams(page=rebates_page, page_size=PAGE_SIZE)
    owed_to = None if me.is_operator else [(p.type, p.id) for p in payees]
    rebates, rebate_total = commissions_repo.rebate_lines(session, me, owed_to, rebate_paging)
    payee_names = {(p.type, p.id): p.name for p in payees}
    return page.render(
        "withdrawals/index.html", status_code=status_code, payees=payees, requests=requests, total=total,
        page_no=paging.page, pages=max(1, -(-total // PAGE_SIZE)), status=wanted,
        statuses=[(s.value, page.t(*STATUS_LABELS[s])) for s in WithdrawalStatus],
        may_request=may_request, payee_options=[(own.key, own.name)] if may_request and own else [],
        my_accounts=my_accounts, account_options=[(str(a.id), _account_words(page, a)) for a in my_accounts],
        used_accounts={i: _account_words(page, a) for i, a in used.items()},
        methods=[(m.value, page.t(*PAYOUT_METHOD_LABELS[m])) for m in PayoutMethod],
        minimum=alliance.withdrawal_min_fen if alliance else 0, fee=alliance.withdrawal_fee_fen if alliance else 0,
        values=values or {}, errors=errors or {}, rebates=rebates, rebate_total=rebate_total,
        rebates_page=rebate_paging.page, rebate_pages=max(1, -(-rebate_total // PAGE_SIZE)),
        payee_names=payee_names, rebate_reason=lambda reason: labels.rebate_reason(reason, page.lang), **extra)


@router.get("/console/withdrawals", response_class=HTMLResponse)
def withdrawals(page: StaffPage, status: str = "", p: str = "1", rp: str = "1", done: str = "") -> Response:
    return _render(page, status=status, page_no=_int(p, 1), rebates_page=_int(rp, 1),
                   flash=page.t(*DONE[done]) if done in DONE else None)


def _check_amount(page: Page, payee: Payee, fen: int | None) -> str | None:
    """Why this amount cannot be asked for, in words next to the field (the service checks again)."""
    if fen is None:
        return page.t(*FIELD_MESSAGES["decimal_parsing"])
    available = payee.balances.get(AccountKind.REBATE_AVAILABLE.value, 0)
    if fen > available:
        return page.t(f"超过可提现余额(可提现 {format_yuan(available)})",
                      f"More than is available ({format_yuan(available)} available)")
    alliance_id = page.me.alliance_id
    alliance = alliances_repo.alliance_by_id(page.session, alliance_id) if alliance_id is not None else None
    if alliance is not None and fen < alliance.withdrawal_min_fen:
        return page.t(f"最低提现金额为 {format_yuan(alliance.withdrawal_min_fen)}",
                      f"The minimum withdrawal is {format_yuan(alliance.withdrawal_min_fen)}")
    if alliance is not None and alliance.withdrawal_fee_fen >= fen:
        return page.t(f"金额不足以支付手续费 {format_yuan(alliance.withdrawal_fee_fen)}",
                      f"The amount does not cover the {format_yuan(alliance.withdrawal_fee_fen)} fee")
    return None


@router.post("/console/withdrawals", response_class=HTMLResponse)
async def request_withdrawal(page: StaffPage) -> Response:
    values = await form_of(page)
    shown = {"payee": values.get("payee", ""), "amount": values.get("amount", "").strip()[:20],
             "payout_account": values.get("payout_account", "")}
    if not _may_request(page.me):
        return _render(page, 403, error=page.t("只有商户管理员和门店员工可以申请提现",
                                               "Only merchant admins and store staff may ask for withdrawals"))
    own = _own_payee(_with_balances(page, _payees(page)), page.me)
    payee = own if own is not None and own.key == shown["payee"] else None
    if payee is None:
        return _render(page, 422, values=shown, errors={"payee": page.t("请选择提现对象", "Choose who withdraws")})
    fen, problem = yuan_field(page, values.get("amount", ""))
    problem = problem or _check_amount(page, payee, fen)
    if problem is not None or fen is None:
        return _render(page, 422, values=shown, errors={"amount": problem or ""})
    chosen = shown["payout_account"]
    mine = {str(a.id) for a in repository.payout_accounts_in_scope(
        page.session, page.me, owner_type=payee.type, owner_id=payee.id)}
    if chosen not in mine:
        return _render(page, 422, values=shown, errors={"payout_account": page.t(
            "请选择收款账户;没有的话请先在下方添加", "Choose a payout account; add one below if there is none")})
    body = WithdrawalCreate(payee_type="staff" if payee.type == "staff" else "merchant", payee_id=payee.id,
                            amount_fen=fen, payout_account_id=int(chosen))
    _, error = run_write(page, lambda: service.request(page.session, page.me, body))
    if error is not None:
        return _render(page, 409, values=shown, errors={"amount": error})
    return page.redirect("/console/withdrawals?done=requested")


@router.post("/console/withdrawals/{withdrawal_id}/{decision}", response_class=HTMLResponse)
async def decide(withdrawal_id: int, decision: str, page: StaffPage) -> Response:
    values = await form_of(page)
    if decision not in {d.value for d in Decision}:
        raise NotFound("withdrawal")
    chosen = Decision(decision)
    withdrawal = repository.get_withdrawal(page.session, page.me, withdrawal_id)  # 404 outside the caller's scope
    current = WithdrawalStatus(withdrawal.status)
    state, what = page.t(*STATUS_LABELS[current]), page.t(*DECISION_LABELS[chosen])
    if not _may_decide(page.me, withdrawal):
        return _render(page, 403, error=page.t(
            "员工的提现由其商户管理员或联盟总部审核,商户的提现由联盟总部审核",
            "Staff withdrawals are decided by their merchant's admin or the operator; merchants' by the operator"))
    if (current, chosen) not in FLOW:
        return _render(page, 409, error=page.t(f"提现申请当前状态为「{state}」,不能「{what}」",
                                               f"The withdrawal is '{state}'; '{what}' is not possible now"))
    if chosen is Decision.PAY and not values.get("payout_reference", "").strip():
        return _render(page, 422, error=page.t("确认打款时请填写打款流水号",
                                               "Enter the transfer's reference to mark it paid"))
    body = WithdrawalDecision(decision=chosen, reason=values.get("reason", "").strip()[:200],
                              payout_reference=values.get("payout_reference", "").strip()[:100])
    _, error = run_write(page, lambda: service.decide(page.session, page.me, withdrawal_id, body))
    if error is not None:
        return _render(page, 409, error=error)
    return page.redirect(f"/console/withdrawals?done={chosen.value}")


@router.post("/console/payout-accounts", response_class=HTMLResponse)
async def add_payout_account(page: StaffPage) -> Response:
    """The caller's own payout account; the number is checked for its method, next to the field."""
    values = await form_of(page)
    shown = {k: values.get(k, "").strip()[:64] for k in ("method", "account", "holder_name", "bank_name")}
    form = {f"pa_{k}": v for k, v in shown.items() if k != "account"}  # the number is never echoed back
    body, errors = parse(PayoutAccountCreate, shown, page.lang)
    if body is not None:
        if domain.normalise_account(body.method, body.account) is None:
            errors["account"] = translate("payout_account_invalid", page.lang)
        if body.method is PayoutMethod.BANK_CARD and not body.bank_name.strip():
            errors["bank_name"] = translate("payout_bank_required", page.lang)
    if body is None or errors:
        return _render(page, 422, values=form, errors={f"pa_{k}": v for k, v in errors.items()})
    _, error = run_write(page, lambda: service.add_payout_account(page.session, page.me, body))
    if error is not None:
        return _render(page, 403, values=form, errors={"pa_method": error})
    return page.redirect("/console/withdrawals?done=account_added")


@router.post("/console/payout-accounts/{account_id}/remove", response_class=HTMLResponse)
async def remove_payout_account(account_id: int, page: StaffPage) -> Response:
    await form_of(page)
    repository.get_payout_account(page.session, page.me, account_id)  # 404 outside the caller's scope
    _, error = run_write(page, lambda: service.remove_payout_account(page.session, page.me, account_id))
    if error is not None:
        return _render(page, 403, error=error)
    return page.redirect("/console/withdrawals?done=account_removed")

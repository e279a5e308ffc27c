"""Console pages of members: the caller's members (a merchant: those it brought in or enrolled; the operator: the
alliance's), found by card number, name or phone (matched by keyed hash, never stored or shown in clear), and
one member with its memberships here, the balances the caller may read (alliance points; stored value only where
it sits at the caller) with their history, and its orders here.

Phones only ever appear masked (138****5678). A phone typed into the search is posted (not put in the address)
and is not echoed back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from lianmeng.kit import crypto, ids
from lianmeng.kit.pagination import PageParams, paginate
from lianmeng.ledger import access
from lianmeng.ledger import repository as ledger_repo
from lianmeng.ledger.domain import AccountKind, OwnerType
from lianmeng.ledger.models import Account
from lianmeng.members import domain, repository, service
from lianmeng.merchants import repository as merchants_repo
from lianmeng.orders import repository as orders_repo
from lianmeng.tags import web as tags_web
from lianmeng.values import service as values_service
from lianmeng.values.domain import MAX_STARS, RfmClass
from lianmeng.vehicles import web as vehicles_web
from lianmeng.web import labels
from lianmeng.web.console import Page, StaffPage, form_of

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
HISTORY_SIZE = 20
ORDERS_SHOWN = 20

def _int(text: str | None, default: int, low: int = 1, high: int = 100_000) -> int:
    cleaned = (text or "").strip()
    if cleaned.isascii() and cleaned.isdigit() and len(cleaned) < 10 and low <= int(cleaned) <= high:
        return int(cleaned)
    return default


def _merchant_names(page: Page) -> dict[int, str]:
    return {m.id: m.name for m in merchants_repo.merchants_in_scope(page.session, page.me)}


@dataclass
class Search:
    """What was asked for, understood: a phone (by hash), a whole card number, or a name / card prefix."""

    shown: str  # what the search box shows again (never a phone)
    described: str  # what the results are for, in words ("" for no search)
    kwargs: dict[str, Any]


def _search(page: Page, raw: str) -> Search:
    text = raw.strip()[:60]
    if not text:
        return Search("", "", {})
    digits = text.replace(" ", "").replace("-", "")
    if len(digits) == 16 and digits.isascii() and digits.isdigit():
        return Search(text, page.t(f"卡号 {ids.format_card_number(digits)}", f"card {ids.format_card_number(digits)}"),
                      {"card_no": digits})
    phone = domain.normalize_phone(text)
    if phone is not None:
        masked = crypto.mask_phone(phone)
        return Search("", page.t(f"手机号 {masked}", f"phone {masked}"),
                      {"phone_lookup": service.phone_lookup_hashes(page.me, phone)})
    return Search(text, page.t(f"“{text}”", f"“{text}”"), {"q": text})


@dataclass
class Filters:
    """The list's filters as asked (codes checked against their vocabularies; anything else is ignored)."""

    merchant: int | None = None  # the operator's: members enrolled at this merchant
    tier: str = ""
    value: str = ""  # an RFM class (会员价值分层) at the merchant (or alliance-wide for the operator without one)
    stars: int | None = None  # at least this many alliance stars

    def params(self) -> dict[str, str]:
        return {k: str(v) for k, v in (("merchant", self.merchant), ("tier", self.tier), ("value", self.value),
                                        ("stars", self.stars)) if v not in (None, "")}


def _filters(page: Page, merchant: str, tier: str, value: str, stars: str) -> Filters:
    me = page.me
    chosen = _int(merchant, 0, 1, 2_000_000_000) if me.is_operator else 0
    names = _merchant_names(page) if chosen else {}
    return Filters(
        merchant=chosen if chosen in names else None,
        tier=tier if tier in labels.TIER_LABELS else "",
        value=value if value in {c.value for c in RfmClass} else "",
        stars=_int(stars, 0, 1, MAX_STARS) or None,
    )


def _narrowed(page: Page, filters: Filters) -> dict[str, Any]:
    """The filters as list_members' arguments (members.service.list_filters, the same as GET /members')."""
    return service.list_filters(page.me, merchant_id=filters.merchant, tier=filters.tier or None,
                                value=filters.value or None, stars=filters.stars)


def _list(page: Page, raw_query: str, page_no: int, filters: Filters | None = None) -> Response:
    me = page.me
    filters = filters or Filters()
    search = _search(page, raw_query)
    paging = PageParams(page=page_no, page_size=PAGE_SIZE)
    members, total = paginate(page.session, repository.list_members(me, **search.kwargs,
                                                                    **_narrowed(page, filters)), paging)
    names = _merchant_names(page)
    tiers = repository.tiers_at(page.session, {(m.id, me.merchant_id) for m in members}) if (
        me.merchant_id is not None) else {}
    rows = [{
        "member": m, "card": ids.format_card_number(m.card_no),
        "origin": names.get(m.origin_merchant_id, "") if m.origin_merchant_id is not None else "",
        "tier": page.label("tier", tiers.get((m.id, me.merchant_id))) if me.merchant_id is not None else None,
        "status": page.label("member_status", m.status),
    } for m in members]
    pages = max(1, -(-total // PAGE_SIZE))
    link_query = search.shown if "phone_lookup" not in search.kwargs else ""
    link = urlencode({**({"q": link_query} if link_query else {}), **filters.params()})
    return page.render(
        "members/index.html", rows=rows, total=total, page_no=paging.page, pages=pages,
        shown_query=search.shown, described=search.described, link=link, filters=filters,
        filtering=bool(filters.params()),
        merchant_options=[("", page.t("全部商户", "Every merchant")),
                          *[(str(i), n) for i, n in sorted(names.items(), key=lambda x: x[1])]]
        if me.is_operator else [],
        tier_options=[("", page.t("全部等级", "Every tier")), *labels.options("tier", page.lang)],
        value_options=[("", page.t("全部价值分层", "Every value class")), *labels.options("rfm_class", page.lang)],
        star_options=[("", page.t("不限星级", "Any stars")),
                      *[(str(n), page.t(f"{n} 星及以上", f"{n}+ stars")) for n in range(MAX_STARS, 0, -1)]],
    )


@router.get("/console/members", response_class=HTMLResponse)
def members(page: StaffPage, q: str = "", p: str = "1", merchant: str = "", tier: str = "", value: str = "",
            stars: str = "") -> Response:
    return _list(page, q, _int(p, 1), _filters(page, merchant, tier, value, stars))


@router.post("/console/members", response_class=HTMLResponse)
async def search_members(page: StaffPage) -> Response:
    """The search box posts, so a phone number never lands in an address, a log or the browser's history. Other
    searches are sent on to the address (so they can be paged and bookmarked), with the filters."""
    values = await form_of(page)
    text = values.get("q", "").strip()[:60]
    filters = _filters(page, values.get("merchant", ""), values.get("tier", ""), values.get("value", ""),
                       values.get("stars", ""))
    if "phone_lookup" in _search(page, text).kwargs:
        return _list(page, text, 1, filters)
    query = urlencode({**({"q": text} if text else {}), **filters.params()})
    return page.redirect("/console/members" + (f"?{query}" if query else ""))


# --- one member --------------------------------------------------------------------------------------------


def _account_label(page: Page, account: Account, names: dict[int, str]) -> str:
    label = page.label("account_kind", account.kind)
    if account.kind == AccountKind.STORED_VALUE.value:
        return f"{label} · {names.get(account.scope_id, f'#{account.scope_id}')}"
    return label


@router.get("/console/members/{member_id}", response_class=HTMLResponse)
def member_page(member_id: int, page: StaffPage, account: str = "", p: str = "1") -> Response:
    return detail(page, member_id, account, p)


def detail(page: Page, member_id: int, account: str = "", p: str = "1", tag_error: str = "",
           vehicle_error: str = "") -> HTMLResponse:
    """One member's page (`tag_error`, `vehicle_error`: what went wrong with a tag or a vehicle just added or
    removed, shown in its section)."""
    me = page.me
    session = page.session
    member = repository.get_member(session, me, member_id)  # 404 outside the caller's members
    names = _merchant_names(page)
    memberships = repository.memberships_in_scope(session, me, member_id=member.id)
    alliance_id = access.owner_alliance(session, me, OwnerType.MEMBER, member.id)
    accounts = [a for a in ledger_repo.accounts_of(session, alliance_id, OwnerType.MEMBER.value, member.id)
                if access.visible(me, OwnerType.MEMBER, a)]
    amounts = {a.id: ledger_repo.balance_of(session, a) for a in accounts}
    balances = [{"account": a, "label": _account_label(page, a, names), "balance": amounts[a.id]}
                for a in accounts if amounts[a.id] or a.kind != AccountKind.POINTS_DEBT.value]
    wanted = _int(account, 0, 0, 2**62)
    chosen = next((a for a in accounts if a.id == wanted), None) or next(
        (a for a in accounts if a.kind == AccountKind.POINTS.value), None) or (accounts[0] if accounts else None)
    history: list[dict[str, Any]] = []
    history_total = 0
    history_page = _int(p, 1)
    if chosen is not None:
        history_total = ledger_repo.count_entries(session, chosen.id)
        rows = ledger_repo.history_page(session, chosen.id, HISTORY_SIZE, (history_page - 1) * HISTORY_SIZE)
        history = [{"entry": e, "posting": posting,
                    "cause": page.label("ledger_cause", posting.cause)}
                   for e, posting in rows]
    orders, orders_total = paginate(session, orders_repo.list_orders(me, member_id=member.id),
                                    PageParams(page=1, page_size=ORDERS_SHOWN))
    return page.render(
        "members/detail.html", member=member, card=ids.format_card_number(member.card_no),
        origin=names.get(member.origin_merchant_id, "") if member.origin_merchant_id is not None else "",
        status=page.label("member_status", member.status),
        memberships=[{"membership": m, "merchant": names.get(m.merchant_id, f"#{m.merchant_id}")}
                     for m in memberships],
        balances=balances, chosen=chosen, chosen_label=_account_label(page, chosen, names) if chosen else "",
        history=history, history_total=history_total, history_page=history_page,
        history_pages=max(1, -(-history_total // HISTORY_SIZE)),
        orders=[{"order": o, "merchant": names.get(o.merchant_id, f"#{o.merchant_id}")} for o in orders],
        orders_total=orders_total,
        value=values_service.member_value_shown(session, me, member.id),
        tags=tags_web.member_section(page, member.id), tag_error=tag_error,
        vehicles=vehicles_web.member_section(page, member.id), vehicle_error=vehicle_error,
    )

"""The member's group-buy pages (拼团, phone-sized): the offers open to the member, starting a group (pressing
"pay" is the payment, recorded as in orders), the group's page with its progress, countdown, share link and QR
code, leaving before it forms, the package once formed; and the share link's landing /g/{token}, which anyone may
open and a logged-in member joins from.

Starting and joining carry a form token (a hidden `key` made when the form is rendered) used as the write's
Idempotency-Key (kit/idempotency.run_once, scoped to the member): a double tap or a reload of the POST replays the
first answer instead of paying twice. Refusals (full, expired, already joined, the limit) are said on the page in
the reader's language with their 409/422 status, never a 500.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

import segno
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from lianmeng.alliances import repository as alliances_repo
from lianmeng.db import transaction
from lianmeng.groupbuys import repository, service, web_queries
from lianmeng.groupbuys.domain import GroupStatus, SeatStatus
from lianmeng.groupbuys.schemas import GroupJoin, GroupOut, GroupStart, SeatRefund
from lianmeng.jointcards import repository as jointcards_repo
from lianmeng.jointcards import service as jointcards_service
from lianmeng.jointcards.schemas import CardOut
from lianmeng.kit import clock, idempotency
from lianmeng.kit.errors import AppError, Invalid, NotFound
from lianmeng.members.mobile import member_principal
from lianmeng.merchants import repository as merchants_repo
from lianmeng.tenancy import Principal
from lianmeng.web import links
from lianmeng.web.console import MemberPage, OpenPage, Page, form_of

router = APIRouter(include_in_schema=False)

TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,32}$")
REFUSALS = (404, 409, 422)


def group_url(page: Page, token: str) -> str:
    """The share link a member sends a friend (LIANMENG_PUBLIC_URL when set)."""
    return f"{links.public_base(page.request)}/g/{quote(token, safe='')}"


def _qr_svg(payload: str, title: str) -> Markup:
    svg = segno.make(payload, error="m").svg_inline(scale=4, border=2, svgclass="group-qr", omitsize=True,
                                                     title=title)
    return Markup(svg)  # segno's own markup of our own link (the title is escaped by segno)


def time_left(page: Page, deadline: datetime, now: datetime) -> str:
    """'还剩 5 小时 12 分' / '5 h 12 min left'; '' once the deadline has passed."""
    minutes = int((deadline - now).total_seconds() // 60)
    if minutes <= 0:
        return ""
    hours, minutes = divmod(minutes, 60)
    if hours:
        return page.t(f"还剩 {hours} 小时 {minutes} 分", f"{hours} h {minutes} min left")
    return page.t(f"还剩 {minutes} 分钟", f"{minutes} min left")


def _render(page: Page, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Member pages use their own nav (no console links)."""
    context.setdefault("errors", {})
    return page.render(template, status_code=status_code, principal=None, member_nav=True, **context)


def _paid_once(page: Page, member: Principal, key: str, action: Callable[[], GroupOut]) -> int:
    """Run a paying write once per form token: the group's id (a replay answers the first run's group)."""
    if not idempotency.valid_key(key) or len(key) > 64:
        raise Invalid("idempotency_key_invalid")
    fingerprint = idempotency.fingerprint("POST", page.request.url.path, None)

    def execute() -> tuple[int, Any]:
        return 201, {"group_id": action().id}

    _, body, _ = idempotency.run_once(page.session, member.idempotency_scope, key, fingerprint, execute)
    return int(body["group_id"])


# --- the offers and my groups --------------------------------------------------------------------------------


def _offers_page(page: Page, *, status_code: int = 200, refused: tuple[int, str] | None = None,
                 shared_by: str = "") -> HTMLResponse:
    now = clock.now()
    open_offers = web_queries.offers_open_to(page.session, page.me, now)
    offers = [service.offer_out(page.session, o) for o in open_offers]
    stock = {o.id: web_queries.stock_left(o) for o in open_offers}
    names = merchants_repo.names_of(page.session, page.me.alliance_id,
                                    {c.merchant_id for o in offers for c in o.components})
    mine = service.my_groups(page.session, page.me)
    return _render(page, "member/group_buys.html", status_code=status_code, offers=offers, stock=stock, names=names,
                   groups=mine, key=secrets.token_urlsafe(16), refused=refused, now=now, shared_by=shared_by,
                   time_left=lambda at: time_left(page, at, now))


@router.get("/m/group-buys", response_class=HTMLResponse)
def group_buys(page: MemberPage, s: str = Query(default="", max_length=200)) -> Response:
    """The offers on sale; `s`: a sharer's token (groupbuys.sharing), carried into "开团"."""
    return _offers_page(page, shared_by=s)


@router.post("/m/group-buys/offers/{offer_id}/start", response_class=HTMLResponse)
async def start(offer_id: int, page: MemberPage) -> Response:
    """Start a group and pay its first seat; the group's page follows, with the link to share."""
    values = await form_of(page)
    try:
        group_id = _paid_once(page, page.me, values.get("key", ""), lambda: service.start_group(
            page.session, page.me, GroupStart(offer_id=offer_id, shared_by=values.get("s", "")[:200] or None)))
    except AppError as failure:
        if failure.status_code not in REFUSALS:
            raise
        return _offers_page(page, status_code=failure.status_code, refused=(offer_id, page.error_text(failure)),
                            shared_by=values.get("s", "")[:200])
    return page.redirect(f"/m/group-buys/groups/{group_id}?started=1")


# --- a group, as its participant sees it ----------------------------------------------------------------------


def _card_of(page: Page, group: GroupOut) -> CardOut | None:
    """The joint card the member's seat became once the group formed (what is left of each component)."""
    seat = group.my_seat
    if seat is None or seat.joint_card_id is None or seat.status != SeatStatus.ISSUED.value:
        return None
    return jointcards_service.card_out(page.session, jointcards_repo.get_card(page.session, page.me,
                                                                              seat.joint_card_id))


def _group_page(page: Page, group_id: int, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    group = service.group_view(page.session, page.me, group_id)
    if group.my_seat is None:
        raise NotFound("group_buy_group")
    now = clock.now()
    url = group_url(page, group.token)
    names = merchants_repo.names_of(page.session, page.me.alliance_id, {c.merchant_id for c in group.components})
    return _render(page, "member/group.html", status_code=status_code, group=group, now=now,
                   left=time_left(page, group.deadline_at, now), share_url=url,
                   qr=_qr_svg(url, page.t("拼团分享二维码", "Group share QR code")),
                   people=web_queries.people_of(page.session, page.me.alliance_id or 0, group.id, page.me.member_id),
                   card=_card_of(page, group),
                   names=names, can_leave=group.status == GroupStatus.OPEN.value
                   and group.my_seat.status == SeatStatus.PAID.value, **context)


def _lazy_expiry(page: Page, token: str) -> None:
    """A group past its deadline is expired (and refunded) before it is shown: its own unit of work."""
    with transaction(page.session):
        service.expire_if_due(page.session, token)


@router.get("/m/group-buys/groups/{group_id}", response_class=HTMLResponse)
def group_page(group_id: int, page: MemberPage, started: int = 0, joined: int = 0, left: int = 0) -> Response:
    group = repository.get_group(page.session, page.me, group_id)
    _lazy_expiry(page, group.token)
    flash = ""
    if started:
        flash = page.t("已开团并付款。把链接或二维码发给朋友,满员即成团。",
                       "Group started and paid. Send the link or QR code to friends: it forms when full.")
    elif joined:
        flash = page.t("已参团并付款。", "You joined the group and paid.")
    elif left:
        flash = page.t("已退出该团,款项已全额退回。", "You left the group; what you paid is refunded in full.")
    return _group_page(page, group_id, flash=flash)


@router.post("/m/group-buys/groups/{group_id}/leave", response_class=HTMLResponse)
async def leave(group_id: int, page: MemberPage) -> Response:
    """Leave an open group with a full refund (after forming the seller refunds the unused rest instead)."""
    await form_of(page)
    group = repository.get_group(page.session, page.me, group_id)
    _lazy_expiry(page, group.token)
    seat = repository.seat_of_member(page.session, group.id, page.me.member_id or 0)
    if seat is None:
        raise NotFound("group_buy_group")
    try:
        with transaction(page.session):
            service.refund_seat(page.session, page.me, seat.id, SeatRefund(reason="会员退出"))
    except AppError as failure:
        if failure.status_code not in REFUSALS:
            raise
        return _group_page(page, group_id, status_code=failure.status_code, error=page.error_text(failure))
    return page.redirect(f"/m/group-buys/groups/{group_id}?left=1")


# --- the share link's landing ---------------------------------------------------------------------------------


def _landing(page: Page, token: str, *, status_code: int = 200, error: str = "") -> HTMLResponse:
    found = repository.group_by_token(page.session, token)
    if found is None:
        raise NotFound("group_buy_group")
    public = service.public_group(page.session, token)
    me = member_principal(page)
    if me is not None and me.alliance_id != found.alliance_id:
        me = None
    seat = repository.seat_of_member(page.session, found.id, me.member_id or 0) if me is not None else None
    alliance = alliances_repo.alliance_by_id(page.session, found.alliance_id)
    now = clock.now()
    names = merchants_repo.names_of(page.session, found.alliance_id, {c.merchant_id for c in public.components})
    return page.render("member/group_landing.html", status_code=status_code, principal=None, errors={},
                       member_nav=me is not None, group=public, group_id=found.id, token=token, me=me, seat=seat,
                       alliance_code=alliance.code if alliance else "", left=time_left(page, public.deadline_at, now),
                       names=names, key=secrets.token_urlsafe(16), error=error)


def _checked(token: str) -> str:
    if not TOKEN.fullmatch(token):
        raise NotFound("group_buy_group")
    return token


@router.get("/g/{token}", response_class=HTMLResponse)
def landing(token: str, page: OpenPage) -> Response:
    """What a friend opens: the package, price, seats filled, the deadline, the leader masked; join once logged in."""
    _lazy_expiry(page, _checked(token))
    return _landing(page, token)


@router.post("/g/{token}/join", response_class=HTMLResponse)
async def join(token: str, page: OpenPage) -> Response:
    """Join and pay a seat (a visitor not logged in is sent to the member login, then back to the landing)."""
    _checked(token)
    values = await form_of(page)
    me = member_principal(page)
    if me is None:
        return page.redirect(f"/m/login?next={quote(f'/g/{token}', safe='')}")
    _lazy_expiry(page, token)
    try:
        group_id = _paid_once(page, me, values.get("key", ""), lambda: service.join_group(
            page.session, me, token, GroupJoin()))
    except AppError as failure:
        if failure.status_code not in REFUSALS:
            raise
        return _landing(page, token, status_code=failure.status_code, error=page.error_text(failure))
    return page.redirect(f"/m/group-buys/groups/{group_id}?joined=1")

"""Console pages of targeted offers (定向推荐) and the member's offer page.

Console: /console/targeting (the merchant's offers with their status and counts, and the new-offer form) and
/console/targeting/{id} (delivery counts per arm, skip reasons in words, cancel; the results section is
`targeting/_results.html`, for those who may read the results). Public, phone-sized: /o/{token}, the page an offer's
message links to: the first visit is its "opened", the button its "claimed". Every write is the targeting
service's with the logged-in principal (or the token alone, for the member's page)."""

from __future__ import annotations

import hmac
from collections import defaultdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from lianmeng.coupons import domain as coupons_domain
from lianmeng.db import transaction
from lianmeng.kit import clock
from lianmeng.kit.clock import SHANGHAI
from lianmeng.kit.errors import Forbidden, NotFound
from lianmeng.kit.pagination import PageParams, paginate
from lianmeng.targeting import repository, results, service
from lianmeng.targeting.domain import MAX_HOLDOUT_BP, OPEN_STATUSES, Arm, RecipientStatus
from lianmeng.targeting.models import TargetedOffer
from lianmeng.targeting.results_schemas import ResultsOut
from lianmeng.targeting.schemas import OfferCreate
from lianmeng.web import labels
from lianmeng.web.console import OpenPage, Page, StaffPage, form_of, parse, run_write, visitor_csrf_token

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
MAX_TOKEN = 40


def _summary(counts: list[repository.DeliveryCount]) -> dict[str, dict[str, int]]:
    """arm → {status → count}, with 'total' per arm."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in counts:
        out[c.arm][c.status] += c.count
        out[c.arm]["total"] += c.count
    return out


def _sender(page: Page) -> int | None:
    me = page.me
    return me.merchant_id if me.is_merchant_side and me.manages_merchant and not me.promoter else None


def _index(page: Page, *, status_code: int = 200, **context: Any) -> Response:
    number = context.pop("number", 1)
    rows, total = paginate(page.session, repository.list_offers(page.me), PageParams(page=number, page_size=PAGE_SIZE))
    counts = repository.delivery_counts(page.session, page.me.alliance_id, [o.id for o in rows])
    names = repository.merchant_names(page.session, page.me.alliance_id, {o.partner_merchant_id for o in rows})
    sender = _sender(page)
    audiences: list[tuple[str, str]] = []
    partner_offers: list[tuple[str, str]] = []
    if sender is not None:
        audiences = [(str(a.id), f"{a.name} ({a.last_count})")
                     for a in repository.own_audiences(page.session, page.me.alliance_id, sender)]
        partner_offers = [(str(f.template.id), f"{f.partner.name} · {f.template.name}")
                          for f in repository.partner_offers(page.session, page.me.alliance_id, sender,
                                                             clock.today_in_shanghai())]
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return page.render(
        "targeting/index.html", status_code=status_code, offers=rows, summaries={o.id: _summary(counts[o.id])
                                                                                 for o in rows},
        partner_names=names, total=total, number=number, pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        may_create=sender is not None, audiences=audiences, partner_offers=partner_offers,
        channels=labels.options("offer_channel", page.lang), **context)


@router.get("/console/targeting")
def index(page: StaffPage, p: str = "1") -> Response:
    number = int(p) if p.isascii() and p.isdigit() and 0 < len(p) < 6 else 1
    return _index(page, number=max(number, 1))


def _percent_to_bp(text: str) -> int | None:
    cleaned = text.strip().rstrip("%")
    if not cleaned:
        return None
    try:
        value = round(float(cleaned) * 100)
    except ValueError:
        return -1
    return value


def _local_moment(text: str) -> datetime | None:
    """A datetime-local field, read in Asia/Shanghai."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI) if text.strip() else None


@router.post("/console/targeting/offers")
async def create(page: StaffPage) -> Response:
    values = await form_of(page)
    if _sender(page) is None:
        raise Forbidden()
    fields: dict[str, Any] = {k: values.get(k, "").strip() for k in ("name", "audience_id", "template_id",
                                                                     "message", "channel", "attribution_days")}
    errors: dict[str, str] = {}
    bp = _percent_to_bp(values.get("holdout", ""))
    if bp is not None and not 0 <= bp <= MAX_HOLDOUT_BP:
        errors["holdout"] = page.t("对照组比例须在 0–50% 之间", "The holdout must be between 0 and 50%")
    elif bp is not None:
        fields["holdout_bp"] = str(bp)
    try:
        fields["scheduled_at"] = _local_moment(values.get("scheduled_at", ""))
    except ValueError:
        errors["scheduled_at"] = page.t("请输入日期时间", "Enter a date and time")
    fields["random_arm"] = "true" if values.get("random_arm") else "false"
    data, problems = parse(OfferCreate, fields, page.lang)
    errors = {**problems, **errors}
    if data is None or errors:
        return _index(page, status_code=422, values=values, errors=errors)
    offer, error = run_write(page, lambda: service.create_offer(page.session, page.me, data))
    if error is not None:
        return _index(page, status_code=422, values=values, error=error)
    return page.redirect(f"/console/targeting/{offer.id}")


def _results(page: Page, offer: TargetedOffer) -> ResultsOut | None:
    """The offer's results for those who may read them (store staff see the delivery counts only)."""
    try:
        return results.offer_results(page.session, page.me, offer.id)
    except NotFound:
        return None


def _detail(page: Page, offer: TargetedOffer, status_code: int = 200, **context: Any) -> Response:
    counts = repository.delivery_counts(page.session, page.me.alliance_id, [offer.id])[offer.id]
    skips = [(c.arm, c.skip_reason, c.count) for c in counts if c.status == RecipientStatus.SKIPPED.value]
    names = repository.merchant_names(page.session, page.me.alliance_id, {offer.partner_merchant_id, offer.merchant_id})
    return page.render("targeting/offer.html", status_code=status_code, offer=offer, summary=_summary(counts),
                       arms=[a.value for a in Arm], statuses=[s.value for s in RecipientStatus], skips=skips,
                       partner_name=names.get(offer.partner_merchant_id, ""), results=_results(page, offer),
                       may_cancel=offer.status in OPEN_STATUSES and (page.me.is_operator or _sender(page)),
                       **context)


@router.get("/console/targeting/{offer_id}")
def detail(offer_id: int, page: StaffPage) -> Response:
    return _detail(page, repository.get_offer(page.session, page.me, offer_id))


@router.post("/console/targeting/{offer_id}/cancel")
async def cancel(offer_id: int, page: StaffPage) -> Response:
    await form_of(page)
    _, error = run_write(page, lambda: service.cancel_offer(page.session, page.me, offer_id))
    if error is not None:
        return _detail(page, repository.get_offer(page.session, page.me, offer_id), status_code=422, error=error)
    return page.redirect(f"/console/targeting/{offer_id}")


def _offer_page(page: Page, opened: service.OfferPage, **context: Any) -> Response:
    template = opened.template
    places = [(_Place(m, s), "") for m, s in opened.places]
    return page.render(
        "targeting/member_offer.html", principal=None, errors={}, token=opened.recipient.token, offered=template,
        merchant=opened.sender, store=None, owner_name=opened.partner.name, sender=opened.sender,
        value=coupons_domain.value_words(template, page.lang),
        min_spend=coupons_domain.min_spend_words(template.min_spend_fen, page.lang),
        coupon_validity=coupons_domain.window_words(opened.coupon.valid_from, opened.coupon.valid_until, page.lang),
        places=places, by_distance=False, claimed=opened.recipient.claimed_at is not None, coupon=opened.coupon,
        **context)


class _Place:
    """The shape member/_offer_facts.html lists (a merchant and its store)."""

    def __init__(self, merchant: Any, store: Any) -> None:
        self.merchant = merchant
        self.store = store


@router.get("/o/{token}")
def member_offer(token: str, page: OpenPage) -> Response:
    """The member's offer page; the first visit is recorded as opened."""
    if len(token) > MAX_TOKEN:
        raise NotFound("offer_page")
    with transaction(page.session):
        opened = service.open_offer(page.session, token)
    return _offer_page(page, opened)


@router.post("/o/{token}")
async def claim(token: str, page: OpenPage) -> Response:
    await _claim_form(page)
    with transaction(page.session):
        opened = service.claim_offer(page.session, token[:MAX_TOKEN + 1])
    return _offer_page(page, opened, flash=page.t("已领取,到店出示联盟卡即可使用", "Claimed: show your alliance "
                                                                                  "card at the store to use it"))


async def _claim_form(page: Page) -> None:
    """The link is opened from an SMS or a chat, so the page was rendered with the visitor's own CSRF token (the
    strict member cookie is held back cross-site); either token is accepted, as on /c/{token}."""
    try:
        await form_of(page)
    except Forbidden:
        data = await page.request.form()
        sent = data.get("csrf")
        visitor = visitor_csrf_token(page.request)
        if not visitor or not isinstance(sent, str) or not hmac.compare_digest(sent, visitor):
            raise

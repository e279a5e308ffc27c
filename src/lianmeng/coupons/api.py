from __future__ import annotations

import segno
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from lianmeng.coupons import repository, service
from lianmeng.coupons.models import ClaimLink
from lianmeng.coupons.schemas import (
    AttachOrderIn,
    BenefitRedeemIn,
    ClaimIn,
    ClaimLinkCreate,
    ClaimLinkOut,
    ClaimOut,
    ClaimPage,
    CounterView,
    CouponOut,
    IssueIn,
    RedeemIn,
    RedemptionOut,
    TemplateCreate,
    TemplateOut,
    TemplateUpdate,
    ValidationOut,
)
from lianmeng.db import begin_write
from lianmeng.kit.errors import AppError
from lianmeng.kit.i18n import pick_language, translate
from lianmeng.kit.pagination import Page, page_of
from lianmeng.members import service as members_service
from lianmeng.members.schemas import CardRef
from lianmeng.merchants import repository as merchants_repo
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep
from lianmeng.web.openapi import may_answer

router = APIRouter(tags=["coupons 优惠券·权益"])


@router.post("/coupon-templates", response_model=TemplateOut, status_code=201,
             summary="Publish a coupon, voucher or rights-exchange benefit")
def create_template(body: TemplateCreate, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: TemplateOut.model_validate(
        service.create_template(writer.session, writer.principal, body)), body, 201)


@router.get("/coupon-templates", response_model=Page[TemplateOut])
def list_templates(session: SessionDep, principal: CurrentPrincipal, paging: Paging,
                   owner_merchant_id: int | None = None, status: str | None = None,
                   benefits: bool | None = None) -> Page[TemplateOut]:
    stmt = repository.list_templates(principal, owner_merchant_id=owner_merchant_id, status=status, benefits=benefits)
    return page_of(session, stmt, paging, TemplateOut)


@router.get("/coupon-templates/{template_id}", response_model=TemplateOut)
def get_template(template_id: int, session: SessionDep, principal: CurrentPrincipal) -> TemplateOut:
    return TemplateOut.model_validate(repository.get_template(session, principal, template_id))


@router.patch("/coupon-templates/{template_id}", response_model=TemplateOut, summary="Pause, resume or restock")
def update_template(template_id: int, body: TemplateUpdate, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: TemplateOut.model_validate(
        service.update_template(writer.session, writer.principal, template_id, body)), body)


@router.post("/coupons/issue", response_model=CouponOut, status_code=201,
             summary="Hand a coupon to a member at the counter (attributed to the caller)")
def issue(body: IssueIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: CouponOut.model_validate(service.issue(writer.session, writer.principal, body)),
                      body, 201)


@router.get("/coupons", response_model=Page[CouponOut])
def list_coupons(session: SessionDep, principal: CurrentPrincipal, paging: Paging, member_id: int | None = None,
                 template_id: int | None = None, referrer_staff_id: int | None = None) -> Page[CouponOut]:
    stmt = repository.list_coupons(principal, member_id=member_id, template_id=template_id,
                                   referrer_staff_id=referrer_staff_id)
    return page_of(session, stmt, paging, CouponOut)


@router.get("/coupons/{coupon_id}", response_model=CouponOut)
def get_coupon(coupon_id: int, session: SessionDep, principal: CurrentPrincipal) -> CouponOut:
    return CouponOut.model_validate(repository.get_coupon(session, principal, coupon_id))


@router.post("/coupons/{coupon_id}/claim", response_model=CouponOut, summary="The member takes an issued coupon")
def claim_held(coupon_id: int, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: CouponOut.model_validate(
        service.claim_held(writer.session, writer.principal, coupon_id)))


@router.post("/coupons/validate", response_model=ValidationOut,
             summary="Dry run: would this coupon be accepted here, for this bill? Nothing is written")
def validate(body: RedeemIn, request: Request, session: SessionDep, principal: CurrentPrincipal) -> ValidationOut:
    try:
        coupon, discount = service.validate(session, principal, body)
    except service.Refused as refused:
        lang = pick_language(request.headers.get("accept-language"))
        return ValidationOut(ok=False, code=refused.code, message=translate(refused.code, lang, **refused.params))
    return ValidationOut(ok=True, discount_fen=discount, coupon_id=coupon.id)


@router.post("/coupons/redeem", response_model=RedemptionOut, status_code=201,
             summary="Use a coupon at this store (arrival); with order_external_id the order is recorded too")
def redeem(body: RedeemIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: RedemptionOut.model_validate(service.redeem(writer.session, writer.principal, body)),
                      body, 201)


@router.get("/redemptions", response_model=Page[RedemptionOut])
def list_redemptions(session: SessionDep, principal: CurrentPrincipal, paging: Paging,
                     merchant_id: int | None = None, member_id: int | None = None,
                     referrer_merchant_id: int | None = None) -> Page[RedemptionOut]:
    stmt = repository.list_redemptions(principal, merchant_id=merchant_id, member_id=member_id,
                                       referrer_merchant_id=referrer_merchant_id)
    return page_of(session, stmt, paging, RedemptionOut)


@router.get("/redemptions/{redemption_id}", response_model=RedemptionOut)
def get_redemption(redemption_id: int, session: SessionDep, principal: CurrentPrincipal) -> RedemptionOut:
    return RedemptionOut.model_validate(repository.get_redemption(session, principal, redemption_id))


@router.post("/redemptions/{redemption_id}/order", response_model=RedemptionOut, status_code=201,
             summary="Attach the referred member's order: the referral converts (成交) and pays its referrer")
def attach_order(redemption_id: int, body: AttachOrderIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: RedemptionOut.model_validate(
        service.attach_order(writer.session, writer.principal, redemption_id, body)), body, 201)


@router.post("/claim-links", response_model=ClaimLinkOut, status_code=201,
             summary="A shareable claim link / QR tied to the caller")
def create_claim_link(body: ClaimLinkCreate, request: Request, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: _link_out(service.create_claim_link(writer.session, writer.principal,
                                                                  body.template_id), request), body, 201)


def _link_out(link: ClaimLink, request: Request) -> ClaimLinkOut:
    out = ClaimLinkOut.model_validate(link)
    out.claim_url = str(request.url_for("claim_landing", token=link.token)).replace("/api/v1/claim/", "/claim/")
    return out


@router.get("/claim/{token}", response_model=ClaimPage, name="claim_landing",
            summary="What a claim link offers (public; no personal data)")
def claim_page(token: str, session: SessionDep) -> ClaimPage:
    link, template, merchant = service.claim_link(session, token)
    store = merchants_repo.store_by_id(session, link.store_id) if link.store_id else None
    return ClaimPage(template=TemplateOut.model_validate(template), merchant_name=merchant.name,
                     store_name=store.name if store else None, active=link.active and template.status == "active")


@router.get("/claim/{token}/qr.svg", summary="The claim link as a printable QR code (SVG)", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}, "description": "The claim link's QR code"}})
def claim_qr(token: str, request: Request, session: SessionDep) -> Response:
    service.claim_link(session, token)
    url = str(request.url_for("claim_landing", token=token)).replace("/api/v1/claim/", "/claim/")
    return Response(segno.make(url, error="m").svg_inline(scale=6), media_type="image/svg+xml")


@router.post("/claim/{token}", response_model=ClaimOut, status_code=201,
             summary="Claim with a phone number: found in the alliance or enrolled with consent (public)",
             responses=may_answer(409, 429))
def claim(token: str, body: ClaimIn, session: SessionDep) -> ClaimOut:
    begin_write(session)
    coupon, member, created = service.claim(session, token, body)
    _, template, _ = service.claim_link(session, token)
    out = ClaimOut(coupon=CouponOut.model_validate(coupon), template=TemplateOut.model_validate(template),
                   card_no=member.card_no, phone_masked=member.phone_masked, new_member=created)
    session.commit()
    return out


@router.post("/counter/lookup", response_model=CounterView,
             summary="At the counter: the member behind a card number or QR, benefits here, coupons usable here")
def counter_lookup(body: CardRef, session: SessionDep, principal: CurrentPrincipal) -> CounterView:
    member = members_service.resolve_card(session, body)
    if principal.alliance_id != member.alliance_id:
        raise AppError("invalid_card")
    benefits, coupons = service.counter_view(session, principal, member)
    return CounterView(member_id=member.id, card_no=member.card_no, phone_masked=member.phone_masked,
                       origin_merchant_id=member.origin_merchant_id,
                       benefits=[TemplateOut.model_validate(t) for t in benefits],
                       coupons=[CouponOut.model_validate(c) for c, _ in coupons])


@router.post("/benefits/{template_id}/redeem", response_model=RedemptionOut, status_code=201,
             summary="A partner's member uses a rights-exchange benefit here (权益核销)")
def redeem_benefit(template_id: int, body: BenefitRedeemIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: RedemptionOut.model_validate(
        service.redeem_benefit(writer.session, writer.principal, template_id, body)), body, 201)

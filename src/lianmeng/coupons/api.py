from __future__ import annotations

from typing import Annotated, Any

import segno
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from lianmeng.auth import service as auth_service
from lianmeng.coupons import domain, repository, service
from lianmeng.coupons.models import ClaimLink
from lianmeng.coupons.schemas import (
    AcceptedAt,
    AttachOrderIn,
    BenefitRedeemIn,
    ClaimCodeIn,
    ClaimIn,
    ClaimLinkCreate,
    ClaimLinkOut,
    ClaimOut,
    ClaimPage,
    CounterView,
    CouponOut,
    GivenBy,
    IssueIn,
    RedeemIn,
    RedemptionOut,
    TemplateCreate,
    TemplateOut,
    TemplateUpdate,
    ValidationOut,
)
from lianmeng.db import transaction
from lianmeng.kit.errors import AppError
from lianmeng.kit.i18n import pick_language, translate
from lianmeng.kit.pagination import Page, page_of
from lianmeng.members import service as members_service
from lianmeng.members.schemas import CardRef
from lianmeng.tenancy import Principal
from lianmeng.web import group_write, links
from lianmeng.web.deps import CurrentPrincipal, Language, Paging, SessionDep, WriterDep, api_key_header, oauth2
from lianmeng.web.group_write import GroupedWrite

router = APIRouter(tags=["coupons 优惠券·权益"])
# a redemption locks its coupon row: in a group commit it runs alone in a savepoint of the shared transaction, so
# two redemptions of one coupon in one batch take turns on that row and the second is refused as already used
REDEEM: GroupedWrite[RedeemIn] = group_write.in_savepoints(
    201, lambda session, actor, data: RedemptionOut.model_validate(service.redeem(session, actor, data)))


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


@router.post("/coupon-templates/{template_id}/take", response_model=CouponOut, status_code=201,
             summary="The member takes a partner's published offer (as from the partners list; no referrer)")
def take_offer(template_id: int, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: CouponOut.model_validate(
        service.claim_published(writer.session, writer.principal, template_id)), None, 201)


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
    return group_write.respond(writer, REDEEM, body)


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
    out.claim_url = links.claim_url(request, link.token)
    return out


Latitude = Annotated[float | None, Query(ge=-90, le=90, description="The visitor's latitude (WGS-84)")]
Longitude = Annotated[float | None, Query(ge=-180, le=180, description="The visitor's longitude (WGS-84)")]


@router.get("/claim/{token}", response_model=ClaimPage, name="claim_landing",
            responses={404: {"description": "No such claim link"}},
            summary="What a claim link offers and where it is accepted (public; no personal data)")
def claim_page(token: str, session: SessionDep, language: Language, lat: Latitude = None,
               lng: Longitude = None) -> ClaimPage:
    near = (lat, lng) if lat is not None and lng is not None else None
    offer = service.claim_offer(session, token, near)
    return claim_page_of(offer, language)


def claim_page_of(offer: service.ClaimOffer, lang: str) -> ClaimPage:
    template, giver, store = offer.template, offer.giver, offer.giver_store
    return ClaimPage(
        template=TemplateOut.model_validate(template), merchant_name=giver.name,
        store_name=store.name if store else None, active=offer.active,
        given_by=GivenBy(merchant_id=giver.id, merchant_name=giver.name, store_id=store.id if store else None,
                         store_name=store.name if store else None),
        offered_by_merchant_id=template.owner_merchant_id, offered_by_name=offer.owner_name,
        value_text=domain.value_words(template, lang), min_spend_fen=template.min_spend_fen,
        min_spend_text=domain.min_spend_words(template.min_spend_fen, lang),
        validity_text=domain.template_validity_words(template, lang),
        accepted_at=[AcceptedAt(
            merchant_id=p.merchant.id, merchant_name=p.merchant.name, store_id=p.store.id, store_name=p.store.name,
            address=p.store.address, district=p.store.district, opening_hours=p.store.opening_hours,
            latitude=p.store.latitude, longitude=p.store.longitude,
            distance_m=round(p.distance_m) if p.distance_m is not None else None) for p in offer.places],
        sorted_by_distance=offer.by_distance,
    )


@router.get("/claim/{token}/qr.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}, "description": "The claim link's QR code"},
                       404: {"description": "No such claim link"}},
            summary="The claim link as a printable QR code (SVG; the address uses LIANMENG_PUBLIC_URL when set)")
def claim_qr(token: str, request: Request, session: SessionDep) -> Response:
    service.claim_link(session, token)
    return Response(segno.make(links.claim_url(request, token), error="m").svg_inline(scale=6),
                    media_type="image/svg+xml")


def _caller(session: SessionDep, bearer: Annotated[str | None, Depends(oauth2)],
            api_key: Annotated[str | None, Depends(api_key_header)]) -> Principal | None:
    """The caller when one is logged in (a member claims as themselves); None for an anonymous visitor."""
    if api_key:
        return auth_service.principal_from_api_key(session, api_key)
    return auth_service.principal_from_bearer(session, bearer) if bearer else None


Caller = Annotated[Principal | None, Depends(_caller)]
CLAIM_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No one-time code (`otp_required`), a wrong or expired one (`otp_invalid`), or a bad token"},
    403: {"description": "A staff login or API key (`staff_cannot_claim`), or a member of another alliance"},
    404: {"description": "No such claim link"},
    422: {"description": "Link inactive, invalid phone, consent missing for a new member, or a coupon refusal"},
    429: {"description": "Too many wrong codes for this phone (`otp_too_many`)"},
}


@router.post("/claim/{token}/code", status_code=202, responses={k: v for k, v in CLAIM_ERRORS.items()
                                                               if k in (404, 422, 429)},
             summary="Claim step one: send a one-time code to the phone (public; same answer for any phone)")
def claim_code(token: str, body: ClaimCodeIn, session: SessionDep) -> dict[str, bool]:
    with transaction(session):
        service.request_claim_code(session, token, body.phone)
    return {"accepted": True}


@router.post("/claim/{token}", response_model=ClaimOut, status_code=201, responses=CLAIM_ERRORS,
             summary="Claim step two: with the phone and its one-time code, or as the member logged in (public)")
def claim(token: str, body: ClaimIn, session: SessionDep, caller: Caller) -> ClaimOut:
    with transaction(session) as unit:
        with unit.keeping_refusal():  # only the failed-attempt count was written: it is what stops guessing
            claimant = service.prove_claimant(session, token, body, caller)
        coupon, created = service.claim(session, token, claimant, body)
        _, template, _ = service.claim_link(session, token)
        issued = claimant.issued
        out = ClaimOut(coupon=CouponOut.model_validate(coupon), template=TemplateOut.model_validate(template),
                       card_no=claimant.member.card_no, phone_masked=claimant.member.phone_masked,
                       new_member=created, access_token=issued.access_token if issued else None,
                       expires_at=issued.expires_at if issued else None)
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

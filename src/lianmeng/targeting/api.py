"""API of targeted partner offers (定向推荐): create (Idempotency-Key honoured), list, read, cancel, and the
partner offers a merchant may send. Counts only: no endpoint names a recipient."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from lianmeng.kit import clock
from lianmeng.kit.pagination import Page, paginate
from lianmeng.targeting import repository, service
from lianmeng.targeting.domain import OfferStatus
from lianmeng.targeting.models import TargetedOffer
from lianmeng.targeting.schemas import DeliveryCountOut, OfferCreate, OfferOut, PartnerOfferOut
from lianmeng.tenancy import policy
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep

router = APIRouter(tags=["targeting 定向推荐"])


def offers_out(session: Session, alliance_id: int | None, offers: list[TargetedOffer]) -> list[OfferOut]:
    counts = repository.delivery_counts(session, alliance_id, [o.id for o in offers])
    names = repository.merchant_names(session, alliance_id, {o.partner_merchant_id for o in offers})
    out = []
    for offer in offers:
        item = OfferOut.model_validate(offer)
        item.partner_name = names.get(offer.partner_merchant_id, "")
        item.delivery = [DeliveryCountOut(arm=c.arm, status=c.status, skip_reason=c.skip_reason, count=c.count)
                         for c in counts[offer.id]]
        out.append(item)
    return out


@router.post("/targeting/offers", response_model=OfferOut, status_code=201,
             summary="Send a partner's coupon to one of the caller's audiences (merchant admin; Idempotency-Key: "
                     "the same key creates and sends one offer)")
def create_offer(body: OfferCreate, writer: WriterDep) -> JSONResponse:
    def action() -> OfferOut:
        offer = service.create_offer(writer.session, writer.principal, body, writer.key)
        return offers_out(writer.session, writer.principal.alliance_id, [offer])[0]

    return writer.run(action, body, 201)


@router.get("/targeting/offers", response_model=Page[OfferOut], summary="The caller's targeted offers")
def list_offers(session: SessionDep, principal: CurrentPrincipal, paging: Paging,
                status: OfferStatus | None = None) -> Page[OfferOut]:
    rows, total = paginate(session, repository.list_offers(principal, status=status.value if status else None),
                           paging)
    return Page[OfferOut](items=offers_out(session, principal.alliance_id, rows), total=total, page=paging.page,
                          page_size=paging.page_size)


@router.get("/targeting/offers/{offer_id}", response_model=OfferOut)
def get_offer(offer_id: int, session: SessionDep, principal: CurrentPrincipal) -> OfferOut:
    return offers_out(session, principal.alliance_id, [repository.get_offer(session, principal, offer_id)])[0]


@router.post("/targeting/offers/{offer_id}/cancel", response_model=OfferOut,
             summary="Stop an offer before it finishes; what was sent stays sent")
def cancel_offer(offer_id: int, writer: WriterDep) -> JSONResponse:
    def action() -> OfferOut:
        offer = service.cancel_offer(writer.session, writer.principal, offer_id)
        return offers_out(writer.session, writer.principal.alliance_id, [offer])[0]

    return writer.run(action)


@router.get("/targeting/partner-offers", response_model=list[PartnerOfferOut],
            summary="Partners' coupon templates of active agreements the caller may send")
def partner_offers(session: SessionDep, principal: CurrentPrincipal) -> list[PartnerOfferOut]:
    merchant_id = policy.require_offer_sender(principal)
    found = repository.partner_offers(session, principal.alliance_id, merchant_id, clock.today_in_shanghai())
    return [PartnerOfferOut(template_id=f.template.id, template_name=f.template.name, partner_merchant_id=f.partner.id,
                            partner_name=f.partner.name, agreement_id=f.agreement.id,
                            agreement_title=f.agreement.title) for f in found]

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from lianmeng.jointcards import repository, service
from lianmeng.jointcards.schemas import (
    CardOut,
    CardSummary,
    ConsumeIn,
    ConsumeOut,
    ProductCreate,
    ProductOut,
    ProductUpdate,
    RefundIn,
    SaleIn,
    UseOut,
)
from lianmeng.kit.pagination import Page, page_of
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep
from lianmeng.web.openapi import may_answer

router = APIRouter(tags=["joint cards 联合储值卡"])


@router.post("/joint-card-products", response_model=ProductOut, status_code=201,
             summary="Define a joint card: tiers of components from several merchants (operator or lead merchant)")
def create_product(body: ProductCreate, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.create_product(writer.session, writer.principal, body), body, 201)


@router.get("/joint-card-products", response_model=Page[ProductOut], summary="The alliance's joint cards")
def list_products(session: SessionDep, principal: CurrentPrincipal, paging: Paging, status: str | None = None,
                  merchant_id: int | None = None) -> Page[ProductOut]:
    page = page_of(session, repository.list_products(principal, status=status, merchant_id=merchant_id), paging,
                   ProductOut)
    for index, item in enumerate(page.items):
        page.items[index] = service.product_out(session, repository.get_product(session, principal, item.id))
    return page


@router.get("/joint-card-products/{product_id}", response_model=ProductOut)
def get_product(product_id: int, session: SessionDep, principal: CurrentPrincipal) -> ProductOut:
    return service.product_out(session, repository.get_product(session, principal, product_id))


@router.patch("/joint-card-products/{product_id}", response_model=ProductOut,
              summary="Change a joint card: name, description, tiers not sold yet (409 joint_tier_locked once a "
                      "card of the tier is sold), new tiers (operator or lead merchant)")
def update_product(product_id: int, body: ProductUpdate, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.update_product(writer.session, writer.principal, product_id, body), body)


@router.delete("/joint-card-products/{product_id}/tiers/{tier_id}", response_model=ProductOut,
               responses=may_answer(403, 404, 409),
               summary="Delete a tier no card was sold of (409 joint_tier_sold once one is; the last tier stays: "
                       "409 joint_product_last_tier); answers the product as it is now (operator or lead merchant)")
def delete_tier(product_id: int, tier_id: int, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.delete_tier(writer.session, writer.principal, product_id, tier_id))


@router.post("/joint-card-products/{product_id}/pause", response_model=ProductOut,
             summary="Stop selling a joint card; the cards already sold stay usable (idempotent)")
def pause_product(product_id: int, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.set_status(writer.session, writer.principal, product_id, "pause"))


@router.post("/joint-card-products/{product_id}/resume", response_model=ProductOut,
             summary="Sell a paused joint card again (idempotent)")
def resume_product(product_id: int, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.set_status(writer.session, writer.principal, product_id, "resume"))


@router.post("/joint-cards/sales", response_model=CardOut, status_code=201,
             summary="Sell a joint card to a member here: the money is taken once and held as a liability")
def sell(body: SaleIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.sell(writer.session, writer.principal, body), body, 201)


@router.get("/joint-cards", response_model=Page[CardSummary])
def list_cards(session: SessionDep, principal: CurrentPrincipal, paging: Paging, member_id: int | None = None,
               product_id: int | None = None, status: str | None = None) -> Page[CardSummary]:
    stmt = repository.list_cards(principal, member_id=member_id, product_id=product_id, status=status)
    return page_of(session, stmt, paging, CardSummary)


@router.get("/joint-cards/{card_id}", response_model=CardOut, summary="What is left of each component")
def get_card(card_id: int, session: SessionDep, principal: CurrentPrincipal) -> CardOut:
    return service.card_out(session, repository.get_card(session, principal, card_id))


@router.get("/joint-cards/{card_id}/uses", response_model=list[UseOut], summary="Consumptions of the card")
def list_uses(card_id: int, session: SessionDep, principal: CurrentPrincipal) -> list[UseOut]:
    card = repository.get_card(session, principal, card_id)
    return [UseOut.model_validate(u) for u in repository.uses_of(session, card.id)]


@router.post("/joint-cards/{card_id}/consume", response_model=ConsumeOut, status_code=201,
             summary="Consume units of a component at its merchant: that merchant's share is recognised")
def consume(card_id: int, body: ConsumeIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.consume(writer.session, writer.principal, card_id, body), body, 201)


@router.post("/joint-cards/{card_id}/refund", response_model=CardOut,
             summary="Refund the unconsumed value in cash at the seller (once)")
def refund(card_id: int, body: RefundIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.refund(writer.session, writer.principal, card_id, body), body)

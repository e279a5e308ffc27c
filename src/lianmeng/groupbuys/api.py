"""The group-buy API (拼团): offers for the operator and merchant admins, groups and seats for members (and the
seller's staff on a member's behalf). The share link's view needs no login and shows no personal data."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from lianmeng.db import transaction
from lianmeng.groupbuys import repository, service, sharing
from lianmeng.groupbuys.schemas import (
    GroupJoin,
    GroupOut,
    GroupPublic,
    GroupStart,
    OfferCreate,
    OfferGroups,
    OfferOut,
    OfferUpdate,
    SeatOut,
    SeatRefund,
    ShareLinkOut,
    ShareTermsIn,
)
from lianmeng.kit.pagination import Page, page_of
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep
from lianmeng.web.openapi import may_answer

router = APIRouter(prefix="/group-buys", tags=["group buys 拼团"])
Token = Path(min_length=8, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")


@router.post("", response_model=OfferOut, status_code=201, responses=may_answer(403, 422),
             summary="Offer a package at a group price for N people within H hours (operator or merchant admin); "
                     "422 group_buy_not_covered when a component merchant has no active joint-card agreement with "
                     "the seller")
def create_offer(body: OfferCreate, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.create_offer(writer.session, writer.principal, body), body, 201)


@router.get("", response_model=Page[OfferOut], summary="Group-buy offers the caller may see")
def list_offers(session: SessionDep, principal: CurrentPrincipal, paging: Paging,
                status: Literal["active", "paused"] | None = None) -> Page[OfferOut]:
    page = page_of(session, repository.list_offers(principal, status=status), paging, OfferOut)
    for index, item in enumerate(page.items):
        page.items[index] = service.offer_out(session, repository.get_offer(session, principal, item.id))
    return page


@router.get("/groups/mine", response_model=list[GroupOut], summary="The member's own groups, with their seat")
def my_groups(session: SessionDep, principal: CurrentPrincipal) -> list[GroupOut]:
    return service.my_groups(session, principal)


@router.get("/groups/by-token/{token}", response_model=GroupPublic,
            summary="What a share link shows (no login): the offer, price, seats filled and deadline; the leader "
                    "masked. A group past its deadline is expired here first")
def public_group(session: SessionDep, token: str = Token) -> GroupPublic:
    with transaction(session):
        service.expire_if_due(session, token)
    return service.public_group(session, token)


@router.post("/groups/by-token/{token}/join", response_model=GroupOut, status_code=201,
             responses=may_answer(404, 409),
             summary="Join a group and pay a seat; the N-th seat forms the group and issues the package to every "
                     "seat. 409 when the group is full, expired or already joined")
def join_group(body: GroupJoin, writer: WriterDep, token: str = Token) -> JSONResponse:
    with transaction(writer.session):  # lazy expiry, its own unit of work: the join's refusal must not undo it
        service.expire_if_due(writer.session, token)
    return writer.run(lambda: service.join_group(writer.session, writer.principal, token, body), body, 201)


@router.post("/groups", response_model=GroupOut, status_code=201, responses=may_answer(404, 409),
             summary="Start a group of an offer on sale: the leader pays the first seat")
def start_group(body: GroupStart, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.start_group(writer.session, writer.principal, body), body, 201)


@router.get("/groups/{group_id}", response_model=GroupOut,
            summary="A group as a participant, its seller or the operator sees it")
def get_group(group_id: int, session: SessionDep, principal: CurrentPrincipal) -> GroupOut:
    return service.group_view(session, principal, group_id)


@router.post("/seats/{seat_id}/refund", response_model=SeatOut, responses=may_answer(403, 404, 409),
             summary="Before forming: leave with a full refund (the member, the seller or the operator). After "
                     "forming: refund the seat's joint card, its unconsumed rest (the seller or the operator)")
def refund_seat(seat_id: int, body: SeatRefund, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.refund_seat(writer.session, writer.principal, seat_id, body), body)


@router.get("/{offer_id}", response_model=OfferOut)
def get_offer(offer_id: int, session: SessionDep, principal: CurrentPrincipal) -> OfferOut:
    return service.offer_out(session, repository.get_offer(session, principal, offer_id))


@router.patch("/{offer_id}", response_model=OfferOut, responses=may_answer(403, 404, 422),
              summary="Change an offer's words, stock, per-member limit or sale window")
def update_offer(offer_id: int, body: OfferUpdate, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.update_offer(writer.session, writer.principal, offer_id, body), body)


@router.post("/{offer_id}/pause", response_model=OfferOut, summary="Stop new groups (open ones may still form)")
def pause_offer(offer_id: int, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.set_status(writer.session, writer.principal, offer_id, "pause"))


@router.post("/{offer_id}/resume", response_model=OfferOut, summary="Start groups of a paused offer again")
def resume_offer(offer_id: int, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.set_status(writer.session, writer.principal, offer_id, "resume"))


@router.get("/{offer_id}/groups", response_model=OfferGroups,
            summary="An offer's groups for its seller or the operator: counts and states, no members")
def offer_groups(offer_id: int, session: SessionDep, principal: CurrentPrincipal) -> OfferGroups:
    return service.offer_groups(session, principal, offer_id)


@router.put("/{offer_id}/distribution", response_model=OfferOut, responses=may_answer(403, 404, 422),
            summary="Set what sharing the offer earns its sharers (分销): points per friend's issued seat, a cap per "
                    "sharer and month, the return window (whoever manages the offer)")
def set_share_terms(offer_id: int, body: ShareTermsIn, writer: WriterDep) -> JSONResponse:
    def run() -> OfferOut:
        offer = service.managed_offer(writer.session, writer.principal, offer_id)
        sharing.set_terms(writer.session, writer.principal, offer, body)
        return service.offer_out(writer.session, offer)
    return writer.run(run, body)


@router.post("/{offer_id}/share-link", response_model=ShareLinkOut, responses=may_answer(403, 404, 422),
             summary="The member's own share token for an offer open for sharing; friends start or join groups "
                     "with it (`shared_by`)")
def share_link(offer_id: int, session: SessionDep, principal: CurrentPrincipal) -> ShareLinkOut:
    return sharing.share_link(session, principal, offer_id)

from __future__ import annotations

import io
from typing import Annotated, Literal

import segno
from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from lianmeng.kit.errors import Forbidden
from lianmeng.kit.pagination import Page, page_of
from lianmeng.members import repository, service
from lianmeng.members.domain import Gender, MemberStatus
from lianmeng.members.schemas import (
    CardOut,
    MemberCreate,
    MemberLookup,
    MemberOut,
    MembershipCreate,
    MembershipOut,
    MembershipUpdate,
    MemberUpdate,
    SelfUpdate,
)
from lianmeng.values.domain import MAX_STARS, RfmClass
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep

router = APIRouter(tags=["members 会员·联盟卡"])

MemberTierCode = Literal["standard", "silver", "gold", "black"]  # the tiers of web.labels.TIER_LABELS


@router.get("/members", response_model=Page[MemberOut])
def list_members(
    session: SessionDep, principal: CurrentPrincipal, paging: Paging,
    q: Annotated[str | None, Query(
        max_length=60, description="name, the start of a card number, or (4 digits) also the phone's last four",
    )] = None,
    phone: Annotated[str | None, Query(
        max_length=32,
        description="exact phone; matched by keyed hash. Prefer POST /members/lookup: a URL ends up in logs "
        "(ours mask mobile numbers, a proxy's may not)",
    )] = None,
    card_no: Annotated[str | None, Query(max_length=16)] = None,
    origin_merchant_id: int | None = None, origin_staff_id: int | None = None,
    merchant_id: Annotated[int | None, Query(description="holds a membership at this merchant")] = None,
    gender: Gender | None = None, status: MemberStatus | None = None, consent_marketing: bool | None = None,
    tier: Annotated[MemberTierCode | None, Query(
        description="enrolled with this tier (会员等级): a merchant's own tier for a merchant; for the operator at "
        "`merchant_id` when given, otherwise at any merchant",
    )] = None,
    value: Annotated[RfmClass | None, Query(
        description="value class (会员价值分层, RFM): at the caller's merchant for a merchant; for the operator at "
        "`merchant_id` when given, otherwise alliance-wide",
    )] = None,
    stars: Annotated[int | None, Query(ge=1, le=MAX_STARS, description="at least this many alliance stars")] = None,
) -> Page[MemberOut]:
    """The caller's members (a merchant: those it brought in or enrolled; the operator: the alliance's; never a
    partner's), filtered like the console's member list and through the same query."""
    lookup = service.phone_lookup_hashes(principal, phone) if phone else None
    narrowed = service.list_filters(principal, merchant_id=merchant_id, tier=tier, value=value, stars=stars)
    stmt = repository.list_members(
        principal, q=q, phone_lookup=lookup, card_no=card_no, origin_merchant_id=origin_merchant_id,
        origin_staff_id=origin_staff_id, gender=gender, status=status, consent_marketing=consent_marketing,
        **narrowed,
    )
    return page_of(session, stmt, paging, MemberOut)


@router.post(
    "/members/lookup", response_model=Page[MemberOut],
    summary="Find a member by phone (in the body, kept out of URLs and logs); scoped like GET /members",
)
def lookup_members(
    session: SessionDep, principal: CurrentPrincipal, paging: Paging, body: MemberLookup
) -> Page[MemberOut]:
    stmt = repository.list_members(principal, phone_lookup=service.phone_lookup_hashes(principal, body.phone))
    return page_of(session, stmt, paging, MemberOut)


@router.post("/members", response_model=MemberOut, status_code=201, summary="Enrol a member: issue an alliance card")
def enrol_member(body: MemberCreate, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: MemberOut.model_validate(service.enrol_member(writer.session, writer.principal, body)), body, 201
    )


@router.get("/members/{member_id}", response_model=MemberOut)
def get_member(member_id: int, session: SessionDep, principal: CurrentPrincipal) -> MemberOut:
    return MemberOut.model_validate(repository.get_member(session, principal, member_id))


@router.patch("/members/{member_id}", response_model=MemberOut)
def update_member(member_id: int, body: MemberUpdate, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: MemberOut.model_validate(service.update_member(writer.session, writer.principal, member_id, body)),
        body,
    )


@router.get("/members/{member_id}/card", response_model=CardOut)
def get_card(member_id: int, session: SessionDep, principal: CurrentPrincipal) -> CardOut:
    return service.card_of(session, principal, member_id)


@router.get(
    "/members/{member_id}/card.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "The card's signed QR code"}},
)
def card_qr(member_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    card = service.card_of(session, principal, member_id)
    if card.qr_payload is None:
        raise Forbidden()
    buffer = io.BytesIO()
    segno.make(card.qr_payload, error="m").save(buffer, kind="svg", scale=6, border=2)
    return Response(buffer.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.post("/members/{member_id}/card/reissue", response_model=CardOut)
def reissue_card(member_id: int, writer: WriterDep) -> JSONResponse:
    def act() -> CardOut:
        service.reissue_card(writer.session, writer.principal, member_id)
        return service.card_of(writer.session, writer.principal, member_id)

    return writer.run(act)


@router.get("/memberships", response_model=Page[MembershipOut])
def list_memberships(
    session: SessionDep, principal: CurrentPrincipal, paging: Paging, member_id: int | None = None,
    merchant_id: int | None = None, tier: Annotated[str | None, Query(max_length=40)] = None,
) -> Page[MembershipOut]:
    stmt = repository.list_memberships(principal, member_id=member_id, merchant_id=merchant_id, tier=tier)
    return page_of(session, stmt, paging, MembershipOut)


@router.post(
    "/memberships", response_model=MembershipOut, status_code=201,
    summary="Enrol an existing card holder at this merchant (the member shows the card)",
)
def enrol_at_merchant(body: MembershipCreate, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: MembershipOut.model_validate(service.enrol_at_merchant(writer.session, writer.principal, body)),
        body,
        201,
    )


@router.get("/memberships/{membership_id}", response_model=MembershipOut)
def get_membership(membership_id: int, session: SessionDep, principal: CurrentPrincipal) -> MembershipOut:
    return MembershipOut.model_validate(repository.get_membership(session, principal, membership_id))


@router.patch("/memberships/{membership_id}", response_model=MembershipOut)
def update_membership(membership_id: int, body: MembershipUpdate, writer: WriterDep) -> JSONResponse:
    def act() -> MembershipOut:
        membership = service.update_membership(
            writer.session, writer.principal, membership_id, body.tier, body.external_id
        )
        return MembershipOut.model_validate(membership)

    return writer.run(act, body)


@router.get("/me", response_model=MemberOut, tags=["me 我的"], summary="The signed-in member's own profile")
def me(session: SessionDep, principal: CurrentPrincipal) -> MemberOut:
    if principal.member_id is None:
        raise Forbidden()
    return MemberOut.model_validate(repository.get_member(session, principal, principal.member_id))


@router.patch("/me", response_model=MemberOut, tags=["me 我的"])
def update_me(body: SelfUpdate, writer: WriterDep) -> JSONResponse:
    if writer.principal.member_id is None:
        raise Forbidden()
    return writer.run(lambda: MemberOut.model_validate(service.update_self(writer.session, writer.principal, body)),
                      body)

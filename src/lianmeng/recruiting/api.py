"""API of recruiting: join links, the public application steps, review, the leaderboard and the alliance's bounty."""

from __future__ import annotations

from typing import Annotated, Literal

import segno
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from lianmeng.db import transaction
from lianmeng.kit.pagination import Page, page_of
from lianmeng.recruiting import repository, service
from lianmeng.recruiting.domain import ApplicantKind, ApplicationStatus
from lianmeng.recruiting.models import JoinLink
from lianmeng.recruiting.schemas import (
    ApplicationCreate,
    ApplicationOut,
    ApplicationReceipt,
    DecisionIn,
    DecisionOut,
    JoinCodeIn,
    JoinLinkCreate,
    JoinLinkOut,
    JoinLinkUpdate,
    JoinPage,
    Leaderboard,
    LeaderboardRow,
    SettingsIn,
    SettingsOut,
)
from lianmeng.web import links
from lianmeng.web.deps import CurrentPrincipal, Language, Paging, SessionDep, WriterDep
from lianmeng.web.openapi import may_answer

router = APIRouter(tags=["recruiting 招募"])


def link_out(link: JoinLink, request: Request) -> JoinLinkOut:
    out = JoinLinkOut.model_validate(link)
    out.join_url = links.join_url(request, link.token)
    out.qr_url = f"{links.public_base(request)}/api/v1/join/{link.token}/qr.svg"
    return out


@router.post("/join-links", response_model=JoinLinkOut, status_code=201,
             summary="A join link / QR for the caller to share; applications through it credit the caller")
def create_link(body: JoinLinkCreate, request: Request, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: link_out(service.create_link(writer.session, writer.principal, body), request), body,
                      201)


@router.get("/join-links", response_model=Page[JoinLinkOut])
def list_links(request: Request, session: SessionDep, principal: CurrentPrincipal, paging: Paging,
               active: bool | None = None) -> Page[JoinLinkOut]:
    page = page_of(session, repository.list_links(principal, active=active), paging, JoinLinkOut)
    for item in page.items:
        item.join_url = links.join_url(request, item.token)
        item.qr_url = f"{links.public_base(request)}/api/v1/join/{item.token}/qr.svg"
    return page


@router.get("/join-links/{link_id}", response_model=JoinLinkOut)
def get_link(link_id: int, request: Request, session: SessionDep, principal: CurrentPrincipal) -> JoinLinkOut:
    return link_out(repository.get_link(session, principal, link_id), request)


@router.patch("/join-links/{link_id}", response_model=JoinLinkOut, summary="Pause or resume a join link")
def update_link(link_id: int, body: JoinLinkUpdate, request: Request, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: link_out(service.set_link_active(writer.session, writer.principal, link_id,
                                                               body.active), request), body)


@router.get("/join/{token}", response_model=JoinPage, responses=may_answer(404),
            summary="What a join link invites to (public; no personal data)")
def join_page(token: str, session: SessionDep) -> JoinPage:
    opened = service.open_link(session, token)
    return JoinPage(alliance_name=opened.alliance.name,
                    inviting_merchant_name=opened.host.name if opened.host else None, title=opened.link.title,
                    accepts=opened.link.accepts, active=opened.active)


@router.get("/join/{token}/qr.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}, "description": "The join link's QR code"},
                       404: {"description": "No such join link"}},
            summary="The join link as a printable QR code (SVG; uses LIANMENG_PUBLIC_URL when set)")
def join_qr(token: str, request: Request, session: SessionDep) -> Response:
    service.open_link(session, token)
    return Response(segno.make(links.join_url(request, token), error="m").svg_inline(scale=6),
                    media_type="image/svg+xml")


@router.post("/join/{token}/code", status_code=202, responses=may_answer(404, 429),
             summary="Apply, step one: send a one-time code to the phone (public; same answer for any phone)")
def join_code(token: str, body: JoinCodeIn, session: SessionDep) -> dict[str, bool]:
    with transaction(session):
        service.request_code(session, token, body.phone)
    return {"accepted": True}


@router.post("/join/{token}/applications", response_model=ApplicationReceipt, status_code=201,
             responses=may_answer(401, 404, 409, 429),
             summary="Apply, step two: with the phone and its one-time code (public)")
def apply(token: str, body: ApplicationCreate, session: SessionDep) -> ApplicationReceipt:
    with transaction(session) as unit:
        with unit.keeping_refusal():  # only the failed-attempt count was written: it is what stops guessing
            phone = service.prove_phone(session, token, body)
        receipt = ApplicationReceipt.model_validate(service.apply(session, token, body, phone))
    return receipt


@router.get("/recruits", response_model=Page[ApplicationOut], summary="Applications the caller may see")
def list_applications(session: SessionDep, principal: CurrentPrincipal, paging: Paging,
                      status: ApplicationStatus | None = None,
                      kind: ApplicantKind | None = None) -> Page[ApplicationOut]:
    return page_of(session, repository.list_applications(principal, status=status, kind=kind), paging,
                   ApplicationOut)


@router.get("/recruits/leaderboard", response_model=Leaderboard,
            summary="Recruiters (or inviting merchants) ranked by approved recruits")
def leaderboard(session: SessionDep, principal: CurrentPrincipal, language: Language,
                by: Annotated[Literal["recruiter", "merchant"], Query()] = "recruiter") -> Leaderboard:
    operator = "Alliance operator" if language == "en" else "盟主"
    ranked = service.leaderboard(session, principal, by, operator)
    return Leaderboard(by=by, items=[LeaderboardRow(rank=r.rank, type=r.type, id=r.id, name=r.tally.name,
                                                   applications=r.tally.applications, approved=r.tally.approved,
                                                   bounty_fen=r.tally.bounty_fen) for r in ranked])


@router.get("/recruits/{application_id}", response_model=ApplicationOut)
def get_application(application_id: int, session: SessionDep, principal: CurrentPrincipal) -> ApplicationOut:
    return ApplicationOut.model_validate(repository.get_application(session, principal, application_id))


@router.post("/recruits/{application_id}/decisions", response_model=DecisionOut,
             summary="Approve or reject (reject needs a reason); approval returns a one-time set-password link")
def decide(application_id: int, body: DecisionIn, request: Request, writer: WriterDep) -> JSONResponse:
    def run() -> DecisionOut:
        decided = service.decide(writer.session, writer.principal, application_id, body)
        return DecisionOut(
            application=ApplicationOut.model_validate(decided.application),
            username=decided.login.username if decided.login else None,
            set_password_url=links.welcome_url(request, decided.welcome_token) if decided.welcome_token else None)

    return writer.run(run, body)


@router.get("/recruiting/settings", response_model=SettingsOut, summary="The alliance's bounty per approved recruit")
def get_settings(session: SessionDep, principal: CurrentPrincipal) -> SettingsOut:
    row = service.settings(session, principal)
    return SettingsOut(alliance_id=principal.alliance_id or 0, bounty_fen=row.bounty_fen if row else 0)


@router.put("/recruiting/settings", response_model=SettingsOut,
            summary="Operator: set the bounty per approved recruit (0: none), paid from the operator's fees")
def put_settings(body: SettingsIn, writer: WriterDep) -> JSONResponse:
    def run() -> SettingsOut:
        row = service.set_bounty(writer.session, writer.principal, body.bounty_fen)
        return SettingsOut(alliance_id=row.alliance_id, bounty_fen=row.bounty_fen)

    return writer.run(run, body)


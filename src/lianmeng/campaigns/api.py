from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from lianmeng.campaigns import repository, service
from lianmeng.campaigns.domain import CampaignStatus
from lianmeng.campaigns.schemas import (
    CampaignCreate,
    CampaignOut,
    ClaimIn,
    ClaimOut,
    CostIn,
    CostOut,
    PackageIn,
    PackageOut,
    ParticipantIn,
    RegistrationIn,
    RegistrationOut,
    ReportOut,
    StatusIn,
)
from lianmeng.kit.pagination import Page, page_of, paginate
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep

router = APIRouter(tags=["campaigns 联合营销活动"])


@router.post("/campaigns", response_model=CampaignOut, status_code=201,
             summary="Create a joint campaign (operator, or a merchant admin as lead merchant)")
def create_campaign(body: CampaignCreate, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.out(writer.session, service.create(writer.session, writer.principal, body)),
                      body, 201)


@router.get("/campaigns", response_model=Page[CampaignOut])
def list_campaigns(session: SessionDep, principal: CurrentPrincipal, paging: Paging,
                   status: CampaignStatus | None = None) -> Page[CampaignOut]:
    rows, total = paginate(session, repository.list_campaigns(principal, status=status and status.value), paging)
    return Page(items=service.out_many(session, rows), total=total, page=paging.page, page_size=paging.page_size)


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut)
def get_campaign(campaign_id: int, session: SessionDep, principal: CurrentPrincipal) -> CampaignOut:
    return service.out(session, repository.get_campaign(session, principal, campaign_id))


@router.post("/campaigns/{campaign_id}/status", response_model=CampaignOut,
             summary="Activate or close the campaign (draft → active → closed)")
def set_status(campaign_id: int, body: StatusIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.out(writer.session, service.set_status(
        writer.session, writer.principal, campaign_id, body.status)), body)


@router.post("/campaigns/{campaign_id}/merchants", response_model=CampaignOut, status_code=201,
             summary="Add a participating merchant with its cash contribution (投入)")
def add_merchant(campaign_id: int, body: ParticipantIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.out(writer.session, service.add_merchant(
        writer.session, writer.principal, campaign_id, body)), body, 201)


@router.post("/campaigns/{campaign_id}/costs", response_model=CostOut, status_code=201,
             summary="Record a cost, shared by contribution")
def add_cost(campaign_id: int, body: CostIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: CostOut.model_validate(service.add_cost(
        writer.session, writer.principal, campaign_id, body)), body, 201)


@router.post("/campaigns/{campaign_id}/registrations", response_model=RegistrationOut, status_code=201,
             summary="Register a member (报名): the member itself, or staff of a participating merchant")
def register(campaign_id: int, body: RegistrationIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: RegistrationOut.model_validate(service.register(
        writer.session, writer.principal, campaign_id, body)), body, 201)


@router.get("/campaigns/{campaign_id}/registrations", response_model=Page[RegistrationOut])
def list_registrations(campaign_id: int, session: SessionDep, principal: CurrentPrincipal,
                       paging: Paging) -> Page[RegistrationOut]:
    return page_of(session, repository.list_registrations(principal, campaign_id), paging, RegistrationOut)


@router.post("/campaign-registrations/{registration_id}/check-in", response_model=RegistrationOut,
             summary="Check a registered member in (签到) at the caller's participating merchant")
def check_in(registration_id: int, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: RegistrationOut.model_validate(service.check_in(
        writer.session, writer.principal, registration_id)))


@router.post("/campaigns/{campaign_id}/gift-packages", response_model=PackageOut, status_code=201,
             summary="A gift package (礼包) of participating merchants' coupon templates")
def create_package(campaign_id: int, body: PackageIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: PackageOut.model_validate(service.create_package(
        writer.session, writer.principal, campaign_id, body)), body, 201)


@router.get("/campaigns/{campaign_id}/gift-packages", response_model=Page[PackageOut])
def list_packages(campaign_id: int, session: SessionDep, principal: CurrentPrincipal,
                  paging: Paging) -> Page[PackageOut]:
    return page_of(session, repository.list_packages(principal, campaign_id), paging, PackageOut)


@router.post("/gift-packages/{package_id}/claim", response_model=ClaimOut, status_code=201,
             summary="Hand the package to a registered member: one coupon of each template, attributed to the caller")
def claim_package(package_id: int, body: ClaimIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: service.claim_package(writer.session, writer.principal, package_id, body.member_id),
                      body, 201)


@router.get("/campaigns/{campaign_id}/report", response_model=ReportOut,
            summary="Per merchant in the window: participants, conversions, revenue, commissions, costs, ROI")
def report(campaign_id: int, session: SessionDep, principal: CurrentPrincipal) -> ReportOut:
    return service.report(session, principal, campaign_id)

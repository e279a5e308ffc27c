from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from lianmeng.kit.pagination import Page, page_of
from lianmeng.merchants import repository, service
from lianmeng.merchants.domain import Industry, MerchantStatus, StaffRole
from lianmeng.merchants.schemas import (
    MerchantCreate,
    MerchantOut,
    MerchantUpdate,
    StaffCreate,
    StaffOut,
    StaffUpdate,
    StoreCreate,
    StoreOut,
    StoreUpdate,
)
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep

router = APIRouter(tags=["merchants 商户·门店·员工"])
Search = Annotated[str | None, Query(max_length=100, description="search in names")]


@router.get("/merchants", response_model=Page[MerchantOut])
def list_merchants(
    session: SessionDep, principal: CurrentPrincipal, paging: Paging, q: Search = None,
    industry: Industry | None = None, status: MerchantStatus | None = None,
    tag: Annotated[str | None, Query(max_length=30)] = None,
    min_rating: Annotated[float | None, Query(ge=0, le=5)] = None,
) -> Page[MerchantOut]:
    stmt = repository.list_merchants(
        principal, q=q, industry=industry, status=status, tag=tag, min_rating=min_rating
    )
    return page_of(session, stmt, paging, MerchantOut)


@router.post("/merchants", response_model=MerchantOut, status_code=201)
def create_merchant(body: MerchantCreate, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: MerchantOut.model_validate(service.create_merchant(writer.session, writer.principal, body)), body, 201
    )


@router.get("/merchants/{merchant_id}", response_model=MerchantOut)
def get_merchant(merchant_id: int, session: SessionDep, principal: CurrentPrincipal) -> MerchantOut:
    return MerchantOut.model_validate(repository.get_merchant(session, principal, merchant_id))


@router.patch("/merchants/{merchant_id}", response_model=MerchantOut)
def update_merchant(merchant_id: int, body: MerchantUpdate, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: MerchantOut.model_validate(
            service.update_merchant(writer.session, writer.principal, merchant_id, body)
        ),
        body,
    )


@router.get("/stores", response_model=Page[StoreOut])
def list_stores(
    session: SessionDep, principal: CurrentPrincipal, paging: Paging, q: Search = None,
    merchant_id: int | None = None, district: Annotated[str | None, Query(max_length=60)] = None,
    active: bool | None = None,
) -> Page[StoreOut]:
    stmt = repository.list_stores(principal, merchant_id=merchant_id, q=q, district=district, active=active)
    return page_of(session, stmt, paging, StoreOut)


@router.post("/merchants/{merchant_id}/stores", response_model=StoreOut, status_code=201)
def create_store(merchant_id: int, body: StoreCreate, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: StoreOut.model_validate(service.create_store(writer.session, writer.principal, merchant_id, body)),
        body,
        201,
    )


@router.get("/stores/{store_id}", response_model=StoreOut)
def get_store(store_id: int, session: SessionDep, principal: CurrentPrincipal) -> StoreOut:
    return StoreOut.model_validate(repository.get_store(session, principal, store_id))


@router.patch("/stores/{store_id}", response_model=StoreOut)
def update_store(store_id: int, body: StoreUpdate, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: StoreOut.model_validate(service.update_store(writer.session, writer.principal, store_id, body)), body
    )


@router.get("/staff", response_model=Page[StaffOut])
def list_staff(
    session: SessionDep, principal: CurrentPrincipal, paging: Paging, q: Search = None,
    merchant_id: int | None = None, store_id: int | None = None, role: StaffRole | None = None,
    active: bool | None = None,
) -> Page[StaffOut]:
    stmt = repository.list_staff(
        principal, merchant_id=merchant_id, store_id=store_id, role=role, q=q, active=active
    )
    return page_of(session, stmt, paging, StaffOut)


@router.post("/merchants/{merchant_id}/staff", response_model=StaffOut, status_code=201)
def create_staff(merchant_id: int, body: StaffCreate, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: StaffOut.model_validate(service.create_staff(writer.session, writer.principal, merchant_id, body)),
        body,
        201,
    )


@router.get("/staff/{staff_id}", response_model=StaffOut)
def get_staff(staff_id: int, session: SessionDep, principal: CurrentPrincipal) -> StaffOut:
    return StaffOut.model_validate(repository.get_staff(session, principal, staff_id))


@router.patch("/staff/{staff_id}", response_model=StaffOut)
def update_staff(staff_id: int, body: StaffUpdate, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: StaffOut.model_validate(service.update_staff(writer.session, writer.principal, staff_id, body)), body
    )

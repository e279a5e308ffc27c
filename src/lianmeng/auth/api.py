from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from lianmeng.auth import repository, service
from lianmeng.auth.domain import Role
from lianmeng.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    CardLogin,
    CodeLogin,
    CodeRequest,
    LoginIn,
    TokenOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from lianmeng.db import transaction
from lianmeng.kit.errors import Invalid
from lianmeng.kit.pagination import Page, page_of
from lianmeng.members.domain import normalize_phone
from lianmeng.merchants import repository as merchants_repo
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep, oauth2
from lianmeng.web.openapi import may_answer

router = APIRouter(tags=["auth 登录·账号"])


def _token_out(issued: service.IssuedToken) -> TokenOut:
    p = issued.principal
    return TokenOut(
        access_token=issued.access_token, expires_at=issued.expires_at, role=p.role, alliance_id=p.alliance_id,
        merchant_id=p.merchant_id, member_id=p.member_id,
    )


@router.post("/auth/token", response_model=TokenOut, summary="Password login (OAuth2 form; used by /docs)",
             responses=may_answer(401, 429))
def token(session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenOut:
    with transaction(session) as unit, unit.keeping_refusal():  # a refused login is audited and counted
        issued = service.login(session, form.username, form.password)
    return _token_out(issued)


@router.post("/auth/login", response_model=TokenOut, summary="Password login (JSON)", responses=may_answer(401, 429))
def login(session: SessionDep, body: LoginIn) -> TokenOut:
    with transaction(session) as unit, unit.keeping_refusal():  # a refused login is audited and counted
        issued = service.login(session, body.username, body.password)
    return _token_out(issued)


@router.post("/auth/logout", status_code=204, summary="End this bearer token now (it answers 401 afterwards)",
             responses=may_answer(401))
def logout(
    session: SessionDep, principal: CurrentPrincipal, bearer: Annotated[str | None, Depends(oauth2)]
) -> Response:
    if bearer and principal.kind != "api_key":
        with transaction(session):
            service.revoke_token(session, bearer)
    return Response(status_code=204)


@router.get("/auth/whoami", summary="The caller as the server sees it")
def whoami(principal: CurrentPrincipal) -> dict[str, object]:
    return {
        "kind": principal.kind, "id": principal.id, "role": principal.role, "alliance_id": principal.alliance_id,
        "merchant_id": principal.merchant_id, "store_id": principal.store_id, "staff_id": principal.staff_id,
        "member_id": principal.member_id, "label": principal.label,
    }


def _phone(raw: str) -> str:
    phone = normalize_phone(raw)
    if phone is None:
        raise Invalid("invalid_phone")
    return phone


@router.post("/auth/member/code", status_code=202, summary="Send a member a one-time login code",
             responses=may_answer(429))
def request_code(session: SessionDep, body: CodeRequest) -> dict[str, bool]:
    with transaction(session):
        service.request_code(session, body.alliance_id, _phone(body.phone))
    return {"accepted": True}


@router.post("/auth/member/code/verify", response_model=TokenOut, summary="Member login with the one-time code",
             responses=may_answer(401, 429))
def verify_code(session: SessionDep, body: CodeLogin) -> TokenOut:
    with transaction(session) as unit, unit.keeping_refusal():  # the failed-attempt count is what stops guessing
        issued = service.verify_code(session, body.alliance_id, _phone(body.phone), body.code)
    return _token_out(issued)


@router.post("/auth/member/card", response_model=TokenOut, summary="Member login by scanning the alliance card QR")
def card_login(session: SessionDep, body: CardLogin) -> TokenOut:
    return _token_out(service.login_with_card(session, body.qr_payload))


@router.get("/users", response_model=Page[UserOut])
def list_users(
    session: SessionDep, principal: CurrentPrincipal, paging: Paging, role: Role | None = None,
    merchant_id: int | None = None, q: Annotated[str | None, Query(max_length=60)] = None,
) -> Page[UserOut]:
    stmt = repository.list_users(principal, role=role, merchant_id=merchant_id, q=q)
    return page_of(session, stmt, paging, UserOut)


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserCreate, writer: WriterDep) -> JSONResponse:
    data = service.NewUser(
        username=body.username, password=body.password, role=body.role, display_name=body.display_name,
        alliance_id=body.alliance_id, merchant_id=body.merchant_id, staff_id=body.staff_id,
    )
    fingerprint_body = body.model_copy(update={"password": "***"})
    return writer.run(
        lambda: UserOut.model_validate(service.create_user(writer.session, writer.principal, data)),
        fingerprint_body,
        201,
    )


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(user_id: int, session: SessionDep, principal: CurrentPrincipal) -> UserOut:
    return UserOut.model_validate(repository.get_user(session, principal, user_id))


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(user_id: int, body: UserUpdate, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: UserOut.model_validate(
            service.update_user(
                writer.session, writer.principal, user_id, display_name=body.display_name, active=body.active,
                password=body.password,
            )
        ),
        body.model_copy(update={"password": "***" if body.password else None}),
    )


@router.get("/merchants/{merchant_id}/api-keys", response_model=Page[ApiKeyOut], tags=["api keys"])
def list_api_keys(
    merchant_id: int, session: SessionDep, principal: CurrentPrincipal, paging: Paging
) -> Page[ApiKeyOut]:
    merchant = merchants_repo.get_merchant(session, principal, merchant_id)
    return page_of(session, repository.list_api_keys(principal, merchant.id), paging, ApiKeyOut)


@router.post("/merchants/{merchant_id}/api-keys", response_model=ApiKeyCreated, status_code=201, tags=["api keys"])
def create_api_key(merchant_id: int, body: ApiKeyCreate, writer: WriterDep) -> JSONResponse:
    def act() -> ApiKeyCreated:
        key, full = service.create_api_key(writer.session, writer.principal, merchant_id, body.name)
        return ApiKeyCreated(**ApiKeyOut.model_validate(key).model_dump(), key=full)

    return writer.run(act, body, 201)


@router.post("/api-keys/{key_id}/revoke", response_model=ApiKeyOut, tags=["api keys"])
def revoke_api_key(key_id: int, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: ApiKeyOut.model_validate(service.revoke_api_key(writer.session, writer.principal, key_id))
    )

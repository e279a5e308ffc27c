"""Annotated dependencies shared by every router: session, caller, language, write helper."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from pydantic import BaseModel
from sqlalchemy.orm import Session

from lianmeng.db import pinned_session
from lianmeng.kit import idempotency
from lianmeng.kit.errors import Unauthorized
from lianmeng.kit.i18n import pick_language
from lianmeng.kit.pagination import PageParams, page_params
from lianmeng.tenancy import Principal
from lianmeng.web import callers
from lianmeng.web.responses import FastJSONResponse

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
# the IETF draft's sf-string (printable ASCII), without the spaces a proxy would strip from either end
IDEMPOTENCY_KEY = r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$"
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="A merchant integration key")


def get_session(request: Request) -> Iterator[Session]:
    """One session and ONE database connection per request, shared by authentication, the endpoint and the
    Idempotency-Key claim (docs/capacity.md). Reads never commit; writes commit through `Writer.run`."""
    with pinned_session(request.app.state.database_url) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_principal(
    request: Request,
    session: SessionDep,
    bearer: Annotated[str | None, Depends(oauth2)],
    api_key: Annotated[str | None, Depends(api_key_header)],
) -> Principal:
    if api_key:
        principal = callers.principal_from_api_key(session, api_key)
    elif bearer:
        principal = callers.principal_from_bearer(session, bearer)
    else:
        raise Unauthorized()
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def get_language(request: Request) -> str:
    return pick_language(request.headers.get("accept-language"))


Language = Annotated[str, Depends(get_language)]
Paging = Annotated[PageParams, Depends(page_params)]


class Writer:
    """Runs one write use case in one transaction, once per Idempotency-Key."""

    def __init__(self, request: Request, session: Session, principal: Principal, key: str | None) -> None:
        self.request = request
        self.session = session
        self.principal = principal
        self.key = key

    def run(
        self, action: Callable[[], BaseModel | Any], body: BaseModel | None = None, status_code: int = 200
    ) -> JSONResponse:
        fp = idempotency.fingerprint(
            self.request.method, self.request.url.path, body.model_dump(mode="json") if body is not None else None
        )

        def execute() -> tuple[int, Any]:
            result = action()
            return status_code, jsonable_encoder(result)

        code, payload, replayed = idempotency.run_once(
            self.session, self.principal.idempotency_scope, self.key, fp, execute
        )
        headers = {"Idempotent-Replayed": "true"} if replayed else None
        return FastJSONResponse(payload, status_code=code, headers=headers)


def get_writer(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", min_length=1, max_length=255, pattern=IDEMPOTENCY_KEY,
               description="Retry-safe key, kept for at least 24 hours: visible ASCII, e.g. a UUID"),
    ] = None,
) -> Writer:
    return Writer(request, session, principal, idempotency_key)


WriterDep = Annotated[Writer, Depends(get_writer)]


"""The audit trail over the API: read and export, never write (the trail is appended by the audited services)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from lianmeng.audit import service
from lianmeng.audit.domain import AuditAction, ObjectType
from lianmeng.audit.repository import Filters
from lianmeng.audit.schemas import AuditEventOut
from lianmeng.kit.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, to_csv, to_xlsx
from lianmeng.kit.pagination import Page, page_of
from lianmeng.web.deps import CurrentPrincipal, Language, Paging, SessionDep

router = APIRouter(tags=["audit 审计日志"])
MAX_ID = 2_147_483_647  # an INTEGER column: a larger id matches nothing, and must not reach the database


def audit_filters(
    alliance_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="the platform admin's choice")] = None,
    actor: Annotated[str | None, Query(max_length=80, description='a login name, or "user:7", "api_key:3"')] = None,
    action: AuditAction | None = None,
    object_type: ObjectType | None = None,
    object_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    date_from: Annotated[date | None, Query(description="first Beijing day, included")] = None,
    date_to: Annotated[date | None, Query(description="last Beijing day, included")] = None,
) -> Filters:
    return service.filters_of(alliance_id=alliance_id, actor=actor, action=action, object_type=object_type,
                              object_id=object_id, date_from=date_from, date_to=date_to)


AuditFilters = Annotated[Filters, Depends(audit_filters)]


@router.get("/audit-events", response_model=Page[AuditEventOut],
            summary="Administrative actions, newest first (operator: its alliance; merchant admin: its merchant's)")
def list_events(session: SessionDep, principal: CurrentPrincipal, paging: Paging, filters: AuditFilters
                ) -> Page[AuditEventOut]:
    return page_of(session, service.events(principal, filters), paging, AuditEventOut)


@router.get("/audit-events/export", summary="The filtered trail as an XLSX (or CSV) file, times in Beijing",
            response_class=Response, responses={200: {"content": {XLSX_MEDIA_TYPE: {}, CSV_MEDIA_TYPE: {}}}})
def export_events(session: SessionDep, principal: CurrentPrincipal, language: Language, filters: AuditFilters,
                  format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "xlsx") -> Response:
    sheet = service.sheet(session, principal, filters, language)
    body, media = (to_csv(sheet), CSV_MEDIA_TYPE) if format == "csv" else (to_xlsx(sheet), XLSX_MEDIA_TYPE)
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="audit-events.{format}"'})

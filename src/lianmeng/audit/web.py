"""Console page of the audit trail (/console/audit): filters (actor, action, object, Beijing dates), a page of
events with their before/after, and the same selection as an XLSX file. The operator reads its alliance's trail,
a merchant's admin only what its own merchant's logins and keys did (tenancy/policy.audit_events); other logins
are refused. Bad filter values are shown next to the form, never a 500."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response

from lianmeng.audit import service
from lianmeng.audit.domain import AuditAction, ObjectType
from lianmeng.audit.repository import Filters, as_text
from lianmeng.auth.domain import Role
from lianmeng.kit.errors import AppError, Forbidden
from lianmeng.kit.exports import XLSX_MEDIA_TYPE, to_xlsx
from lianmeng.kit.pagination import PageParams, paginate
from lianmeng.web.console import Page, StaffPage

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
FIELDS = ("actor", "action", "object_type", "object_id", "date_from", "date_to", "alliance_id")


def _reader(page: Page) -> None:
    if page.me.role not in (Role.PLATFORM_ADMIN, Role.OPERATOR_ADMIN, Role.MERCHANT_ADMIN) or page.me.promoter:
        raise Forbidden()


def _filters(page: Page) -> tuple[Filters, dict[str, str], dict[str, str]]:
    """The query's filters, the values as typed (for the form), and the errors by field (the rest still applies)."""
    query = page.request.query_params
    values = {name: query.get(name, "").strip()[:80] for name in FIELDS}
    errors: dict[str, str] = {}

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(values[name]) if values[name] else None
        except ValueError:
            errors[name] = page.t("日期格式应为 2026-12-07", "A date looks like 2026-12-07")
            return None

    def number(name: str) -> int | None:
        text = values[name]
        if text and not (text.isascii() and text.isdigit() and len(text) < 10):
            errors[name] = page.t("请输入编号(数字)", "Enter an id (digits)")
            return None
        return int(text) if text else None

    action = values["action"] if values["action"] in set(AuditAction) else None
    object_type = values["object_type"] if values["object_type"] in set(ObjectType) else None
    date_from, date_to = day("date_from"), day("date_to")
    object_id, alliance_id = number("object_id"), number("alliance_id")
    try:
        filters = service.filters_of(alliance_id=alliance_id, actor=values["actor"], action=action,
                                     object_type=object_type, object_id=object_id, date_from=date_from,
                                     date_to=date_to)
    except AppError as error:
        errors["date_to"] = page.error_text(error)
        filters = service.filters_of(alliance_id=alliance_id, actor=values["actor"], action=action,
                                     object_type=object_type, object_id=object_id, date_from=date_from)
    return filters, values, errors


def _page_number(page: Page) -> int:
    raw = page.request.query_params.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 7 and int(raw) > 0 else 1


@router.get("/console/audit")
def audit_page(page: StaffPage) -> Response:
    _reader(page)
    filters, values, errors = _filters(page)
    number = _page_number(page)
    events, total = paginate(page.session, service.events(page.me, filters), PageParams(page=number,
                                                                                          page_size=PAGE_SIZE))
    rows: list[dict[str, Any]] = [{"event": e, "before": as_text(e.before), "after": as_text(e.after)}
                                  for e in events]
    export_query = urlencode({k: v for k, v in values.items() if v and k not in errors})
    return page.render("audit/index.html", rows=rows, total=total, number=number,
                       pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), values=values, errors=errors,
                       actions=list(AuditAction), objects=list(ObjectType), export_query=export_query,
                       status_code=422 if errors else 200)


@router.get("/console/audit/export")
def audit_export(page: StaffPage) -> Response:
    _reader(page)
    filters, _, errors = _filters(page)
    if errors:
        return audit_page(page)
    try:
        sheet = service.sheet(page.session, page.me, filters, page.lang)
    except AppError as error:
        return page.render("audit/index.html", status_code=error.status_code, rows=[], total=0, number=1, pages=1,
                           values={}, errors={"export": page.error_text(error)}, actions=list(AuditAction),
                           objects=list(ObjectType), export_query="")
    return Response(to_xlsx(sheet), media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="audit-events.xlsx"'})

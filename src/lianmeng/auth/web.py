"""Console login and logout (a cookie holding the same token as the API), and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse, Response

from lianmeng.auth import service
from lianmeng.auth.domain import Role
from lianmeng.db import transaction
from lianmeng.kit import clock
from lianmeng.kit.errors import AppError
from lianmeng.kit.i18n import LANGUAGES
from lianmeng.kit.throttle import Throttled
from lianmeng.web.console import (
    LANG_COOKIE,
    SESSION_COOKIE,
    OpenPage,
    StaffPage,
    end_session,
    form_of,
    home_of,
    safe_next,
)

router = APIRouter(include_in_schema=False)
SafeNext = Annotated[str, Query(max_length=300)]


@router.get("/login")
def login_form(page: OpenPage, next: SafeNext = "") -> Response:
    if page.principal is not None and page.principal.role is not Role.MEMBER:
        return page.redirect(safe_next(next) or home_of(page.principal))
    return page.render("auth/login.html", next=safe_next(next), errors={}, values={})


@router.post("/login")
async def login(page: OpenPage) -> Response:
    values = await form_of(page)
    username, password = values.get("username", "").strip(), values.get("password", "")
    errors = {}
    if not username:
        errors["username"] = page.t("请输入用户名", "Enter your username")
    if not password:
        errors["password"] = page.t("请输入密码", "Enter your password")
    status_code, headers = 422, {}
    if not errors:
        try:
            with transaction(page.session) as unit, unit.keeping_refusal():  # a refusal is audited
                issued = service.login(page.session, username, password)
        except AppError as error:
            errors["password"] = page.error_text(error)
            if isinstance(error, Throttled):
                status_code, headers = 429, {"Retry-After": str(error.retry_after)}
    if errors:
        shown = page.render("auth/login.html", status_code=status_code, next=safe_next(values.get("next", "")),
                            errors=errors, values={"username": username})
        shown.headers.update(headers)
        return shown
    response = page.redirect(safe_next(values.get("next", "")) or home_of(issued.principal))
    lifetime = int((issued.expires_at - clock.now()).total_seconds())  # the cookie ends with its token
    response.set_cookie(SESSION_COOKIE, issued.access_token, httponly=True, samesite="strict", max_age=max(lifetime, 0))
    return response


@router.post("/logout")
async def logout(page: OpenPage) -> Response:
    await form_of(page)
    end_session(page, page.request.cookies.get(SESSION_COOKIE))
    response = page.redirect("/login")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{code}")
def switch_language(code: str, next: SafeNext = "/") -> Response:
    response = RedirectResponse(safe_next(next) or "/", status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax")
    return response


@router.get("/console")
def console_home(page: StaffPage) -> Response:
    return page.redirect(home_of(page.me))

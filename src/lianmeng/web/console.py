"""What every console page shares: Jinja2 with money, time and language helpers; a cookie session carrying the
same token as the API (so the same tenancy policy applies); CSRF tokens on forms; and form errors shown next to
their field in the reader's language.

Pages are thin doors like the API: they call the same services, and each write commits once.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from lianmeng import __version__
from lianmeng.auth import service as auth_service
from lianmeng.auth.domain import Role
from lianmeng.config import get_settings
from lianmeng.db import transaction
from lianmeng.kit.clock import format_local, shanghai
from lianmeng.kit.errors import AppError
from lianmeng.kit.i18n import LANGUAGES, count, pick_language, translate
from lianmeng.kit.money import format_yuan
from lianmeng.kit.types import MAX_FEN
from lianmeng.tenancy import Principal
from lianmeng.web import labels
from lianmeng.web.deps import SessionDep
from lianmeng.web.security import VISITOR_COOKIE

TEMPLATES = Path(__file__).parent / "templates"
SESSION_COOKIE = "lm_session"
MEMBER_COOKIE = "lm_member"
LANG_COOKIE = "lm_lang"

templates = Jinja2Templates(directory=TEMPLATES)
Model = TypeVar("Model", bound=BaseModel)
Result = TypeVar("Result")


def _yuan(fen: int | None) -> str:
    return "—" if fen is None else format_yuan(int(fen))


def _local_date(at: datetime | None) -> str:
    return "" if at is None else shanghai(at).strftime("%Y-%m-%d")


@pass_context
def _label(context: Mapping[str, Any], code: str | None, table: str) -> str:
    """`{{ member.status|label("member_status") }}`: a stored code in the reader's language (web/labels.py)."""
    return labels.label(table, code, str(context.get("lang", "zh-CN")))


@pass_context
def _count(context: Mapping[str, Any], n: int, zh: str, one: str, other: str | None = None) -> str:
    """`{{ count(total, "位会员", "member") }}`: 1 位会员 / 1 member / 3 members."""
    return count(int(n), str(context.get("lang", "zh-CN")), zh, one, other)


templates.env.filters["yuan"] = _yuan
templates.env.globals["count"] = _count
templates.env.filters["label"] = _label
templates.env.filters["local"] = format_local
templates.env.filters["local_date"] = _local_date
templates.env.globals["version"] = __version__


class LoginRequired(Exception):
    """No valid session for a page that needs one: the app answers with a redirect to the login page."""

    def __init__(self, next_path: str, member: bool = False) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.member = member


def language(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    return chosen if chosen in LANGUAGES else pick_language(request.headers.get("accept-language"))


def _csrf_of(basis: str, secret: str | None = None) -> str:
    key = (secret or get_settings().secret_key).encode()
    return hmac.new(key, f"csrf:{basis}".encode(), hashlib.sha256).hexdigest()[:32]


def visitor_csrf_token(request: Request) -> str:
    """Bound to the visitor's random `lm_csrf` cookie (web/security.py); '' without one (nothing matches it)."""
    visitor = request.cookies.get(VISITOR_COOKIE)
    return _csrf_of(f"visitor:{visitor}") if visitor else ""


def csrf_token(request: Request) -> str:
    """Bound to the session cookie, or before login to the visitor's own random cookie: a form from another site
    cannot know it, and no two visitors share one. '' (matching nothing) for a request without either."""
    session = request.cookies.get(SESSION_COOKIE) or request.cookies.get(MEMBER_COOKIE)
    return _csrf_of(session) if session else visitor_csrf_token(request)


def accepted_csrf_tokens(request: Request) -> tuple[str, ...]:
    """`csrf_token`, and the same under each retired master secret: a form opened before a key switch
    (docs/operations-keys.md) still posts. Empty for a request without a session or visitor cookie."""
    session = request.cookies.get(SESSION_COOKIE) or request.cookies.get(MEMBER_COOKIE)
    visitor = request.cookies.get(VISITOR_COOKIE)
    basis = session or (f"visitor:{visitor}" if visitor else None)
    if basis is None:
        return ()
    return (_csrf_of(basis), *(_csrf_of(basis, secret) for secret in get_settings().retired_secrets))


@dataclass
class Page:
    """One page request: who is looking, in which language, and how to render for them."""

    request: Request
    session: Session
    lang: str
    principal: Principal | None = None
    flashes: list[str] = field(default_factory=list)

    @property
    def me(self) -> Principal:
        assert self.principal is not None
        return self.principal

    def t(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def count(self, n: int, zh: str, one: str, other: str | None = None) -> str:
        return count(n, self.lang, zh, one, other)

    def label(self, table: str, code: str | None) -> str:
        return labels.label(table, code, self.lang)

    def error_text(self, error: AppError) -> str:
        return translate(error.code, self.lang, **labels.error_params(error.code, error.params, self.lang))

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        base = {"page": self, "principal": self.principal, "lang": self.lang, "t": self.t,
                "csrf": csrf_token(self.request), "path": self.request.url.path,
                "query": str(self.request.url.query), "bell": self.unread_notifications()}
        return templates.TemplateResponse(self.request, template, {**base, **context}, status_code=status_code)

    def unread_notifications(self) -> int:
        """The bell's count in the console's header: the login's unread notifications (none for others)."""
        if self.principal is None or self.principal.kind != "user" or self.principal.role is Role.MEMBER:
            return 0
        from lianmeng.notifications import service as notifications

        return notifications.unread_count(self.session, self.principal)

    def redirect(self, url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)


def _principal(session: Session, token: str | None) -> Principal | None:
    if not token:
        return None
    try:
        return auth_service.principal_from_bearer(session, token)
    except AppError:
        return None


def safe_next(next_path: str) -> str:
    """Only paths on this site, so a login page is not an open redirect (//host and /\\host are other sites)."""
    ok = next_path.startswith("/") and not next_path.startswith(("//", "/\\"))
    return next_path if ok else ""


def _next(request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{request.url.path}{query}"


def open_page(request: Request, session: SessionDep) -> Page:
    """A page anyone may open (login, claim landing); the staff login is attached when there is one."""
    principal = _principal(session, request.cookies.get(SESSION_COOKIE))
    return Page(request, session, language(request), principal)


def staff_page(request: Request, session: SessionDep) -> Page:
    principal = _principal(session, request.cookies.get(SESSION_COOKIE))
    if principal is None or principal.role is Role.MEMBER:
        raise LoginRequired(_next(request))
    return Page(request, session, language(request), principal)


def member_page(request: Request, session: SessionDep) -> Page:
    principal = _principal(session, request.cookies.get(MEMBER_COOKIE))
    if principal is None or principal.role is not Role.MEMBER:
        raise LoginRequired(_next(request), member=True)
    return Page(request, session, language(request), principal)


OpenPage = Annotated[Page, Depends(open_page)]
StaffPage = Annotated[Page, Depends(staff_page)]
MemberPage = Annotated[Page, Depends(member_page)]


async def form_of(page: Page) -> dict[str, str]:
    """The posted form, after its CSRF token is checked (403 otherwise)."""
    data = await page.request.form()
    values = {key: value for key, value in data.items() if isinstance(value, str)}
    given = values.pop("csrf", "")
    if not any([hmac.compare_digest(given, expected) for expected in accepted_csrf_tokens(page.request)]):
        from lianmeng.kit.errors import Forbidden

        raise Forbidden("csrf_failed")
    return values


# what a person reads next to a field, by pydantic error type
FIELD_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("必填", "Required"),
    "string_too_short": ("不能为空或太短", "Too short"),
    "string_too_long": ("太长", "Too long"),
    "int_parsing": ("请输入整数", "Enter a whole number"),
    "decimal_parsing": ("请输入金额,如 1950.00", "Enter an amount such as 1950.00"),
    "greater_than": ("必须大于 {gt}", "Must be greater than {gt}"),
    "greater_than_equal": ("不能小于 {ge}", "Must be at least {ge}"),
    "less_than_equal": ("不能大于 {le}", "Must be at most {le}"),
    "string_pattern_mismatch": ("格式不正确", "Wrong format"),
    "literal_error": ("请选择一项", "Choose one of the options"),
    "enum": ("请选择一项", "Choose one of the options"),
    "date_from_datetime_parsing": ("请输入日期", "Enter a date"),
    "date_parsing": ("请输入日期", "Enter a date"),
    "datetime_parsing": ("请输入日期时间", "Enter a date and time"),
}


def field_errors(error: ValidationError, lang: str) -> dict[str, str]:
    """Field name → a readable message (the first problem of each field)."""
    out: dict[str, str] = {}
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem.get("loc") else "__all__"
        if name in out:
            continue
        zh, en = FIELD_MESSAGES.get(problem["type"], ("", ""))
        context = {k: str(v) for k, v in (problem.get("ctx") or {}).items()}
        fallback = str(problem["msg"]).removeprefix("Value error, ")
        out[name] = (en if lang == "en" else zh).format(**context) if zh else fallback
    return out


def parse(model: type[Model], values: Mapping[str, Any], lang: str) -> tuple[Model | None, dict[str, str]]:
    """Build a schema from form values: (model, {}) or (None, errors by field). Empty fields count as absent.
    Form values are strings, so the schema's strict JSON types (`lianmeng.kit.types`) are validated laxly here:
    "100" is 100 on a page, while a JSON body must say 100."""
    cleaned = {key: value for key, value in values.items() if value not in ("", None)}
    try:
        return model.model_validate(cleaned, strict=False), {}
    except ValidationError as error:
        return None, field_errors(error, lang)


def yuan_to_fen(text: str) -> int | None:
    """'1,950.00' or '¥1950' → 195000 fen, exactly (no float); None if it is not an amount with ≤ 2 decimals.
    No bounds here: `yuan_field` says what is too large or too small."""
    cleaned = text.strip().replace(",", "").replace("¥", "").replace("￥", "")
    if not cleaned or len(cleaned) > 40:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def yuan_field(page: Page, text: str, *, required: bool = True, minimum: Literal["positive", "zero", "any"] =
               "positive", max_fen: int = MAX_FEN) -> tuple[int | None, str | None]:
    """Every amount typed in yuan on every page: (fen, None), (None, None) when empty and optional, or (None, the
    message shown next to the field in the reader's language). The cap is the API's (`kit.types.MAX_FEN`,
    ¥100,000,000.00, or a smaller one such as a commission's), so a page never accepts what the API refuses."""
    if not text.strip():
        return (None, page.t("请输入金额", "Enter an amount")) if required else (None, None)
    fen = yuan_to_fen(text)
    if fen is None:
        return None, page.t("请输入金额,最多两位小数,如 199.00", "Enter an amount with at most 2 decimals, e.g. 199.00")
    if abs(fen) > max_fen:
        cap = format_yuan(max_fen)
        return None, page.t(f"金额过大,上限 {cap}", f"Amount too large, at most {cap}")
    if minimum == "positive" and fen <= 0:
        return None, page.t("金额必须大于 0", "The amount must be more than 0")
    if minimum == "zero" and fen < 0:
        return None, page.t("金额不能为负数", "The amount cannot be negative")
    return fen, None


def attempt(page: Page, action: Callable[[], Result], *, keep: bool = True) -> tuple[Result | None, AppError | None]:
    """Run one write in this request's unit of work (`db.transaction`): (result, None) committed, or (None, the
    refusal) rolled back, its code saying which field it belongs next to. `keep=False` rolls back even on success:
    a dry run with the real figures."""
    try:
        with transaction(page.session) as unit:
            result = action()
            if not keep:
                unit.discard()
        return result, None
    except AppError as error:
        return None, error


def run_write(page: Page, action: Callable[[], Any]) -> tuple[Any, str | None]:
    """`attempt`, with the refusal as the message shown on the page in the reader's language."""
    result, error = attempt(page, action)
    return result, None if error is None else page.error_text(error)


def end_session(page: Page, token: str | None) -> None:
    """Logout: the cookie's token stops working everywhere (a copy of it answers 401 from now on)."""
    if not token:
        return
    with transaction(page.session) as unit:
        if not auth_service.revoke_token(page.session, token):
            unit.discard()


def login_redirect(error: LoginRequired) -> RedirectResponse:
    target = "/m/login" if error.member else "/login"
    return RedirectResponse(f"{target}?next={quote(error.next_path)}", status_code=303)


def home_of(principal: Principal) -> str:
    if principal.role is Role.MEMBER:
        return "/m"
    if principal.is_operator:
        return "/console/operator"
    if principal.promoter:
        return "/console/coupons"  # a promoter shares coupons' claim links; it runs no till
    if principal.role is Role.STORE_STAFF:
        return "/console/counter"
    return "/console/dashboard"

"""Errors users see: a machine-readable code, an HTTP status and a message translated per request.

Each capability lists the codes it raises in one `ErrorCode` enum (its `errors.py`), the zh-CN and en messages
beside each code:

    class Problem(ErrorCode):
        STATEMENT_SIDE = "statement_side", "对账单操作方不符", "This side cannot do that to the statement"

and raises `Invalid(Problem.STATEMENT_SIDE)`. The code string is what API clients see, so a code never changes
once published. kit/i18n.py finds every ErrorCode enum (importing each capability's `errors` module) and answers
with its messages; codes shared by all capabilities are `Common` below.
"""

from __future__ import annotations

from typing import Any

from lianmeng.kit.vocab import LabelledEnum


class ErrorCode(LabelledEnum):
    """An error code with its message templates in zh-CN and en (`{name}` placeholders filled from the error's
    parameters)."""

    def message(self, lang: str) -> str:
        return self.label(lang)


class Common(ErrorCode):
    """Codes every capability and door may raise."""

    NOT_FOUND = "not_found", "未找到{what}", "{what} not found"
    FORBIDDEN = "forbidden", "无权执行此操作", "You are not allowed to do this"
    CSRF_FAILED = "csrf_failed", "页面已过期,请刷新后重试", "This form has expired; reload the page and try again"
    NOT_AUTHENTICATED = "not_authenticated", "请先登录", "Authentication required"
    VALIDATION_ERROR = "validation_error", "请求参数有误", "The request is invalid"
    MALFORMED_JSON = "malformed_json", "请求体不是有效的 JSON", "The request body is not valid JSON"
    BODY_TOO_LARGE = "body_too_large", "请求体过大(上限 {limit} 字节)", "Request body too large (limit {limit} bytes)"
    METHOD_NOT_ALLOWED = "method_not_allowed", "不支持该请求方法", "Method not allowed"
    ROUTE_NOT_FOUND = "route_not_found", "接口不存在", "No such endpoint"
    PAGE_NOT_FOUND = "page_not_found", "页面不存在", "Page not found"
    CONFLICT = "conflict", "数据冲突,请刷新后重试", "Conflicting data; reload and retry"
    INTERNAL_ERROR = "internal_error", "服务器内部错误", "Internal server error"
    SERVER_BUSY = (
        "server_busy",
        "服务器繁忙,本次请求未被处理,请 {seconds} 秒后重试",
        "The server is busy and did not process this request; retry in {seconds} s",
    )
    DUPLICATE = "duplicate", "{what}已存在", "{what} already exists"
    WRONG_MERCHANT = "wrong_merchant", "{what}不属于该商户", "{what} does not belong to this merchant"
    WRONG_ALLIANCE = "wrong_alliance", "{what}不属于该联盟", "{what} is not in this alliance"
    IDEMPOTENCY_IN_PROGRESS = (
        "idempotency_in_progress",
        "相同幂等键的请求仍在处理中,请稍后重试",
        "A request with this Idempotency-Key is still being processed; retry later",
    )
    IDEMPOTENCY_MISMATCH = (
        "idempotency_mismatch",
        "该幂等键已用于不同的请求内容",
        "This Idempotency-Key was already used with a different request body",
    )
    IDEMPOTENCY_KEY_INVALID = (
        "idempotency_key_invalid",
        "幂等键须为 1–255 个可见字符",
        "Idempotency-Key must be 1–255 visible characters",
    )


class AppError(Exception):
    """Raised by services and doors; rendered as {"error": {"code", "message", "details"}}."""

    status_code = 400

    def __init__(self, code: str | ErrorCode, status_code: int | None = None, details: Any = None,
                 **params: Any) -> None:
        super().__init__(str(code))
        self.code: str = code
        if status_code is not None:
            self.status_code = status_code
        self.details = details
        self.params = params


class NotFound(AppError):
    status_code = 404

    def __init__(self, what: str, **params: Any) -> None:
        super().__init__("not_found", what=what, **params)


class Forbidden(AppError):
    status_code = 403

    def __init__(self, code: str | ErrorCode = "forbidden", **params: Any) -> None:
        super().__init__(code, **params)


class Unauthorized(AppError):
    status_code = 401

    def __init__(self, code: str | ErrorCode = "not_authenticated", **params: Any) -> None:
        super().__init__(code, **params)


class Conflict(AppError):
    status_code = 409


class Invalid(AppError):
    status_code = 422

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

"""Errors users see: a machine-readable code, an HTTP status and a message key translated per request."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """Raised by services and doors; rendered as {"error": {"code", "message", "details"}}."""

    status_code = 400

    def __init__(self, code: str, status_code: int | None = None, details: Any = None, **params: Any) -> None:
        super().__init__(code)
        self.code = code
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

    def __init__(self, code: str = "forbidden", **params: Any) -> None:
        super().__init__(code, **params)


class Unauthorized(AppError):
    status_code = 401

    def __init__(self, code: str = "not_authenticated", **params: Any) -> None:
        super().__init__(code, **params)


class Conflict(AppError):
    status_code = 409


class Invalid(AppError):
    status_code = 422

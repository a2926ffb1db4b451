"""Errors users can act on. Each maps to an HTTP status, a stable code and a message in
Chinese and English that names the field and what is expected. Anything else is a bug and
reaches users only as a generic 500 without a stack trace."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        message_zh: str | None = None,
        *,
        field: str | None = None,
        details: Any = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh or message
        self.field = field
        self.details = details
        if code:
            self.code = code

    def localized(self, language: str) -> str:
        return self.message_zh if language == "zh" else self.message

    def envelope(self, language: str = "en") -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": self.localized(language),
                "field": self.field,
                "details": self.details,
            }
        }


class InvalidInput(AppError):
    status = 422
    code = "invalid"


class NotAuthenticated(AppError):
    status = 401
    code = "not_authenticated"


class PermissionDenied(AppError):
    status = 403
    code = "forbidden"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class AccountLocked(AppError):
    status = 423
    code = "account_locked"


class RateLimited(AppError):
    status = 429
    code = "rate_limited"

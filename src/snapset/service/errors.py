"""Domain errors with a stable code; the API turns them into `{"detail": {code, message}}`."""

from __future__ import annotations


class ServiceError(Exception):
    """Base: `code` is stable (clients translate it), `message` is for humans."""

    status = 400

    def __init__(self, code: str, message: str, **extra: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Unauthorized(ServiceError):
    status = 401


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    status = 422


class TooLarge(ServiceError):
    status = 413


class RateLimited(ServiceError):
    status = 429

"""FastAPI dependencies: the platform, a database session per request, the caller.

Callers authenticate with `Authorization: Bearer <api token>` (scripts; no CSRF) or with
the `snapset_session` cookie (browsers); a cookie-authenticated unsafe request must echo
the `snapset_csrf` cookie in the `X-CSRF-Token` header (double submit, checked against
the value stored with the session).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from snapset.service import auth
from snapset.service.errors import Forbidden, Unauthorized
from snapset.service.platform import Platform
from snapset.service.users import User

SESSION_COOKIE = "snapset_session"
CSRF_COOKIE = "snapset_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_platform(request: Request) -> Platform:
    return request.app.state.platform  # type: ignore[no-any-return]


PlatformDep = Annotated[Platform, Depends(get_platform)]


def get_db(platform: PlatformDep) -> Iterator[Session]:
    """One session per request; the handler commits, anything unfinished is rolled back."""
    session = platform.sessions()
    try:
        yield session
    finally:
        session.close()


DbDep = Annotated[Session, Depends(get_db)]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    user: User
    via: str  # "session" | "token"

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def role(self) -> str:
        return self.user.role


def _authenticate(request: Request, db: Session) -> Principal | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = auth.token_user(db, header[7:].strip())
        if user is None:
            raise Unauthorized("invalid_token", "the API token is unknown, revoked or expired")
        return Principal(user=user, via="token")
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    found = auth.session_user(db, cookie)
    if found is None:
        return None
    user, row = found
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        cookie_csrf = request.cookies.get(CSRF_COOKIE, "")
        if (
            not sent
            or not hmac.compare_digest(sent, cookie_csrf)
            or not hmac.compare_digest(sent, row.csrf_token)
        ):
            raise Forbidden(
                "csrf_failed",
                f"missing or wrong {CSRF_HEADER} header (send the {CSRF_COOKIE} cookie's value)",
            )
    return Principal(user=user, via="session")


def current_principal(request: Request, platform: PlatformDep) -> Principal:
    """The caller; uses its own short session so none stays open during a long upload."""
    with platform.sessions() as db:
        principal = _authenticate(request, db)
        db.commit()
    if principal is None:
        raise Unauthorized("not_authenticated", "log in or send an API token")
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Callable[[Principal], Principal]:
    def check(principal: CurrentUser) -> Principal:
        if principal.role not in roles:
            raise Forbidden("forbidden", f"this needs the role {' or '.join(roles)}")
        return principal

    return check


AdminUser = Annotated[Principal, Depends(require_roles("admin"))]
StaffUser = Annotated[Principal, Depends(require_roles("admin", "reviewer", "annotator"))]
CollectorUser = Annotated[Principal, Depends(require_roles("collector"))]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None

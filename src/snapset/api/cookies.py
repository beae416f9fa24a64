"""Setting and clearing the session + CSRF cookies (used by login and collector sign-up)."""

from __future__ import annotations

from fastapi import Response

from snapset.api.deps import CSRF_COOKIE, SESSION_COOKIE
from snapset.service.auth import LoginResult
from snapset.service.platform import Platform


def set_login_cookies(response: Response, result: LoginResult, platform: Platform) -> None:
    max_age = platform.settings.session_ttl_seconds
    secure = platform.settings.cookie_secure
    response.set_cookie(
        SESSION_COOKIE,
        result.session_token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE,
        result.csrf_token,
        max_age=max_age,
        httponly=False,
        samesite="lax",
        secure=secure,
        path="/",
    )


def clear_login_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")

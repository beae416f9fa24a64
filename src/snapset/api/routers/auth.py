"""Login, logout, the caller's profile and their API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from snapset.api.cookies import clear_login_cookies, set_login_cookies
from snapset.api.deps import SESSION_COOKIE, CurrentUser, DbDep, PlatformDep, client_ip
from snapset.api.views import me_view
from snapset.service import auth

router = APIRouter(tags=["auth"])


class LoginIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    expires_at: datetime | None = None


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="The secret; shown only in this answer.")


@router.post("/auth/login")
def login(
    body: LoginIn, request: Request, response: Response, db: DbDep, platform: PlatformDep
) -> dict[str, Any]:
    """Check the password and set the `snapset_session` and `snapset_csrf` cookies."""
    result = auth.login(
        db,
        platform.hasher,
        platform.login_policy,
        username=body.username,
        password=body.password,
        client_ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    db.commit()
    set_login_cookies(response, result, platform)
    return me_view(db, result.user)


@router.post("/auth/logout", status_code=204)
def logout(request: Request, principal: CurrentUser, db: DbDep) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and principal.via == "session":
        auth.close_session(db, cookie)
        db.commit()
    response = Response(status_code=204)
    clear_login_cookies(response)
    return response


@router.get("/me")
def me(principal: CurrentUser, db: DbDep) -> dict[str, Any]:
    return me_view(db, principal.user)


@router.get("/me/tokens", response_model=list[TokenOut])
def list_tokens(principal: CurrentUser, db: DbDep) -> list[Any]:
    return auth.list_api_tokens(db, principal.id)  # type: ignore[return-value]


@router.post("/me/tokens", response_model=NewTokenOut, status_code=201)
def create_token(body: TokenIn, principal: CurrentUser, db: DbDep) -> dict[str, Any]:
    """Create an API token for scripts; the `token` field is shown once, then only its hash."""
    row, plaintext = auth.create_api_token(
        db, principal.user, body.name, expires_at=body.expires_at
    )
    db.commit()
    return {**TokenOut.model_validate(row, from_attributes=True).model_dump(), "token": plaintext}


@router.delete("/me/tokens/{token_id}", response_model=TokenOut)
def revoke_token(token_id: int, principal: CurrentUser, db: DbDep) -> Any:
    row = auth.revoke_api_token(db, principal.id, token_id)
    db.commit()
    return row

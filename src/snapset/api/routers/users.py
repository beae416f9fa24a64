"""Admin management of accounts (staff and collectors alike)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from snapset.api.deps import AdminUser, DbDep, PlatformDep
from snapset.service import users

router = APIRouter(tags=["users"])


class UserIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    role: str
    display_name: str | None = Field(default=None, max_length=128)
    email: str | None = Field(default=None, max_length=255)


class UserPatch(BaseModel):
    role: str | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, max_length=1024)


class UserOut(BaseModel):
    id: int
    username: str
    role: str
    display_name: str | None
    email: str | None
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


@router.get("/users", response_model=list[UserOut])
def list_users(_admin: AdminUser, db: DbDep, role: str | None = None) -> list[Any]:
    return users.list_users(db, role)  # type: ignore[return-value]


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserIn, admin: AdminUser, db: DbDep, platform: PlatformDep) -> Any:
    user = users.create_user(
        db,
        platform.hasher,
        username=body.username,
        password=body.password,
        role=body.role,
        actor_id=admin.id,
        display_name=body.display_name,
        email=body.email,
    )
    db.commit()
    return user


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(user_id: int, _admin: AdminUser, db: DbDep) -> Any:
    return users.get_user(db, user_id)


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(
    user_id: int, body: UserPatch, admin: AdminUser, db: DbDep, platform: PlatformDep
) -> Any:
    user = users.update_user(
        db,
        platform.hasher,
        users.get_user(db, user_id),
        actor_id=admin.id,
        role=body.role,
        is_active=body.is_active,
        password=body.password,
    )
    db.commit()
    return user

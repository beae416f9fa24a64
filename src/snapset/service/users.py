"""Accounts: creation, lookup, roles, activation, the first-start admin."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from snapset.service import audit
from snapset.service.auth import PasswordHasher
from snapset.service.errors import Conflict, Invalid, NotFound
from snapset.store.models import User

ROLES = ("admin", "reviewer", "annotator", "collector")
STAFF_ROLES = ("admin", "reviewer", "annotator")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")
MIN_PASSWORD_LENGTH = 8


def validate_credentials(username: str, password: str) -> None:
    if not USERNAME_RE.match(username):
        raise Invalid(
            "invalid_username",
            "username must be 3-64 characters: letters, digits, '_', '.', '@' or '-'",
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            "weak_password", f"password must be at least {MIN_PASSWORD_LENGTH} characters"
        )


def create_user(
    session: Session,
    hasher: PasswordHasher,
    *,
    username: str,
    password: str,
    role: str,
    actor_id: int | None,
    display_name: str | None = None,
    email: str | None = None,
) -> User:
    if role not in ROLES:
        raise Invalid("invalid_role", f"role must be one of {', '.join(ROLES)}")
    validate_credentials(username, password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict("username_taken", f"username {username!r} is already taken")
    user = User(
        username=username,
        password_hash=hasher.hash(password),
        role=role,
        display_name=display_name,
        email=email,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id if actor_id is not None else user.id,
        action="user.create",
        entity_type="user",
        entity_id=user.id,
        after={"username": username, "role": role},
    )
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user_not_found", f"no user {user_id}")
    return user


def list_users(session: Session, role: str | None = None) -> list[User]:
    query = select(User).order_by(User.id)
    if role:
        query = query.where(User.role == role)
    return list(session.scalars(query))


def update_user(
    session: Session,
    hasher: PasswordHasher,
    user: User,
    *,
    actor_id: int,
    role: str | None = None,
    is_active: bool | None = None,
    password: str | None = None,
) -> User:
    before = {"role": user.role, "is_active": user.is_active}
    if role is not None:
        if role not in ROLES:
            raise Invalid("invalid_role", f"role must be one of {', '.join(ROLES)}")
        user.role = role
    if is_active is not None:
        user.is_active = is_active
    if password is not None:
        validate_credentials(user.username, password)
        user.password_hash = hasher.hash(password)
    audit.record(
        session,
        actor_id=actor_id,
        action="user.update",
        entity_type="user",
        entity_id=user.id,
        before=before,
        after={
            "role": user.role,
            "is_active": user.is_active,
            "password_changed": password is not None,
        },
    )
    return user


def ensure_admin(
    session: Session, hasher: PasswordHasher, password: str | None
) -> tuple[User, str | None]:
    """Create user `admin` if no admin exists; returns (admin, generated password or None)."""
    existing = session.scalar(select(User).where(User.role == "admin").order_by(User.id))
    if existing is not None:
        return existing, None
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(12)
    user = create_user(
        session, hasher, username="admin", password=password, role="admin", actor_id=None
    )
    return user, generated
